#include "scan/face_matcher.h"

#include <limits>

#include "targets/threshold.h"
#include "vision/face_embedder.h"

namespace tw::scan {

FaceMatcher::FaceMatcher(std::vector<targets::Target> face_targets,
                         std::optional<float> threshold_override)
    : targets_(std::move(face_targets)), threshold_override_(threshold_override) {}

float FaceMatcher::threshold_of(std::size_t target_index) const {
  return threshold_override_.value_or(targets_[target_index].threshold);
}

float FaceMatcher::distance_to(std::size_t target_index, const Descriptor& descriptor) const {
  float best = std::numeric_limits<float>::infinity();
  for (const auto& reference : targets_[target_index].descriptors)
    best = std::min(best, vision::descriptor_distance(descriptor, reference));
  return best;
}

bool FaceMatcher::closer_to_a_negative(std::size_t target_index, const Descriptor& descriptor,
                                       float distance_to_target) const {
  for (const auto& negative : targets_[target_index].negatives)
    if (vision::descriptor_distance(descriptor, negative) < distance_to_target) return true;
  return false;
}

std::optional<FaceMatch> FaceMatcher::match(const Descriptor& descriptor) const {
  std::optional<FaceMatch> best;
  for (std::size_t i = 0; i < targets_.size(); ++i) {
    float d = distance_to(i, descriptor);
    float threshold = threshold_of(i);
    if (d > threshold) continue;
    if (closer_to_a_negative(i, descriptor, d)) continue;
    if (!best || d < best->distance)
      best = FaceMatch{i, d, targets::face_match_score(d, threshold)};
  }
  return best;
}

}  // namespace tw::scan
