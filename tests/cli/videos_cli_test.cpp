// `trendwatch videos`, through the binary: a store filled by `import`, then
// listed as JSON Lines, CSV and a table, filtered by source and time; bad
// options exit 2 with a message naming the option.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using tw::test::contains;

std::string item(const std::string& id, const std::string& author, const std::string& desc,
                 long long collected, long long views) {
  return json{{"source_platform", "tiktok.com"},
              {"timestamp_collected", collected},
              {"data",
               {{"id", id},
                {"desc", desc},
                {"createTime", 1714557600},
                {"author", {{"uniqueId", author}}},
                {"challenges", {{{"title", "flag"}}, {{"title", "news"}}}},
                {"stats", {{"playCount", views}, {"diggCount", 12}}}}}}
             .dump() +
         "\n";
}

class VideosCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tw::test::fresh_dir("videos-cli");
    db_ = "sqlite://" + (dir_ / "tw.db").string();
    tw::test::write_file(dir_ / "a.ndjson",
                         item("7301234567890123457", "alice", "=HYPERLINK(\"x\") #flag, \"quoted\"",
                              1714560000000, 1500) +
                             item("7301234567890123458", "bob", "plain", 1714560000000, 25000));
    import("a.ndjson", "browser");
  }

  void import(const std::string& file, const std::string& source) {
    auto r = tw::test::run_trendwatch(
        {"import", (dir_ / file).string(), "--db", db_, "--source", source});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  tw::test::RunResult videos(std::vector<std::string> args) {
    args.insert(args.begin(), {"videos", "--db", db_});
    return tw::test::run_trendwatch(args);
  }

  fs::path dir_;
  std::string db_;
};

TEST_F(VideosCli, JsonLinesHaveTheFieldsWithExactIdsAndLatestFigures) {
  // A later capture of alice's video: newer figures.
  tw::test::write_file(dir_ / "b.ndjson",
                       item("7301234567890123457", "alice", "again", 1714570000000, 1800));
  import("b.ndjson", "browser");

  auto r = videos({"--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = tw::test::json_lines(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  std::map<std::string, json> by_id;
  for (const auto& line : lines) by_id[line["id"].get<std::string>()] = line;
  const json& alice = by_id["7301234567890123457"];
  EXPECT_EQ(alice["platform"], "tiktok");
  EXPECT_EQ(alice["url"], "https://www.tiktok.com/@alice/video/7301234567890123457");
  EXPECT_EQ(alice["author"], "alice");
  EXPECT_EQ(alice["source"], "browser");
  EXPECT_EQ(alice["state"], "queued");
  EXPECT_TRUE(alice["posted_at"].is_string());
  EXPECT_EQ(alice["hashtags"], json({"flag", "news"}));
  EXPECT_EQ(alice["stats"]["views"], 1800);
  EXPECT_EQ(alice["stats"]["likes"], 12);
  EXPECT_TRUE(alice["stats"]["shares"].is_null());
  EXPECT_EQ(alice["stats"]["observed_at"], "2024-05-01T13:26:40Z");
  EXPECT_EQ(by_id["7301234567890123458"]["stats"]["views"], 25000);

  auto limited = videos({"--format", "json", "--limit", "1"});
  EXPECT_EQ(tw::test::json_lines(limited.out).size(), 1u);
  auto other = videos({"--format", "json", "--source", "elsewhere"});
  ASSERT_EQ(other.exit_code, 0) << other.err;
  EXPECT_TRUE(tw::test::json_lines(other.out).empty()) << other.out;
  auto recent = videos({"--format", "json", "--since", "1h"});  // first seen just now
  EXPECT_EQ(tw::test::json_lines(recent.out).size(), 2u) << recent.out;
}

TEST_F(VideosCli, CsvIsQuotedAndSafeForSpreadsheetsAndTheTableShowsFigures) {
  auto csv = videos({"--format", "csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out.rfind("platform,id,url,title,author,source,posted_at,state,hashtags,views,"
                          "likes,comments,shares,saves,observed_at\n",
                          0),
            0u)
      << csv.out;
  // The title starts with '=': quoted, doubled quotes, and defused with '.
  EXPECT_TRUE(contains(csv.out, "\"'=HYPERLINK(\"\"x\"\") #flag, \"\"quoted\"\"\"")) << csv.out;
  EXPECT_TRUE(contains(csv.out, ",flag news,1500,12,,,,2024-05-01T10:40:00Z")) << csv.out;

  auto table = videos({});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_TRUE(contains(table.out, "VIEWS")) << table.out;
  EXPECT_TRUE(contains(table.out, "25.0k")) << table.out;
  EXPECT_TRUE(contains(table.out, "#flag #news")) << table.out;
  EXPECT_TRUE(contains(table.out, "(2 videos")) << table.out;
}

TEST_F(VideosCli, HelpTeachesAndBadInputExitsTwoNamingTheOption) {
  auto help = tw::test::run_trendwatch({"videos", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* part :
       {"--source", "--target", "--since", "--limit", "JSON Lines", "csv", "Examples", "views"})
    EXPECT_TRUE(contains(help.out, part)) << part << "\n" << help.out;

  auto since = videos({"--since", "yesterday"});
  EXPECT_EQ(since.exit_code, 2);
  EXPECT_TRUE(contains(since.err, "--since")) << since.err;
  EXPECT_TRUE(contains(since.err, "'yesterday' is not a duration")) << since.err;
  auto format = videos({"--format", "xml"});
  EXPECT_EQ(format.exit_code, 2);
  EXPECT_TRUE(contains(format.err, "--format: must be text, json or csv")) << format.err;
  auto limit = videos({"--limit", "0"});
  EXPECT_EQ(limit.exit_code, 2);
  EXPECT_TRUE(contains(limit.err, "--limit")) << limit.err;
  tw::test::write_file(dir_ / "junk.db", "not a database at all");
  auto store = tw::test::run_trendwatch({"videos", "--db", (dir_ / "junk.db").string()});
  EXPECT_EQ(store.exit_code, 2) << store.out;
  EXPECT_TRUE(contains(store.err, "junk.db")) << store.err;
}

}  // namespace
