// The layer both front ends share: [scan] as ScanOptions, the targets
// chosen, the cores shared among jobs, and stage timings as JSON.
#include "scan/scan_job.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <opencv2/core/utility.hpp>

#include <thread>

#include "core/errors.h"
#include "scan/scan_clips.h"
#include "targets/target_store.h"

namespace fs = std::filesystem;
using namespace tw;
using namespace tw::scan;

TEST(ScanJob, TheScanSectionBecomesScanOptions) {
  const ScanOptions defaults = scan_options_from(ScanConfig{});
  EXPECT_EQ(defaults.fps, 5);
  EXPECT_FALSE(defaults.threshold);
  EXPECT_EQ(defaults.aggregation.min_frames, 2);
  EXPECT_EQ(defaults.smallest_face_px, kDefaultSmallestFacePx);
  EXPECT_FALSE(defaults.approximate);

  ScanConfig config;
  config.fps = 4;
  config.threshold = 0.45;
  config.min_face = 100;
  config.approximate = true;
  config.min_duration = std::chrono::milliseconds(1100);  // 4.4 frames at 4 fps
  const ScanOptions o = scan_options_from(config);
  EXPECT_EQ(o.fps, 4);
  EXPECT_FLOAT_EQ(*o.threshold, 0.45f);
  EXPECT_EQ(o.smallest_face_px, 100);
  EXPECT_TRUE(o.approximate);
  EXPECT_EQ(o.aggregation.min_frames, 5) << "min_duration rounds up to whole frames";

  config.min_frames = 3;  // wins over min_duration
  EXPECT_EQ(scan_options_from(config).aggregation.min_frames, 3);
}

TEST(ScanJob, TargetsAreTheNamedOnesOrEveryEnrolledOne) {
  const fs::path dir = test::fresh_dir("scan-job-targets");
  try {
    chosen_targets(dir, {});
    FAIL() << "no targets enrolled, and no error";
  } catch (const InputError& e) {
    EXPECT_EQ(e.input(), dir.string());
    EXPECT_NE(e.reason().find("no targets enrolled"), std::string::npos) << e.reason();
  }
  targets::TargetStore store(dir);
  store.save(test::jesper(), false);
  store.save(test::anne(), false);
  std::vector<targets::Target> every = chosen_targets(dir, {});
  ASSERT_EQ(every.size(), 2u);
  EXPECT_EQ(every[0].name, "anne");
  std::vector<targets::Target> named = chosen_targets(dir, {"jesper"});
  ASSERT_EQ(named.size(), 1u);
  EXPECT_EQ(named[0].name, "jesper");
  EXPECT_THROW(chosen_targets(dir, {"nobody"}), InputError);
}

TEST(ScanJob, SeveralJobsShareTheCoresOnceOneJobKeepsItsOwnCount) {
  const int before = cv::getNumThreads();
  EXPECT_EQ(share_cores(1, 3), 3) << "one job: the scan sets its own count";
  EXPECT_EQ(cv::getNumThreads(), before);
  EXPECT_EQ(share_cores(2, 1), 0);
  EXPECT_EQ(cv::getNumThreads(), 1);
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  EXPECT_EQ(share_cores(2, 0), 0);
  EXPECT_EQ(cv::getNumThreads(), std::max(1, cores / 2));
  cv::setNumThreads(before);
}

TEST(ScanJob, TimingsAreSecondsToTheMillisecondInStageOrder) {
  StageTimings t;
  t.decode = 1.23456;
  t.detect = 0.0004;
  t.wall = 2.0006;
  const nlohmann::ordered_json j = timings_json(t);
  std::vector<std::string> keys;
  for (const auto& [key, value] : j.items()) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"decode", "detect", "align", "embed", "match", "images",
                                            "classify", "wall"}));
  EXPECT_DOUBLE_EQ(j["decode"].get<double>(), 1.235);
  EXPECT_DOUBLE_EQ(j["detect"].get<double>(), 0);
  EXPECT_DOUBLE_EQ(j["wall"].get<double>(), 2.001);
}
