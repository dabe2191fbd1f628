#include "targets/threshold.h"

#include <algorithm>

namespace tw::targets {

float face_match_score(float distance, float threshold) {
  if (!(threshold > 0)) return 0.f;
  return std::clamp(1.f - distance / (2.f * threshold), 0.f, 1.f);
}

}  // namespace tw::targets
