#pragma once
// Scanning one video against a set of targets: sample frames, detect faces,
// align (68 landmarks), embed (batched per frame), match every target in one
// pass, and aggregate frame hits into appearances (scan/aggregate.h).
//
// Default path: a decode thread feeds sampled frames through a bounded queue
// to the inference thread (decoding uses one core whatever OpenCV's thread
// setting, so the two overlap).  `exhaustive`: the naive reference path,
// every sampled frame fully processed on one thread, decode inline; kept for
// tests and benchmarks that check faster paths find the same appearances.
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/types.h"
#include "models/model_dir.h"
#include "scan/aggregate.h"
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

struct ScanOptions {
  double fps = 5;                  // sampled frames per second of video
  std::optional<float> threshold;  // overrides every face target's threshold
  AggregationOptions aggregation;
  bool exhaustive = false;
  int threads = 0;                 // OpenCV threads for inference; 0 leaves OpenCV's setting
  std::size_t queue_capacity = 4;  // sampled frames decoded ahead
  vision::DetectorOptions detector;
  // Faces narrower than this are counted but not matched (their descriptors
  // are noise; see docs/threshold.md).
  float min_face_px = targets::kMinMatchFacePx;
  std::filesystem::path evidence_dir;  // empty: no evidence written
  // Called on the scanning thread after each sampled frame.
  std::function<void(double video_time, double duration)> progress;
};

struct ScanResult {
  std::string input;  // as the user named it (path or URL)
  double duration = 0;
  std::int64_t frames_sampled = 0;
  std::int64_t frames_decoded = 0;
  std::int64_t faces = 0;  // faces detected over all sampled frames
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
