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

// How a whole track is decided against a target of threshold T
// (docs/threshold.md, "Face tracks").  On the TikTok-like clip set the
// template alone does not separate: averaging removes a face's frame to
// frame noise, so the template of a stranger whose frames vary a lot came
// as close as 0.508 while every frame stayed beyond 0.54.  The best frames
// separate (the enrolled people's tracks at most 0.537, strangers' at
// least 0.541): a track matches when its template is within T and the
// mean of its two best frames within T - 0.01.
struct TrackRule {
  // The template (weighted mean of unit descriptors) within T + this of
  // the target's gallery.
  float template_margin = 0.f;
  // ...and the mean of the track's `best_frames` lowest per-frame
  // distances within T + this.
  float best_frames_margin = -0.01f;
  int best_frames = 2;
};

struct FaceTrackOptions {
  TrackRule rule;
  // Sampled frames a track may go unseen and still be continued (a head
  // turn, a missed detection): 2 at 5 fps, as the aggregator's max_gap.
  int max_missed = 2;
  float min_iou = 0.3f;
  // Without overlap, a face whose centre is within this many box widths of
  // the track's last centre, at a similar size, continues it.
  float max_centre_step = 0.75f;
  // Consecutive descriptors of one face on screen differ by < 0.1 (bench
  // clips); two people by > 0.45 (docs/threshold.md).
  float max_descriptor_step = 0.4f;
  // Look-back (scan/face_tracks.h; the optimized path): a track whose first
  // face lies within `look_back_reach` of a target's threshold looks again
  // at the `look_back` sampled frames before it (0: never).  The proposal
  // input finds a face of 60-90 px only once it is well in view: on the
  // TikTok-like clips, up to 3 sampled frames after it entered
  // (docs/threshold.md, "Face tracks").
  int look_back = 3;
  float look_back_reach = 0.1f;
};

// How face targets are decided: per face track (the default), or each
// sampled frame alone (the rule before issue 21, kept for tests,
// benchmarks and calibration: `scan --decide frame`).
enum class FaceDecision { track, frame };

struct ScanOptions {
  double fps = 5;                  // sampled frames per second of video
  std::optional<float> threshold;  // overrides every face target's threshold
  AggregationOptions aggregation;
  FaceDecision decide = FaceDecision::track;
  FaceTrackOptions tracks;  // decide == track
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
