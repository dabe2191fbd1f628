// The trend alert end to end, through the real binary: a history seeded in a
// SQLite store (a week of a steady rate, then a burst in the last hours),
// `trendwatch watch --once` raises one `trend` alert at a webhook on
// 127.0.0.1 and does not raise it again on the next run; `trendwatch trends
// --format json` on the same database shows the buckets, the top videos and
// the surge; bad [trend] config and bad trends options exit 2 naming them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <sstream>

#include "cli/cli_fixture.h"
#include "watch/surge_history.h"
#include "watch/video_site.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace tw::test;

namespace {

class SurgeCli : public ::testing::Test {
 protected:
  fs::path write_config(const std::string& extra = "") {
    std::ostringstream toml;
    toml << "[store]\nurl = \"sqlite://" << history_.db().string() << "\"\n\n"
         << extra << "\n"
         << "[[alert]]\nkind = \"webhook\"\nname = \"newsroom\"\nurl = \"" << site_.url("/hook")
         << "\"\ntypes = [\"trend\"]\ntimeout = \"5s\"\n";
    fs::path file = history_.dir() / "trendwatch.toml";
    write_file(file, toml.str());
    return file;
  }

  RunResult watch_once(const fs::path& config) {
    return run_trendwatch({"watch", "--config", config.string(), "--once", "--no-scan"}, {}, 120);
  }

  VideoSite site_;
  SurgeHistory history_{"surge-cli", wall_clock_now()};
};

TEST_F(SurgeCli, WatchOnceAlertsASurgeOnceAndTrendsShowsIt) {
  const tw::store::Millis now = history_.now();
  // One video every 6 h, the last 9 h ago (28 in the baseline: 1 expected
  // per 6 h), then 9 videos in the last 4 hours.
  history_.steady(now - 8 * kDay - 3 * kHour, now - 6 * kHour, 6 * kHour, 3000);
  for (int i = 0; i < 9; ++i) history_.add(now - 4 * kHour + i * 20 * 60 * 1000, 20000 + 1000 * i);
  fs::path config = write_config("[watch]\ndashboard_url = \"https://tw.example.org/desk\"\n");

  RunResult first = watch_once(config);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.err.find("\"event\":\"trend.surge_started\""), std::string::npos) << first.err;
  RunResult second = watch_once(config);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.err.find("trend.surge_started"), std::string::npos) << second.err;

  auto hooks = site_.hooks();
  ASSERT_EQ(hooks.size(), 1u) << first.err << second.err;
  const json& alert = hooks[0];
  EXPECT_EQ(alert["type"], "trend");
  EXPECT_EQ(alert["target"], "alice");
  EXPECT_EQ(alert["videos"], 9);
  EXPECT_EQ(alert["window"], "6h");
  EXPECT_EQ(alert["top_videos"].size(), 5u);
  EXPECT_EQ(alert["top_videos"][0]["views"], 28000);
  EXPECT_EQ(alert["dashboard"], "https://tw.example.org/desk/#/trends/alice");
  EXPECT_TRUE(
      alert["text"].get<std::string>().starts_with("trendwatch: alice is surging: 9 videos"))
      << alert["text"];

  RunResult trends = run_trendwatch(
      {"trends", "--db", history_.db().string(), "--target", "alice", "--format", "json"}, {}, 60);
  ASSERT_EQ(trends.exit_code, 0) << trends.err;
  json report = json::parse(trends.out);
  EXPECT_EQ(report["target"], "alice");
  EXPECT_EQ(report["by"], "hour");
  ASSERT_EQ(report["buckets"].size(), 7u * 24 + 1) << "7 days of UTC hours, both ends included";
  std::int64_t videos = 0, views = 0;
  for (const auto& b : report["buckets"]) {
    EXPECT_EQ(b["start"].get<std::string>().substr(13), ":00:00Z");
    videos += b["videos"].get<std::int64_t>();
    views += b["views"].get<std::int64_t>();
  }
  EXPECT_EQ(videos, 27 + 9) << "the steady videos of the last 7 days and the burst";
  EXPECT_EQ(views, 27 * 3000 + 9 * 20000 + 36 * 1000);
  ASSERT_EQ(report["top_videos"].size(), 10u);  // the burst's nine, then a steady one
  EXPECT_EQ(report["top_videos"][0]["views"], 28000);
  EXPECT_EQ(report["top_videos"][9]["views"], 3000);
  EXPECT_TRUE(report["top_videos"][0]["url"].get<std::string>().starts_with("https://"));
  ASSERT_EQ(report["surges"].size(), 1u);
  EXPECT_EQ(report["surges"][0]["id"], alert["id"]);
  EXPECT_TRUE(report["surges"][0]["ended_at"].is_null());

  RunResult text = run_trendwatch({"trends", "--db", history_.db().string()}, {}, 60);
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("alice: videos per hour (UTC)"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("still open"), std::string::npos) << text.out;
  RunResult csv = run_trendwatch(
      {"trends", "--db", history_.db().string(), "--by", "day", "--format", "csv"}, {}, 60);
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_TRUE(csv.out.starts_with("target,start,videos,appearances,authors,views,likes,shares\n"));
  EXPECT_NE(csv.out.find("\nalice,"), std::string::npos);
}

TEST_F(SurgeCli, BadTrendConfigIsRefusedNamingTheKey) {
  fs::path config = write_config("[trend]\nwindow = \"8d\"\nbaseline = \"7d\"\n");
  RunResult r = watch_once(config);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("window"), std::string::npos) << r.err;
  config = write_config("[trend]\nmin_videos = -3\n");
  r = watch_once(config);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("min_videos"), std::string::npos) << r.err;
  EXPECT_TRUE(site_.hooks().empty());
}

TEST_F(SurgeCli, TrendsRefusesBadOptionsWithExit2) {
  for (const std::vector<std::string>& bad : {std::vector<std::string>{"--by", "week"},
                                              {"--since", "soon"},
                                              {"--since", "0h"},
                                              {"--format", "xml"},
                                              {"--by", "hour", "--since", "5000d"}}) {
    std::vector<std::string> args = {"trends", "--db", history_.db().string()};
    args.insert(args.end(), bad.begin(), bad.end());
    RunResult r = run_trendwatch(args, {}, 60);
    EXPECT_EQ(r.exit_code, 2) << bad[0] << " " << bad[1] << ": " << r.out << r.err;
    EXPECT_NE(r.err.find(bad[bad.size() - 2]), std::string::npos) << r.err;
  }
  RunResult help = run_trendwatch({"trends", "--help"}, {}, 60);
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--since"), std::string::npos);
  EXPECT_NE(help.out.find("Examples:"), std::string::npos);
}

}  // namespace
