#pragma once
// Scanning one video against a set of targets: sample frames, detect faces,
// align (68 landmarks), embed (batched per frame), match every target in one
// pass, and aggregate frame hits into appearances (scan/aggregate.h).
//
// Default path: a decode thread feeds sampled frames through a bounded queue
// to the inference thread (decoding uses one core whatever OpenCV's thread
// setting, so the two overlap), and does less work per video-second:
//  - a scene-change gate (scan/scene_gate.h) skips sampled frames that look
//    like the last analysed one; they re-use its hits;
//  - faces are tracked across analysed frames (scan/face_tracker.h): a
//    tracked face re-uses its descriptor, refreshed every few frames;
//  - the detector's input size is the smallest that still finds faces of
//    `smallest_face_px` in this video's frames (detector_input_for);
//  - `first_hit` stops a video at its first confident appearance.
// `exhaustive`: the naive reference path, every sampled frame fully
// processed at the detector's configured input on one thread, decode
// inline; kept for tests and benchmarks that check the optimized path finds
// the same appearances.
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/types.h"
#include "models/model_dir.h"
#include "scan/aggregate.h"
#include "scan/face_tracker.h"
#include "scan/scene_gate.h"
#include "targets/target.h"
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

// Faces of 64 px and more in a 720x1280 frame (the detector then runs at
// 320 instead of 512: ~2.5x less work per analysed frame).
inline constexpr float kDefaultSmallestFacePx = 64;

// The detector's square input size (a multiple of 32, in [128, max_input])
// at which a face `smallest_face_px` wide in a width x height frame is still
// found.  The frame is padded to a square and resized to the input, so the
// face shrinks by input / max(width, height).
int detector_input_for(int width, int height, float smallest_face_px, int max_input = 1024);

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
};

struct ScanResult {
  std::string input;  // as the user named it (path or URL)
  double duration = 0;
  std::int64_t frames_sampled = 0;
  std::int64_t frames_decoded = 0;
  std::int64_t faces = 0;            // faces detected over all sampled frames
  std::int64_t frames_analyzed = 0;  // sampled frames analysed (not skipped or held back)
  // Faces landmarked and embedded (not re-used), counting a proposal box's
  // description that a confirmation replaced.
  std::int64_t faces_embedded = 0;
  // Faces the optimized path re-detected at the reference path's scale,
  // because their match was not clear-cut on the smaller input's box.
  std::int64_t faces_confirmed = 0;
  int detector_input = 0;      // the detector's input size used for this video
  bool stopped_early = false;  // first_hit: stopped at the first confident appearance
  std::vector<Appearance> appearances;
  StageTimings timings;
  // Set when the video broke off midway: the appearances up to there are
  // kept, and the command still reports an error for this input.
  std::string error;
};

class Scanner {
 public:
  // Loads the face models; throws InputError when they are missing or
  // damaged.  Face, image and classifier targets are scanned in one pass.
  Scanner(const models::ModelDir& models, std::vector<targets::Target> targets,
          ScanOptions options = {});
  ~Scanner();
  Scanner(const Scanner&) = delete;
  Scanner& operator=(const Scanner&) = delete;

  const ScanOptions& options() const;
  // Throws InputError(input, reason) for a video that cannot be read at all.
  // input: the name used in results and messages (default: the path).
  ScanResult scan(const std::filesystem::path& video, const std::string& input = "");

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tw::scan
