// The Scanner on real footage: Jesper, enrolled from kphotoalbum photos,
// found in kphotoalbum's movie.avi; the pipelined and exhaustive paths agree.
#include <gtest/gtest.h>

#include <fstream>

#include "core/errors.h"
#include "scan/scan_fixture.h"
#include "scan/scanner.h"

namespace fs = std::filesystem;
using namespace tw;
using test::test_models;

namespace {

std::vector<fs::path> upright_photos_of(const std::string& person) {
  std::vector<fs::path> out;
  for (const auto& p : test::photos_of_only(person))
    if (p.angle == 0) out.push_back(p.file);
  return out;
}

}  // namespace

TEST(ScannerMovie, JesperCoversMostOfMovieAvi) {
  targets::Target jesper = test::enroll_from("jesper", upright_photos_of("Jesper"));
  ASSERT_GE(jesper.descriptors.size(), 4u);
  fs::path evidence = test::fresh_dir("scan-movie-evidence");
  scan::ScanOptions options;
  options.evidence_dir = evidence;
  scan::Scanner scanner(test_models(), {jesper}, options);
  scan::ScanResult r = scanner.scan(test::kphotoalbum_dir() / "movie.avi");
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_NEAR(r.duration, 4.53, 0.1);
  EXPECT_GE(r.frames_sampled, 20);
  for (const auto& x : r.appearances)
    std::printf("  %s [%.2f, %.2f] frames %d best distance %.3f\n", x.target.c_str(), x.start,
                x.end, x.frames, x.best_distance);
  ASSERT_EQ(r.appearances.size(), 1u);
  const Appearance& a = r.appearances[0];
  std::printf(
      "movie.avi: jesper [%.2f, %.2f] best %.2f s score %.3f distance %.3f frames %d/%lld\n",
      a.start, a.end, a.best_time, a.best_score, a.best_distance, a.frames,
      static_cast<long long>(r.frames_sampled));
  EXPECT_LE(a.start, 0.5);
  EXPECT_GE(a.end, r.duration - 0.5);
  EXPECT_LE(a.end, r.duration + 1e-6);
  EXPECT_GE(a.frames, r.frames_sampled * 7 / 10);
  EXPECT_GT(a.best_score, 0.5f);
  EXPECT_GT(a.box.width, 10.f);
  EXPECT_TRUE(fs::exists(a.evidence_frame)) << a.evidence_frame;
  EXPECT_TRUE(fs::exists(a.evidence_crop)) << a.evidence_crop;
  EXPECT_GT(r.timings.detect, 0);
  EXPECT_GT(r.timings.embed, 0);

  // The naive reference path finds the same appearance (ends within two
  // sampled frames; its frame count can be lower: the optimized path's
  // skipped frames re-use the hits of the frame they look like, where the
  // naive path misses Jesper now and then).
  options.exhaustive = true;
  options.evidence_dir.clear();
  scan::Scanner naive(test_models(), {jesper}, options);
  scan::ScanResult ref = naive.scan(test::kphotoalbum_dir() / "movie.avi");
  ASSERT_EQ(ref.appearances.size(), 1u);
  EXPECT_NEAR(ref.appearances[0].start, a.start, 0.4);
  EXPECT_NEAR(ref.appearances[0].end, a.end, 0.4);
  EXPECT_GE(ref.appearances[0].frames, r.frames_sampled * 7 / 10);
}

TEST(ScannerMovie, UnreadableVideoIsAnInputErrorNamingIt) {
  targets::Target jesper = test::enroll_from("jesper", {upright_photos_of("Jesper").front()});
  scan::Scanner scanner(test_models(), {jesper});
  fs::path bogus = test::fresh_dir("scan-bogus") / "bogus.mp4";
  { std::ofstream(bogus) << "not a video"; }
  try {
    scanner.scan(bogus);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(e.input(), bogus.string());
  }
}
