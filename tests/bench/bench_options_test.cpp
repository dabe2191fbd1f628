// The benchmark programs' command lines: a typo must not silently run the
// default benchmark.  Each program is run for real with bad options.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/test_support.h"

using tw::test::run_program;

namespace {

std::string bench_program(const std::string& name) {
  return std::string(TW_BINARY_DIR) + "/bench/" + name;
}

const std::vector<std::string> kPrograms = {"bench_blazeface", "bench_decode", "bench_embedder",
                                            "bench_faces",     "bench_scan",   "bench_soak",
                                            "bench_speed",     "bench_workers"};

}  // namespace

TEST(BenchOptions, EveryBenchmarkRefusesAnUnknownOptionWithItsUsage) {
  for (const auto& name : kPrograms) {
    auto r = run_program({bench_program(name), "--clip-count", "3"}, {}, 60);
    EXPECT_EQ(r.exit_code, 2) << name;
    EXPECT_NE(r.err.find(name + ": --clip-count: unknown option"), std::string::npos)
        << name << ": " << r.err;
    EXPECT_NE(r.err.find("usage: " + name), std::string::npos) << name;
    EXPECT_TRUE(r.out.empty()) << name << " ran anyway: " << r.out;
  }
}

TEST(BenchOptions, HelpPrintsTheUsageAndExitsZero) {
  for (const auto& name : kPrograms) {
    auto r = run_program({bench_program(name), "--help"}, {}, 60);
    EXPECT_EQ(r.exit_code, 0) << name;
    EXPECT_EQ(r.out.rfind("usage: " + name, 0), 0u) << name << ": " << r.out;
  }
}

TEST(BenchOptions, BadNumbersAndMissingValuesAreRefused) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"bench_speed", "--clips", "x"}, "--clips x: must be a whole number of at least 1"},
      {{"bench_speed", "--jobs", "0"}, "--jobs 0: must be a whole number of at least 1"},
      {{"bench_speed", "--min-face", "-5"}, "--min-face -5: must be a whole number of at least 0"},
      {{"bench_scan", "--threads", "2x"}, "--threads 2x: must be a whole number of at least 1"},
      {{"bench_faces", "--rounds"}, "--rounds: needs a value (N)"},
      {{"bench_blazeface", "--photos", "0"}, "--photos 0: must be a whole number of at least 1"},
      {{"bench_decode", "--clip", "/nonexistent.mp4"}, "/nonexistent.mp4: no such file"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> argv = c.args;
    argv[0] = bench_program(argv[0]);
    auto r = run_program(argv, {}, 60);
    EXPECT_EQ(r.exit_code, 2) << c.args[0] << " " << c.args[1];
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
  }
}
