#pragma once
// Scanning one video against a set of targets, as a composition of stages
// (docs/DESIGN.md, "The way data flows"):
//
//   decode + sample      scan/frame_feed.h       sampled frames, decoded ahead on their own thread
//   gate + schedule      scan/frame_schedule.h   which frames are analysed (scene gate, held
//   frames) detect, describe,    scan/frame_analyser.h   one frame's faces and hits; a face is
//   decided in match                                        scan/face_decisions.h aggregate
//   scan/aggregate.h        frame hits -> appearances evidence             scan/evidence.h the best
//   frame and crop of each, as JPEGs
//
// The default path does less work per video-second than the reference:
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
#include <memory>
#include <string>
#include <vector>

#include "core/types.h"
#include "models/model_dir.h"
#include "scan/face_finder.h"
#include "scan/scan_options.h"
#include "targets/target.h"

namespace tw::scan {

struct ScanResult {
  std::string input;  // as the user named it (path or URL)
  double duration = 0;
  std::int64_t frames_sampled = 0;
  std::int64_t frames_decoded = 0;
  std::int64_t faces = 0;            // faces detected over all sampled frames
  std::int64_t frames_analysed = 0;  // sampled frames analysed (not skipped or held back)
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
  // Throws InputError(input, reason) for a video that cannot be read at all,
  // and Cancelled once options().cancel is raised.
  // input: the name used in results and messages (default: the path).
  ScanResult scan(const std::filesystem::path& video, const std::string& input = "");

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tw::scan
