// BlazeFace (vision/blaze_face.h): the net's outputs and the decoded faces
// match ONNX Runtime's run and a separate decoder written from MediaPipe's
// options (tests/data/blazeface, tools/blazeface_reference); on the
// packaged photos it finds the faces the SSD finds, with boxes close to the
// SSD's and keypoints where a face's parts are; its views cover the frame
// as documented; a file that is not BlazeFace is refused by name.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/errors.h"
#include "face_models.h"
#include "vision/blaze_face.h"
#include "vision/conv_runtime.h"

namespace tw {
namespace {

namespace fs = std::filesystem;

using test::blazeface_onnx;

vision::BlazeFaceDetector& back_detector() {
  static vision::BlazeFaceDetector detector(blazeface_onnx("face_detection_back_256x256"));
  return detector;
}

fs::path reference_dir() {
  return test::source_dir() / "tests" / "data" / "blazeface";
}

// One input of tools/blazeface_reference and ONNX Runtime's results on it.
struct ReferenceCase {
  std::string name;
  cv::Mat bgr;
  fs::path model;
  nlohmann::json expected;
};

std::vector<ReferenceCase> reference_cases() {
  const auto doc =
      nlohmann::json::parse(test::read_file(reference_dir() / "reference.json"), nullptr, false);
  std::vector<ReferenceCase> cases;
  if (doc.is_discarded()) return cases;
  for (const auto& c : doc["cases"])
    cases.push_back(
        {c["name"], cv::imread((reference_dir() / c["input"].get<std::string>()).string()),
         test::cache_dir() / "blazeface" / "package" / "ONNX" / c["model"].get<std::string>(), c});
  return cases;
}

TEST(BlazeFace, NetMatchesOnnxRuntimeOnTheReferenceInputs) {
  const auto cases = reference_cases();
  ASSERT_EQ(cases.size(), 4u);
  for (const auto& [name, bgr, model, c] : cases) {
    ASSERT_FALSE(bgr.empty()) << name;
    const models::ConvNet net = models::read_conv_net(model);
    vision::ConvRuntime runtime(net);
    cv::Mat rgb, pixels;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    rgb.convertTo(pixels, CV_32FC3, 1.0 / 127.5, -1.0);
    const auto& outputs = runtime.run(pixels.ptr<float>(), 1, bgr.rows, bgr.cols);
    // The two score heads, finer first, as the reference lists them.
    std::vector<float> logits;
    for (const char* output : {"Identity:0", "Identity_1:0"})
      for (size_t i = 0; i < net.outputs.size(); ++i)
        if (net.outputs[i].name == output)
          logits.insert(logits.end(), outputs[i].begin(), outputs[i].end());
    const auto& expected = c["logits"];
    ASSERT_EQ(logits.size(), expected.size()) << name;
    double worst = 0;
    for (size_t i = 0; i < logits.size(); ++i) {
      const double want = expected[i].get<double>();
      // 5 significant digits in the file, and float rounding on either side.
      worst = std::max(worst, std::abs(logits[i] - want) / (2e-3 + 1e-4 * std::abs(want)));
    }
    std::printf("%s: worst logit difference %.2f of the tolerance\n", name.c_str(), worst);
    EXPECT_LE(worst, 1.0) << name;
  }
}

TEST(BlazeFace, DecodesAsMediaPipeOnTheReferenceInputs) {
  const auto cases = reference_cases();
  ASSERT_EQ(cases.size(), 4u);
  for (const auto& [name, bgr, model, c] : cases) {
    ASSERT_FALSE(bgr.empty()) << name;
    vision::BlazeFaceDetector detector(model);
    ASSERT_EQ(detector.trained_input(), bgr.cols);
    // The square view of a net-sized image is the image itself.
    const auto found = detector.detect(bgr);
    const auto& expected = c["detections"];
    ASSERT_EQ(found.size(), expected.size()) << name;
    ASSERT_GT(found.size(), 0u) << name;
    float worst_px = 0, worst_score = 0;
    for (size_t i = 0; i < found.size(); ++i) {
      const auto& e = expected[i];
      // The reference's box, clipped to the image as the detector clips.
      const float size = static_cast<float>(bgr.cols);
      const float x0 = std::max(0.f, e["box"][0].get<float>());
      const float y0 = std::max(0.f, e["box"][1].get<float>());
      const float x1 = std::min(size, e["box"][0].get<float>() + e["box"][2].get<float>());
      const float y1 = std::min(size, e["box"][1].get<float>() + e["box"][3].get<float>());
      const Box& b = found[i].face.box;
      for (const auto& [got, want] : {std::pair{b.x, x0}, std::pair{b.y, y0},
                                      std::pair{b.width, x1 - x0}, std::pair{b.height, y1 - y0}})
        worst_px = std::max(worst_px, std::abs(got - want));
      for (int k = 0; k < 6; ++k) {
        worst_px = std::max(worst_px,
                            std::abs(found[i].keypoints[k].x - e["keypoints"][k][0].get<float>()));
        worst_px = std::max(worst_px,
                            std::abs(found[i].keypoints[k].y - e["keypoints"][k][1].get<float>()));
      }
      worst_score = std::max(worst_score, std::abs(found[i].face.score - e["score"].get<float>()));
    }
    std::printf("%s: %zu faces, worst %.3g px, score %.3g\n", name.c_str(), found.size(), worst_px,
                worst_score);
    EXPECT_LT(worst_px, 0.05f) << name;
    EXPECT_LT(worst_score, 1e-4f) << name;
  }
}

struct Photo {
  std::string name;
  cv::Mat image;
};

// face-api's group photos and the kphotoalbum photos, upright.
std::vector<Photo> packaged_photos() {
  std::vector<Photo> photos;
  for (int n = 1; n <= 6; ++n)
    photos.push_back({"sample" + std::to_string(n), media::load_image(test::face_api_sample(n))});
  for (const auto& p : test::kphotoalbum_photos())
    photos.push_back(
        {p.file.filename().string(), test::turned_upright(media::load_image(p.file), p.angle)});
  return photos;
}

// The best IoU of `box` with any detection.
float best_iou(const Box& box, const std::vector<vision::BlazeFaceDetection>& found) {
  float best = 0;
  for (const auto& f : found) best = std::max(best, iou(box, f.face.box));
  return best;
}

TEST(BlazeFace, FindsTheSsdsFacesOnThePackagedPhotosWithCloseBoxes) {
  auto& ssd = test::shared_analyser().detector();  // face-api's SSD at 512, the reference
  std::vector<float> ious;
  int faces = 0, found = 0;
  for (const Photo& photo : packaged_photos()) {
    const auto reference = ssd.detect(photo.image);
    // Tiles at about the SSD's scale, so that small faces in large photos
    // are in reach of the net (the bench measures the views one by one).
    vision::BlazeFaceOptions options;
    options.view = vision::BlazeFaceView::canvas_view(std::min(
        1024, std::max(256, (std::max(photo.image.cols, photo.image.rows) / 2 + 31) / 32 * 32)));
    vision::BlazeFaceDetector blaze(back_detector(), options);
    const auto detections = blaze.detect(photo.image);
    for (const auto& face : reference) {
      const float overlap = best_iou(face.box, detections);
      ++faces;
      if (overlap >= 0.3f) ++found, ious.push_back(overlap);
      std::printf("%-22s ssd %4.0fx%-4.0f score %.2f  best IoU %.2f\n", photo.name.c_str(),
                  face.box.width, face.box.height, face.score, overlap);
    }
  }
  ASSERT_GT(faces, 30);
  std::sort(ious.begin(), ious.end());
  std::printf("found %d of %d SSD faces (IoU >= 0.3); IoU min %.2f median %.2f\n", found, faces,
              ious.front(), ious[ious.size() / 2]);
  EXPECT_GE(found, faces * 9 / 10);
  EXPECT_GT(ious[ious.size() / 2], 0.5f);
}

}  // namespace
}  // namespace tw

namespace tw {
namespace {

// The eye centres, nose tip and inner-lip centre of the 68 landmarks.
std::array<Point, 4> parts_of(const std::vector<Point>& landmarks) {
  auto mean_of = [&](int from, int to) {
    Point sum;
    for (int i = from; i <= to; ++i) {
      sum.x += landmarks[i].x / (to - from + 1);
      sum.y += landmarks[i].y / (to - from + 1);
    }
    return sum;
  };
  return {mean_of(36, 41), mean_of(42, 47), landmarks[30], mean_of(60, 67)};
}

TEST(BlazeFace, KeypointsSitOnTheFacePartsTheLandmarksFind) {
  auto& analyser = test::shared_analyser();
  std::vector<float> offsets;  // keypoint to landmark part, in face widths
  for (int n = 1; n <= 6; ++n) {
    const cv::Mat image = media::load_image(test::face_api_sample(n));
    vision::BlazeFaceOptions options;
    options.view = vision::BlazeFaceView::canvas_view(640);
    vision::BlazeFaceDetector blaze(back_detector(), options);
    const auto keypointed = blaze.detect(image);
    for (const auto& face : analyser.analyse(image)) {
      const vision::BlazeFaceDetection* match = nullptr;
      for (const auto& k : keypointed)
        if (iou(face.detection.box, k.face.box) >= 0.3f) match = &k;
      if (!match) continue;
      const auto parts = parts_of(face.detection.landmarks);
      for (int k = 0; k < 4; ++k)
        offsets.push_back(
            std::hypot(match->keypoints[k].x - parts[k].x, match->keypoints[k].y - parts[k].y) /
            face.detection.box.width);
    }
  }
  ASSERT_GE(offsets.size(), 4u * 15);
  std::sort(offsets.begin(), offsets.end());
  const float median = offsets[offsets.size() / 2], p90 = offsets[offsets.size() * 9 / 10];
  std::printf(
      "%zu faces: keypoints off the landmarks' parts by %.3f (median), %.3f (90%%), "
      "%.3f (worst) face widths\n",
      offsets.size() / 4, median, p90, offsets.back());
  // Swapped eyes, or keypoints mapped back wrongly, would be a third of a
  // face width or more off.
  EXPECT_LT(median, 0.08f);
  EXPECT_LT(p90, 0.15f);
}

TEST(BlazeFace, ViewsCoverThePortraitFrame) {
  using vision::BlazeFaceView;
  const int width = 720, height = 1280;
  for (const BlazeFaceView& view : {BlazeFaceView::square_view(), BlazeFaceView::canvas_view(256),
                                    BlazeFaceView::canvas_view(448), BlazeFaceView::tile_view(2, 3),
                                    BlazeFaceView::tile_view(2, 4)}) {
    const auto windows = vision::blaze_face_windows(view, width, height, 256);
    cv::Mat covered(height, width, CV_8U, cv::Scalar(0));
    for (const auto& w : windows) {
      covered(w.source & cv::Rect(0, 0, width, height)).setTo(1);
      // One scale on both axes; inputs the nets' strides divide.
      EXPECT_NEAR(static_cast<double>(w.input.width) / w.source.width,
                  static_cast<double>(w.input.height) / w.source.height, 0.01);
      EXPECT_EQ(w.input.width % 32, 0);
      EXPECT_EQ(w.input.height % 32, 0);
    }
    EXPECT_EQ(cv::countNonZero(covered), width * height);
  }
  EXPECT_EQ(
      vision::blaze_face_windows(BlazeFaceView::canvas_view(256), width, height, 256)[0].input,
      cv::Size(160, 256));
  const auto tiles = vision::blaze_face_windows(BlazeFaceView::tile_view(2, 3), width, height, 256);
  ASSERT_EQ(tiles.size(), 6u);
  // Neighbouring tiles overlap by a large face's width.
  EXPECT_GE(tiles[0].source.br().x - tiles[1].source.x, 150);
  EXPECT_GE(tiles[0].source.br().y - tiles[2].source.y, 150);
  EXPECT_THROW(vision::blaze_face_windows(BlazeFaceView::tile_view(0, 3), width, height, 256),
               std::invalid_argument);
}

TEST(BlazeFace, KeypointAlignmentPutsTheKeypointsOnItsLayout) {
  const auto layout = vision::keypoint_aligned_positions(150);
  // The layout of a face twice as large, turned by 20 degrees and moved.
  std::array<Point, 6> keypoints{};
  const double angle = 20 * CV_PI / 180;
  for (int k = 0; k < 4; ++k) {
    keypoints[k] = {static_cast<float>(
                        300 + 2 * (layout[k].x * std::cos(angle) - layout[k].y * std::sin(angle))),
                    static_cast<float>(
                        80 + 2 * (layout[k].x * std::sin(angle) + layout[k].y * std::cos(angle)))};
  }
  const cv::Mat m = vision::keypoint_alignment_transform(keypoints, 150);
  for (int k = 0; k < 4; ++k) {
    const double x = m.at<double>(0, 0) * keypoints[k].x + m.at<double>(0, 1) * keypoints[k].y +
                     m.at<double>(0, 2);
    const double y = m.at<double>(1, 0) * keypoints[k].x + m.at<double>(1, 1) * keypoints[k].y +
                     m.at<double>(1, 2);
    EXPECT_NEAR(x, layout[k].x, 1e-3);
    EXPECT_NEAR(y, layout[k].y, 1e-3);
  }
  // The eyes level, left of the image on the left, above the mouth.
  EXPECT_NEAR(layout[vision::kRightEye].y, layout[vision::kLeftEye].y, 0.5);
  EXPECT_LT(layout[vision::kRightEye].x, layout[vision::kLeftEye].x);
  EXPECT_LT(layout[vision::kNoseTip].y, layout[vision::kMouth].y);
}

TEST(BlazeFace, AnotherNetIsRefusedNamingTheFile) {
  const auto& models = test::test_models();
  const fs::path ssd = models.verified_path(models::kFaceDetector);
  try {
    vision::BlazeFaceDetector detector(ssd);
    FAIL() << "the SSD was taken for BlazeFace";
  } catch (const InputError& e) {
    EXPECT_EQ(e.input(), ssd.string());
    EXPECT_NE(e.reason().find("not a BlazeFace net"), std::string::npos) << e.what();
  }
  EXPECT_THROW(vision::BlazeFaceDetector(test::cache_dir() / "blazeface" / "missing.onnx"),
               InputError);
}

}  // namespace
}  // namespace tw
