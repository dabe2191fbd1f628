#include "scan/face_decisions.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace tw::scan {

TargetGaps::TargetGaps(std::vector<float> gaps, std::span<const std::string> names)
    : gaps_(std::move(gaps)), names_(names) {}

TargetGaps TargetGaps::of(const FaceMatcher& matcher, const Descriptor& descriptor,
                          std::span<const std::string> names) {
  std::vector<float> gaps;
  for (std::size_t t = 0; t < matcher.targets().size(); ++t)
    gaps.push_back(matcher.distance_to(t, descriptor) - matcher.threshold_of(t));
  return TargetGaps(std::move(gaps), names);
}

bool TargetGaps::clear_cut(float margin) const {
  return std::all_of(gaps_.begin(), gaps_.end(), [&](float g) { return std::abs(g) >= margin; });
}

bool TargetGaps::clearly_no_match(float margin) const {
  return std::all_of(gaps_.begin(), gaps_.end(), [&](float g) { return g >= margin; });
}

bool TargetGaps::clearly_matches(float margin) const {
  return clear_cut(margin) &&
         std::any_of(gaps_.begin(), gaps_.end(), [](float g) { return g <= -kClearMatchMargin; });
}

bool TargetGaps::needs_reference_box(float margin) const {
  return !clearly_no_match(margin) && !clearly_matches(margin);
}

bool TargetGaps::confirmation_needed(float margin, bool approximate) const {
  if (!approximate) return needs_reference_box(margin);
  const bool hit = std::any_of(gaps_.begin(), gaps_.end(), [](float g) { return g < 0; });
  return hit && !clearly_matches(margin);
}

std::vector<std::string> TargetGaps::matched_or_near(float margin) const {
  std::vector<std::string> out;
  for (std::size_t t = 0; t < gaps_.size() && t < names_.size(); ++t)
    if (gaps_[t] < margin) out.push_back(names_[t]);
  return out;
}

std::vector<std::string> TargetGaps::near(float margin) const {
  std::vector<std::string> out;
  for (std::size_t t = 0; t < gaps_.size() && t < names_.size(); ++t)
    if (std::abs(gaps_[t]) < margin) out.push_back(names_[t]);
  return out;
}

FaceDecider::FaceDecider(const TargetMatchers& matchers, FaceFinder& finder,
                         FaceDescriber& describer, float min_face_px, bool approximate)
    : matchers_(matchers),
      finder_(finder),
      describer_(describer),
      min_face_px_(min_face_px),
      approximate_(approximate) {}

TargetGaps FaceDecider::gaps_of(const Descriptor& descriptor) const {
  return TargetGaps::of(matchers_.faces(), descriptor, matchers_.face_target_names());
}

// The reference path's box for a face proposed at `proposed`, when the
// reference scale confirms it at a matchable size.  A face that is not
// confirmed leaves `may_match` (the face targets it may match) and the
// classifiers unsettled on the frame: seen, then not, it may flicker from
// frame to frame on the reference path too.
std::optional<Box> FaceDecider::confirm(const cv::Mat& frame, const Box& proposed,
                                        const std::vector<std::string>& may_match, Work& work) {
  ++work.confirmed;
  std::optional<Box> box = finder_.reference_box(frame, proposed, work.timings);
  if (box && box->width >= min_face_px_) return box;
  work.unsettled.insert(may_match.begin(), may_match.end());
  const auto& classifiers = matchers_.classifier_names();
  work.unsettled.insert(classifiers.begin(), classifiers.end());
  return std::nullopt;
}

// The faces of `described` whose decision needs the reference's box (or
// that are about the smallest matched size), confirmed at that box and
// described again; those the reference scale does not see as faces are
// dropped.  (A box from the smaller input can frame a face differently
// enough to match where the reference's does not.)  Order is kept.
std::vector<DescribedFace> FaceDecider::confirm_possible_matches(
    const cv::Mat& frame, std::vector<DescribedFace> described, float margin, Work& work) {
  std::vector<Box> reference_boxes;
  std::vector<std::size_t> replaces;  // reference_boxes[j] is for described[replaces[j]]
  std::vector<bool> keep(described.size(), true);
  for (std::size_t k = 0; k < described.size(); ++k) {
    const DescribedFace& face = described[k];
    if (face.at_reference) continue;
    const TargetGaps gaps = gaps_of(face.descriptor);
    // Classifier heads have no margin to check; faces of about the
    // smallest matched size are kept or not by the reference's box.
    const bool decided = !gaps.confirmation_needed(margin, approximate_) &&
                         !matchers_.classifiers_want_faces() &&
                         face.box.width >= kRefinedSizeSlack * min_face_px_;
    if (decided) continue;
    keep[k] = false;
    work.embedded += 1;  // the proposal's description was spent
    std::optional<Box> confirmed = confirm(frame, face.box, gaps.matched_or_near(margin), work);
    if (!confirmed) continue;
    reference_boxes.push_back(*confirmed);
    replaces.push_back(k);
  }
  if (std::all_of(keep.begin(), keep.end(), [](bool k) { return k; })) return described;
  std::vector<std::optional<DescribedFace>> replacement(described.size());
  for (DescribedFace& again : describer_.describe(frame, reference_boxes, work.timings)) {
    const std::size_t k = replaces[again.input];
    again.input = described[k].input;
    again.at_reference = true;
    replacement[k] = std::move(again);
  }
  std::vector<DescribedFace> out;
  for (std::size_t k = 0; k < described.size(); ++k) {
    if (keep[k])
      out.push_back(std::move(described[k]));
    else if (replacement[k])
      out.push_back(std::move(*replacement[k]));
  }
  return out;
}

std::vector<DescribedFace> FaceDecider::decide(const cv::Mat& frame,
                                               const std::vector<Box>& detected,
                                               FaceTracker& tracker, bool proposals, Work& work) {
  const TrackingOptions& tracking = tracker.options();
  const float margin = tracking.unsettled_margin;
  std::vector<cv::Mat> patches;
  for (const Box& b : detected) patches.push_back(face_patch(frame, b));
  const std::vector<int> track_of = tracker.continued(detected, patches);

  // Faces no track continues are described, in one batch.
  std::vector<Box> fresh_boxes;
  std::vector<std::size_t> fresh_of;  // fresh_boxes[k] is for detected[fresh_of[k]]
  std::vector<bool> fresh_at_reference;
  for (std::size_t i = 0; i < detected.size(); ++i) {
    if (track_of[i] >= 0) continue;
    // Boxes found at a smaller input are tighter than the reference's.
    if (detected[i].width * (proposals ? kRefinedSizeSlack : 1.f) < min_face_px_) continue;
    if (proposals && !approximate_ && tracker.may_match_at(detected[i])) {
      // Close to a match on the last analysed frame, so most likely
      // confirmed now too: straight to the reference's box.  Not described
      // yet: any face target.
      std::optional<Box> confirmed =
          confirm(frame, detected[i], matchers_.face_target_names(), work);
      if (!confirmed) continue;
      fresh_boxes.push_back(*confirmed);
      fresh_at_reference.push_back(true);
    } else {
      fresh_boxes.push_back(detected[i]);
      fresh_at_reference.push_back(!proposals);
    }
    fresh_of.push_back(i);
  }
  std::vector<DescribedFace> fresh = describer_.describe(frame, fresh_boxes, work.timings);
  for (DescribedFace& face : fresh) face.at_reference = fresh_at_reference[face.input];
  if (proposals) fresh = confirm_possible_matches(frame, std::move(fresh), margin, work);
  work.embedded += static_cast<std::int64_t>(fresh.size());

  // Every face's description, in detection order: fresh, or its track's.
  std::vector<std::optional<DescribedFace>> described(detected.size());
  for (DescribedFace& face : fresh) {
    face.input = fresh_of[face.input];
    described[face.input] = std::move(face);
  }
  for (std::size_t i = 0; i < detected.size(); ++i)
    if (track_of[i] >= 0 && detected[i].width >= min_face_px_)
      described[i] = DescribedFace{detected[i], tracker.descriptor(track_of[i]), i, !proposals};

  std::vector<DescribedFace> out;
  std::vector<Box> kept_boxes;
  std::vector<cv::Mat> kept_patches;
  std::vector<Descriptor> kept_descriptors;
  std::vector<int> kept_tracks;
  std::vector<bool> settled, may_match;
  for (std::size_t i = 0; i < detected.size(); ++i) {
    if (!described[i]) continue;
    DescribedFace& face = *described[i];
    const bool tracked = track_of[i] >= 0;
    const TargetGaps gaps = gaps_of(face.descriptor);
    // A continued track was settled when its descriptor was made.  With
    // `approximate`, every face keeps its descriptor while tracked.
    settled.push_back(approximate_ || tracked || gaps.clear_cut(margin) ||
                      (face.at_reference && gaps.clear_cut(tracking.still_face_margin)));
    may_match.push_back(!approximate_ && gaps.needs_reference_box(margin));
    // A face near a match that moves is described afresh on every analysed
    // frame, and its decisions can flip between sampled frames.
    std::vector<std::string> open;
    if (may_match.back() && !tracked)
      open = gaps.matched_or_near(margin);
    else if (!settled.back())
      open = gaps.near(margin);
    work.unsettled.insert(open.begin(), open.end());
    kept_boxes.push_back(detected[i]);
    kept_patches.push_back(patches[i]);
    kept_descriptors.push_back(face.descriptor);
    kept_tracks.push_back(track_of[i]);
    out.push_back(std::move(face));
  }
  tracker.update(kept_boxes, kept_patches, kept_descriptors, kept_tracks, settled, may_match);
  return out;
}

}  // namespace tw::scan
