// The refresher: figures of videos with an appearance are observed again
// through the source that listed them — a fake `yt-dlp -J` program, and a
// fake Research API on 127.0.0.1 asked by video id under the source's quota
// in the store — and each try is marked, failed or not; a cycle is bounded.
#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <mutex>
#include <thread>

#include "sources/tiktok_research.h"
#include "watch/refresher.h"
#include "watch/store_ledger.h"
#include "watch/surge_history.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

namespace tw::watch {
namespace {

using test::kDay;
using test::kHour;
using test::wall_clock_now;

// A yt-dlp stand-in: logs its arguments, fails for ids ending in 9, else
// prints a video document whose views grow with each call.
fs::path fake_ytdlp(const fs::path& dir) {
  const fs::path script = dir / "fake-yt-dlp";
  test::write_file(script, R"(#!/bin/sh
echo "$@" >> ")" + (dir / "calls.log").string() +
                               R"("
url=""
for a in "$@"; do url="$a"; done
case "$url" in *9) echo "ERROR: [TikTok] video unavailable" >&2; exit 1;; esac
n=$(wc -l < ")" + (dir / "calls.log").string() +
                               R"(")
id=${url##*/}
printf '{"id": "%s", "webpage_url": "%s", "extractor_key": "TikTok", "title": "t", "view_count": %d, "like_count": 40, "comment_count": 3, "repost_count": 2, "save_count": 1}\n' "$id" "$url" $((100000 * n))
)");
  ::chmod(script.c_str(), 0755);
  return script;
}

// A ytdlp source whose program is the fake.
SourceConfig ytdlp_feed(const fs::path& dir) {
  SourceConfig feed;
  feed.name = "feed";
  feed.kind = SourceKind::ytdlp;
  feed.ytdlp = fake_ytdlp(dir).string();
  return feed;
}

Config config_with(const std::vector<SourceConfig>& sources) {
  Config config;
  config.sources = sources;
  return config;  // [trend] defaults: refresh every 6h for 3d
}

TEST(Refresh, YtdlpFiguresAreRecordedAndFailuresWaitTheirTurn) {
  test::SurgeHistory h("refresh-ytdlp", wall_clock_now());
  const Config config = config_with({ytdlp_feed(h.dir())});
  const std::int64_t ok = h.add(h.now() - kHour, 5000);  // ids end in 1 and 2
  const std::int64_t ok2 = h.add(h.now() - kHour, 6000);
  h.advance(2 * kHour);
  Refresher refresher(h.store(), config);
  EXPECT_EQ(refresher.refresh_due().tried, 0) << "observed 2 h ago: not due before 6 h";

  h.advance(5 * kHour);
  RefreshReport first = refresher.refresh_due();
  EXPECT_EQ(first.tried, 2);
  EXPECT_EQ(first.refreshed, 2);
  EXPECT_EQ(first.failed, 0);
  auto observed = h.store().observations(ok);
  ASSERT_EQ(observed.size(), 2u);
  EXPECT_EQ(observed[0].views, 5000);
  EXPECT_TRUE(*observed[1].views == 100000 || *observed[1].views == 200000);
  EXPECT_EQ(observed[1].likes, 40);
  EXPECT_EQ(observed[1].saves, 1);
  EXPECT_EQ(observed[1].source, "feed");
  EXPECT_EQ(*h.store().video(ok2)->video.latest->views % 100000, 0);
  const std::string calls = test::read_file(h.dir() / "calls.log");
  EXPECT_NE(calls.find("-J --skip-download"), std::string::npos) << calls;
  EXPECT_EQ(refresher.refresh_due().tried, 0) << "just refreshed";

  // A video whose page fails is marked too, and tried again only 6 h later.
  for (int i = 0; i < 7; ++i) h.add(h.now() - kHour, 100);  // ids ...3 to ...9
  h.advance(7 * kHour);
  RefreshOptions bounded;
  bounded.max_videos = 4;
  Refresher limited(h.store(), config, bounded);
  RefreshReport a = limited.refresh_due();
  EXPECT_EQ(a.tried, 4);
  RefreshReport b = limited.refresh_due();
  EXPECT_EQ(b.tried, 4);
  RefreshReport c = limited.refresh_due();
  EXPECT_EQ(c.tried, 1);
  EXPECT_EQ(a.failed + b.failed + c.failed, 1);
  std::vector<std::string> errors = a.errors;
  errors.insert(errors.end(), b.errors.begin(), b.errors.end());
  errors.insert(errors.end(), c.errors.begin(), c.errors.end());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("video unavailable"), std::string::npos) << errors[0];
  EXPECT_EQ(limited.refresh_due().tried, 0);
  h.advance(6 * kHour + 1);
  EXPECT_EQ(limited.refresh_due().tried, 4);
}

TEST(Refresh, VideosOlderThanRefreshForAndFilesAreNotAskedFor) {
  test::SurgeHistory h("refresh-old", wall_clock_now());
  const Config config = config_with({ytdlp_feed(h.dir())});
  h.add(h.now(), 5000);
  h.advance(4 * kDay);  // first seen 4 days ago: past refresh_for
  Refresher refresher(h.store(), config);
  EXPECT_EQ(refresher.refresh_due().tried, 0);
  EXPECT_FALSE(fs::exists(h.dir() / "calls.log"));
}

// A Research API on 127.0.0.1 answering queries by video id.
class FakeResearch {
 public:
  FakeResearch() {
    server_.Post("/v2/oauth/token/", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(
          R"({"access_token": "clt.refresh-token", "expires_in": 7200, "token_type": "Bearer"})",
          "application/json");
    });
    server_.Post("/v2/research/video/query/", [this](const httplib::Request& req,
                                                     httplib::Response& res) {
      std::lock_guard lock(mutex_);
      json body = json::parse(req.body);
      bodies.push_back(body);
      std::string list;
      for (const auto& value : body["query"]["and"][0]["field_values"]) {
        const std::string id = value.get<std::string>();
        if (id.ends_with("2")) continue;  // deleted since: not returned
        list += std::string(list.empty() ? "" : ",") + R"({"id": )" + id +
                R"(, "username": "a", "create_time": 1714557600, "view_count": 777000,)"
                R"( "like_count": 5, "comment_count": 1, "share_count": 9, "favorites_count": 2})";
      }
      res.set_content(R"({"data": {"videos": [)" + list +
                          R"(], "cursor": 0, "has_more": false, "search_id": "s"},)"
                          R"( "error": {"code": "ok", "message": "", "log_id": "l"}})",
                      "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) std::this_thread::sleep_for(5ms);
  }
  ~FakeResearch() {
    server_.stop();
    thread_.join();
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<json> bodies;
  std::mutex mutex_;

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

TEST(Refresh, ResearchVideosAreAskedForByIdUnderTheSourcesQuota) {
  FakeResearch api;
  test::SurgeHistory h("refresh-research", wall_clock_now());
  SourceConfig research;
  research.name = "research";
  research.kind = SourceKind::tiktok_research;
  research.api_base = api.base();
  research.client_key_env = "TW_TEST_REFRESH_KEY";
  research.client_secret_env = "TW_TEST_REFRESH_SECRET";
  ::setenv("TW_TEST_REFRESH_KEY", "refresh-key", 1);
  ::setenv("TW_TEST_REFRESH_SECRET", "refresh-secret", 1);
  research.hashtags = {"news"};
  research.timeout = 10s;
  const Config config = config_with({research});
  const std::int64_t found = h.add(h.now() - kDay, 1000, "alice", "research");  // id ...1
  const std::int64_t gone = h.add(h.now() - kDay, 1000, "alice", "research");   // id ...2
  h.advance(7 * kHour);

  RefreshOptions options;
  options.retry_delays = {1ms};
  Refresher refresher(h.store(), config, options);
  RefreshReport report = refresher.refresh_due();
  EXPECT_EQ(report.tried, 2);
  EXPECT_EQ(report.refreshed, 1);
  EXPECT_EQ(report.failed, 1);
  ASSERT_FALSE(api.bodies.empty());
  const json& query = api.bodies[0]["query"]["and"][0];
  EXPECT_EQ(query["field_name"], "video_id");
  EXPECT_EQ(query["field_values"].size(), 2u);
  auto latest = h.store().video(found)->video.latest;
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->views, 777000);
  EXPECT_EQ(latest->shares, 9);
  EXPECT_EQ(latest->source, "research");
  EXPECT_EQ(h.store().video(gone)->video.latest->views, 1000);
  EXPECT_TRUE(h.store().video(gone)->video.refreshed_at);
  const std::string day = sources::yyyymmdd_utc(std::chrono::system_clock::now());
  EXPECT_GE(h.store().quota_usage(StoreLedger::quota_key("research"), day).requests, 1);
  EXPECT_EQ(refresher.refresh_due().tried, 0);
}

}  // namespace
}  // namespace tw::watch
