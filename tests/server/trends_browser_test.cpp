// The dashboard's trend page in headless Chromium (tools/browser/trends_check.js)
// against `trendwatch serve` on 127.0.0.1, over a history seeded through the
// store API (a week of a steady rate, then a burst) whose surge was raised by
// the real `trendwatch watch --once`; and GET /api/trends, its JSON.
//
// TW_SCREENSHOT_DIR=/path leaves trends.png and trend-list.png there
// (docs/screenshots/ are made that way).
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>

#include "server/browser_check.h"
#include "server/demo_store.h"
#include "server/serve_process.h"
#include "support/test_support.h"
#include "watch/surge_history.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace tw::test;

namespace {

class TrendPage : public ::testing::Test {
 protected:
  void SetUp() override {
    demo_ = make_demo_store(fresh_dir("trend-page-evidence"));  // real evidence JPEGs
    for (const std::string& id : demo_.all_appearances) {
      const auto a = demo_.store->appearance(id)->appearance;
      if (!a.evidence_crop.empty())
        history_.evidence.emplace_back(a.evidence_crop, a.evidence_frame);
    }
    // A week of four videos a day with ordinary reach (2k to 11k views), then
    // eleven in the last five hours, some of them viewed far more.
    const tw::store::Millis now = history_.now();
    int n = 0;
    for (tw::store::Millis t = now - 7 * kDay - 5 * kHour; t < now - 7 * kHour; t += 6 * kHour, ++n)
      history_.add(t + (n % 3) * 40 * 60 * 1000, 2000 + (n * 7919) % 9000, "jesper");
    for (int i = 0; i < 11; ++i)
      history_.add(now - 5 * kHour + i * 25 * 60 * 1000, 15000 + (i * i) * 21000, "jesper");
    write_file(history_.dir() / "trendwatch.toml",
               "[store]\nurl = \"sqlite://" + history_.db().string() + "\"\n");
    RunResult watch = run_trendwatch(
        {"watch", "--config", (history_.dir() / "trendwatch.toml").string(), "--once", "--no-scan"},
        {}, 120);
    ASSERT_EQ(watch.exit_code, 0) << watch.err;
    ASSERT_NE(watch.err.find("trend.surge_started"), std::string::npos) << watch.err;
  }

  DemoStore demo_;
  SurgeHistory history_{"trend-page", wall_clock_now()};
};

TEST_F(TrendPage, ApiGivesBucketsTopVideosWithEvidenceAndTheSurge) {
  ServeProcess serve({"--db", "sqlite://" + history_.db().string(), "--evidence",
                      demo_.evidence_root.string(), "--listen", "127.0.0.1:0"},
                     {"TRENDWATCH_TOKEN="});
  httplib::Client api("127.0.0.1", serve.port());
  api.set_read_timeout(10);
  auto res = api.Get("/api/trends?target=jesper&by=hour&since=2d");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json report = json::parse(res->body);
  EXPECT_EQ(report["target"], "jesper");
  EXPECT_EQ(report["buckets"].size(), 49u);
  std::int64_t videos = 0;
  for (const auto& b : report["buckets"]) videos += b["videos"].get<std::int64_t>();
  EXPECT_GE(videos, 11);
  ASSERT_EQ(report["surges"].size(), 1u);
  ASSERT_FALSE(report["top_videos"].empty());
  EXPECT_EQ(report["top_videos"][0]["views"], 15000 + 100 * 21000);
  EXPECT_TRUE(
      report["top_videos"][0]["evidence"]["crop"].get<std::string>().starts_with("/evidence/"));

  auto list = json::parse(api.Get("/api/trends")->body);
  ASSERT_EQ(list["targets"].size(), 1u);
  EXPECT_EQ(list["targets"][0]["name"], "jesper");
  EXPECT_FALSE(list["targets"][0]["open_surge"].is_null());
  for (const char* bad : {"/api/trends?target=jesper&by=week", "/api/trends?since=soon",
                          "/api/trends?target=jesper&since=3000d"}) {
    auto refused = api.Get(bad);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 400) << bad << ": " << refused->body;
  }
  EXPECT_EQ(serve.stop(), 0) << serve.output();
}

TEST_F(TrendPage, ShowsTheChartWithTheSurgeMarkedAndTopVideosLinkingToAppearances) {
  ASSERT_TRUE(browser_tools_ready());
  ServeProcess serve({"--db", "sqlite://" + history_.db().string(), "--evidence",
                      demo_.evidence_root.string(), "--listen", "127.0.0.1:0"},
                     {"TRENDWATCH_TOKEN="});
  const char* wanted_dir = std::getenv("TW_SCREENSHOT_DIR");
  const fs::path screenshots =
      wanted_dir && *wanted_dir ? fs::path(wanted_dir) : history_.dir() / "png";
  auto r = run_program({"node", (source_dir() / "tools" / "browser" / "trends_check.js").string(),
                        serve.loopback_url(),
                        json{{"target", "jesper"}, {"screenshots", screenshots.string()}}.dump()},
                       {}, 120);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  json result = json::parse(r.out);

  ASSERT_EQ(result["list"].size(), 1u) << result.dump(2);
  EXPECT_EQ(result["list"][0]["target"], "jesper");
  EXPECT_NE(result["list"][0]["surge"].get<std::string>().find("videos in the last 6h"),
            std::string::npos);

  // One bar per non-empty hour; their videos add up to the history's last week.
  const json& chart = result["chart"];
  std::int64_t videos = 0;
  for (const auto& bar : chart["bars"]) {
    EXPECT_GT(bar["height"].get<double>(), 0);
    videos += bar["videos"].get<std::int64_t>();
  }
  EXPECT_EQ(videos, 27 + 11);  // the steady videos of the last 7 days, and the burst
  EXPECT_EQ(chart["reach_points"], 7 * 24 + 1);
  // The surge is marked over the last hours, right of every steady bar.
  ASSERT_EQ(chart["surges"].size(), 1u);
  EXPECT_GT(chart["surges"][0]["x"].get<double>(), chart["bars"][0]["x"].get<double>());
  EXPECT_GE(chart["surges"][0]["width"].get<double>(), 3.0);
  EXPECT_EQ(result["surge_rows"].size(), 1u);
  EXPECT_EQ(result["surge_rows"][0], chart["surges"][0]["id"]);
  EXPECT_NE(result["summary"].get<std::string>().find("Surging now"), std::string::npos);

  // Top videos: the most viewed first, thumbnails of their evidence loaded,
  // each linking to the video's appearances, which open on a click.
  ASSERT_EQ(result["top_videos"].size(), 10u);
  EXPECT_EQ(result["top_videos"][0]["views"], "2.1M");
  for (const auto& v : result["top_videos"]) {
    EXPECT_EQ(v["link"], "#/video/" + v["video"].get<std::string>());
    EXPECT_GT(v["thumbnail_width"].get<int>(), 0);
  }
  EXPECT_EQ(result["after_click"]["ready"], "video");
  EXPECT_EQ(result["after_click"]["appearances"], 1);
  EXPECT_EQ(result["page_errors"].size(), 0u) << result["page_errors"].dump();
  EXPECT_EQ(result["console_errors"].size(), 0u) << result["console_errors"].dump();
  for (const char* png : {"trends.png", "trend-list.png"}) {
    ASSERT_TRUE(fs::exists(screenshots / png)) << png;
    EXPECT_GT(fs::file_size(screenshots / png), 10000u) << png;
  }
  EXPECT_EQ(serve.stop(), 0) << serve.output();
}

}  // namespace
