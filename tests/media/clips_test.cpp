// The generated test clips other suites rely on: overlays appear on exactly
// the frames asked for, at the places asked for; cuts land on exact frames.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "support/clips.h"
#include "support/test_support.h"

namespace fs = std::filesystem;
using tw::test::Background;
using tw::test::ClipSpec;
using tw::test::make_clip;
using tw::test::Overlay;

namespace {

fs::path jesper_photo() {
  return tw::test::testdata_dir() / "usr/share/kphotoalbum/demo/jesper.jpg";
}

std::vector<cv::Mat> read_all_frames(const fs::path& clip) {
  cv::VideoCapture capture(clip.string(), cv::CAP_FFMPEG);
  EXPECT_TRUE(capture.isOpened()) << clip;
  std::vector<cv::Mat> frames;
  cv::Mat frame;
  while (capture.read(frame)) frames.push_back(frame.clone());
  return frames;
}

// Mean absolute difference per channel value between a frame region and an
// expected image of the same size.
double mean_abs_diff(const cv::Mat& frame, const cv::Rect& region, const cv::Mat& expected) {
  cv::Mat diff;
  cv::absdiff(frame(region), expected, diff);
  cv::Scalar m = cv::mean(diff);
  return (m[0] + m[1] + m[2]) / 3;
}

// Largest distance of any pixel from a flat colour (BGR).
double max_deviation(const cv::Mat& frame, const cv::Scalar& bgr) {
  cv::Mat diff;
  cv::absdiff(frame, bgr, diff);
  double max_value = 0;
  cv::minMaxLoc(diff.reshape(1), nullptr, &max_value);
  return max_value;
}

const cv::Scalar kBackground(0x40, 0x38, 0x30);  // 0x303840 as BGR

TEST(MakeClip, OverlayIsOnScreenExactlyFromT0ToT1AtItsPath) {
  ClipSpec spec;
  spec.duration = 6;
  spec.segments = {Background::solid("0x303840")};
  // jesper.jpg is 800x533; at height 400 ffmpeg makes it 600x400.
  spec.overlays = {
      Overlay::image(jesper_photo(), 3.0, 5.0).scaled_to_height(400).moving(60, 200, 100, 700)};
  fs::path clip = make_clip(spec);
  auto frames = read_all_frames(clip);
  ASSERT_EQ(frames.size(), 180u);
  ASSERT_EQ(frames[0].size(), cv::Size(720, 1280));

  cv::Mat photo = cv::imread(jesper_photo().string()), scaled;
  cv::resize(photo, scaled, cv::Size(600, 400), 0, 0, cv::INTER_AREA);

  // Before and after: only the background (H.264 keeps a flat colour within a few levels).
  for (int index : {0, 45, 89, 151, 179}) {
    EXPECT_LT(max_deviation(frames[index], kBackground), 12) << "frame " << index;
  }
  // During: the photo, at the linearly interpolated position.
  struct Expect {
    int index;
    int x, y;
  };
  for (Expect e : {Expect{90, 60, 200}, Expect{120, 80, 450}, Expect{150, 100, 700}}) {
    cv::Rect where(e.x, e.y, 600, 400);
    double at_place = mean_abs_diff(frames[e.index], where, scaled);
    double shifted = mean_abs_diff(frames[e.index], where + cv::Point(0, 25), scaled);
    EXPECT_LT(at_place, 8) << "frame " << e.index;
    EXPECT_GT(shifted, at_place + 10) << "frame " << e.index;
  }
}

TEST(MakeClip, CutsLandOnExactFrames) {
  ClipSpec spec;
  spec.width = 320;
  spec.height = 240;
  spec.duration = 5;
  spec.segments = {Background::solid("red"), Background::solid("blue").from(2.0),
                   Background::pattern("testsrc2").from(4.0)};
  auto frames = read_all_frames(make_clip(spec));
  ASSERT_EQ(frames.size(), 150u);
  const cv::Scalar red(0, 0, 255), blue(255, 0, 0);
  EXPECT_LT(max_deviation(frames[0], red), 12);
  EXPECT_LT(max_deviation(frames[59], red), 12);
  EXPECT_LT(max_deviation(frames[60], blue), 12);
  EXPECT_LT(max_deviation(frames[119], blue), 12);
  EXPECT_GT(max_deviation(frames[120], blue), 100);
  cv::Scalar mean, stddev;
  cv::meanStdDev(frames[130], mean, stddev);
  EXPECT_GT(stddev[0] + stddev[1] + stddev[2], 60) << "the pattern is not flat";
}

TEST(MakeClip, StillAndFootageBackgroundsWithRotatedOverlay) {
  fs::path megamind =
      tw::test::testdata_dir() / "usr/share/doc/opencv-doc/examples/data/Megamind.avi";
  ClipSpec spec;
  spec.width = 360;
  spec.height = 640;
  spec.duration = 4;
  spec.segments = {Background::still(jesper_photo()), Background::footage(megamind, 1.0).from(2.0)};
  spec.overlays = {
      Overlay::image(jesper_photo(), 1.0, 3.0).scaled_by(0.25).at(20, 300).rotated(30)};
  auto frames = read_all_frames(make_clip(spec));
  ASSERT_EQ(frames.size(), 120u);
  // The still fills the frame (scaled to cover, centre-cropped): no flat borders.
  cv::Scalar mean, stddev;
  cv::meanStdDev(frames[10].row(0), mean, stddev);
  EXPECT_GT(stddev[0] + stddev[1] + stddev[2], 20);
  // Megamind's footage moves; the still does not.
  EXPECT_LT(cv::norm(frames[10], frames[20], cv::NORM_L1) / frames[10].total(), 1.0);
  EXPECT_GT(cv::norm(frames[70], frames[90], cv::NORM_L1) / frames[70].total(), 3.0);
  // The rotated overlay changes its corner of the frame only while shown.
  cv::Rect corner(20, 300, 200, 140);
  EXPECT_LT(cv::norm(frames[10](corner), frames[29](corner), cv::NORM_L1) / corner.area(), 1.0);
  EXPECT_GT(cv::norm(frames[29](corner), frames[30](corner), cv::NORM_L1) / corner.area(), 10.0);
}

TEST(MakeClip, ReusesTheCachedClip) {
  ClipSpec spec;
  spec.width = 160;
  spec.height = 120;
  spec.duration = 1;
  spec.segments = {Background::solid("green")};
  fs::path first = make_clip(spec);
  auto written = fs::last_write_time(first);
  EXPECT_EQ(make_clip(spec), first);
  EXPECT_EQ(fs::last_write_time(first), written);
  spec.segments = {Background::solid("yellow")};
  EXPECT_NE(make_clip(spec), first);
  EXPECT_EQ(first.parent_path().filename(), "test-clips");
}

TEST(MakeClip, RefusesBadSpecs) {
  ClipSpec spec;
  spec.width = 101;
  EXPECT_THROW(make_clip(spec), std::invalid_argument);
  spec = ClipSpec{};
  spec.segments = {Background::solid("red").from(1.0)};
  EXPECT_THROW(make_clip(spec), std::invalid_argument);
  spec = ClipSpec{};
  spec.overlays = {Overlay::image("/nonexistent.png", 1, 2)};
  EXPECT_THROW(make_clip(spec), std::invalid_argument);
}

}  // namespace
