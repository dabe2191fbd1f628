#pragma once
// Which sampled frames the optimized scan path analyses.  Frames the scene
// gate passes unchanged re-use the last analysed frame's hits.  Of changing
// frames, every other one is held back: when the analysed frames on either
// side of it leave no doubt (scan/hold_back.h) it takes the earlier one's
// hits, otherwise it is analysed too.  Every sampled frame is handed on
// exactly once, in sample order.  The analysis itself is the caller's, so
// that this order of events can be tested without models.
#include <opencv2/core.hpp>

#include <cstdint>
#include <functional>
#include <optional>

#include "media/video.h"
#include "scan/face_tracker.h"
#include "scan/hold_back.h"
#include "scan/scene_gate.h"

namespace tw::scan {

// What analysing one frame gave.
struct FrameAnalysis {
  AnalysedFrame frame;     // its hits, and whether they may flip
  std::int64_t faces = 0;  // faces detected on it
  // Faces landmarked and embedded on it (not re-used), and re-detected at
  // the reference scale (ScanResult counts them once, not per re-use).
  std::int64_t faces_embedded = 0;
  std::int64_t faces_confirmed = 0;
};

class FrameSchedule {
 public:
  // Analyses one frame with `tracker` (as it stood after the frame before).
  using Analyse = std::function<FrameAnalysis(const cv::Mat& bgr, FaceTracker& tracker)>;
  // One sampled frame's outcome, in sample order: its own analysis, or
  // (reused) the analysed frame whose hits it takes.
  using Emit = std::function<void(std::int64_t index, const media::SampledFrame& frame,
                                  const FrameAnalysis& analysis, bool reused)>;

  // hold_back: hold every other changing frame (needs min_frames >= 2 to
  // be safe; max_gap: the aggregation's).
  FrameSchedule(SceneGateOptions gate, TrackingOptions tracking, bool hold_back, int max_gap,
                Analyse analyse, Emit emit);

  // The next sampled frame and its scene_thumbnail().  Emits this frame, the
  // held one before it, both, or neither yet (this frame held).
  void add(media::SampledFrame frame, const cv::Mat& thumbnail);
  // At the end of the video: a frame still held is analysed and emitted.
  void finish();

 private:
  struct Held {
    media::SampledFrame frame;
    cv::Mat thumbnail;
    std::int64_t index = 0;
    bool cut = false;
    FaceTracker tracker;  // as it was after the frame before
  };

  void emit(std::int64_t index, const media::SampledFrame& frame, const FrameAnalysis& analysis,
            bool reused);
  void remember(const FrameAnalysis& analysis);
  void analyse_held_in_place();

  SceneGate gate_;
  FaceTracker tracker_;
  bool hold_back_;
  int max_gap_;
  Analyse analyse_;
  Emit emit_;
  std::int64_t next_index_ = 0;
  LastHits last_hit_;  // of the emitted frames
  // The last analysed frame, whose hits a frame that is not analysed
  // re-uses.  (Without descriptors: they would only repeat the analysed
  // frame's in the appearance's evidence.)
  FrameAnalysis last_;
  bool last_was_analysed_ = false;
  std::optional<Held> held_;
};

}  // namespace tw::scan
