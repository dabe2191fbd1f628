// Issue 18's acceptance path with nothing seeded: a Zeeschuimer export is the
// history.  Its items were posted days ago (the baseline) and in the last
// hours (the burst); each item's media is served on 127.0.0.1 and shows
// Jesper, so every video is really downloaded and scanned by `trendwatch
// watch --once`.  The surge raises one `trend` alert at a webhook, a second
// run raises none, and `trendwatch trends --format json` shows the buckets
// and the top videos of that history.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <ctime>
#include <sstream>

#include "cli/cli_fixture.h"
#include "watch/video_site.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace tw::test;

namespace {

constexpr long long kHourSeconds = 3600;

// A TikTok item as Zeeschuimer exports it, posted at `posted` (unix seconds).
json export_line(const std::string& id, long long posted, long long views,
                 const std::string& media_url) {
  json item = {{"id", id},
               {"desc", "harbour protest #harbour"},
               {"createTime", posted},
               {"author", {{"uniqueId", "reporter" + id.substr(id.size() - 1)}}},
               {"challenges", {{{"title", "harbour"}}}},
               {"stats",
                {{"playCount", views},
                 {"diggCount", views / 100},
                 {"commentCount", 3},
                 {"shareCount", 2},
                 {"collectCount", 1}}},
               {"video", {{"duration", 4}, {"playAddr", media_url}}}};
  return {{"source_platform", "tiktok.com"},
          {"timestamp_collected", (posted + 600) * 1000},
          {"data", item}};
}

TEST(ImportedSurge, AScannedImportRaisesOneTrendAlertOnceAndTrendsShowsTheHistory) {
  const fs::path home = fresh_home("imported-surge");
  enroll_jesper(home);
  const fs::path work = fresh_dir("imported-surge-run");
  const fs::path db = work / "trendwatch.db";
  const fs::path exports = work / "exports";
  fs::create_directories(exports);

  VideoSite site;
  site.add_video("jesper.avi", movie_avi());
  const std::string media = site.url("/videos/jesper.avi");
  const long long now = static_cast<long long>(std::time(nullptr));
  // Two videos in the baseline (4 and 2 days ago), four in the last hours.
  std::ostringstream lines;
  lines << export_line("7320000000000000001", now - 96 * kHourSeconds, 1200, media).dump() << "\n"
        << export_line("7320000000000000002", now - 48 * kHourSeconds, 900, media).dump() << "\n";
  const long long burst_views[] = {50000, 82000, 61000, 45000};
  for (int i = 0; i < 4; ++i)
    lines << export_line("732000000000000001" + std::to_string(i), now - (4 - i) * kHourSeconds,
                         burst_views[i], media)
                 .dump()
          << "\n";
  write_file(exports / "capture.ndjson", lines.str());

  std::ostringstream toml;
  toml << "[store]\nurl = \"sqlite://" << db.string() << "\"\n\n"
       << "[scan]\nfps = 5\n\n"
       << "[watch]\nconcurrency = 2\ncache_dir = \"" << (work / "cache").string() << "\"\n\n"
       << "[trend]\nwindow = \"6h\"\nbaseline = \"7d\"\nmin_videos = 3\n\n"
       << "[[source]]\nname = \"browser\"\nkind = \"zeeschuimer\"\nlocation = \""
       << exports.string() << "\"\nevery = \"10m\"\n\n"
       << "[[alert]]\nkind = \"webhook\"\nname = \"newsroom\"\nurl = \"" << site.url("/hook")
       << "\"\ntypes = [\"trend\"]\ntimeout = \"5s\"\n";
  const fs::path config = work / "trendwatch.toml";
  write_file(config, toml.str());

  RunResult first =
      run_trendwatch({"watch", "--config", config.string(), "--once"}, {home_env(home)}, 600);
  ASSERT_EQ(first.exit_code, 0) << first.err;

  // One trend alert, about the burst, and no appearance alert at this sink.
  auto hooks = site.hooks();
  ASSERT_EQ(hooks.size(), 1u) << first.err;
  const json& alert = hooks[0];
  EXPECT_EQ(alert["type"], "trend") << alert.dump();
  EXPECT_EQ(alert["target"], "jesper");
  EXPECT_EQ(alert["window"], "6h");
  EXPECT_EQ(alert["videos"], 4) << alert.dump();
  EXPECT_LT(alert["expected"].get<double>(), 1.0) << alert.dump();
  EXPECT_EQ(alert["views"], 50000 + 82000 + 61000 + 45000) << alert.dump();
  ASSERT_TRUE(alert["top_videos"].is_array());
  ASSERT_FALSE(alert["top_videos"].empty());
  EXPECT_EQ(alert["top_videos"][0]["views"], 82000) << alert.dump();
  const std::string surge_id = alert["id"].get<std::string>();

  // The next run finds the same surge open: nothing new is sent.
  RunResult second =
      run_trendwatch({"watch", "--config", config.string(), "--once"}, {home_env(home)}, 600);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(site.hooks().size(), 1u) << second.err;

  // The trend report of what was really scanned: six videos over the days,
  // the four of the burst in today's or yesterday's UTC bucket.
  RunResult trends = run_trendwatch({"trends", "--config", config.string(), "--target", "jesper",
                                     "--by", "day", "--since", "7d", "--format", "json"},
                                    {home_env(home)}, 120);
  ASSERT_EQ(trends.exit_code, 0) << trends.err;
  const json report = json::parse(trends.out, nullptr, false);
  ASSERT_TRUE(report.is_object()) << trends.out;
  EXPECT_EQ(report["target"], "jesper");
  EXPECT_EQ(report["by"], "day");
  long long videos = 0, views = 0;
  for (const auto& bucket : report["buckets"]) {
    videos += bucket["videos"].get<long long>();
    views += bucket["views"].get<long long>();
  }
  EXPECT_EQ(videos, 6) << trends.out;
  EXPECT_EQ(views, 1200 + 900 + 50000 + 82000 + 61000 + 45000) << trends.out;
  ASSERT_GE(report["top_videos"].size(), 4u) << trends.out;
  EXPECT_EQ(report["top_videos"][0]["views"], 82000) << trends.out;
  EXPECT_EQ(report["top_videos"][0]["author"], "reporter1") << trends.out;
  ASSERT_TRUE(report.contains("surges")) << trends.out;
  ASSERT_EQ(report["surges"].size(), 1u) << trends.out;
  EXPECT_EQ(report["surges"][0]["id"], surge_id) << trends.out;
}

}  // namespace
