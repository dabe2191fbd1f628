// Issue 17 end to end: a TikTok Research API source (a fake API on
// 127.0.0.1 following the documented shapes) and a Zeeschuimer export folder
// in one `trendwatch watch --once` of the real binary, with a webhook
// receiver on 127.0.0.1.  Each video is stored once with its hashtags and
// figures; the export's video whose media URL is served locally shows
// Jesper, is scanned and alerted with video.stats; `videos` and `status`
// show it all; the client secret appears nowhere.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "cli/cli_fixture.h"
#include "store/store.h"
#include "support/fake_research_api.h"
#include "support/test_support.h"
#include "watch/video_site.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace tw::test;

namespace {

constexpr const char* kKeyEnv = "TW_FEEDS_TEST_CLIENT_KEY";
constexpr const char* kSecretEnv = "TW_FEEDS_TEST_CLIENT_SECRET";
// The item Zeeschuimer captured whose media the site serves: Jesper on screen.
constexpr const char* kJesperItem = "7311111111111111111";
constexpr std::uint64_t kFirstResearchId = 7300000000000000100ull;
constexpr int kResearchVideos = 3;

using tw::test::contains;

// A TikTok item as Zeeschuimer exports it.
json zeeschuimer_line(const std::string& id, long long collected, long long views,
                      const std::string& media_url, const std::string& author = "newsdesk") {
  json item = {{"id", id},
               {"desc", "on the harbour #breaking"},
               {"createTime", 1714557600},
               {"author", {{"uniqueId", author}}},
               {"challenges", {{{"title", "breaking"}}}},
               {"textExtra", {{{"hashtagName", "harbour"}}}},
               {"stats",
                {{"playCount", views},
                 {"diggCount", 17},
                 {"commentCount", 3},
                 {"shareCount", 2},
                 {"collectCount", 1}}},
               {"music", {{"id", "6900000000000000001"}, {"title", "original sound"}}},
               {"video", {{"duration", 4}}}};
  if (!media_url.empty()) item["video"]["playAddr"] = media_url;
  return {{"source_platform", "tiktok.com"}, {"timestamp_collected", collected}, {"data", item}};
}

class Feeds : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    home_ = new fs::path(fresh_home("feeds"));
    enroll_jesper(*home_);
  }
  static void TearDownTestSuite() { delete home_; }

  void SetUp() override {
    work_ = fresh_dir("feeds-run");
    db_ = work_ / "trendwatch.db";
    exports_ = work_ / "exports";
    fs::create_directories(exports_);
    // A yt-dlp from 2023 that cannot reach TikTok (no network in tests):
    // pages fail fast, and its age is reported.
    ytdlp_ = work_ / "yt-dlp";
    write_file(ytdlp_,
               "#!/bin/sh\nif [ \"$1\" = \"--version\" ]; then echo 2023.03.04; exit 0; fi\n"
               "echo 'ERROR: no network in tests' >&2\nexit 1\n");
    fs::permissions(ytdlp_, fs::perms::owner_all);
  }

  fs::path write_config(bool with_zeeschuimer = true) {
    std::ostringstream toml;
    toml << "[store]\nurl = \"sqlite://" << db_.string() << "\"\n\n"
         << "[scan]\nfps = 5\n\n"
         << "[watch]\nconcurrency = 2\ncache_dir = \"" << (work_ / "cache").string() << "\"\n\n"
         << "[[source]]\nname = \"research\"\nkind = \"tiktok-research\"\n"
         << "api_base = \"" << api_.base() << "\"\n"
         << "client_key_env = \"" << kKeyEnv << "\"\nclient_secret_env = \"" << kSecretEnv << "\"\n"
         << "hashtags = [\"news\"]\nwindow = \"2d\"\ndaily_requests = 50\n"
         << "daily_records = 5000\nevery = \"1h\"\ntimeout = \"20s\"\n"
         << "ytdlp = \"" << ytdlp_.string() << "\"\n\n";
    if (with_zeeschuimer)
      toml << "[[source]]\nname = \"browser\"\nkind = \"zeeschuimer\"\nlocation = \""
           << exports_.string() << "\"\nevery = \"10m\"\nytdlp = \"" << ytdlp_.string() << "\"\n\n";
    toml << "[[alert]]\nkind = \"webhook\"\nurl = \"" << site_.url("/hook")
         << "\"\ntimeout = \"5s\"\n";
    fs::path file = work_ / "trendwatch.toml";
    write_file(file, toml.str());
    return file;
  }

  std::vector<std::string> credentials() const {
    return {home_env(*home_), std::string(kKeyEnv) + "=" + api_.client_key,
            std::string(kSecretEnv) + "=" + kSecret};
  }
  RunResult trendwatch(const std::vector<std::string>& args) {
    return run_trendwatch(args, credentials(), 300);
  }

  json status_json(const fs::path& config) {
    RunResult status = trendwatch({"status", "--config", config.string(), "--format", "json"});
    EXPECT_EQ(status.exit_code, 0) << status.err;
    all_output_ += status.out + status.err;
    return json::parse(status.out, nullptr, false);
  }

  static std::map<std::string, json> by_name(const json& list) {
    std::map<std::string, json> out;
    if (list.is_array())
      for (const auto& item : list) out[item["name"].get<std::string>()] = item;
    return out;
  }

  // The store's bytes on disk (the database and its journal files).
  std::string database_bytes() const {
    std::string bytes;
    for (const char* suffix : {"", "-wal", "-journal", "-shm"})
      if (fs::exists(db_.string() + suffix)) bytes += read_file(db_.string() + suffix);
    return bytes;
  }

  static fs::path* home_;
  FakeResearchApi api_;
  VideoSite site_;
  fs::path work_, db_, exports_, ytdlp_;
  std::string all_output_;  // every stdout and stderr, to look for the secret
};
fs::path* Feeds::home_ = nullptr;

TEST_F(Feeds, ResearchAndZeeschuimerInOneOnceRunStoredScannedAlertedAndListed) {
  api_.add_videos(kFirstResearchId, kResearchVideos);
  site_.add_video("jesper.avi", movie_avi());
  // Also listed by research (its author there is user1).
  const std::string overlap = std::to_string(kFirstResearchId + 1);
  write_file(
      exports_ / "capture.ndjson",
      zeeschuimer_line(kJesperItem, 1714560000000, 4242, site_.url("/videos/jesper.avi")).dump() +
          "\n" + "this is not json\n" +
          R"({"source_platform": "tiktok-comments", "data": {"cid": "9"}})" + "\n" +
          zeeschuimer_line(overlap, 1714560000000, 9999, "", "user1").dump() + "\n" +
          zeeschuimer_line(kJesperItem, 1714560000000, 4242, site_.url("/videos/jesper.avi"))
              .dump() +
          "\n");
  const fs::path config = write_config();

  RunResult run = trendwatch({"watch", "--config", config.string(), "--once"});
  all_output_ += run.out + run.err;
  ASSERT_EQ(run.exit_code, 0) << run.err;

  // The start names the yt-dlp both sources use, once, and warns it is old.
  std::vector<json> ytdlp_events, warnings;
  for (const auto& event : json_lines(run.err)) {
    if (event["event"] == "ytdlp") ytdlp_events.push_back(event);
    if (event["event"] == "ytdlp.warning") warnings.push_back(event);
  }
  ASSERT_EQ(ytdlp_events.size(), 1u) << run.err;
  EXPECT_EQ(ytdlp_events[0]["path"], ytdlp_.string());
  EXPECT_EQ(ytdlp_events[0]["version"], "2023.03.04");
  EXPECT_GT(ytdlp_events[0]["age_days"].get<int>(), 90);
  EXPECT_EQ(ytdlp_events[0]["sources"], json({"research", "browser"}));
  ASSERT_EQ(warnings.size(), 1u) << run.err;
  EXPECT_TRUE(contains(warnings[0]["advice"].get<std::string>(), "ytdlp")) << warnings[0];

  // Each video once: the research videos, and the export's two items (one
  // of them also listed by research).
  auto store = tw::store::open_store(db_.string());
  const auto videos = store->list_videos({});
  EXPECT_EQ(videos.size(), static_cast<size_t>(kResearchVideos + 1));
  for (int i = 0; i < kResearchVideos; ++i) {
    const std::string id = std::to_string(kFirstResearchId + static_cast<unsigned>(i));
    auto video = store->find_video("tiktok", id);
    ASSERT_TRUE(video.has_value()) << id;
    EXPECT_EQ(video->ref.url,
              "https://www.tiktok.com/@user" + std::to_string(i % 3) + "/video/" + id);
    EXPECT_NE(std::find(video->ref.hashtags.begin(), video->ref.hashtags.end(), "today"),
              video->ref.hashtags.end())
        << id;
    ASSERT_TRUE(video->latest.has_value()) << id;
    if (id != overlap) {
      EXPECT_EQ(video->latest->views, 1000 + i) << id;
    }
  }
  auto shared = store->find_video("tiktok", overlap);
  ASSERT_TRUE(shared.has_value());
  std::set<std::string> observed_by;
  for (const auto& o : store->observations(shared->id)) observed_by.insert(o.source);
  EXPECT_EQ(observed_by, (std::set<std::string>{"research", "browser"}));

  auto jesper_video = store->find_video("tiktok", kJesperItem);
  ASSERT_TRUE(jesper_video.has_value());
  EXPECT_EQ(jesper_video->state, tw::store::VideoState::done) << jesper_video->last_error;
  EXPECT_EQ(jesper_video->ref.source, "browser");
  EXPECT_EQ(jesper_video->ref.url,
            "https://www.tiktok.com/@newsdesk/video/" + std::string(kJesperItem));
  ASSERT_TRUE(jesper_video->latest.has_value());
  EXPECT_EQ(jesper_video->latest->views, 4242);
  EXPECT_EQ(store->observations(jesper_video->id).size(), 1u) << "the repeated line is one";

  // Alerted with the figures and hashtags.
  auto appearances = store->appearances({});
  ASSERT_GE(appearances.size(), 1u) << run.err;
  auto hooks = site_.hooks();
  ASSERT_EQ(hooks.size(), appearances.size()) << run.err;
  for (const auto& hook : hooks) {
    EXPECT_EQ(hook["type"], "appearance");
    EXPECT_EQ(hook["target"], "jesper");
    EXPECT_EQ(hook["video"]["id"], kJesperItem);
    EXPECT_EQ(hook["video"]["source"], "browser");
    EXPECT_EQ(hook["video"]["stats"]["views"], 4242) << hook.dump();
    EXPECT_EQ(hook["video"]["stats"]["likes"], 17) << hook.dump();
    const auto tags = hook["video"]["hashtags"].get<std::vector<std::string>>();
    EXPECT_NE(std::find(tags.begin(), tags.end(), "breaking"), tags.end()) << hook.dump();
    EXPECT_NE(std::find(tags.begin(), tags.end(), "harbour"), tags.end()) << hook.dump();
  }

  // `videos --format json` shows it all, one object a line, ids exact.
  RunResult listed = trendwatch({"videos", "--config", config.string(), "--format", "json"});
  all_output_ += listed.out + listed.err;
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  std::map<std::string, json> by_id;
  for (const auto& line : json_lines(listed.out)) by_id[line["id"].get<std::string>()] = line;
  ASSERT_EQ(by_id.size(), static_cast<size_t>(kResearchVideos + 1)) << listed.out;
  const json& shown = by_id[kJesperItem];
  EXPECT_EQ(shown["platform"], "tiktok");
  EXPECT_EQ(shown["source"], "browser");
  EXPECT_EQ(shown["author"], "newsdesk");
  EXPECT_EQ(shown["state"], "done");
  EXPECT_EQ(shown["url"], "https://www.tiktok.com/@newsdesk/video/" + std::string(kJesperItem));
  EXPECT_TRUE(shown["posted_at"].is_string()) << shown;
  EXPECT_EQ(shown["stats"]["views"], 4242);
  EXPECT_EQ(shown["stats"]["likes"], 17);
  EXPECT_EQ(shown["stats"]["comments"], 3);
  EXPECT_EQ(shown["stats"]["shares"], 2);
  EXPECT_EQ(shown["stats"]["saves"], 1);
  EXPECT_EQ(shown["stats"]["observed_at"], "2024-05-01T10:40:00Z");
  const auto shown_tags = shown["hashtags"].get<std::set<std::string>>();
  EXPECT_EQ(shown_tags, (std::set<std::string>{"breaking", "harbour"})) << shown;
  const json& research_row = by_id[std::to_string(kFirstResearchId)];
  EXPECT_EQ(research_row["source"], "research");
  EXPECT_EQ(research_row["stats"]["views"], 1000);
  EXPECT_TRUE(research_row["hashtags"].is_array());

  // The shared video belongs to whichever source listed it first (they poll
  // in parallel); the others are each one source's.
  RunResult one_source = trendwatch(
      {"videos", "--config", config.string(), "--source", "browser", "--format", "json"});
  std::set<std::string> browser_ids;
  for (const auto& line : json_lines(one_source.out)) browser_ids.insert(line["id"]);
  EXPECT_TRUE(browser_ids.count(kJesperItem)) << one_source.out;
  EXPECT_FALSE(browser_ids.count(std::to_string(kFirstResearchId))) << one_source.out;
  EXPECT_LE(browser_ids.size(), 2u) << one_source.out;
  RunResult of_target =
      trendwatch({"videos", "--config", config.string(), "--target", "jesper", "--format", "json"});
  ASSERT_EQ(json_lines(of_target.out).size(), 1u) << of_target.out;
  EXPECT_EQ(json_lines(of_target.out)[0]["id"], kJesperItem);

  // status: each source's warnings, the research quota, the yt-dlp.
  json status = status_json(config);
  auto sources = by_name(status["sources"]);
  ASSERT_EQ(sources.size(), 2u) << status.dump(2);
  const json& research = sources["research"];
  EXPECT_EQ(research["consecutive_failures"], 0) << research;
  EXPECT_EQ(research["quota"]["requests_used"], 1) << research;
  EXPECT_EQ(research["quota"]["requests_limit"], 50);
  EXPECT_EQ(research["quota"]["requests_left"], 49);
  EXPECT_EQ(research["quota"]["records_used"], kResearchVideos);
  EXPECT_EQ(research["quota"]["records_left"], 5000 - kResearchVideos);
  const json& browser = sources["browser"];
  EXPECT_EQ(browser["consecutive_failures"], 0) << browser;
  EXPECT_FALSE(browser.contains("quota"));
  std::vector<std::string> source_warnings = browser["warnings"];
  ASSERT_EQ(source_warnings.size(), 2u) << browser;
  EXPECT_EQ(source_warnings[0].rfind((exports_ / "capture.ndjson").string() + ":2: not JSON", 0),
            0u)
      << source_warnings[0];
  EXPECT_EQ(source_warnings[1], "1 comment records (tiktok-comments) skipped");
  ASSERT_EQ(status["ytdlp"].size(), 1u) << status.dump(2);
  EXPECT_EQ(status["ytdlp"][0]["path"], ytdlp_.string());
  EXPECT_EQ(status["ytdlp"][0]["too_old"], true);
  EXPECT_TRUE(status["ytdlp"][0]["advice"].is_string());

  RunResult text = trendwatch({"status", "--config", config.string()});
  all_output_ += text.out + text.err;
  EXPECT_TRUE(contains(text.out, "research: quota on")) << text.out;
  EXPECT_TRUE(contains(text.out, "1 of 50 requests")) << text.out;
  EXPECT_TRUE(contains(text.out, "browser: 2 warnings in the last poll")) << text.out;
  EXPECT_TRUE(contains(text.out, "yt-dlp: WARNING")) << text.out;

  // The client secret: sent to the token endpoint only.
  EXPECT_FALSE(contains(all_output_, kSecret));
  EXPECT_FALSE(contains(database_bytes(), kSecret));
  for (const auto& hook : hooks) EXPECT_FALSE(contains(hook.dump(), kSecret));
}

TEST_F(Feeds, AResearchRefusalShowsInStatusWithTheSourceAndTheKeyAndNoSecret) {
  api_.add_videos(kFirstResearchId, 2);
  api_.faults[1] = {401, error_body("scope_not_authorized",
                                    "The client does not have the research.data.basic scope")};
  const fs::path config = write_config(false);

  RunResult run = trendwatch({"watch", "--config", config.string(), "--once"});
  all_output_ += run.out + run.err;
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(contains(run.err, "\"event\":\"source.failed\"")) << run.err;

  json status = status_json(config);
  const json research = by_name(status["sources"])["research"];
  EXPECT_EQ(research["consecutive_failures"], 1) << research;
  const std::string error = research["last_error"];
  EXPECT_EQ(error.rfind("source research: ", 0), 0u) << error;
  EXPECT_TRUE(contains(error, "scope_not_authorized")) << error;
  EXPECT_TRUE(contains(error, "client_key_env")) << error;
  EXPECT_EQ(research["quota"]["requests_used"], 1) << "a refused request still counts";

  RunResult text = trendwatch({"status", "--config", config.string()});
  all_output_ += text.out + text.err;
  EXPECT_TRUE(contains(text.out, "FAIL")) << text.out;
  EXPECT_TRUE(contains(text.out, "scope_not_authorized")) << text.out;

  EXPECT_FALSE(contains(all_output_, kSecret));
  EXPECT_FALSE(contains(database_bytes(), kSecret));
  EXPECT_TRUE(tw::store::open_store(db_.string())->list_videos({}).empty());
}

}  // namespace
