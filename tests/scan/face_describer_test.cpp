// The describe stage: one descriptor per face box, in one batch, in the
// boxes' order; a box with nothing of the frame in it is left out.
#include "scan/face_describer.h"

#include <gtest/gtest.h>

#include "scan/face_finder.h"
#include "scan/face_frame.h"
#include "scan/face_matcher.h"
#include "scan/scan_clips.h"
#include "vision/face_embedder.h"

using namespace tw;
using namespace tw::scan;

TEST(FaceDescriber, DescribesEachFaceSoThatItsPersonMatches) {
  const models::ModelDir models = test::test_models();
  FaceFinder finder(models, {});
  FaceDescriber describer(models);
  StageTimings timings;
  const cv::Mat frame = test::frame_with_face("jesper_2.jpg");
  const std::optional<Box> found =
      test::found_in(finder.detect(frame, 512, timings), test::kPastedPicture);
  ASSERT_TRUE(found);
  const Box face = *found;
  const Box outside{-400, -400, 100, 100};

  const std::vector<DescribedFace> described =
      describer.describe(frame, {face, outside, face}, timings);
  ASSERT_EQ(described.size(), 2u);
  EXPECT_EQ(described[0].input, 0u);
  EXPECT_EQ(described[1].input, 2u);
  EXPECT_EQ(described[0].box.x, face.x);
  ASSERT_EQ(described[0].descriptor.size(), 128u);
  EXPECT_LT(vision::descriptor_distance(described[0].descriptor, described[1].descriptor), 1e-5)
      << "the same box gives the same descriptor";
  EXPECT_GT(timings.align, 0);
  EXPECT_GT(timings.embed, 0);

  // A photo of Jesper he was not enrolled from matches him, not Anne.
  FaceMatcher matcher({test::jesper(), test::anne()}, std::nullopt);
  std::optional<FaceMatch> m = matcher.match(described[0].descriptor);
  ASSERT_TRUE(m);
  EXPECT_EQ(matcher.targets()[m->target_index].name, "jesper");
}

TEST(FaceDescriber, NoBoxesNoWork) {
  FaceDescriber describer(test::test_models());
  StageTimings timings;
  EXPECT_TRUE(describer.describe(test::frame_with_face("jesper_2.jpg"), {}, timings).empty());
  EXPECT_EQ(timings.align, 0);
  EXPECT_EQ(timings.embed, 0);
}
