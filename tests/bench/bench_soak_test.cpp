// The soak benchmark (bench/bench_soak.cpp), run for real: its plan is
// drawn from its seed alone, and a one-minute soak of the real monitor
// against failing local feeds loses and duplicates nothing.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

#include "support/test_support.h"

using nlohmann::json;
using tw::test::run_program;

namespace {

std::string bench_soak() {
  return std::string(TW_BINARY_DIR) + "/bench/bench_soak";
}

json plan(const std::string& seed) {
  auto r = run_program({bench_soak(), "--plan", "--seconds", "600", "--seed", seed}, {}, 60);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return json::parse(r.out, nullptr, false);
}

// The last line of the output: the report.
json report_of(const std::string& out) {
  std::string text = out;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return json::parse(text.substr(text.rfind('\n') + 1), nullptr, false);
}

}  // namespace

TEST(BenchSoak, ThePlanDependsOnTheSeedAloneAndEveryFaultEndsBeforeTheDrain) {
  const json a = plan("7"), again = plan("7"), other = plan("8");
  ASSERT_TRUE(a.is_object());
  EXPECT_EQ(a, again);
  EXPECT_NE(a["videos"], other["videos"]);

  const double until = a["seconds"].get<double>() - a["drain"].get<double>();
  std::set<std::string> sources, faults;
  for (const auto& v : a["videos"]) {
    EXPECT_LT(v["at"].get<double>(), until);
    EXPECT_LE(v["missing_for"].get<double>(), 90.0) << "later than the monitor's third scan";
    sources.insert(v["source"].get<std::string>());
    faults.insert(v["fault"].get<std::string>());
  }
  EXPECT_EQ(sources, (std::set<std::string>{"urls", "command", "folder"}));
  EXPECT_EQ(faults, (std::set<std::string>{"none", "cut", "missing", "slow_write"}));
  std::set<std::string> listing_kinds;
  for (const char* key : {"urls_faults", "command_faults", "hook_faults"})
    for (const auto& w : a[key]) {
      EXPECT_LE(w["to"].get<double>(), until) << key;
      if (std::string(key) != "hook_faults") listing_kinds.insert(w["kind"].get<std::string>());
    }
  EXPECT_EQ(listing_kinds, (std::set<std::string>{"500", "429", "hang", "truncated"}));
}

// About two minutes: clips (cached), enrolling, the monitor's start, a
// 60-second run and the count.  Seed 5's plan publishes Jesper three times
// without a download fault before the webhook hangs, so alerts wait through
// the hang; its listings hang and answer 500 meanwhile.
TEST(BenchSoak, OneMinuteOfFailingFeedsLosesAndDuplicatesNothing) {
  auto r =
      run_program({bench_soak(), "--seconds", "60", "--interval", "6", "--seed", "5"}, {}, 480);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const json report = report_of(r.out);
  ASSERT_TRUE(report.is_object()) << r.out;
  EXPECT_EQ(report["lost"], 0) << r.out;
  EXPECT_EQ(report["duplicated"], 0) << r.out;
  EXPECT_EQ(report["alerts_lost"], 0) << r.out;
  EXPECT_TRUE(report["stopped_cleanly"].get<bool>()) << r.out;
  EXPECT_EQ(report["secret_leaks"], 0) << r.out;
  EXPECT_GE(report["published"].get<int>(), 5) << r.out;
  EXPECT_GE(report["scanned"].get<int>(), 1) << r.out;
  int faults = 0;
  for (const auto& [name, n] : report["faults_hit"].items()) faults += n.get<int>();
  EXPECT_GE(faults, 3) << "the soak met too few faults to mean anything: " << r.out;
  EXPECT_NE(r.out.find("lost: 0"), std::string::npos) << r.out;
}
