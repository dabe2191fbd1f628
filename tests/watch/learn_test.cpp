// Dismissed false matches become negatives (`target learn`): after a
// reviewer dismisses them, the same false match is not reported again, and
// the real appearances still are.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <sstream>

#include "cli/cli_fixture.h"
#include "store/store.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace tw::test;

namespace {

fs::path megamind_avi() {
  return testdata_dir() / "usr/share/doc/opencv-doc/examples/data/Megamind.avi";
}

int appearances_in_scan(const fs::path& home, const fs::path& video, RunResult& r) {
  r = run_in(home, {"scan", video.string(), "--target", "jesper", "--format", "json"});
  std::istringstream lines(r.out);
  std::string line;
  int n = -1;
  while (std::getline(lines, line))
    if (!line.empty()) n = static_cast<int>(json::parse(line)["appearances"].size());
  return n;
}

TEST(TargetLearn, DismissedFalseMatchesDoNotComeBack) {
  fs::path home = fresh_home("learn");
  enroll_jesper(home);
  fs::path work = fresh_dir("learn-run");
  fs::path feed = work / "feed";
  fs::create_directories(feed);
  fs::copy_file(megamind_avi(), feed / "megamind.avi");
  // The folder source leaves files written in the last seconds for later.
  fs::last_write_time(feed / "megamind.avi",
                      fs::file_time_type::clock::now() - std::chrono::hours(1));
  fs::path db = work / "trendwatch.db";
  fs::path config = work / "trendwatch.toml";
  write_file(config, "[store]\nurl = \"sqlite://" + db.string() +
                         "\"\n\n[[source]]\nname = \"local\"\nkind = \"folder\"\nlocation = \"" +
                         feed.string() + "\"\n");

  // Megamind (an animated film) is known to come out as a false match of
  // the kphotoalbum Jesper at the default threshold: the case to fix.
  RunResult r = run_in(home, {"watch", "--config", config.string(), "--once"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto store = tw::store::open_store(db.string());
  tw::store::AppearanceFilter jesper;
  jesper.target = "jesper";
  auto false_matches = store->appearances(jesper);
  ASSERT_GE(false_matches.size(), 1u) << "precondition: Megamind no longer matches Jesper\n"
                                      << r.err;

  // The reviewer dismisses them; `target learn` takes their faces.
  for (const auto& a : false_matches)
    ASSERT_TRUE(store->set_verdict(a.id, tw::store::Verdict::dismissed));
  r = run_in(home, {"target", "learn", "jesper", "--config", config.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("new negative"), std::string::npos) << r.out;
  RunResult show = run_in(home, {"target", "show", "jesper", "--format", "json"});
  ASSERT_EQ(show.exit_code, 0) << show.err;

  // Learning again adds nothing: the faces are known.
  RunResult again = run_in(home, {"target", "learn", "jesper", "--config", config.string()});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find(" 0 new negative"), std::string::npos) << again.out;

  // Megamind is no longer reported; movie.avi (the real Jesper) still is.
  RunResult scan;
  EXPECT_EQ(appearances_in_scan(home, megamind_avi(), scan), 0) << scan.out << scan.err;
  EXPECT_EQ(scan.exit_code, 1);
  EXPECT_GE(appearances_in_scan(home, movie_avi(), scan), 1) << scan.out << scan.err;
  EXPECT_EQ(scan.exit_code, 0);

  // The monitor rescans for the new target set and stores no new false match.
  r = run_in(home, {"watch", "--config", config.string(), "--once", "--rescan"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("\"event\":\"scan.done\""), std::string::npos) << r.err;
  EXPECT_EQ(tw::store::open_store(db.string())->appearances(jesper).size(), false_matches.size());
}

TEST(TargetLearn, UnknownTargetIsNamedAndExits2) {
  fs::path home = fresh_home("learn-unknown");
  RunResult r = run_in(home, {"target", "learn", "nobody"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("nobody"), std::string::npos) << r.err;
}

}  // namespace
