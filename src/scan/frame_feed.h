#pragma once
// The decode-and-sample stage: a video's sampled frames in order, decoded
// either inline (the reference path: one thread) or on a decode thread
// that runs up to `queue_capacity` frames ahead through a bounded queue
// (decoding uses one core whatever OpenCV's thread setting, so decoding and
// inference overlap).  On that thread each frame also gets the scene
// gate's thumbnail (scan/scene_gate.h), so the inference thread does not
// make it.
#include <opencv2/core.hpp>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <memory>
#include <thread>

#include "media/video.h"
#include "scan/bounded_queue.h"

namespace tw::scan {

// One sampled frame, with its thumbnail when the feed makes them.
struct DecodedFrame {
  media::SampledFrame frame;
  cv::Mat thumbnail;
};

struct FeedOptions {
  bool decode_thread = true;  // false: decode inline, in next()
  std::size_t queue_capacity = 4;
  bool thumbnails = false;  // make scene_thumbnail() of each frame (decode thread only)
};

class FrameFeed {
 public:
  // Opens the video; throws InputError(path, reason) when it cannot be read
  // at all.  With a decode thread, decoding starts at once.
  FrameFeed(const std::filesystem::path& video, double fps, FeedOptions options);
  // Stops decoding and waits for the decode thread.
  ~FrameFeed();
  FrameFeed(const FrameFeed&) = delete;
  FrameFeed& operator=(const FrameFeed&) = delete;

  const media::VideoInfo& info() const { return sampler_->info(); }
  // Seconds between sampled frames: 1 / fps, or one frame of a video
  // slower than that.
  double sample_period() const { return period_; }

  // The next sampled frame, into `out` (inline decoding re-uses its
  // buffers); false at the end of the video (or after stop()).  Inline
  // decoding throws what the decoder throws.
  bool next(DecodedFrame& out);
  // No more frames are wanted: the decode thread stops.
  void stop();
  // After the last next() or stop(): waits for the decode thread and
  // rethrows an error it met.  Then the figures below are final.
  void finish();

  double decode_seconds() const { return decode_seconds_; }
  std::int64_t frames_decoded() const { return sampler_->frames_decoded(); }
  // The video broke off midway (truncated or corrupt).
  bool truncated() const { return sampler_->truncated(); }

 private:
  void decode_ahead();

  std::unique_ptr<media::FrameSampler> sampler_;
  FeedOptions options_;
  double period_ = 0;
  double decode_seconds_ = 0;
  BoundedQueue<DecodedFrame> queue_;
  std::exception_ptr decode_error_;
  std::thread decoder_;
};

}  // namespace tw::scan
