// The tfjs-compatible preprocessing: resizeBilinear without half-pixel
// centres (source = dst * in / out) on a zero-padded square canvas.
#include <gtest/gtest.h>

#include "vision/tf_image.h"

namespace tw {
namespace {

TEST(TfImage, ResizeSamplesAtDstTimesInOverOut) {
  // A 2x2 image, one grey level per pixel (B = G = R).
  cv::Mat image(2, 2, CV_8UC3);
  image.at<cv::Vec3b>(0, 0) = cv::Vec3b::all(0);
  image.at<cv::Vec3b>(0, 1) = cv::Vec3b::all(100);
  image.at<cv::Vec3b>(1, 0) = cv::Vec3b::all(200);
  image.at<cv::Vec3b>(1, 1) = cv::Vec3b::all(40);
  const cv::Mat out = vision::padded_resize_rgb(image, 2, 0, 0, 4);
  ASSERT_EQ(out.size(), cv::Size(4, 4));
  // Source coordinates 0, 0.5, 1, 1.5; the last clamps to the edge pixel.
  const float expected_row0[] = {0, 50, 100, 100};
  const float expected_row1[] = {100, 85, 70, 70};  // halfway between rows 0 and 1
  for (int x = 0; x < 4; ++x) {
    EXPECT_FLOAT_EQ(out.at<cv::Vec3f>(0, x)[0], expected_row0[x]) << x;
    EXPECT_FLOAT_EQ(out.at<cv::Vec3f>(1, x)[1], expected_row1[x]) << x;
  }
  EXPECT_FLOAT_EQ(out.at<cv::Vec3f>(3, 0)[2], 200);
}

TEST(TfImage, PaddingIsZeroAndChannelsComeOutRgb) {
  cv::Mat image(2, 4, CV_8UC3, cv::Scalar(10, 20, 30));  // B, G, R
  // Pasted at the top of a 4x4 canvas: rows 2 and 3 are padding.
  const cv::Mat out = vision::padded_resize_rgb(image, 4, 0, 0, 4);
  EXPECT_EQ(out.at<cv::Vec3f>(0, 0), cv::Vec3f(30, 20, 10));
  EXPECT_EQ(out.at<cv::Vec3f>(3, 3), cv::Vec3f(0, 0, 0));
  // Centred instead: one row of padding above.
  const cv::Mat centred = vision::padded_resize_rgb(image, 4, 0, 1, 4);
  EXPECT_EQ(centred.at<cv::Vec3f>(0, 0), cv::Vec3f(0, 0, 0));
  EXPECT_EQ(centred.at<cv::Vec3f>(1, 0), cv::Vec3f(30, 20, 10));
}

TEST(TfImage, NhwcPixelsAreNormalisedPerChannel) {
  cv::Mat rgb(1, 2, CV_32FC3, cv::Scalar(10, 20, 30));
  rgb.at<cv::Vec3f>(0, 1) = cv::Vec3f(50, 60, 70);
  std::vector<float> out(2 * 3 + 1, -1.f);
  vision::write_nhwc(rgb, out.data(), {10, 20, 10}, 0.5f);
  EXPECT_EQ(out, (std::vector<float>{0, 0, 10, 20, 20, 30, -1}));  // R G B, R G B, untouched
}

}  // namespace
}  // namespace tw
