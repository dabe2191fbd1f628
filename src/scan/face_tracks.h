#pragma once
// The face track stage (issue 21): faces followed across sampled frames,
// each whole track decided against the face targets, instead of each frame
// alone.
//
// Frame by frame, a face's distance to its target wanders around the
// threshold (pose, blur, compression), so per-frame decisions split one
// appearance into pieces and let one unlucky frame of a stranger through.
// A track pools its frames: its template is the quality-weighted mean of
// its unit descriptors (scan/face_describer.h: FaceQuality), and it matches
// a target when both the template and its best frames are close enough
// (TrackRule; thresholds calibrated in docs/threshold.md).  A matched track
// is one span of hits from its first to its last frame, gaps included; the
// aggregator (scan/aggregate.h) still merges spans of one target that are
// close in time.
//
// Identity: a face continues the track whose last box it overlaps (or lies
// next to, after a missed frame), unless its descriptor is far from the
// track's last one (another person at the same place: a cut).  A track not
// seen for `max_missed` sampled frames ends and is decided.  Frames whose
// faces were re-used from an earlier analysed frame (the scene gate, held
// frames) extend the tracks without adding samples.
//
// Look-back: the optimized path's detector input misses faces it should
// find as they enter (a small or blurred face is found only once it is
// well in view), so a track would start late.  A track whose first face
// may match a target looks again, more closely (look_back_with), at the
// few sampled frames before its first, and starts at the earliest one on
// which the same face is found.  Those faces only move its start: they are
// not samples, so the decision is the one the track would have had anyway.
#include <opencv2/core.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/types.h"
#include "scan/aggregate.h"
#include "scan/face_describer.h"
#include "scan/face_matcher.h"
#include "scan/scan_options.h"

namespace tw::scan {

// One face of a track, as sampled.
struct TrackSample {
  std::int64_t index = 0;  // sampled frame
  double time = 0;
  Box box;
  Descriptor descriptor;
  FaceQuality quality;
};

// A whole track against one target.
struct TrackScore {
  float template_distance = 0;
  float best_frames_distance = 0;  // mean of the best frames' distances
  std::size_t best_sample = 0;     // the sample closest to the target
  int matched_frames = 0;          // samples within the threshold on their own
  std::vector<float> distances;    // each sample's own distance, in sample order
  bool matches = false;            // the rule's decision
};

// The quality-weighted mean of the samples' unit descriptors, as a unit
// vector (empty when no sample has a descriptor).
Descriptor track_template(std::span<const TrackSample> samples);

// The samples of one track against target `target` of `matcher`.
TrackScore score_track(const FaceMatcher& matcher, std::size_t target,
                       std::span<const TrackSample> samples, const Descriptor& track_template,
                       const TrackRule& rule);

// A decided track, matched or not: its samples (described faces), the
// sampled frames it was seen on, and its score against each face target.
struct DecidedTrack {
  int samples = 0, frames = 0;
  double first_time = 0, last_time = 0;
  Box first_box;                   // where it was first seen
  std::vector<TrackScore> scores;  // per face target
};

// A track that matched: its hits for the aggregator, and its score.
struct TrackOutcome {
  HitSpan span;  // span.best.target: the target
  TrackScore score;
};

class FaceTracks {
 public:
  // names[t]: face target t's name.  keep_pixels: hold each track's best
  // frame per target, for evidence.
  FaceTracks(const FaceMatcher& matcher, std::vector<std::string> names, FaceTrackOptions options,
             bool keep_pixels);

  // The faces found, and described, by looking closely at the window of an
  // earlier sampled frame around `near` (frame pixels).
  using LookAgain =
      std::function<std::vector<DescribedFace>(const cv::Mat& frame, const Box& near)>;
  // From now on, a track that begins within options.look_back_reach of a
  // target looks back with `look_again` over the options.look_back sampled
  // frames before it.  The frames given to add_frame are then held (not
  // copied) for that long: their pixels must not be overwritten meanwhile.
  void look_back_with(LookAgain look_again);

  // One sampled frame's faces, in sample order.  reused: the faces are an
  // earlier frame's, not looked at again (they extend their tracks only).
  void add_frame(std::int64_t index, double time, const std::vector<DescribedFace>& faces,
                 bool reused, const cv::Mat& frame);
  // Tracks that ended and matched a target since the last call.
  std::vector<TrackOutcome> take_decided();
  // Some open track of `min_frames` frames or more matches a target as it
  // stands (what an alert-only scan waits for).
  bool has_open_match(int min_frames) const;
  // Ends every track (the video's end).
  void finish();

  // Every decided track, matched or not (for calibration).
  const std::vector<DecidedTrack>& history() const { return history_; }

 private:
  struct Best {
    float distance = 1e9f;
    FrameHit hit;
    double time = 0;
    cv::Mat frame;
  };
  struct Track {
    std::vector<TrackSample> samples;
    Box first_box, last_box;
    Descriptor last_descriptor;
    std::int64_t first_index = 0, last_index = 0;
    double first_time = 0, last_time = 0;
    int frames = 0;
    std::vector<Best> best;  // per target
  };

  // An earlier sampled frame, for look-back.
  struct Earlier {
    std::int64_t index = 0;
    double time = 0;
    cv::Mat frame;
  };

  // How well `face` continues a track last seen at `box` with `descriptor`
  // (higher is better); nullopt when it cannot be the same face.
  std::optional<float> fit(const DescribedFace& face, const Box& box,
                           const Descriptor& descriptor) const;
  int continued_by(const DescribedFace& face, const std::vector<bool>& taken) const;
  bool may_match(const Descriptor& descriptor) const;
  void look_back(Track& track);
  void sample(Track& track, std::int64_t index, double time, const DescribedFace& face,
              const cv::Mat& frame);
  std::optional<TrackOutcome> decide(Track& track);
  void end(Track& track);

  const FaceMatcher& matcher_;
  std::vector<std::string> names_;
  FaceTrackOptions options_;
  bool keep_pixels_;
  std::vector<Track> open_;
  LookAgain look_again_;
  std::deque<Earlier> earlier_;  // the last look_back sampled frames, oldest first
  std::vector<TrackOutcome> decided_;
  std::vector<DecidedTrack> history_;
};

}  // namespace tw::scan
