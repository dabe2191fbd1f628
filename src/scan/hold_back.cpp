#include "scan/hold_back.h"

namespace tw::scan {

namespace {

std::set<std::string> targets_of(const std::vector<FrameHit>& hits) {
  std::set<std::string> out;
  for (const auto& h : hits) out.insert(h.target);
  return out;
}

}  // namespace

bool held_frame_takes_earlier_hits(const AnalysedFrame& before, const AnalysedFrame& after,
                                   std::int64_t held_index, const LastHits& last_hit, int max_gap) {
  const std::set<std::string> hit_before = targets_of(before.hits);
  const std::set<std::string> hit_after = targets_of(after.hits);
  if (hit_before != hit_after) return false;  // an appearance may start or end there
  // The held frame's own decision matters for a target it might decide
  // otherwise than both its neighbours.
  auto may_flip_there = [&](const std::string& target) {
    const bool unsettled = before.unsettled.count(target) || after.unsettled.count(target);
    // Hit on both sides: a miss between them is a gap the aggregator
    // bridges, unless it bridges none.
    if (hit_before.count(target)) return unsettled && max_gap < 1;
    if (unsettled) return true;
    auto last = last_hit.find(target);
    return last != last_hit.end() && held_index - last->second <= max_gap + 1;
  };
  for (const auto& target : before.unsettled)
    if (may_flip_there(target)) return false;
  for (const auto& target : after.unsettled)
    if (may_flip_there(target)) return false;
  for (const auto& [target, index] : last_hit)
    if (may_flip_there(target)) return false;
  return true;
}

}  // namespace tw::scan
