// 68 landmarks and the aligned crop, on real faces and on synthetic layouts.
#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include <cmath>

#include "face_models.h"
#include "vision/landmarker.h"

namespace tw {
namespace {

using test::face_api_sample;
using test::shared_analyser;

Point centre(const std::vector<Point>& points, int first, int last) {
  Point c;
  for (int i = first; i <= last; ++i) c.x += points[i].x, c.y += points[i].y;
  c.x /= static_cast<float>(last - first + 1);
  c.y /= static_cast<float>(last - first + 1);
  return c;
}

float distance(Point a, Point b) {
  return std::hypot(a.x - b.x, a.y - b.y);
}

std::vector<Box> boxes_of(const std::vector<FaceDetection>& faces) {
  std::vector<Box> boxes;
  for (const auto& f : faces) boxes.push_back(f.box);
  return boxes;
}

TEST(Landmarker, PointsLieInTheirBoxesWithEyesAboveTheMouth) {
  const cv::Mat image = media::load_image(face_api_sample(1));
  const auto faces = shared_analyser().detector().detect(image);
  ASSERT_EQ(faces.size(), 3u);
  const auto landmarks = shared_analyser().landmarker().landmarks(image, boxes_of(faces));
  ASSERT_EQ(landmarks.size(), faces.size());
  for (size_t f = 0; f < faces.size(); ++f) {
    const Box& b = faces[f].box;
    ASSERT_EQ(landmarks[f].size(), 68u);
    // The jaw line may reach a little past the detector's box.
    const float mx = 0.1f * b.width, my = 0.1f * b.height;
    for (const Point& p : landmarks[f]) {
      EXPECT_GT(p.x, b.x - mx);
      EXPECT_LT(p.x, b.right() + mx);
      EXPECT_GT(p.y, b.y - my);
      EXPECT_LT(p.y, b.bottom() + my);
    }
    const Point left_eye = centre(landmarks[f], 36, 41), right_eye = centre(landmarks[f], 42, 47);
    const Point mouth = centre(landmarks[f], 48, 67), nose = landmarks[f][30];
    // In the face's own frame (heads may tilt): the mouth lies beyond the
    // nose, which lies beyond the eyes, along the eye line's normal.
    const float ex = right_eye.x - left_eye.x, ey = right_eye.y - left_eye.y;
    const float nx = -ey, ny = ex;  // points "down" the face for an upright eye line
    auto depth = [&](Point p) { return (p.x - left_eye.x) * nx + (p.y - left_eye.y) * ny; };
    EXPECT_GT(depth(nose), 0) << "face " << f;
    EXPECT_GT(depth(mouth), depth(nose)) << "face " << f;
    EXPECT_GT(distance(left_eye, right_eye), 0.2f * b.width);
  }
  // Face 0 of sample1 is upright: eyes above the mouth in image terms too.
  EXPECT_LT(centre(landmarks[0], 36, 47).y, centre(landmarks[0], 48, 67).y);
}

TEST(Landmarker, OneBatchedCallEqualsOneCallPerFace) {
  const cv::Mat image = media::load_image(face_api_sample(5));
  const auto faces = shared_analyser().detector().detect(image);
  ASSERT_GE(faces.size(), 3u);
  auto& landmarker = shared_analyser().landmarker();
  const auto batched = landmarker.landmarks(image, boxes_of(faces));
  for (size_t f = 0; f < faces.size(); ++f) {
    const auto single = landmarker.landmarks(image, {faces[f].box});
    ASSERT_EQ(single.size(), 1u);
    for (int i = 0; i < 68; ++i) EXPECT_LT(distance(single[0][i], batched[f][i]), 1e-3f);
  }
}

TEST(Landmarker, BoxesOutsideTheImageGiveNoPoints) {
  const cv::Mat image(200, 300, CV_8UC3, cv::Scalar(100, 100, 100));
  const auto result =
      shared_analyser().landmarker().landmarks(image, {Box{400, 10, 50, 50}, Box{10, 10, 80, 80}});
  ASSERT_EQ(result.size(), 2u);
  EXPECT_TRUE(result[0].empty());
  EXPECT_EQ(result[1].size(), 68u);
}

// Landmarks laid out as the template, then rotated, scaled and moved: the
// alignment transform must undo exactly that.
TEST(AlignFace, TransformMapsLandmarksOntoTheLayout) {
  const double angle = 0.35, scale = 2.7, tx = 310, ty = -40;
  std::vector<Point> landmarks(68);
  for (int i = 17; i < 68; ++i) {
    const Point p = vision::aligned_position(i);
    landmarks[i] = {
        static_cast<float>(scale * (std::cos(angle) * p.x - std::sin(angle) * p.y) + tx),
        static_cast<float>(scale * (std::sin(angle) * p.x + std::cos(angle) * p.y) + ty)};
  }
  const cv::Mat m = vision::alignment_transform(landmarks);
  for (int i = 17; i < 68; ++i) {
    const double x = m.at<double>(0, 0) * landmarks[i].x + m.at<double>(0, 1) * landmarks[i].y +
                     m.at<double>(0, 2);
    const double y = m.at<double>(1, 0) * landmarks[i].x + m.at<double>(1, 1) * landmarks[i].y +
                     m.at<double>(1, 2);
    const Point want = vision::aligned_position(i);
    EXPECT_NEAR(x, want.x, 1e-3);
    EXPECT_NEAR(y, want.y, 1e-3);
  }
}

// On real faces: the landmarker run again on the aligned crop finds the eyes
// and the mouth where the layout puts them.
TEST(AlignFace, PutsTheEyesWhereTheLayoutSays) {
  const cv::Mat image = media::load_image(face_api_sample(1));
  const auto faces = shared_analyser().analyse(image);
  ASSERT_EQ(faces.size(), 3u);
  auto layout_centre = [](int first, int last) {
    std::vector<Point> points(68);
    for (int i = first; i <= last; ++i) points[i] = vision::aligned_position(i);
    return centre(points, first, last);
  };
  const Point layout_left = layout_centre(36, 41), layout_right = layout_centre(42, 47);
  const Point layout_mouth = layout_centre(48, 67);
  for (const auto& face : faces) {
    ASSERT_EQ(face.aligned.size(), cv::Size(150, 150));
    const auto again =
        shared_analyser().landmarker().landmarks(face.aligned, {Box{0, 0, 150, 150}});
    ASSERT_EQ(again[0].size(), 68u);
    // Eye and mouth centres within 8 px of the layout (the eyes are ~55 px
    // apart; a turned head cannot match a frontal layout exactly), eyes level.
    const Point left = centre(again[0], 36, 41), right = centre(again[0], 42, 47);
    EXPECT_LT(distance(left, layout_left), 8.f);
    EXPECT_LT(distance(right, layout_right), 8.f);
    EXPECT_LT(distance(centre(again[0], 48, 67), layout_mouth), 8.f);
    EXPECT_LT(std::abs(left.y - right.y), 4.f);
  }
}

TEST(AlignFace, RejectsTooFewLandmarks) {
  const cv::Mat image(100, 100, CV_8UC3, cv::Scalar::all(0));
  EXPECT_THROW(vision::align_face(image, std::vector<Point>(5)), std::invalid_argument);
}

}  // namespace
}  // namespace tw
