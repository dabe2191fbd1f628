// [trend] and [[alert]] types: good values, defaults, and bad values naming
// the key and its line.
#include <gtest/gtest.h>

#include "core/config_test_util.h"

using namespace std::chrono_literals;

namespace {

TEST(ConfigTrend, DefaultsWithoutTheSection) {
  const tw::TrendConfig trend = tw::test::parse_config_text("").trend;
  EXPECT_EQ(trend.window, 6h);
  EXPECT_EQ(trend.baseline, 7 * 24h);
  EXPECT_EQ(trend.min_videos, 3);
  EXPECT_EQ(trend.by, "hour");
  EXPECT_DOUBLE_EQ(trend.p_value, 0.001);
  EXPECT_DOUBLE_EQ(trend.min_ratio, 3.0);
  EXPECT_EQ(trend.refresh_every, 6h);
  EXPECT_EQ(trend.refresh_for, 3 * 24h);
}

TEST(ConfigTrend, EveryKeyIsRead) {
  const tw::TrendConfig trend = tw::test::parse_config_text(R"(
[trend]
window = "1d"
baseline = "30d"
min_videos = 5
by = "day"
p_value = 0.5
min_ratio = 1
refresh_every = "2h"
refresh_for = "7d"
)")
                                    .trend;
  EXPECT_EQ(trend.window, 24h);
  EXPECT_EQ(trend.baseline, 30 * 24h);
  EXPECT_EQ(trend.min_videos, 5);
  EXPECT_EQ(trend.by, "day");
  EXPECT_DOUBLE_EQ(trend.p_value, 0.5);
  EXPECT_DOUBLE_EQ(trend.min_ratio, 1);
  EXPECT_EQ(trend.refresh_every, 2h);
  EXPECT_EQ(trend.refresh_for, 7 * 24h);
}

TEST(ConfigTrend, WindowNotShorterThanBaselineIsRefused) {
  auto [where, why] = tw::test::config_error("[trend]\nbaseline = \"2d\"\nwindow = \"2d\"\n");
  EXPECT_EQ(where, "tw.toml:3");  // window's line
  EXPECT_NE(why.find("[trend].window (2d) must be shorter than [trend].baseline (2d)"),
            std::string::npos)
      << why;

  // Only the baseline given, shorter than the default window: its line.
  std::tie(where, why) = tw::test::config_error("[trend]\n\nbaseline = \"1h\"\n");
  EXPECT_EQ(where, "tw.toml:3");
  EXPECT_NE(why.find("must be shorter than [trend].baseline (1h)"), std::string::npos) << why;
}

TEST(ConfigTrend, BadValuesNameTheirLine) {
  const std::pair<const char*, const char*> cases[] = {
      {"min_videos = 0", "[trend].min_videos must be between 1 and"},
      {"min_videos = -3", "[trend].min_videos must be between 1 and"},
      {"min_videos = 2.5", "[trend].min_videos must be an integer"},
      {"by = \"week\"", "[trend].by must be \"hour\" or \"day\""},
      {"p_value = 0", "[trend].p_value must be in (0, 0.5]"},
      {"p_value = 0.6", "[trend].p_value must be in (0, 0.5]"},
      {"p_value = -0.01", "[trend].p_value must be in (0, 0.5]"},
      {"min_ratio = 0.5", "[trend].min_ratio must be >= 1"},
      {"window = \"-6h\"", "[trend].window: bad duration"},
      {"refresh_every = 0", "[trend].refresh_every: bad duration"},
      {"refresh_for = \"forever\"", "[trend].refresh_for: bad duration"},
      {"windw = \"6h\"", "unknown key 'windw' in [trend]"},
  };
  for (auto [line, reason] : cases) {
    auto [where, why] = tw::test::config_error(std::string("[trend]\n# surges\n") + line);
    EXPECT_EQ(where, "tw.toml:3") << line;
    EXPECT_NE(why.find(reason), std::string::npos) << line << ": " << why;
  }
  auto [where, why] = tw::test::config_error("trend = 3\n");
  EXPECT_NE(why.find("'trend' must be a table: [trend]"), std::string::npos) << why;
}

TEST(ConfigAlertTypes, DefaultIsBothAndEveryKindTakesThem) {
  const tw::Config config = tw::test::parse_config_text(R"(
[[alert]]
kind = "console"

[[alert]]
kind = "webhook"
url = "http://127.0.0.1:9/hook"
types = ["trend"]

[[alert]]
kind = "command"
command = ["notify-send"]
types = ["appearance", "trend", "appearance"]
)");
  ASSERT_EQ(config.alerts.size(), 3u);
  EXPECT_EQ(config.alerts[0].types, (std::vector<std::string>{"appearance", "trend"}));
  EXPECT_EQ(config.alerts[1].types, std::vector<std::string>{"trend"});
  EXPECT_EQ(config.alerts[2].types, (std::vector<std::string>{"appearance", "trend"}));
}

TEST(ConfigAlertTypes, BadTypesNameTheirLine) {
  const std::pair<const char*, const char*> cases[] = {
      {"types = []", "[[alert]].types is empty"},
      {"types = \"trend\"", "[[alert]].types must be an array of \"appearance\" or \"trend\""},
      {"types = [\"appearance\", \"surge\"]",
       "[[alert]].types must be an array of \"appearance\" or \"trend\""},
  };
  for (auto [line, reason] : cases) {
    auto [where, why] =
        tw::test::config_error(std::string("[[alert]]\nkind = \"console\"\n") + line);
    EXPECT_EQ(where, "tw.toml:3") << line;
    EXPECT_NE(why.find(reason), std::string::npos) << line << ": " << why;
  }
}

}  // namespace
