#pragma once
// Frame hits -> appearances.  Consecutive sampled frames in which a target
// matched form one appearance; a gap of up to `max_gap` sampled frames
// without a hit does not split it (a face turned away for a moment).  An
// appearance spans [first hit time, last hit time + one sample period],
// clipped to the video's duration, and needs `min_frames` hits so that a
// single stray frame is not reported (2 by default: a 0.5 s cameo at 5 fps
// is 2-3 frames and is kept).
#include <opencv2/core.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/types.h"

namespace tw::scan {

struct AggregationOptions {
  int min_frames = 2;
  // 2 at 5 fps: a face missed for up to 0.4 s (a head turn, motion blur)
  // does not split an appearance; kphotoalbum's movie.avi needs it at the
  // default threshold (Jesper is missed in 2 consecutive samples there).
  int max_gap = 2;
};

// One target matched in one sampled frame (the best face of that target).
struct FrameHit {
  std::string target;
  float score = 0;
  float distance = 0;
  Box box;
  cv::Mat crop;           // the face as the matcher saw it (for evidence); may be empty
  Descriptor descriptor;  // faces: the matched face's descriptor (for `target learn`)
};

// An appearance plus the pixels evidence is drawn from.
struct AppearanceEvidence {
  Appearance appearance;
  cv::Mat best_frame;  // the sampled frame with the best score (BGR)
  cv::Mat best_crop;
  Descriptor best_descriptor;           // faces: of the best frame's face
  std::vector<Descriptor> descriptors;  // faces: of every matched frame's face
};

// One target's hits over a run of sampled frames decided together: a face
// track that matched (scan/face_tracks.h).  Gaps inside it do not split it.
struct HitSpan {
  std::int64_t first_index = 0, last_index = 0;
  double first_time = 0, last_time = 0;
  int frames = 0;  // sampled frames of the run its face was seen on
  FrameHit best;   // best.target: the target
  double best_time = 0;
  cv::Mat best_frame;  // may be empty
  std::vector<Descriptor> descriptors;
  // The track's figures (Appearance::matched_frames, template_*).
  int matched_frames = 0;
  float template_score = 0, template_distance = 0;
};

class AppearanceAggregator {
 public:
  // sample_period: seconds between sampled frames.  keep_pixels: hold the
  // best frame of each open appearance (for evidence).
  AppearanceAggregator(AggregationOptions options, double sample_period, bool keep_pixels);

  // Feed sampled frames in order: the frame's index among sampled frames,
  // its time, its hits (at most one per target), and the frame (only read
  // when a hit improves an appearance's best and keep_pixels is set).
  void add_frame(std::int64_t sample_index, double time, const std::vector<FrameHit>& hits,
                 const cv::Mat& frame);
  // A run of hits decided together, in any order with respect to
  // add_frame (a track is decided when it ends).  Runs and frame hits of
  // one target that are within max_gap of each other become one appearance.
  void add_span(HitSpan span);
  // True once an appearance has the hits it needs to be reported (min_frames):
  // what an alert-only scan (--first-hit) waits for.
  bool has_confirmed() const;
  // Closes every open appearance; duration clips the ends (<= 0: no clip).
  std::vector<AppearanceEvidence> finish(double duration);

 private:
  // An appearance being built, or a piece of one (before finish() merges
  // the pieces of a target that are close in time).
  struct Open {
    AppearanceEvidence evidence;
    std::int64_t first_hit_index = 0, last_hit_index = 0;
    double last_hit_time = 0;
  };
  bool enough(const Open& open) const;

  AggregationOptions options_;
  double sample_period_;
  bool keep_pixels_;
  std::map<std::string, Open> open_;
  std::vector<Open> pieces_;  // closed runs of frame hits, and spans
};

}  // namespace tw::scan
