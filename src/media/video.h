#pragma once
// Reading videos with FFmpeg's libraries and sampling frames at a fixed
// rate: packets are decoded in turn, except non-reference frames that are
// not near a sampling instant, which are skipped (nothing refers to them);
// only the frames kept are converted to BGR.  Seeking is slower.
#include <opencv2/core.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>

namespace tw::media {

// The largest block libav may allocate in this process (av_max_alloc, set
// when the first video is opened): a crafted file that asks for more is
// refused as corrupt instead of taking the machine's memory.
inline constexpr std::size_t kMaxLibavBlock = std::size_t{256} << 20;

struct VideoInfo {
  double fps = 0;           // container frame rate
  std::int64_t frames = 0;  // frame count as the container reports it (may be 0)
  double duration = 0;      // seconds (frames / fps, or probed)
  int width = 0, height = 0;
};

struct SampledFrame {
  cv::Mat bgr;
  double time = 0;         // seconds from the start of the video
  std::int64_t index = 0;  // the frame's index in the video (time x fps)
};

class FrameSampler {
 public:
  // Throws InputError("<path>", reason) when the file is missing, empty, not
  // a video, has no video stream (audio only) or no decodable frame.
  FrameSampler(const std::filesystem::path& path, double sample_fps);
  ~FrameSampler();
  FrameSampler(FrameSampler&&) noexcept;

  const VideoInfo& info() const;
  // The next kept frame; false at the end.  A file that breaks off midway
  // ends early (truncated() then says so) rather than throwing.
  bool next(SampledFrame& out);
  bool truncated() const;
  // Frames read so far: decoded, or skipped as not sampled.
  std::int64_t frames_decoded() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tw::media
