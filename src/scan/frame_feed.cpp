#include "scan/frame_feed.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "scan/scan_options.h"
#include "scan/scene_gate.h"

namespace tw::scan {

FrameFeed::FrameFeed(const std::filesystem::path& video, double fps, FeedOptions options)
    : sampler_(std::make_unique<media::FrameSampler>(video, fps)),
      options_(options),
      queue_(options.queue_capacity) {
  period_ = 1.0 / fps;
  if (info().fps > 0) period_ = std::max(period_, 1.0 / info().fps);
  if (options_.decode_thread) decoder_ = std::thread([this] { decode_ahead(); });
}

FrameFeed::~FrameFeed() {
  queue_.cancel();
  if (decoder_.joinable()) decoder_.join();
}

void FrameFeed::decode_ahead() {
  try {
    while (true) {
      DecodedFrame item;
      bool more = false;
      {
        StageTimer timer(decode_seconds_);
        more = sampler_->next(item.frame);
        if (more && options_.thumbnails) item.thumbnail = scene_thumbnail(item.frame.bgr);
      }
      if (!more || !queue_.push(std::move(item))) break;
    }
  } catch (...) {
    decode_error_ = std::current_exception();
  }
  queue_.close();
}

bool FrameFeed::next(DecodedFrame& out) {
  if (!options_.decode_thread) {
    StageTimer timer(decode_seconds_);
    return sampler_->next(out.frame);
  }
  std::optional<DecodedFrame> item = queue_.pop();
  if (!item) return false;
  out = std::move(*item);
  return true;
}

void FrameFeed::stop() {
  queue_.cancel();
}

void FrameFeed::finish() {
  if (decoder_.joinable()) decoder_.join();
  if (decode_error_) std::rethrow_exception(std::exchange(decode_error_, nullptr));
}

}  // namespace tw::scan
