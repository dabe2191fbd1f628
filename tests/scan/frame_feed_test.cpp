// The decode-and-sample stage: the same sampled frames inline and on the
// decode thread, thumbnails made ahead, stopping early, and videos that
// break off.
#include "scan/frame_feed.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "core/errors.h"
#include "scan/scene_gate.h"
#include "support/clips.h"
#include "support/kphotoalbum.h"
#include "support/test_support.h"

namespace fs = std::filesystem;
using namespace tw;
using namespace tw::scan;

namespace {

// 4 s of a moving pattern, 320x240 at 30 fps; moov first, so that a copy
// cut in half still opens and breaks off midway.
fs::path pattern_clip() {
  test::ClipSpec spec;
  spec.width = 320;
  spec.height = 240;
  spec.duration = 4;
  spec.segments = {test::Background::pattern("testsrc2")};
  spec.faststart = true;
  return test::make_clip(spec);
}

std::vector<DecodedFrame> drain(FrameFeed& feed) {
  std::vector<DecodedFrame> frames;
  DecodedFrame item;
  while (feed.next(item)) {
    frames.push_back(item);
    frames.back().frame.bgr = item.frame.bgr.clone();  // inline decoding re-uses buffers
  }
  feed.finish();
  return frames;
}

}  // namespace

TEST(FrameFeed, TheDecodeThreadGivesTheFramesInlineDecodingGives) {
  const fs::path movie = test::kphotoalbum_dir() / "movie.avi";
  FrameFeed inline_feed(movie, 5, {.decode_thread = false, .queue_capacity = 1});
  FrameFeed threaded(movie, 5, {.decode_thread = true, .queue_capacity = 2, .thumbnails = true});
  const std::vector<DecodedFrame> a = drain(inline_feed), b = drain(threaded);
  ASSERT_EQ(a.size(), 23u);  // 4.5 s at 5 per s: t = 0, 0.2, ..., 4.4
  ASSERT_EQ(b.size(), a.size());
  for (std::size_t k = 0; k < a.size(); ++k) {
    EXPECT_DOUBLE_EQ(b[k].frame.time, a[k].frame.time) << k;
    EXPECT_EQ(b[k].frame.index, a[k].frame.index) << k;
    EXPECT_EQ(cv::norm(a[k].frame.bgr, b[k].frame.bgr, cv::NORM_INF), 0) << k;
    EXPECT_TRUE(a[k].thumbnail.empty()) << "inline decoding makes no thumbnails";
    // The thumbnail the scene gate would have made itself.
    EXPECT_EQ(cv::norm(b[k].thumbnail, scene_thumbnail(b[k].frame.bgr), cv::NORM_INF), 0) << k;
  }
  EXPECT_EQ(threaded.frames_decoded(), inline_feed.frames_decoded());
  EXPECT_FALSE(threaded.truncated());
  EXPECT_GT(threaded.decode_seconds(), 0);
  EXPECT_GT(inline_feed.decode_seconds(), 0);
  // movie.avi runs at 15 fps: 5 samples per second are 0.2 s apart.
  EXPECT_DOUBLE_EQ(threaded.sample_period(), 0.2);
}

TEST(FrameFeed, ASamplingRateAboveTheVideosGivesOneFramePeriod) {
  FrameFeed feed(test::kphotoalbum_dir() / "movie.avi", 60, {.decode_thread = false});
  EXPECT_NEAR(feed.sample_period(), 1.0 / feed.info().fps, 1e-12);
  EXPECT_LT(feed.info().fps, 60);
}

TEST(FrameFeed, StoppingEarlyEndsTheDecodeThreadWithoutDecodingTheRest) {
  FrameFeed feed(pattern_clip(), 5, {.decode_thread = true, .queue_capacity = 1});
  DecodedFrame item;
  ASSERT_TRUE(feed.next(item));
  ASSERT_TRUE(feed.next(item));
  const auto start = std::chrono::steady_clock::now();
  feed.stop();
  feed.finish();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_FALSE(feed.next(item)) << "no frame after stop()";
  // Two handed on, at most a queue's worth and one in hand decoded ahead:
  // far from the clip's 120 frames.
  EXPECT_LT(feed.frames_decoded(), 60);
}

TEST(FrameFeed, AVideoThatBreaksOffEndsWithItsFramesSoFar) {
  const fs::path clip = pattern_clip();
  const fs::path cut = test::fresh_dir("frame-feed") / "cut.mp4";
  const std::string bytes = test::read_file(clip);
  test::write_file(cut, bytes.substr(0, bytes.size() / 2));
  for (bool decode_thread : {false, true}) {
    FrameFeed feed(cut, 5, {.decode_thread = decode_thread});
    const std::vector<DecodedFrame> frames = drain(feed);
    EXPECT_TRUE(feed.truncated()) << decode_thread;
    EXPECT_GT(frames.size(), 2u) << decode_thread;
    EXPECT_LT(frames.size(), 20u) << decode_thread;
  }
}

TEST(FrameFeed, AnUnreadableVideoIsAnInputErrorNamingIt) {
  const fs::path text = test::fresh_dir("frame-feed-text") / "notes.mp4";
  test::write_file(text, "not a video\n");
  try {
    FrameFeed feed(text, 5, {});
    FAIL() << "opened a text file";
  } catch (const InputError& e) {
    EXPECT_EQ(e.input(), text.string());
  }
}
