// Golden tests: trendwatch's C++ face path against numbers from the original
// face-api (1.7.15, tfjs 4.22 CPU backend), made once by
// tools/face_api_reference/make_fixtures.js and committed in tests/data/golden/.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/hash.h"
#include "core/types.h"
#include "media/image.h"
#include "models/model_dir.h"
#include "support/test_support.h"
#include "vision/face_detector.h"
#include "vision/face_embedder.h"
#include "vision/landmarker.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace tw::vision {
namespace {

// Tolerances.  The nets are the same weights and the same float32 arithmetic
// as face-api's, so differences are summation-order noise.  Measured on
// 2026-11-25 (see the "[golden]" lines in the test log): descriptors 2.7e-7,
// boxes 2.5e-7 of the image size, scores 1.0e-6, landmark net 5e-5 px,
// pipeline landmarks 5e-4 px.  Each bound leaves ~100x room for other CPUs'
// SIMD paths and stays far below what a real mistake produces (a one-pixel
// shift moves descriptors by ~1.6e-2 and landmarks by ~1.3 px: see
// TolerancesCatchOnePixelShiftsAndSwappedChannels).
constexpr double kDescriptorTolerance = 1e-4;      // per element (issue 2)
constexpr double kBoxToleranceOfImageSize = 1e-3;  // per coordinate (issue 2)
constexpr double kScoreTolerance = 1e-4;           // absolute
constexpr double kLandmarkNetTolerancePx = 0.01;   // per coordinate, 112x112 crop
// Per coordinate / max(box w, h): 0.25% is ~0.5 px on sample1's faces, so a
// crop that ignores face-api's box flooring (up to 1 px) is caught.
constexpr double kPipelineLandmarkOfFaceSize = 0.0025;

fs::path golden_dir() {
  return test::source_dir() / "tests" / "data" / "golden";
}

json read_golden(const std::string& name) {
  std::ifstream in(golden_dir() / name);
  if (!in) throw std::runtime_error("cannot read golden fixture " + name);
  return json::parse(in);
}

fs::path demo_photo(const std::string& file) {
  return test::face_api_dir() / "demo" / file;
}

models::ModelDir test_models() {
  return models::ModelDir::open(test::home_dir() / "models");
}

// SHA-256 of an 8-bit BGR image's pixels as a row-major RGB raster: how the
// fixture script fingerprints what djpeg decoded.
std::string rgb_sha256(const cv::Mat& bgr) {
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  rgb = rgb.isContinuous() ? rgb : rgb.clone();
  return sha256_hex(std::string_view(reinterpret_cast<const char*>(rgb.data), rgb.total() * 3));
}

Box box_from_json(const json& a) {
  return Box{a.at(0).get<float>(), a.at(1).get<float>(), a.at(2).get<float>(),
             a.at(3).get<float>()};
}

std::vector<Point> points_from_json(const json& a) {
  std::vector<Point> points;
  for (const auto& p : a) points.push_back(Point{p.at(0).get<float>(), p.at(1).get<float>()});
  return points;
}

std::string describe(const std::vector<FaceDetection>& faces) {
  std::string s;
  char line[160];
  for (const auto& f : faces) {
    std::snprintf(line, sizeof line, "  score %.6f box [%.2f, %.2f, %.2f, %.2f]\n", f.score,
                  f.box.x, f.box.y, f.box.width, f.box.height);
    s += line;
  }
  return s;
}

// Largest per-coordinate difference between two point lists of equal size.
double max_point_diff(const std::vector<Point>& a, const std::vector<Point>& b) {
  double worst = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    worst = std::max({worst, std::abs(double(a[i].x) - b[i].x), std::abs(double(a[i].y) - b[i].y)});
  }
  return worst;
}

// The image moved right by one pixel (left column repeated): a stand-in for
// an off-by-one crop.
cv::Mat shifted_right_by_one(const cv::Mat& bgr) {
  cv::Mat out;
  const cv::Matx23d translation(1, 0, 1, 0, 1, 0);
  cv::warpAffine(bgr, out, translation, bgr.size(), cv::INTER_NEAREST, cv::BORDER_REPLICATE);
  return out;
}

double max_abs_diff(const Descriptor& a, const std::vector<double>& b) {
  double worst = 0;
  for (size_t k = 0; k < std::min(a.size(), b.size()); ++k) {
    worst = std::max(worst, std::abs(a[k] - b[k]));
  }
  return worst;
}

// The fixtures were made from djpeg's pixels; our readers must see the same
// ones, or every other comparison here would be meaningless.
TEST(Golden, DecodedDemoPhotosHaveTheReferencePixels) {
  const json golden = read_golden("detections.json");
  ASSERT_EQ(golden.at("images").size(), 6u);
  for (const auto& image : golden.at("images")) {
    const std::string file = image.at("file");
    SCOPED_TRACE(file);
    cv::Mat imread_bgr = cv::imread(demo_photo(file).string(), cv::IMREAD_COLOR);
    ASSERT_FALSE(imread_bgr.empty());
    EXPECT_EQ(imread_bgr.cols, image.at("width").get<int>());
    EXPECT_EQ(imread_bgr.rows, image.at("height").get<int>());
    EXPECT_EQ(rgb_sha256(imread_bgr), image.at("rgb_sha256").get<std::string>())
        << "cv::imread decodes differently from the fixture script's djpeg";
    cv::Mat loaded = media::load_image(demo_photo(file));
    EXPECT_EQ(rgb_sha256(loaded), image.at("rgb_sha256").get<std::string>())
        << "media::load_image decodes differently from the fixture script's djpeg";
  }
}

TEST(Golden, DescriptorsOfFixedCropsMatchFaceApi) {
  const json golden = read_golden("descriptors.json");
  const auto& crops = golden.at("crops");
  ASSERT_GE(crops.size(), 8u);
  std::vector<cv::Mat> images;
  for (const auto& crop : crops) {
    images.push_back(media::load_image(golden_dir() / crop.at("file").get<std::string>()));
    ASSERT_EQ(images.back().size(), cv::Size(150, 150));
  }
  FaceEmbedder embedder(test_models());
  // All crops in one call (more than one batch), then each alone (batch 1).
  const std::vector<Descriptor> batched = embedder.embed(images);
  ASSERT_EQ(batched.size(), crops.size());
  double worst_batched = 0, worst_single = 0;
  for (size_t i = 0; i < crops.size(); ++i) {
    SCOPED_TRACE(crops[i].at("file").get<std::string>());
    const auto reference = crops[i].at("descriptor").get<std::vector<double>>();
    ASSERT_EQ(reference.size(), 128u);
    const std::vector<Descriptor> single = embedder.embed({images[i]});
    ASSERT_EQ(single.size(), 1u);
    ASSERT_EQ(batched[i].size(), 128u);
    ASSERT_EQ(single[0].size(), 128u);
    const double crop_batched = max_abs_diff(batched[i], reference);
    const double crop_single = max_abs_diff(single[0], reference);
    EXPECT_LE(crop_batched, kDescriptorTolerance);
    EXPECT_LE(crop_single, kDescriptorTolerance);
    worst_batched = std::max(worst_batched, crop_batched);
    worst_single = std::max(worst_single, crop_single);
  }
  std::printf("[golden] descriptors: %zu crops, max abs diff %.3g (batched), %.3g (one by one)\n",
              crops.size(), worst_batched, worst_single);
}

TEST(Golden, DetectorMatchesFaceApiOnDemoPhotos) {
  const json golden = read_golden("detections.json");
  FaceDetector detector(test_models());
  double worst_box = 0, worst_score = 0;
  size_t faces_compared = 0;
  for (const auto& image : golden.at("images")) {
    const std::string file = image.at("file");
    SCOPED_TRACE(file);
    const cv::Mat bgr = media::load_image(demo_photo(file));
    const double image_size = std::max(bgr.cols, bgr.rows);
    const std::vector<FaceDetection> found = detector.detect(bgr);
    const auto& expected = image.at("faces");
    ASSERT_EQ(found.size(), expected.size()) << "C++ found:\n" << describe(found);
    double image_box = 0, image_score = 0;
    for (size_t i = 0; i < found.size(); ++i) {
      const Box want = box_from_json(expected[i].at("box"));
      const float want_score = expected[i].at("score").get<float>();
      const Box& got = found[i].box;
      const double box_diff =
          std::max({std::abs(got.x - want.x), std::abs(got.y - want.y),
                    std::abs(got.width - want.width), std::abs(got.height - want.height)}) /
          image_size;
      const double score_diff = std::abs(double(found[i].score) - want_score);
      EXPECT_LE(box_diff, kBoxToleranceOfImageSize) << "face " << i << " C++ found:\n"
                                                    << describe(found);
      EXPECT_LE(score_diff, kScoreTolerance) << "face " << i;
      if (i > 0) {
        EXPECT_GE(found[i - 1].score, found[i].score) << "not sorted by score";
      }
      image_box = std::max(image_box, box_diff);
      image_score = std::max(image_score, score_diff);
      ++faces_compared;
    }
    std::printf(
        "[golden] detector %s: %zu faces, max box diff %.3g of image size (%.3g px), "
        "max score diff %.3g\n",
        file.c_str(), found.size(), image_box, image_box * image_size, image_score);
    worst_box = std::max(worst_box, image_box);
    worst_score = std::max(worst_score, image_score);
  }
  std::printf(
      "[golden] detector: %zu faces on 6 photos, max box diff %.3g of image size, "
      "max score diff %.3g\n",
      faces_compared, worst_box, worst_score);
}

TEST(Golden, LandmarkNetMatchesFaceApiOnItsInputCrops) {
  const json golden = read_golden("landmarks.json");
  const auto& crops = golden.at("crops");
  ASSERT_GE(crops.size(), 8u);
  Landmarker landmarker(test_models());
  double worst = 0;
  for (const auto& crop : crops) {
    const std::string file = crop.at("file");
    SCOPED_TRACE(file);
    const cv::Mat bgr = media::load_image(golden_dir() / file);
    ASSERT_EQ(bgr.size(), cv::Size(112, 112));
    const auto found = landmarker.landmarks(bgr, {Box{0, 0, 112, 112}});
    ASSERT_EQ(found.size(), 1u);
    ASSERT_EQ(found[0].size(), 68u);
    const std::vector<Point> want = points_from_json(crop.at("landmarks"));
    ASSERT_EQ(want.size(), 68u);
    const double diff = max_point_diff(found[0], want);
    EXPECT_LE(diff, kLandmarkNetTolerancePx);
    worst = std::max(worst, diff);
  }
  std::printf("[golden] landmark net: %zu crops of 112x112, max diff %.3g px\n", crops.size(),
              worst);
}

// The tolerances above must be tight enough to catch small mistakes: the
// same nets fed a crop one pixel off, or with red and blue swapped, must
// miss the reference by far more than the tolerance.
TEST(Golden, TolerancesCatchOnePixelShiftsAndSwappedChannels) {
  const models::ModelDir models = test_models();
  const json descriptor_crop = read_golden("descriptors.json").at("crops").at(0);
  const auto reference = descriptor_crop.at("descriptor").get<std::vector<double>>();
  const cv::Mat face =
      media::load_image(golden_dir() / descriptor_crop.at("file").get<std::string>());
  cv::Mat swapped;
  cv::cvtColor(face, swapped, cv::COLOR_BGR2RGB);
  FaceEmbedder embedder(models);
  const auto wrong = embedder.embed({shifted_right_by_one(face), swapped});
  ASSERT_EQ(wrong.size(), 2u);
  const double shift_diff = max_abs_diff(wrong[0], reference);
  const double swap_diff = max_abs_diff(wrong[1], reference);
  EXPECT_GT(shift_diff, 10 * kDescriptorTolerance);
  EXPECT_GT(swap_diff, 10 * kDescriptorTolerance);

  const json landmark_crop = read_golden("landmarks.json").at("crops").at(0);
  const cv::Mat crop =
      media::load_image(golden_dir() / landmark_crop.at("file").get<std::string>());
  Landmarker landmarker(models);
  const auto shifted = landmarker.landmarks(shifted_right_by_one(crop), {Box{0, 0, 112, 112}});
  ASSERT_EQ(shifted.size(), 1u);
  const double landmark_diff =
      max_point_diff(shifted[0], points_from_json(landmark_crop.at("landmarks")));
  EXPECT_GT(landmark_diff, 4 * kLandmarkNetTolerancePx);
  std::printf(
      "[golden] sensitivity: descriptor off by %.3g (1 px shift) and %.3g (R/B swapped); "
      "landmarks off by %.3g px (1 px shift)\n",
      shift_diff, swap_diff, landmark_diff);
}

TEST(Golden, PipelineLandmarksMatchFaceApiOnSample1) {
  const json pipeline = read_golden("landmarks.json").at("pipeline");
  const std::string file = pipeline.at("file");
  const cv::Mat bgr = media::load_image(demo_photo(file));
  const models::ModelDir models = test_models();
  FaceDetector detector(models);
  Landmarker landmarker(models);
  const std::vector<FaceDetection> found = detector.detect(bgr);
  const auto& expected = pipeline.at("faces");
  ASSERT_EQ(found.size(), expected.size()) << "C++ found:\n" << describe(found);
  std::vector<Box> boxes;
  for (const auto& f : found) boxes.push_back(f.box);
  const auto landmarks = landmarker.landmarks(bgr, boxes);
  ASSERT_EQ(landmarks.size(), found.size());
  double worst_relative = 0, worst_px = 0;
  for (size_t i = 0; i < found.size(); ++i) {
    SCOPED_TRACE("face " + std::to_string(i));
    const Box want_box = box_from_json(expected[i].at("box"));
    const std::vector<Point> want = points_from_json(expected[i].at("landmarks"));
    ASSERT_EQ(landmarks[i].size(), 68u);
    const double face_size = std::max(want_box.width, want_box.height);
    const double diff = max_point_diff(landmarks[i], want);
    EXPECT_LE(diff / face_size, kPipelineLandmarkOfFaceSize) << diff << " px";
    worst_px = std::max(worst_px, diff);
    worst_relative = std::max(worst_relative, diff / face_size);
  }
  std::printf("[golden] pipeline landmarks %s: %zu faces, max diff %.3g px (%.3g of face size)\n",
              file.c_str(), found.size(), worst_px, worst_relative);
}

}  // namespace
}  // namespace tw::vision
