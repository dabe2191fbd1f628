// FrameSampler: the right frames at the right times from real and generated
// videos, and one clear InputError for every kind of bad video.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <iterator>

#include <opencv2/core.hpp>
#include <opencv2/videoio.hpp>

extern "C" {
#include <libavutil/mem.h>
}

#include "core/errors.h"
#include "media/video.h"
#include "support/clips.h"
#include "support/test_support.h"

namespace fs = std::filesystem;
using tw::media::FrameSampler;
using tw::media::SampledFrame;
using tw::test::Background;
using tw::test::ClipSpec;

namespace {

// A 30 fps 4 s clip whose every frame differs (testsrc2 draws a moving pattern).
ClipSpec pattern_clip(bool faststart = false) {
  ClipSpec spec;
  spec.width = 320;
  spec.height = 240;
  spec.duration = 4;
  spec.segments = {Background::pattern("testsrc2")};
  spec.faststart = faststart;
  return spec;
}

std::vector<SampledFrame> sample_all(FrameSampler& sampler) {
  std::vector<SampledFrame> frames;
  SampledFrame frame;
  while (sampler.next(frame)) {
    frames.push_back(frame);
    frames.back().bgr = frame.bgr.clone();
  }
  return frames;
}

void run_ffmpeg(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"ffmpeg", "-nostdin", "-loglevel", "error", "-y"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto result = tw::test::run_program(argv, {}, 60);
  ASSERT_EQ(result.exit_code, 0) << result.err;
}

void copy_prefix(const fs::path& from, const fs::path& to, std::uintmax_t bytes) {
  std::ifstream in(from, std::ios::binary);
  std::string data(bytes, '\0');
  in.read(data.data(), static_cast<std::streamsize>(bytes));
  std::ofstream(to, std::ios::binary).write(data.data(), in.gcount());
}

class VideoInput : public ::testing::Test {
 protected:
  fs::path dir = tw::test::fresh_dir("media-video");

  void expect_refused(const fs::path& path, const std::string& reason_part) {
    try {
      FrameSampler sampler(path, 5);
      FAIL() << "opened " << path;
    } catch (const tw::InputError& e) {
      std::string message = e.what();
      EXPECT_EQ(e.input(), path.string());
      EXPECT_NE(message.find(reason_part), std::string::npos)
          << "message: " << message << "\nexpected to contain: " << reason_part;
    }
  }
};

TEST(FrameSampler, SamplesA30FpsClipAt5FpsOnTheRightFrames) {
  fs::path clip = tw::test::make_clip(pattern_clip());
  FrameSampler sampler(clip, 5);
  EXPECT_DOUBLE_EQ(sampler.info().fps, 30);
  EXPECT_EQ(sampler.info().frames, 120);
  EXPECT_NEAR(sampler.info().duration, 4.0, 1e-6);
  EXPECT_EQ(sampler.info().width, 320);
  EXPECT_EQ(sampler.info().height, 240);
  auto frames = sample_all(sampler);
  ASSERT_EQ(frames.size(), 20u);
  EXPECT_EQ(sampler.frames_decoded(), 120);
  EXPECT_FALSE(sampler.truncated());

  // Each kept frame is the one read() returns at that index.
  cv::VideoCapture reference(clip.string(), cv::CAP_FFMPEG);
  std::vector<cv::Mat> all;
  cv::Mat frame;
  while (reference.read(frame)) all.push_back(frame.clone());
  ASSERT_EQ(all.size(), 120u);
  for (size_t k = 0; k < frames.size(); ++k) {
    EXPECT_NEAR(frames[k].time, 0.2 * double(k), 1.0 / 30 + 1e-9) << k;
    EXPECT_NEAR(double(frames[k].index), 6.0 * double(k), 1.0) << k;
    EXPECT_NEAR(frames[k].time, double(frames[k].index) / 30, 1e-3) << k;
    ASSERT_EQ(frames[k].bgr.type(), CV_8UC3);
    EXPECT_EQ(cv::norm(frames[k].bgr, all[size_t(frames[k].index)], cv::NORM_INF), 0) << k;
  }
}

TEST(FrameSampler, OtherRatesKeepTheNearestFrames) {
  fs::path clip = tw::test::make_clip(pattern_clip());
  {
    FrameSampler sampler(clip, 2);  // every 15th frame
    auto frames = sample_all(sampler);
    ASSERT_EQ(frames.size(), 8u);
    for (size_t k = 0; k < frames.size(); ++k) EXPECT_EQ(frames[k].index, std::int64_t(15 * k));
  }
  {
    FrameSampler sampler(clip, 7);  // 30/7 = 4.29 frames apart: rounds to the nearest
    auto frames = sample_all(sampler);
    ASSERT_EQ(frames.size(), 28u);
    for (size_t k = 0; k < frames.size(); ++k)
      EXPECT_EQ(frames[k].index, std::llround(double(k) * 30.0 / 7.0)) << k;
  }
  {
    FrameSampler sampler(clip, 60);  // faster than the video: every frame once
    auto frames = sample_all(sampler);
    ASSERT_EQ(frames.size(), 120u);
    for (size_t i = 0; i < frames.size(); ++i) EXPECT_EQ(frames[i].index, std::int64_t(i));
  }
}

TEST(FrameSampler, ReadsKphotoalbumMovieWithItsDuration) {
  fs::path movie = tw::test::testdata_dir() / "usr/share/kphotoalbum/demo/movie.avi";
  FrameSampler sampler(movie, 5);
  const auto& info = sampler.info();
  EXPECT_EQ(info.width, 160);
  EXPECT_EQ(info.height, 120);
  EXPECT_NEAR(info.fps, 15, 0.01);
  EXPECT_NEAR(info.duration, 4.5, 0.1);
  auto frames = sample_all(sampler);
  EXPECT_EQ(sampler.frames_decoded(), info.frames);
  EXPECT_FALSE(sampler.truncated());
  ASSERT_EQ(frames.size(), 23u);  // t = 0, 0.2, ..., 4.4
  EXPECT_NEAR(frames.back().time, 4.4, 1.0 / 15);
  for (const auto& f : frames) EXPECT_EQ(f.bgr.size(), cv::Size(160, 120));
}

TEST_F(VideoInput, AppliesRotationMetadata) {
  // Phones store portrait video as landscape pixels plus a rotation tag.
  fs::path clip = tw::test::make_clip(pattern_clip());
  fs::path tagged = dir / "rotated.mp4";
  run_ffmpeg({"-i", clip.string(), "-c", "copy", "-metadata:s:v", "rotate=90", tagged.string()});
  FrameSampler plain(clip, 5), rotated(tagged, 5);
  EXPECT_EQ(rotated.info().width, 240);
  EXPECT_EQ(rotated.info().height, 320);
  SampledFrame a, b;
  ASSERT_TRUE(plain.next(a));
  ASSERT_TRUE(rotated.next(b));
  cv::Mat expected;
  cv::rotate(a.bgr, expected, cv::ROTATE_90_CLOCKWISE);
  ASSERT_EQ(b.bgr.size(), expected.size());
  EXPECT_EQ(cv::norm(b.bgr, expected, cv::NORM_INF), 0);
}

TEST_F(VideoInput, RefusesMissingPath) {
  expect_refused(dir / "nope.mp4", "does not exist");
}

TEST_F(VideoInput, RefusesDirectory) {
  fs::create_directory(dir / "clips.mp4");
  expect_refused(dir / "clips.mp4", "is a directory");
}

TEST_F(VideoInput, RefusesEmptyFile) {
  std::ofstream(dir / "empty.mp4").close();
  expect_refused(dir / "empty.mp4", "empty file (0 bytes)");
}

TEST_F(VideoInput, RefusesTextNamedMp4) {
  std::ofstream(dir / "notes.mp4") << "not a video, just some notes\nsecond line\n";
  expect_refused(dir / "notes.mp4", "not a video (the file is text)");
}

TEST_F(VideoInput, RefusesRandomBytes) {
  std::string bytes(4096, '\0');
  std::uint32_t state = 12345;
  for (auto& c : bytes) c = char((state = state * 1103515245u + 12345u) >> 24);
  std::ofstream(dir / "noise.mp4", std::ios::binary) << bytes;
  expect_refused(dir / "noise.mp4", "not a video");
}

TEST_F(VideoInput, RefusesAudioOnlyFiles) {
  run_ffmpeg({"-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:a", "aac",
              (dir / "tone.mp4").string()});
  expect_refused(dir / "tone.mp4", "no video stream (audio only)");
  run_ffmpeg({"-f", "lavfi", "-i", "sine=frequency=440:duration=2", (dir / "tone.wav").string()});
  expect_refused(dir / "tone.wav", "no video stream (audio only)");
}

// A song with its cover picture: FFmpeg lists the picture as a video
// stream of one frame.
TEST_F(VideoInput, RefusesAudioWithACoverPicture) {
  run_ffmpeg({"-f",
              "lavfi",
              "-i",
              "sine=frequency=440:duration=2",
              "-f",
              "lavfi",
              "-i",
              "color=c=red:s=64x64:d=0.04",
              "-map",
              "0",
              "-map",
              "1",
              "-c:a",
              "libmp3lame",
              "-c:v",
              "mjpeg",
              "-disposition:v",
              "attached_pic",
              "-frames:v",
              "1",
              (dir / "song.mp3").string()});
  expect_refused(dir / "song.mp3", "no video stream (audio only)");
}

TEST_F(VideoInput, RefusesZeroLengthVideo) {
  run_ffmpeg({"-f", "lavfi", "-i", "color=c=red:s=64x64:r=30", "-t", "0", "-c:v", "libx264",
              (dir / "zero.mp4").string()});
  expect_refused(dir / "zero.mp4", "zero-length video");
}

TEST_F(VideoInput, RefusesTruncatedMp4WithoutMoov) {
  // ffmpeg writes moov after the media data by default: cut in the middle,
  // the index is gone and nothing can be read.
  fs::path clip = tw::test::make_clip(pattern_clip(/*faststart=*/false));
  copy_prefix(clip, dir / "cut.mp4", fs::file_size(clip) / 2);
  expect_refused(dir / "cut.mp4", "truncated or corrupt video");
}

TEST_F(VideoInput, RefusesMp4CutRightAfterItsIndex) {
  // moov first, then (almost) no media data: opens, but no frame decodes.
  fs::path clip = tw::test::make_clip(pattern_clip(/*faststart=*/true));
  std::ifstream in(clip, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  size_t mdat = bytes.find("mdat");
  ASSERT_NE(mdat, std::string::npos);
  copy_prefix(clip, dir / "index-only.mp4", mdat + 16);
  expect_refused(dir / "index-only.mp4", "truncated or corrupt video");
}

TEST_F(VideoInput, SamplesTruncatedFaststartMp4UntilItBreaks) {
  fs::path clip = tw::test::make_clip(pattern_clip(/*faststart=*/true));
  copy_prefix(clip, dir / "cut.mp4", fs::file_size(clip) / 2);
  FrameSampler sampler(dir / "cut.mp4", 5);
  EXPECT_EQ(sampler.info().frames, 120);
  auto frames = sample_all(sampler);
  EXPECT_TRUE(sampler.truncated());
  EXPECT_GT(sampler.frames_decoded(), 20);
  EXPECT_LT(sampler.frames_decoded(), 110);
  ASSERT_FALSE(frames.empty());
  EXPECT_LT(frames.back().time, 3.7);

  FrameSampler whole(clip, 5);
  sample_all(whole);
  EXPECT_FALSE(whole.truncated());
}

TEST_F(VideoInput, RefusesUnreadableFile) {
  fs::path clip = dir / "secret.mp4";
  fs::copy_file(tw::test::make_clip(pattern_clip()), clip);
  fs::permissions(clip, fs::perms::none);
  if (::geteuid() != 0) {
    expect_refused(clip, "cannot read the file");
    return;
  }
  // Root reads anything, so try as an unprivileged user in a child process.
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(10);
    try {
      FrameSampler sampler(clip, 5);
      ::_exit(11);
    } catch (const tw::InputError& e) {
      std::string what = e.what();
      ::_exit(what.find("cannot read the file") != std::string::npos ? 0 : 12);
    } catch (...) {
      ::_exit(13);
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10: could not drop privileges, 11: opened, "
                                       "12: wrong message, 13: wrong exception";
}

// A crafted container made libavformat ask for 1.4 GB at once inside
// avformat_open_input (fuzz finding; the input is a regression case of the
// video fuzz target).  libav's blocks are bounded once a video is opened,
// and the file is refused as corrupt.
TEST(VideoMemory, ACraftedContainerCannotMakeLibavAllocateGigabytes) {
  const fs::path crafted =
      tw::test::source_dir() / "tests/data/fuzz/video/oom-libavformat-asks-1.4-GB";
  ASSERT_TRUE(fs::exists(crafted));
  try {
    FrameSampler sampler(crafted, 5);
    FAIL() << "opened " << crafted;
  } catch (const tw::InputError& e) {
    EXPECT_EQ(e.input(), crafted.string());
    EXPECT_NE(std::string(e.what()).find("more than 256 MiB of memory at once"), std::string::npos)
        << e.what();
  }
  void* too_large = av_malloc(tw::media::kMaxLibavBlock + 1);
  EXPECT_EQ(too_large, nullptr) << "libav's allocations are not bounded";
  av_free(too_large);
  void* frame_sized = av_malloc(64u << 20);
  EXPECT_NE(frame_sized, nullptr);
  av_free(frame_sized);
}

}  // namespace
