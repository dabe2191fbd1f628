#pragma once
// The optimized scan path analyses only every other changing frame; the one
// between (held back) is analysed only when the frames on its two sides
// leave doubt.  This is the rule for that doubt, apart from the scanner's
// bookkeeping so that it can be tested on its own.
#include <cstdint>
#include <vector>

#include "scan/aggregate.h"

namespace tw::scan {

// What the scanner knows of an analysed frame.
struct AnalysedFrame {
  std::vector<FrameHit> hits;
  // A face on it matched or missed by less than the tracker's margin, moved
  // while near a match, or may match but was not confirmed at the reference
  // scale: its decision may flip from one sampled frame to the next.
  bool unsettled = false;
};

// True when the held frame between `before` and `after` may take before's
// hits without being analysed: both hit the same targets, both are settled,
// and, when neither hit anything, no appearance may still be open (the last
// hit was more than max_gap + 1 sampled frames before the held one), since a
// hit on the held frame would extend it or bridge a gap.
bool held_frame_takes_earlier_hits(const AnalysedFrame& before, const AnalysedFrame& after,
                                   std::int64_t held_index, std::int64_t last_hit_index,
                                   int max_gap);

}  // namespace tw::scan
