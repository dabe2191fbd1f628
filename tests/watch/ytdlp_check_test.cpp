// Which yt-dlp programs the sources use (one entry per program, with the
// sources that use it), and what status and watch report about each.
#include "watch/ytdlp_check.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "support/test_support.h"

namespace {

namespace fs = std::filesystem;

tw::SourceConfig source(const std::string& name, tw::SourceKind kind, const std::string& ytdlp) {
  tw::SourceConfig s;
  s.name = name;
  s.kind = kind;
  s.ytdlp = ytdlp;
  return s;
}

fs::path fake_ytdlp(const fs::path& dir, const std::string& name, const std::string& version) {
  fs::path file = dir / name;
  tw::test::write_file(file, "#!/bin/sh\necho " + version + "\n");
  fs::permissions(file, fs::perms::owner_all);
  return file;
}

TEST(YtdlpCheck, EachProgramOnceWithTheEnabledSourcesThatNeedIt) {
  const fs::path dir = tw::test::fresh_dir("ytdlp-check");
  const fs::path old = fake_ytdlp(dir, "old-yt-dlp", "2023.03.04");
  const fs::path current = fake_ytdlp(dir, "yt-dlp", "2099.01.01");
  tw::Config config;
  config.sources = {source("research", tw::SourceKind::tiktok_research, old.string()),
                    source("browser", tw::SourceKind::zeeschuimer, old.string()),
                    source("plain", tw::SourceKind::urls, old.string()),
                    source("folder", tw::SourceKind::folder, "never-used"),
                    source("users", tw::SourceKind::ytdlp, current.string()),
                    source("off", tw::SourceKind::command, "/nowhere/yt-dlp")};
  config.sources.back().enabled = false;

  const auto uses = tw::watch::ytdlp_uses(config);
  ASSERT_EQ(uses.size(), 2u);
  EXPECT_EQ(uses[0].path, old.string());
  EXPECT_EQ(uses[0].sources, (std::vector<std::string>{"research", "browser"}));
  EXPECT_EQ(uses[1].sources, (std::vector<std::string>{"users"}));

  const auto checks = tw::watch::check_ytdlps(config);
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_TRUE(checks[0].version.too_old);
  const auto json = tw::watch::to_json(checks[0]);
  EXPECT_EQ(json["version"], "2023.03.04");
  EXPECT_EQ(json["released"], "2023-03-04");
  EXPECT_GT(json["age_days"].get<int>(), 90);
  EXPECT_TRUE(json["advice"].get<std::string>().find("`ytdlp` key") != std::string::npos)
      << json.dump();
  EXPECT_FALSE(checks[1].version.too_old);  // released in the future: not old
  EXPECT_TRUE(tw::watch::to_json(checks[1])["advice"].is_null());
}

TEST(YtdlpCheck, AProgramThatIsMissingIsReportedWithTheWayOut) {
  tw::Config config;
  config.sources = {source("users", tw::SourceKind::ytdlp, "/nowhere/yt-dlp")};
  const auto checks = tw::watch::check_ytdlps(config);
  ASSERT_EQ(checks.size(), 1u);
  const auto json = tw::watch::to_json(checks[0]);
  EXPECT_TRUE(json["path"].is_null());
  EXPECT_EQ(json["program"], "/nowhere/yt-dlp");
  EXPECT_TRUE(json["version"].is_null());
  EXPECT_TRUE(json["error"].is_string());
  EXPECT_TRUE(json["advice"].is_string());
  EXPECT_EQ(json["too_old"], true);
}

}  // namespace
