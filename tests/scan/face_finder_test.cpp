// The detect stage: the detector input a video needs, and the reference
// path's box for a face proposed at a smaller input.
#include "scan/face_finder.h"

#include <gtest/gtest.h>

#include <cmath>

#include "scan/face_frame.h"

using namespace tw;
using namespace tw::scan;

TEST(FaceFinder, TheDetectorInputKeepsTheSmallestFaceAt16NetPixels) {
  // 720x1280 is padded to 1280 square: a 64 px face must be 16 px at the
  // input, so 1280 * 16 / 64 = 320.
  EXPECT_EQ(detector_input_for(720, 1280, 64), 320);
  EXPECT_EQ(detector_input_for(1280, 720, 64), 320);  // landscape alike
  // 1280 * 16 / 100 = 204.8, rounded up to the 32 px grid.
  EXPECT_EQ(detector_input_for(720, 1280, 100), 224);
  EXPECT_EQ(detector_input_for(720, 1280, 1000), 128);      // never below 128
  EXPECT_EQ(detector_input_for(720, 1280, 8, 1024), 1024);  // nor above the cap
  EXPECT_EQ(detector_input_for(720, 1280, 0), 1024);        // 0: the largest input
}

TEST(FaceFinder, AProposalsReferenceBoxIsTheReferenceDetectorsBox) {
  FaceFinder finder(test::test_models(), {});
  ASSERT_EQ(finder.reference_input(), 512);
  const cv::Mat frame = test::frame_with_face("jesper_2.jpg");
  StageTimings timings;
  const std::vector<FaceDetection> proposed = finder.detect(frame, 320, timings);
  const std::vector<FaceDetection> reference = finder.detect(frame, 512, timings);
  EXPECT_GT(timings.detect, 0);
  std::optional<Box> proposal = test::found_in(proposed, test::kPastedPicture);
  std::optional<Box> at_reference = test::found_in(reference, test::kPastedPicture);
  ASSERT_TRUE(proposal && at_reference);

  const float proposal_off = std::abs(proposal->x - at_reference->x) +
                             std::abs(proposal->y - at_reference->y) +
                             std::abs(proposal->width - at_reference->width);
  ASSERT_GT(proposal_off, 2.f) << "the smaller input frames the face differently";

  std::optional<Box> refined = finder.reference_box(frame, *proposal, timings);
  ASSERT_TRUE(refined);
  // The window keeps the reference's scale and grid: the same box, to
  // rounding, where the proposal's differs by more.
  EXPECT_NEAR(refined->x, at_reference->x, 1.0);
  EXPECT_NEAR(refined->y, at_reference->y, 1.0);
  EXPECT_NEAR(refined->width, at_reference->width, 1.0);
  EXPECT_NEAR(refined->height, at_reference->height, 1.0);
}

TEST(FaceFinder, NoFaceAtTheReferenceScaleGivesNoBox) {
  FaceFinder finder(test::test_models(), {});
  const cv::Mat frame = test::frame_with_face("jesper_2.jpg");
  StageTimings timings;
  // The sky above the face, and a box outside the frame.
  EXPECT_FALSE(finder.reference_box(frame, Box{300, 60, 100, 100}, timings));
  EXPECT_FALSE(finder.reference_box(frame, Box{-900, -900, 100, 100}, timings));
}
