// The match stage on made-up descriptors: a face is a target's hit at its
// threshold and not beyond, goes to its nearest target only, is not a hit
// when it is closer to one of the target's dismissed false matches, and the
// best of several faces of one target is the frame's hit.
#include "scan/target_matchers.h"

#include <gtest/gtest.h>

#include "scan/scan_fixture.h"
#include "targets/threshold.h"

using namespace tw;
using namespace tw::scan;

namespace {

// A descriptor at (x, y) in the first two of 128 dimensions.
Descriptor at(float x, float y) {
  Descriptor d(128, 0.f);
  d[0] = x;
  d[1] = y;
  return d;
}

targets::Target face_target(const std::string& name, Descriptor gallery, float threshold) {
  targets::Target t;
  t.name = name;
  t.kind = targets::TargetKind::face;
  t.descriptors = {std::move(gallery)};
  t.threshold = threshold;
  return t;
}

DescribedFace face(Descriptor d, Box box = {200, 200, 100, 100}) {
  return DescribedFace{box, std::move(d), 0, true};
}

class TargetMatching : public ::testing::Test {
 protected:
  std::vector<FrameHit> hits(const TargetMatchers& matchers,
                             const std::vector<DescribedFace>& faces) {
    return matchers.face_hits(frame, faces, timings);
  }
  cv::Mat frame = cv::Mat(480, 640, CV_8UC3, cv::Scalar(90, 120, 150));
  StageTimings timings;
  models::ModelDir models = test::test_models();
};

}  // namespace

TEST_F(TargetMatching, AFaceAtTheThresholdIsAHitAndJustBeyondItIsNot) {
  const TargetMatchers matchers(models, {face_target("a", at(1, 0), 0.5f)}, std::nullopt);
  const std::vector<FrameHit> at_threshold = hits(matchers, {face(at(1, 0.5f))});
  ASSERT_EQ(at_threshold.size(), 1u);
  EXPECT_EQ(at_threshold[0].target, "a");
  EXPECT_FLOAT_EQ(at_threshold[0].distance, 0.5f);
  EXPECT_FLOAT_EQ(at_threshold[0].score, 0.5f) << "a score of 0.5 is the threshold";
  EXPECT_EQ(at_threshold[0].descriptor, at(1, 0.5f));
  EXPECT_TRUE(hits(matchers, {face(at(1, 0.501f))}).empty());
}

TEST_F(TargetMatching, TheOverrideThresholdReplacesTheTargets) {
  const TargetMatchers matchers(models, {face_target("a", at(1, 0), 0.5f)}, 0.3f);
  EXPECT_TRUE(hits(matchers, {face(at(1, 0.4f))}).empty());
  EXPECT_EQ(hits(matchers, {face(at(1, 0.25f))}).size(), 1u);
}

TEST_F(TargetMatching, AFaceGoesToItsNearestTargetOnly) {
  const TargetMatchers matchers(
      models, {face_target("a", at(1, 0), 0.5f), face_target("b", at(1, 0.6f), 0.5f)},
      std::nullopt);
  const std::vector<FrameHit> found =
      hits(matchers, {face(at(1, 0.35f))});  // 0.35 from a, 0.25 from b
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].target, "b");
  EXPECT_FLOAT_EQ(found[0].score, targets::face_match_score(0.25f, 0.5f));
}

TEST_F(TargetMatching, OfTwoFacesOfOneTargetTheCloserIsTheHit) {
  const TargetMatchers matchers(models, {face_target("a", at(1, 0), 0.5f)}, std::nullopt);
  const Box far_box{10, 10, 80, 80}, near_box{300, 200, 120, 120};
  const std::vector<FrameHit> found =
      hits(matchers, {face(at(1, 0.4f), far_box), face(at(1, 0.1f), near_box)});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].box.x, near_box.x);
  EXPECT_FLOAT_EQ(found[0].distance, 0.1f);
  // The evidence crop: the box and a quarter of its side around it.
  EXPECT_EQ(found[0].crop.size(), cv::Size(180, 180));
  EXPECT_GT(timings.match, 0);
}

TEST_F(TargetMatching, AFaceCloserToADismissedFalseMatchIsNoHit) {
  targets::Target a = face_target("a", at(1, 0), 0.5f);
  a.negatives = {at(1, 0.4f)};
  const TargetMatchers matchers(models, {a}, std::nullopt);
  EXPECT_TRUE(hits(matchers, {face(at(1, 0.35f))}).empty()) << "0.05 from the false match";
  EXPECT_EQ(hits(matchers, {face(at(1, 0.1f))}).size(), 1u) << "closer to the target";
}

TEST_F(TargetMatching, FacesAreScannedUnlessOnlyOtherKindsOfTargetsAre) {
  EXPECT_TRUE(
      TargetMatchers(models, {face_target("a", at(1, 0), 0.5f)}, std::nullopt).scans_faces());
  EXPECT_TRUE(TargetMatchers(models, {}, std::nullopt).scans_faces());
  targets::Target flag;
  flag.name = "flag";
  flag.kind = targets::TargetKind::image;
  const TargetMatchers images_only(models, {flag}, std::nullopt);
  EXPECT_FALSE(images_only.scans_faces());
  std::vector<FrameHit> none;
  images_only.add_frame_hits(frame, none, timings);  // a flat frame shows no flag
  EXPECT_TRUE(none.empty());
}
