// The SSD face detector on real photos: counts, plausibility, any aspect
// ratio, the anchors against the ones stored in face-api's weights.
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>

#include "core/types.h"
#include "face_models.h"
#include "models/tfjs_weights.h"
#include "vision/face_detector.h"

namespace tw {
namespace {

using test::face_api_sample;
using test::shared_analyser;

// The face among `faces` that overlaps `expected` most, and by how much.
std::pair<const FaceDetection*, float> best_match(const std::vector<FaceDetection>& faces,
                                                  const Box& expected) {
  const FaceDetection* best = nullptr;
  float best_iou = 0;
  for (const auto& f : faces) {
    const float overlap = iou(f.box, expected);
    if (overlap > best_iou) best = &f, best_iou = overlap;
  }
  return {best, best_iou};
}

Box shifted(Box b, float dx, float dy) {
  b.x += dx;
  b.y += dy;
  return b;
}

TEST(FaceDetector, AnchorsAt512EqualFaceApisStoredAnchors) {
  const auto weights = models::TfjsWeights::load(test::face_api_dir() / "model" /
                                                 "ssd_mobilenetv1_model-weights_manifest.json");
  const models::Tensor& stored = weights.at("Output/extra_dim");
  const auto anchors = vision::ssd_anchors(512);
  ASSERT_EQ(stored.element_count(), static_cast<int64_t>(anchors.size() * 4));
  float max_diff = 0;
  for (size_t i = 0; i < anchors.size(); ++i)
    for (int k = 0; k < 4; ++k)
      max_diff = std::max(max_diff, std::abs(anchors[i][k] - stored.data[i * 4 + k]));
  EXPECT_LT(max_diff, 1e-6f);
  // Other sizes: one anchor set per grid cell of every layer.
  EXPECT_EQ(vision::ssd_anchors(320).size(), 2034u);  // grids 20,10,5,3,2,1
}

TEST(FaceDetector, FindsTheThreeFacesOfSample1) {
  const cv::Mat image = media::load_image(face_api_sample(1));
  const auto faces = shared_analyser().detector().detect(image);
  ASSERT_EQ(faces.size(), 3u);
  for (size_t i = 0; i < faces.size(); ++i) {
    const Box& b = faces[i].box;
    EXPECT_GT(faces[i].score, 0.95f);
    if (i > 0) {
      EXPECT_LE(faces[i].score, faces[i - 1].score) << "sorted by score";
    }
    EXPECT_GE(b.x, 0);
    EXPECT_GE(b.y, 0);
    EXPECT_LE(b.right(), image.cols);
    EXPECT_LE(b.bottom(), image.rows);
    // Faces of a group photo: between 5% and 30% of the image height, taller than wide.
    EXPECT_GT(b.height, 0.05f * image.rows);
    EXPECT_LT(b.height, 0.3f * image.rows);
    EXPECT_GT(b.height / b.width, 0.9f);
    EXPECT_LT(b.height / b.width, 2.0f);
    for (size_t j = 0; j < i; ++j) EXPECT_LT(iou(b, faces[j].box), 0.1f) << "distinct faces";
  }
}

TEST(FaceDetector, EverySampleHasFacesAboveTheThreshold) {
  for (int n = 1; n <= 6; ++n) {
    const auto faces = shared_analyser().detector().detect(media::load_image(face_api_sample(n)));
    EXPECT_GE(faces.size(), 3u) << "sample" << n;
    EXPECT_LE(faces.size(), 7u) << "sample" << n;
    for (const auto& f : faces) EXPECT_GT(f.score, 0.5f);
  }
}

// The same face pasted into a wide and a tall canvas (padded to a square on
// different sides) is found at the same place once mapped back.
TEST(FaceDetector, AnyAspectRatioMapsBackToTheSameFace) {
  const cv::Mat photo = media::load_image(face_api_sample(1));
  auto& detector = shared_analyser().detector();
  const auto reference = detector.detect(photo);
  ASSERT_FALSE(reference.empty());
  const Box face = reference[0].box;
  // A 2x face-size region around the first face.
  const cv::Rect region =
      cv::Rect(static_cast<int>(face.x - face.width / 2),
               static_cast<int>(face.y - face.height / 2), static_cast<int>(face.width * 2),
               static_cast<int>(face.height * 2)) &
      cv::Rect(0, 0, photo.cols, photo.rows);
  const Box expected = shifted(face, -static_cast<float>(region.x), -static_cast<float>(region.y));

  struct Layout {
    cv::Size canvas;
    cv::Point at;
  };
  const int long_side = region.width * 3, short_side = region.height + 40;
  const Layout layouts[] = {{{long_side, short_side}, {long_side - region.width - 10, 20}},
                            {{region.width + 40, long_side}, {20, long_side - region.height - 10}},
                            {region.size(), {0, 0}}};
  std::vector<Box> found;
  for (const Layout& layout : layouts) {
    cv::Mat canvas(layout.canvas, CV_8UC3, cv::Scalar(90, 110, 130));
    photo(region).copyTo(canvas(cv::Rect(layout.at, region.size())));
    const auto faces = detector.detect(canvas);
    const auto [match, overlap] = best_match(
        faces, shifted(expected, static_cast<float>(layout.at.x), static_cast<float>(layout.at.y)));
    ASSERT_NE(match, nullptr) << layout.canvas;
    EXPECT_GT(overlap, 0.75f) << layout.canvas;
    found.push_back(
        shifted(match->box, -static_cast<float>(layout.at.x), -static_cast<float>(layout.at.y)));
  }
  EXPECT_GT(iou(found[0], found[1]), 0.85f) << "wide vs tall";
}

// The net was trained at 512: a smaller input finds the same faces (same
// centres) but draws their boxes somewhat tighter.
TEST(FaceDetector, SmallerInputSizeFindsTheSameFaces) {
  vision::DetectorOptions options;
  options.input_size = 320;
  vision::FaceDetector small(test::test_models(), options);
  const cv::Mat image = media::load_image(face_api_sample(1));
  const auto reference = shared_analyser().detector().detect(image);
  const auto faces = small.detect(image);
  ASSERT_EQ(faces.size(), reference.size());
  for (const auto& f : reference) {
    const auto [match, overlap] = best_match(faces, f.box);
    ASSERT_NE(match, nullptr);
    const float dx = (match->box.x + match->box.width / 2) - (f.box.x + f.box.width / 2);
    const float dy = (match->box.y + match->box.height / 2) - (f.box.y + f.box.height / 2);
    EXPECT_LT(std::hypot(dx, dy), 0.2f * f.box.width);
    EXPECT_GT(match->box.width, 0.5f * f.box.width);
    EXPECT_LT(match->box.width, 1.2f * f.box.width);
  }
}

// Cutting the padding off the square input: the same faces with nearly the
// same boxes, on a portrait and a landscape frame (the faces near the
// image's far edge too, where the cut input ends).
TEST(FaceDetector, CroppedPaddingFindsTheSameBoxesAsTheSquare) {
  vision::DetectorOptions square_options, cropped_options;
  square_options.input_size = cropped_options.input_size = 320;
  cropped_options.crop_padding = true;
  vision::FaceDetector square(test::test_models(), square_options);
  vision::FaceDetector cropped(test::test_models(), cropped_options);
  const cv::Mat photo = media::load_image(face_api_sample(1));
  for (const cv::Size canvas_size : {cv::Size(720, 1280), cv::Size(1280, 720)}) {
    cv::Mat canvas(canvas_size, CV_8UC3, cv::Scalar(60, 80, 100));
    // The photo as large as fits, right/bottom aligned: the faces sit by the cut.
    const double fit = std::min(static_cast<double>(canvas.cols) / photo.cols,
                                static_cast<double>(canvas.rows) / photo.rows);
    cv::Mat part;
    cv::resize(photo, part, cv::Size(), fit, fit, cv::INTER_AREA);
    const cv::Point at(canvas.cols - part.cols, canvas.rows - part.rows);
    part.copyTo(canvas(cv::Rect(at, part.size())));
    const auto expected = square.detect(canvas);
    const auto faces = cropped.detect(canvas);
    ASSERT_GE(expected.size(), 2u) << canvas_size;
    ASSERT_EQ(faces.size(), expected.size()) << canvas_size;
    for (const auto& f : expected) {
      const auto [match, overlap] = best_match(faces, f.box);
      ASSERT_NE(match, nullptr) << canvas_size;
      EXPECT_GT(overlap, 0.85f) << canvas_size;
      EXPECT_NEAR(match->score, f.score, 0.1f) << canvas_size;
    }
  }
  // 720x1280 at 320: a 192x320 input, 1218 anchors instead of 2034.
  EXPECT_EQ(vision::ssd_anchors(320, 192, 512).size(),
            20u * 12 * 3 + (10 * 6 + 5 * 3 + 3 * 2 + 2 * 1 + 1) * 6);
}

TEST(FaceDetector, AcceptsGreyAndBgraAndFindsNothingInAFlatImage) {
  const cv::Mat image = media::load_image(face_api_sample(1));
  cv::Mat grey, bgra;
  cv::cvtColor(image, grey, cv::COLOR_BGR2GRAY);
  cv::cvtColor(image, bgra, cv::COLOR_BGR2BGRA);
  auto& detector = shared_analyser().detector();
  EXPECT_EQ(detector.detect(bgra).size(), 3u);
  EXPECT_GE(detector.detect(grey).size(), 2u);
  EXPECT_TRUE(detector.detect(cv::Mat(300, 500, CV_8UC3, cv::Scalar(40, 40, 40))).empty());
  EXPECT_THROW(detector.detect(cv::Mat()), std::invalid_argument);
  // Degenerate shapes: no crash, and every box (if any) inside the image.
  for (const cv::Size size : {cv::Size(1, 2000), cv::Size(2000, 1), cv::Size(1, 1)}) {
    const cv::Mat strip(size, CV_8UC3, cv::Scalar(200, 180, 160));
    for (const auto& f : detector.detect(strip)) {
      EXPECT_GE(f.box.x, 0);
      EXPECT_LE(f.box.right(), size.width);
    }
  }
}

// The scanner makes its detectors of other sizes on one loaded net; taking
// turns with the 512 detector on the shared buffers changes nothing.
TEST(FaceDetector, ADetectorSharingANetFindsWhatItsOwnNetFinds) {
  vision::FaceDetector& reference = shared_analyser().detector();
  vision::DetectorOptions options;
  options.input_size = 320;
  options.crop_padding = true;
  vision::FaceDetector shared(reference, options);
  vision::FaceDetector own(test::test_models(), options);
  const cv::Mat photo = cv::imread(face_api_sample(3).string());
  ASSERT_FALSE(photo.empty());
  const auto expected = own.detect(photo);
  const auto at_512 = reference.detect(photo);
  ASSERT_FALSE(expected.empty());
  for (int round = 0; round < 2; ++round) {
    const auto got = shared.detect(photo);
    ASSERT_EQ(got.size(), expected.size()) << round;
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].box.x, expected[i].box.x) << i;
      EXPECT_EQ(got[i].box.width, expected[i].box.width) << i;
      EXPECT_EQ(got[i].score, expected[i].score) << i;
    }
    const auto again_512 = reference.detect(photo);
    ASSERT_EQ(again_512.size(), at_512.size());
    for (size_t i = 0; i < at_512.size(); ++i) EXPECT_EQ(again_512[i].box.y, at_512[i].box.y);
  }
}

}  // namespace
}  // namespace tw
