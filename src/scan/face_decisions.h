#pragma once
// Where a face is decided on the optimized path (docs/DESIGN.md, "Speed"):
// which descriptor each detected face gets, and how sure its decisions are.
//  - a face its track continues re-uses the track's descriptor
//    (scan/face_tracker.h);
//  - the others are described on the box the smaller detector input
//    proposed, and those whose decision may differ on the reference path's
//    box (a match that is not clear-cut, a near miss, about the smallest
//    matched size) are re-detected at the reference scale and described
//    again (confirmed); one the reference scale does not see is dropped;
//  - each face is then settled (its descriptor may be re-used) or not, and
//    the targets it left in doubt are noted for the frame schedule
//    (scan/hold_back.h).
// The hit itself is the match stage's (scan/target_matchers.h): each face
// goes to its nearest target within that target's threshold.
#include <opencv2/core.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "core/types.h"
#include "scan/face_describer.h"
#include "scan/face_finder.h"
#include "scan/face_tracker.h"
#include "scan/target_matchers.h"

namespace tw::scan {

// A face that matches a target by this much or more on the box the smaller
// input drew is reported on that box, without the reference scale's
// confirmation.  Over the bench clips, the smaller input's box moved the
// distance by at most 0.078 from the reference box's; and of 213 faces
// proposed matching by 0.1 or more, 2 were not faces at the reference scale
// (both by less than 0.12: a cartoon face near Jesper), none of those by 0.15.
inline constexpr float kClearMatchMargin = 0.15f;

// A face found at a smaller input than the reference's may be this much
// narrower (or wider) there than the reference path's box for it.
inline constexpr float kRefinedSizeSlack = 1.5f;

// How one face's descriptor stands against each face target: its distance
// minus the target's threshold (negative: a match), and the rules read off
// those gaps.  `margin` is the tracker's unsettled_margin.
class TargetGaps {
 public:
  // names[t]: face target t's name (outlives this).
  TargetGaps(std::vector<float> gaps, std::span<const std::string> names);
  static TargetGaps of(const FaceMatcher& matcher, const Descriptor& descriptor,
                       std::span<const std::string> names);

  // No target's threshold within `margin` (a re-used copy then gives the
  // same decisions).
  bool clear_cut(float margin) const;
  // Further than `margin` beyond every target's threshold.
  bool clearly_no_match(float margin) const;
  // A match by kClearMatchMargin or more, and no threshold within `margin`:
  // the reference path decides the same on its own box.
  bool clearly_matches(float margin) const;
  // The decision on the smaller input's box may not be the reference's: a
  // match that is not clear, or a near miss.
  bool needs_reference_box(float margin) const;
  // Whether a face described on the smaller input's box is re-detected at
  // the reference scale: when its decision may differ there, or, with
  // `approximate`, only when it would be a hit that is not clear-cut (a
  // near miss stays a miss).
  bool confirmation_needed(float margin, bool approximate) const;
  // The targets it matches or lies within `margin` of (beyond: it stays on
  // its side).
  std::vector<std::string> matched_or_near(float margin) const;
  // The targets within `margin` of their threshold.
  std::vector<std::string> near(float margin) const;

 private:
  std::vector<float> gaps_;
  std::span<const std::string> names_;
};

class FaceDecider {
 public:
  // min_face_px: faces narrower than this are not matched (ScanOptions).
  FaceDecider(const TargetMatchers& matchers, FaceFinder& finder, FaceDescriber& describer,
              float min_face_px, bool approximate);

  // One frame's work beyond its faces: stage seconds, faces embedded and
  // confirmed, and the targets a face on it left undecided
  // (AnalysedFrame::unsettled).
  struct Work {
    explicit Work(StageTimings& stage_timings) : timings(stage_timings) {}
    StageTimings& timings;
    std::int64_t embedded = 0;
    std::int64_t confirmed = 0;
    std::set<std::string> unsettled;
  };

  // The faces of `detected` (one frame, detection order) with their
  // descriptors; faces left without one (too small, not confirmed, not
  // landmarked) are left out.  proposals: the boxes came from an input
  // smaller than the reference's, so faces that may match are confirmed at
  // the reference scale.  The tracker is updated with this frame's faces
  // (their detected boxes, so that frames compare like with like).
  std::vector<DescribedFace> decide(const cv::Mat& frame, const std::vector<Box>& detected,
                                    FaceTracker& tracker, bool proposals, Work& work);

 private:
  std::optional<Box> confirm(const cv::Mat& frame, const Box& proposed,
                             const std::vector<std::string>& may_match, Work& work);
  std::vector<DescribedFace> confirm_possible_matches(const cv::Mat& frame,
                                                      std::vector<DescribedFace> described,
                                                      float margin, Work& work);
  TargetGaps gaps_of(const Descriptor& descriptor) const;

  const TargetMatchers& matchers_;
  FaceFinder& finder_;
  FaceDescriber& describer_;
  float min_face_px_;
  bool approximate_;
};

}  // namespace tw::scan
