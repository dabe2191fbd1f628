// `trendwatch import`: Zeeschuimer exports queued in a real store, through
// the binary.
#include <gtest/gtest.h>

#include "support/test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using tw::test::contains;

std::string line_of(const std::string& id, const std::string& author, long long collected) {
  return json{{"source_platform", "tiktok.com"},
              {"timestamp_collected", collected},
              {"data",
               {{"id", id},
                {"desc", "clip #flag"},
                {"createTime", 1714557600},
                {"author", {{"uniqueId", author}}},
                {"stats", {{"playCount", 100}, {"diggCount", 5}}}}}}
      .dump();
}

TEST(Import, QueuesNewVideosOnceAndReportsKnownOnesAndSkippedLines) {
  fs::path dir = tw::test::fresh_dir("import");
  const std::string db = "sqlite://" + (dir / "tw.db").string();
  tw::test::write_file(dir / "a.ndjson", line_of("7301234567890123457", "a", 1000) + "\n" +
                                             "not json\n" +
                                             line_of("7301234567890123458", "b", 1000) + "\n");
  tw::test::write_file(dir / "b.ndjson",
                       line_of("7301234567890123457", "a", 2000) + "\n" +
                           R"({"source_platform": "tiktok-comments", "data": {"cid": "1"}})" +
                           "\n");
  auto first =
      tw::test::run_trendwatch({"import", (dir / "a.ndjson").string(), (dir / "b.ndjson").string(),
                                "--db", db, "--format", "json"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  json report = json::parse(first.out);
  EXPECT_EQ(report["added"], 2);
  EXPECT_EQ(report["updated"], 1);  // the same video captured again later
  EXPECT_EQ(report["unchanged"], 0);
  EXPECT_EQ(report["skipped"], 2);  // a bad line and a comment
  ASSERT_EQ(report["files"].size(), 2u);
  EXPECT_EQ(report["files"][0]["warnings"][0],
            (dir / "a.ndjson").string() +
                ":2: not JSON (column 2: syntax error while parsing value - invalid literal; last "
                "read: 'no')");
  EXPECT_EQ(report["files"][1]["warnings"][0], "1 comment records (tiktok-comments) skipped");

  // Again: nothing new, every video known with figures already stored.
  auto second = tw::test::run_trendwatch({"import", (dir / "a.ndjson").string(), "--db", db});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_TRUE(contains(second.out, "a.ndjson: 0 added, 0 updated, 2 unchanged, 1 skipped"))
      << second.out;
  EXPECT_TRUE(contains(second.out, "a.ndjson:2: not JSON")) << second.out;
}

TEST(Import, AnUnreadableFileIsNamedWithExitTwoAndTheOthersAreImported) {
  fs::path dir = tw::test::fresh_dir("import-missing");
  const std::string db = "sqlite://" + (dir / "tw.db").string();
  tw::test::write_file(dir / "good.ndjson", line_of("7301234567890123459", "c", 1) + "\n");
  auto run = tw::test::run_trendwatch(
      {"import", (dir / "missing.ndjson").string(), (dir / "good.ndjson").string(), "--db", db});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_TRUE(contains(
      run.err, (dir / "missing.ndjson").string() + ": cannot read it (No such file or directory)"))
      << run.err;
  EXPECT_TRUE(contains(run.out, "good.ndjson: 1 added, 0 updated, 0 unchanged, 0 skipped"))
      << run.out;

  auto help = tw::test::run_trendwatch({"import", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_TRUE(contains(help.out, "Zeeschuimer")) << help.out;
  EXPECT_TRUE(contains(help.out, "kind = \"zeeschuimer\"")) << help.out;
}

}  // namespace
