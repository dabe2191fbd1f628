#include "scan/hold_back.h"

#include <algorithm>
#include <string>

namespace tw::scan {

namespace {

std::vector<std::string> targets_of(const std::vector<FrameHit>& hits) {
  std::vector<std::string> out;
  for (const auto& h : hits) out.push_back(h.target);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

bool held_frame_takes_earlier_hits(const AnalysedFrame& before, const AnalysedFrame& after,
                                   std::int64_t held_index, std::int64_t last_hit_index,
                                   int max_gap) {
  if (before.unsettled || after.unsettled) return false;
  if (targets_of(before.hits) != targets_of(after.hits)) return false;
  const bool may_be_open = held_index - last_hit_index <= max_gap + 1;
  return !(after.hits.empty() && may_be_open);
}

}  // namespace tw::scan
