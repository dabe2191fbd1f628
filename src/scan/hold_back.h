#pragma once
// The optimized scan path analyses only every other changing frame; the one
// between (held back) is analysed only when the frames on its two sides
// leave doubt.  This is the rule for that doubt, apart from the scanner's
// bookkeeping so that it can be tested on its own.
//
// The doubt is judged target by target, on what the aggregator makes of
// hits (scan/aggregate.h): a target hit on both sides keeps one appearance
// across the held frame whatever it shows there (when max_gap >= 1), so
// only the ends of appearances and the frames that might start or extend
// one need the held frame's own decision.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "scan/aggregate.h"

namespace tw::scan {

// What the scanner knows of an analysed frame.
struct AnalysedFrame {
  std::vector<FrameHit> hits;
  // The targets whose decision on this frame may flip from one sampled
  // frame to the next: a face on it matched or missed them by less than the
  // tracker's margin, moved while near a match, or may match but was not
  // confirmed at the reference scale.
  std::set<std::string> unsettled;
};

// The index of the last sampled frame on which each target hit.
using LastHits = std::map<std::string, std::int64_t>;

// True when the held frame between `before` and `after` may take before's
// hits without being analysed.  For every target, either both sides hit it
// (and a miss between them would not split the appearance, or neither side
// is unsettled about it), or neither does, neither is unsettled about it,
// and no appearance of it may still be open (its last hit was more than
// max_gap + 1 sampled frames before the held one), since a hit on the held
// frame would extend it or bridge a gap.
bool held_frame_takes_earlier_hits(const AnalysedFrame& before, const AnalysedFrame& after,
                                   std::int64_t held_index, const LastHits& last_hit, int max_gap);

}  // namespace tw::scan
