// The evidence stage: per appearance, the annotated best frame and the
// crop as JPEGs named after the video and target, and a face's descriptors
// beside its crop.
#include "scan/evidence.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <opencv2/imgcodecs.hpp>

#include "core/errors.h"
#include "support/test_support.h"

namespace fs = std::filesystem;
using namespace tw;
using namespace tw::scan;

namespace {

AppearanceEvidence found(const std::string& target, bool face) {
  AppearanceEvidence e;
  e.appearance.target = target;
  e.appearance.start = 1.0;
  e.appearance.end = 2.0;
  e.appearance.best_score = 0.8f;
  e.appearance.box = {100, 50, 80, 100};
  e.best_frame = cv::Mat(240, 320, CV_8UC3, cv::Scalar(40, 80, 120));
  e.best_crop = region_around(e.best_frame, e.appearance.box, 0.25f).clone();
  if (face) {
    e.best_descriptor = Descriptor(128, 0.25f);
    e.descriptors = {Descriptor(128, 0.25f), Descriptor(128, 0.5f)};
  }
  return e;
}

}  // namespace

TEST(Evidence, WritesTheFrameAndCropOfEachAppearanceAndAFacesDescriptors) {
  const fs::path dir = test::fresh_dir("evidence") / "out";  // created by write_evidence
  std::vector<AppearanceEvidence> appearances = {found("jesper", true), found("flag/fr", false)};
  write_evidence(dir, "clip 1", appearances);

  const Appearance& face = appearances[0].appearance;
  EXPECT_EQ(fs::path(face.evidence_frame).filename(), "clip_1-jesper-1-frame.jpg");
  EXPECT_EQ(fs::path(face.evidence_crop).filename(), "clip_1-jesper-1-crop.jpg");
  const cv::Mat frame = cv::imread(face.evidence_frame), crop = cv::imread(face.evidence_crop);
  EXPECT_EQ(frame.size(), cv::Size(320, 240));
  EXPECT_EQ(crop.size(), cv::Size(130, 150)) << "the box and a quarter of its longer side";
  // The box is drawn on the frame (green), not on the crop.
  EXPECT_GT(frame.at<cv::Vec3b>(100, 100)[1], 200);

  const auto descriptors =
      nlohmann::json::parse(test::read_file(face_descriptor_path(face.evidence_crop)));
  EXPECT_EQ(descriptors["descriptor"].size(), 128u);
  ASSERT_EQ(descriptors["descriptors"].size(), 2u);
  EXPECT_FLOAT_EQ(descriptors["descriptors"][1][0].get<float>(), 0.5f);

  // Names are made file-safe; an image target has no descriptors.
  const Appearance& image = appearances[1].appearance;
  EXPECT_EQ(fs::path(image.evidence_crop).filename(), "clip_1-flag_fr-2-crop.jpg");
  EXPECT_FALSE(fs::exists(face_descriptor_path(image.evidence_crop)));
}

TEST(Evidence, AFolderThatCannotBeMadeIsAnInputErrorNamingIt) {
  const fs::path file = test::fresh_dir("evidence-blocked") / "a-file";
  test::write_file(file, "x");
  std::vector<AppearanceEvidence> appearances = {found("jesper", true)};
  try {
    write_evidence(file / "evidence", "clip", appearances);
    FAIL() << "wrote under a file";
  } catch (const InputError& e) {
    EXPECT_EQ(e.input(), (file / "evidence").string());
  }
}

TEST(Evidence, TheRegionAroundABoxIsClippedToTheFrame) {
  const cv::Mat frame(100, 200, CV_8UC3, cv::Scalar::all(0));
  EXPECT_EQ(region_around(frame, {0, 0, 40, 20}, 0.25f).size(), cv::Size(50, 30));
  EXPECT_TRUE(region_around(frame, {-100, -100, 20, 20}, 0.25f).empty());
}
