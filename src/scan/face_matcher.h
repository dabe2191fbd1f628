#pragma once
// Matching face descriptors against the face targets' galleries.
#include <optional>
#include <string>
#include <vector>

#include "core/types.h"
#include "targets/target.h"

namespace tw::scan {

struct FaceMatch {
  std::size_t target_index = 0;  // into the matcher's targets
  float distance = 0;            // min distance to the target's descriptors
  float score = 0;               // targets::face_match_score(distance, threshold)
};

class FaceMatcher {
 public:
  // threshold_override: replaces every target's own threshold when set.
  FaceMatcher(std::vector<targets::Target> face_targets, std::optional<float> threshold_override);

  const std::vector<targets::Target>& targets() const { return targets_; }
  float threshold_of(std::size_t target_index) const;
  // The closest target whose threshold the descriptor is within, if any.  A
  // face is one person: it is given to its nearest matching target only.
  std::optional<FaceMatch> match(const Descriptor& descriptor) const;
  // Min distance from the descriptor to one target's descriptors.
  float distance_to(std::size_t target_index, const Descriptor& descriptor) const;
  // True when the descriptor is closer to one of the target's dismissed
  // false matches than to the target itself.
  bool closer_to_a_negative(std::size_t target_index, const Descriptor& descriptor,
                            float distance_to_target) const;

 private:
  std::vector<targets::Target> targets_;
  std::optional<float> threshold_override_;
};

}  // namespace tw::scan
