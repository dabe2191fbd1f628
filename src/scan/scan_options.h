#pragma once
// What a scan is asked to do (ScanOptions), where its seconds go
// (StageTimings), and how it is stopped early from outside (a cancel flag).
// Shared by the Scanner and its stages (docs/DESIGN.md, "The way data
// flows"); the front ends fill ScanOptions through scan/scan_job.h.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include "scan/aggregate.h"
#include "scan/face_tracker.h"
#include "scan/scene_gate.h"
#include "targets/threshold.h"
#include "vision/face_detector.h"

namespace tw::scan {

// Seconds of work per stage, summed over frames.  decode runs on its own
// thread in the pipelined path, so the stages can add up to more than wall.
struct StageTimings {
  double decode = 0;
  double detect = 0;
  double align = 0;  // landmarks + aligned crops
  double embed = 0;
  double match = 0;
  double images = 0;    // image targets: frame features + matching
  double classify = 0;  // classifier targets: backbone (ONNX) + head
  double wall = 0;
};

// Adds the seconds from its construction to its end to one stage's total.
class StageTimer {
 public:
  explicit StageTimer(double& total) : total_(total), start_(std::chrono::steady_clock::now()) {}
  ~StageTimer() {
    total_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  StageTimer(const StageTimer&) = delete;
  StageTimer& operator=(const StageTimer&) = delete;

 private:
  double& total_;
  std::chrono::steady_clock::time_point start_;
};

// Faces of 64 px and more in a 720x1280 frame (the detector then runs at
// 320 instead of 512: ~2.5x less work per analysed frame).
inline constexpr float kDefaultSmallestFacePx = 64;

// Raised by the caller (the monitor on shutdown) to stop a scan; the
// scanner checks it between sampled frames.
using CancelFlag = std::atomic<bool>;

// What Scanner::scan throws when its cancel flag was raised: not an error
// of the video (the monitor gives the video back to the queue).
class Cancelled : public std::runtime_error {
 public:
  explicit Cancelled(const std::string& input) : std::runtime_error(input + ": scan cancelled") {}
};

struct ScanOptions {
  double fps = 5;                  // sampled frames per second of video
  std::optional<float> threshold;  // overrides every face target's threshold
  AggregationOptions aggregation;
  bool exhaustive = false;
  int threads = 0;  // inference threads (cv::setNumThreads, which XNNPACK follows); 0: as set
  std::size_t queue_capacity = 4;  // sampled frames decoded ahead
  vision::DetectorOptions detector;
  // Faces narrower than this are counted but not matched (their descriptors
  // are noise; see docs/threshold.md).
  float min_face_px = targets::kMinMatchFacePx;
  // Optimized path only (the exhaustive path ignores these).  The smallest
  // face, in frame pixels, that must still be found: it picks the
  // detector's input per video (smaller faces may be missed; larger is
  // faster).  0: detector.input_size as given.
  float smallest_face_px = kDefaultSmallestFacePx;
  SceneGateOptions gate;
  TrackingOptions tracking;
  // Of changing frames, analyse every other one, and the one between only
  // when the frames on its two sides leave doubt (scan/frame_schedule.h; needs
  // aggregation.min_frames >= 2).
  bool alternate_frames = true;
  // Stop each video at its first confident appearance (one with
  // aggregation.min_frames hits): enough for an alert, and the rest of the
  // video is neither decoded nor analysed.
  bool first_hit = false;
  // Optimized path only.  Faster decisions that are no longer the
  // reference path's frame by frame: a face that narrowly misses every
  // target on the smaller input's box is not re-detected at the reference
  // scale (one that would be a hit still is), a tracked face keeps its
  // descriptor for `tracking.recheck_every` analysed frames however close
  // to a threshold it is, and no held frame is analysed because of such
  // doubt.  Bench clips: about 40% faster, the same on-screen intervals
  // found and no false appearances (README "Scan speed").
  bool approximate = false;
  std::filesystem::path evidence_dir;  // empty: no evidence written
  // Called on the scanning thread after each sampled frame.
  std::function<void(double video_time, double duration)> progress;
  // Checked between sampled frames: once raised, scan() stops decoding and
  // throws Cancelled.  Null: never cancelled.
  const CancelFlag* cancel = nullptr;
};

}  // namespace tw::scan
