#pragma once
// Face tracking across analysed frames, so that a face that stays on screen
// is not re-landmarked and re-embedded on every sampled frame.  A detected
// face re-uses the descriptor of a face in the previous analysed frame when
// their boxes overlap (IoU) and a cheap look at the pixels agrees (a 16x16
// grayscale patch of the box); a re-used descriptor is refreshed after
// `recheck_every` analysed frames, and every track is dropped at a cut.
#include <opencv2/core.hpp>

#include <vector>

#include "core/types.h"

namespace tw::scan {

struct TrackingOptions {
  bool enabled = true;
  float min_iou = 0.5f;
  // Mean absolute gray-level difference (0-255) between the two faces'
  // patches; a different face at the same place differs by far more.
  float max_patch_change = 12.f;
  // A face that may match (matched without a clear margin, or came close)
  // re-uses its descriptor only while it stays put: a moving face's
  // descriptor, and so its decisions, change from frame to frame.
  float min_iou_may_match = 0.9f;
  int recheck_every = 5;  // analysed frames a descriptor may be re-used for
  // A descriptor whose distance to a face target lies within this of the
  // target's threshold is not re-used: there the reference path's frame by
  // frame decisions flip with small changes, and a re-used descriptor would
  // repeat one of them.
  float unsettled_margin = 0.1f;
  // ...except one described on the reference path's own box, beyond this
  // margin, while the face stays put (min_iou_may_match): a still face over
  // moving footage kept its reference box within a pixel and its distance
  // within 0.03 over 5 s of the bench clips (compression noise).
  float still_face_margin = 0.04f;
};

// A face's look for the tracker's cheap check.
cv::Mat face_patch(const cv::Mat& bgr, const Box& box);

class FaceTracker {
 public:
  explicit FaceTracker(TrackingOptions options) : options_(options) {}

  // For each box of the current frame (patches[i] from face_patch): the
  // track it continues, whose descriptor may be re-used, or -1 when the face
  // must be embedded.  Each track is continued by at most one box.
  std::vector<int> continued(const std::vector<Box>& boxes,
                             const std::vector<cv::Mat>& patches) const;
  const Descriptor& descriptor(int track) const { return tracks_.at(track).descriptor; }
  // True when `box` overlaps (min_iou) a face of the last analysed frame
  // flagged by update()'s may_match.
  bool may_match_at(const Box& box) const;
  // The faces of the frame just analysed become the tracks; track_of[i] is
  // what continued() said for face i (-1: freshly embedded); settled[i]:
  // descriptor i may be re-used (its matches are clear-cut); may_match[i]
  // (optional): face i matched a target without a clear margin, or came
  // close (the scanner's judgement).
  void update(const std::vector<Box>& boxes, const std::vector<cv::Mat>& patches,
              const std::vector<Descriptor>& descriptors, const std::vector<int>& track_of,
              const std::vector<bool>& settled, const std::vector<bool>& may_match = {});
  const TrackingOptions& options() const { return options_; }
  void clear() { tracks_.clear(); }

 private:
  struct Track {
    Box box;
    cv::Mat patch;
    Descriptor descriptor;
    int age = 0;  // analysed frames since the descriptor was computed
    bool settled = true;
    bool may_match = false;
  };
  TrackingOptions options_;
  std::vector<Track> tracks_;
};

}  // namespace tw::scan
