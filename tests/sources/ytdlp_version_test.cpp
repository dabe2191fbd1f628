// How old a yt-dlp is: stand-in programs printing versions, one that hangs,
// one that is missing, and the installed yt-dlp.
#include "sources/ytdlp_version.h"

#include <gtest/gtest.h>

#include <chrono>

#include "support/test_support.h"
#include "test_server.h"

namespace fs = std::filesystem;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace {

using tw::test::contains;

system_clock::time_point day_of(int y, unsigned m, unsigned d) {
  return system_clock::time_point(sys_days(year(y) / month(m) / day(d))) + 12h;
}

TEST(YtdlpVersion, ReleaseDatesAreReadFromTheVersion) {
  using tw::sources::ytdlp_release_date;
  EXPECT_EQ(ytdlp_release_date("2023.03.04"), sys_days(year(2023) / March / 4));
  EXPECT_EQ(ytdlp_release_date("2025.04.30.232839"), sys_days(year(2025) / April / 30));
  EXPECT_EQ(ytdlp_release_date("2024.08.06.1"), sys_days(year(2024) / August / 6));
  EXPECT_FALSE(ytdlp_release_date("2023.13.04"));
  EXPECT_FALSE(ytdlp_release_date("2023.02.30"));
  EXPECT_FALSE(ytdlp_release_date("2023.03.04x"));
  EXPECT_FALSE(ytdlp_release_date("yt-dlp 1.0"));
  EXPECT_FALSE(ytdlp_release_date(""));
}

TEST(YtdlpVersion, AnOldYtdlpIsFlaggedWithAdviceAndACurrentOneIsNot) {
  fs::path dir = tw::test::fresh_dir("ytdlp-version");
  fs::path old_one = tw::test::write_script(dir, "old-yt-dlp", "echo 2023.03.04\n");
  auto version = tw::sources::probe_ytdlp(old_one.string(), day_of(2026, 9, 1));
  EXPECT_EQ(version.version, "2023.03.04");
  ASSERT_TRUE(version.age_days.has_value());
  EXPECT_EQ(*version.age_days, 1277);
  EXPECT_TRUE(version.too_old);
  EXPECT_TRUE(version.error.empty()) << version.error;
  EXPECT_TRUE(contains(version.advice, "older than 90 days")) << version.advice;
  EXPECT_TRUE(contains(version.advice, "`ytdlp` key")) << version.advice;
  EXPECT_TRUE(contains(tw::sources::describe(version), "2023.03.04 (1277 days old)"));

  fs::path current = tw::test::write_script(dir, "yt-dlp", "echo 2026.08.19\n");
  version = tw::sources::probe_ytdlp(current.string(), day_of(2026, 9, 1));
  EXPECT_EQ(*version.age_days, 13);
  EXPECT_FALSE(version.too_old);
  EXPECT_TRUE(version.advice.empty());
  // 90 days is still fine; 91 is not.
  EXPECT_FALSE(tw::sources::probe_ytdlp(current.string(), day_of(2026, 11, 17)).too_old);
  EXPECT_TRUE(tw::sources::probe_ytdlp(current.string(), day_of(2026, 11, 18)).too_old);
}

TEST(YtdlpVersion, AProgramThatCannotBeRunOrHangsOrPrintsNoDateIsReported) {
  fs::path dir = tw::test::fresh_dir("ytdlp-broken");
  auto missing = tw::sources::probe_ytdlp((dir / "none").string());
  EXPECT_TRUE(contains(missing.error, "cannot run")) << missing.error;
  EXPECT_TRUE(missing.too_old);
  EXPECT_FALSE(missing.advice.empty());

  fs::path hang = tw::test::write_script(dir, "hang", "sleep 30\n");
  auto start = steady_clock::now();
  auto hung = tw::sources::probe_ytdlp(hang.string(), system_clock::now(), 500ms);
  EXPECT_LT(steady_clock::now() - start, 5s);
  EXPECT_TRUE(contains(hung.error, "timed out")) << hung.error;

  fs::path odd = tw::test::write_script(dir, "odd", "echo 'youtube-dl 1.0'\n");
  auto no_date = tw::sources::probe_ytdlp(odd.string());
  EXPECT_TRUE(contains(no_date.error, "printed no release date")) << no_date.error;
  EXPECT_TRUE(no_date.too_old);
}

TEST(YtdlpVersion, TheInstalledYtdlpHasADatedVersion) {
  auto version = tw::sources::probe_ytdlp("yt-dlp");
  ASSERT_TRUE(version.error.empty()) << version.error;
  EXPECT_TRUE(version.released.has_value()) << version.version;
}

}  // namespace
