// The image matcher on synthetic frames: a flag warped (scale, rotation,
// perspective) onto real photos, partly covered, written over, and
// JPEG-compressed; look-alike flags of the same colours must not match.
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <cstdio>

#include "core/errors.h"
#include "media/image.h"
#include "support/test_support.h"
#include "vision/image_matcher.h"

namespace tw::vision {
namespace {

namespace fs = std::filesystem;

fs::path flag_path(const std::string& code) {
  return test::flag_png(code);
}
cv::Mat flag(const std::string& code) {
  return media::load_image(flag_path(code));
}
cv::Mat background(const std::string& photo, cv::Size size) {
  cv::Mat bg =
      media::load_image(test::testdata_dir() / "usr/share/doc/opencv-doc/examples/data" / photo);
  cv::Mat out;
  cv::resize(bg, out, size, 0, 0, cv::INTER_LINEAR);
  return out;
}

struct Placement {
  double scale = 1;     // of the reference's size
  double rotation = 0;  // degrees
  double tilt = 0;      // perspective: the right side is this fraction shorter
  cv::Point2d center{360, 640};
  double covered = 0;    // fraction of the flag's width covered from the left
  bool text = false;     // a caption written across the flag
  int jpeg_quality = 0;  // > 0: the whole frame is JPEG-compressed
};

// Composites `picture` into `frame` and returns the true outline's box.
cv::Rect composite(cv::Mat& frame, const cv::Mat& picture, const Placement& p) {
  double w = picture.cols, h = picture.rows;
  std::vector<cv::Point2f> src = {{0, 0}, {float(w), 0}, {float(w), float(h)}, {0, float(h)}};
  double shrink = p.tilt * h / 2;
  std::vector<cv::Point2d> local = {
      {-w / 2, -h / 2}, {w / 2, -h / 2 + shrink}, {w / 2, h / 2 - shrink}, {-w / 2, h / 2}};
  double a = p.rotation * CV_PI / 180;
  std::vector<cv::Point2f> dst;
  for (const auto& q : local) {
    double x = q.x * p.scale, y = q.y * p.scale;
    dst.emplace_back(float(p.center.x + x * std::cos(a) - y * std::sin(a)),
                     float(p.center.y + x * std::sin(a) + y * std::cos(a)));
  }
  cv::Mat hmat = cv::getPerspectiveTransform(src, dst);
  cv::Mat warped, mask;
  cv::warpPerspective(picture, warped, hmat, frame.size(), cv::INTER_LINEAR);
  cv::warpPerspective(cv::Mat(picture.size(), CV_8U, cv::Scalar(255)), mask, hmat, frame.size(),
                      cv::INTER_NEAREST);
  warped.copyTo(frame, mask);
  cv::Rect box = cv::boundingRect(dst);
  if (p.covered > 0) {
    cv::Rect cover(box.x, box.y, int(box.width * p.covered), box.height);
    cv::rectangle(frame, cover & cv::Rect(0, 0, frame.cols, frame.rows), cv::Scalar(40, 90, 160),
                  cv::FILLED);
  }
  if (p.text)
    cv::putText(frame, "BREAKING NEWS 2026", {box.x - 10, box.y + box.height / 2},
                cv::FONT_HERSHEY_DUPLEX, 0.9 * std::max(0.5, p.scale), cv::Scalar(255, 255, 255),
                3);
  if (p.jpeg_quality > 0) {
    std::vector<unsigned char> bytes;
    cv::imencode(".jpg", frame, bytes, {cv::IMWRITE_JPEG_QUALITY, p.jpeg_quality});
    frame = cv::imdecode(bytes, cv::IMREAD_COLOR);
  }
  return box;
}

double box_iou(const Box& a, const cv::Rect& b) {
  return iou(a, Box{float(b.x), float(b.y), float(b.width), float(b.height)});
}

TEST(ImageMatcher, FindsAFlagUnderScaleRotationPerspectiveOcclusionTextAndJpeg) {
  ImageMatcher matcher({reference_features(flag("me"), "me.png")});
  const std::vector<Placement> placements = {
      {1.0, 0, 0, {360, 640}, 0, false, 0},   {0.4, 0, 0, {200, 300}, 0, false, 0},
      {1.5, 0, 0, {360, 700}, 0, false, 0},   {0.8, 30, 0, {360, 640}, 0, false, 0},
      {0.8, -30, 0, {400, 600}, 0, false, 0}, {0.9, 10, 0.3, {360, 640}, 0, false, 0},
      {1.0, 0, 0, {360, 640}, 0.4, false, 0}, {1.0, 5, 0, {360, 640}, 0, true, 0},
      {0.7, 0, 0, {360, 640}, 0, false, 25},  {0.6, 20, 0.2, {300, 800}, 0.3, true, 30},
  };
  for (std::size_t i = 0; i < placements.size(); ++i) {
    cv::Mat frame = background("fruits.jpg", {720, 1280});
    cv::Rect truth = composite(frame, flag("me"), placements[i]);
    auto m = matcher.match(frame_features(frame));
    ASSERT_TRUE(m.has_value()) << "placement " << i;
    std::printf("placement %zu: %d inliers of %d, score %.2f, IoU %.2f\n", i, m->inliers,
                m->good_matches, m->score, box_iou(m->box, truth));
    EXPECT_GT(box_iou(m->box, truth), placements[i].covered > 0 ? 0.5 : 0.7) << "placement " << i;
    EXPECT_GT(m->score, 0.5f);
    EXPECT_LE(m->score, 1.0f);
  }
}

TEST(ImageMatcher, LookAlikeFlagsAreNotFound) {
  // Targets with emblems; each shown look-alike has the same colours and
  // layout (or its own emblem), but is a different flag.
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"mx", {"it", "ie", "ci", "hu"}},
      {"ec", {"co", "ve", "bo"}},
      {"sk", {"si", "ru", "rs", "hr"}},
      {"me", {"al", "mk", "to"}},
  };
  for (const auto& [target, lookalikes] : cases) {
    ImageMatcher matcher({reference_features(flag(target), target)});
    for (const auto& other : lookalikes) {
      for (double scale : {0.6, 1.2}) {
        cv::Mat frame = background("baboon.jpg", {720, 1280});
        composite(frame, flag(other), {scale, 8, 0, {360, 640}, 0, false, 60});
        auto m = matcher.match(frame_features(frame));
        EXPECT_FALSE(m.has_value()) << target << " matched look-alike " << other << " at scale "
                                    << scale << " with " << (m ? m->inliers : 0) << " inliers";
      }
    }
    // ...and the target itself in the same setting is found.
    cv::Mat frame = background("baboon.jpg", {720, 1280});
    composite(frame, flag(target), {0.6, 8, 0, {360, 640}, 0, false, 60});
    EXPECT_TRUE(matcher.match(frame_features(frame)).has_value()) << target;
  }
}

TEST(ImageMatcher, NothingInAFrameWithoutTheTarget) {
  ImageMatcher matcher({reference_features(flag("mx"), "mx.png")});
  for (const char* photo : {"fruits.jpg", "baboon.jpg", "building.jpg", "home.jpg"}) {
    cv::Mat frame = background(photo, {720, 1280});
    EXPECT_FALSE(matcher.match(frame_features(frame)).has_value()) << photo;
  }
}

TEST(ImageMatcher, AFlatColourReferenceIsRefusedWithAReason) {
  cv::Mat flat(240, 320, CV_8UC3, cv::Scalar(30, 30, 200));
  try {
    reference_features(flat, "red.png");
    FAIL() << "a flat colour was accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(e.input(), "red.png");
    EXPECT_NE(e.reason().find("too few distinctive features"), std::string::npos) << e.what();
  }
  // A plain tricolour has almost nothing to hold on to either.
  EXPECT_THROW(reference_features(flag("id"), "id.png"), InputError);
  EXPECT_THROW(reference_features(cv::Mat(), "empty.png"), InputError);
}

TEST(ImageMatcher, DescriptorsSurviveBase64) {
  ImageFeatures f = reference_features(flag("mx"), "mx.png");
  std::string text = descriptors_to_base64(f.descriptors);
  cv::Mat back = descriptors_from_base64(text, f.points.size());
  ASSERT_EQ(back.rows, f.descriptors.rows);
  EXPECT_EQ(cv::norm(back, f.descriptors, cv::NORM_INF), 0);
  EXPECT_THROW(descriptors_from_base64(text, f.points.size() + 1), std::invalid_argument);
  EXPECT_THROW(descriptors_from_base64("!!!", 1), std::invalid_argument);
  EXPECT_EQ(descriptors_to_base64(descriptors_from_base64("", 0)), "");
}

}  // namespace
}  // namespace tw::vision
