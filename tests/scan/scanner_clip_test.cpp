// The Scanner on generated 720x1280 30 fps H.264 clips with known ground
// truth: a photo of an enrolled person (a photo that was NOT used to enroll
// them) on screen during a known interval, moving and scaled, between other
// footage and other people.  Every test asserts the reported intervals.
#include <gtest/gtest.h>

#include "scan/scan_clips.h"
#include "scan/scanner.h"

namespace fs = std::filesystem;
using namespace tw;
using test::anne;
using test::jesper;

namespace {

void print(const scan::ScanResult& r) {
  std::printf("%s: %lld frames, %lld faces\n", r.input.c_str(),
              static_cast<long long>(r.frames_sampled), static_cast<long long>(r.faces));
  for (const auto& a : r.appearances)
    std::printf("  %-8s [%.2f, %.2f] best %.2f s score %.3f distance %.3f frames %d\n",
                a.target.c_str(), a.start, a.end, a.best_time, a.best_score, a.best_distance,
                a.frames);
}

void expect_interval(const Appearance& a, double t0, double t1) {
  EXPECT_NEAR(a.start, t0, 0.4) << a.target;
  EXPECT_NEAR(a.end, t1, 0.4) << a.target;
  EXPECT_GE(a.best_time, t0 - 1e-6);
  EXPECT_LE(a.best_time, t1 + 1e-6);
}

}  // namespace

TEST(ScannerClip, FindsAPersonShownFrom3To5Seconds) {
  fs::path clip = test::make_clip(test::jesper_from_3_to_5().spec);
  scan::Scanner scanner(test::test_models(), {jesper()});
  scan::ScanResult r = scanner.scan(clip);
  print(r);
  EXPECT_NEAR(r.duration, 7.0, 0.05);
  EXPECT_GE(r.faces, 10) << "the strangers' faces were not even detected";
  ASSERT_EQ(r.appearances.size(), 1u);
  expect_interval(r.appearances[0], 3.0, 5.0);

  // The exhaustive reference path reports the same appearance (ends within
  // two sampled frames).
  scan::ScanOptions naive_options;
  naive_options.exhaustive = true;
  scan::Scanner naive(test::test_models(), {jesper()}, naive_options);
  scan::ScanResult ref = naive.scan(clip);
  ASSERT_EQ(ref.appearances.size(), 1u);
  EXPECT_NEAR(ref.appearances[0].start, r.appearances[0].start, 0.4);
  EXPECT_NEAR(ref.appearances[0].end, r.appearances[0].end, 0.4);
}

TEST(ScannerClip, OtherPeopleOnlyGiveNoAppearance) {
  fs::path clip = test::make_clip(test::strangers_only().spec);
  scan::Scanner scanner(test::test_models(), {jesper(), anne()});
  scan::ScanResult r = scanner.scan(clip);
  print(r);
  EXPECT_GE(r.faces, 10);
  EXPECT_TRUE(r.appearances.empty());
}

TEST(ScannerClip, TwoTargetsInOnePassEachWithItsOwnInterval) {
  fs::path clip = test::make_clip(test::two_targets().spec);
  scan::Scanner scanner(test::test_models(), {jesper(), anne()});
  scan::ScanResult r = scanner.scan(clip);
  print(r);
  ASSERT_EQ(r.appearances.size(), 2u);
  EXPECT_EQ(r.appearances[0].target, "jesper");
  expect_interval(r.appearances[0], 0.8, 3.0);
  EXPECT_EQ(r.appearances[1].target, "anne");
  expect_interval(r.appearances[1], 4.0, 6.2);
}

TEST(ScannerClip, AHalfSecondCameoIsKept) {
  fs::path clip = test::make_clip(test::half_second_cameo().spec);
  scan::Scanner scanner(test::test_models(), {jesper()});
  scan::ScanResult r = scanner.scan(clip);
  print(r);
  ASSERT_EQ(r.appearances.size(), 1u);
  expect_interval(r.appearances[0], 1.5, 2.0);
  EXPECT_GE(r.appearances[0].frames, 2);
}

TEST(ScannerClip, ARaisedCancelFlagStopsTheScanBetweenFrames) {
  fs::path clip = test::make_clip(test::jesper_from_3_to_5().spec);
  for (bool exhaustive : {false, true}) {
    scan::CancelFlag cancel{false};
    int frames_seen = 0, raise_at = 3;
    scan::ScanOptions options;
    options.exhaustive = exhaustive;
    options.cancel = &cancel;
    // Raised from outside the scan (a signal handler's flag) once 3 sampled
    // frames are through.
    options.progress = [&](double, double) {
      if (++frames_seen == raise_at) cancel = true;
    };
    scan::Scanner scanner(test::test_models(), {jesper()}, options);
    EXPECT_THROW(scanner.scan(clip, "clip"), scan::Cancelled) << exhaustive;
    // A held frame may come out with the frame after it; the 35 sampled
    // frames of the clip are not all scanned.
    EXPECT_GE(frames_seen, 3);
    EXPECT_LE(frames_seen, 5) << exhaustive;

    // Raised before the scan: nothing is analysed.  Lowered again, the
    // same scanner scans the clip to its end.
    frames_seen = 0;
    EXPECT_THROW(scanner.scan(clip, "clip"), scan::Cancelled);
    EXPECT_EQ(frames_seen, 0);
    cancel = false;
    raise_at = -1;
    scan::ScanResult r = scanner.scan(clip, "clip");
    EXPECT_EQ(r.frames_sampled, 35);
    EXPECT_EQ(r.appearances.size(), 1u);
  }
}
