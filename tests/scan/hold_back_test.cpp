// When a held-back frame may take the hits of the analysed frame before it.
#include <gtest/gtest.h>

#include "scan/hold_back.h"

namespace tw {
namespace {

using scan::AnalysedFrame;
using scan::held_frame_takes_earlier_hits;

AnalysedFrame hitting(std::vector<std::string> targets, bool unsettled = false) {
  AnalysedFrame frame;
  for (auto& t : targets) frame.hits.push_back({t, 0.9f, 0.1f, {}, {}, {}});
  frame.unsettled = unsettled;
  return frame;
}

constexpr int kMaxGap = 2;
constexpr std::int64_t kNoHitYet = -1000;

TEST(HoldBack, NeighboursThatAgreeAndAreSettledLendTheirHits) {
  EXPECT_TRUE(held_frame_takes_earlier_hits(hitting({}), hitting({}), 10, kNoHitYet, kMaxGap));
  EXPECT_TRUE(held_frame_takes_earlier_hits(hitting({"anne", "jesper"}),
                                            hitting({"jesper", "anne"}), 10, 9, kMaxGap))
      << "the same targets in another order; a hit right before does not matter";
}

TEST(HoldBack, DifferentTargetsOrAnUnsettledSideMeanAnalysingIt) {
  EXPECT_FALSE(held_frame_takes_earlier_hits(hitting({"anne"}), hitting({}), 10, 9, kMaxGap))
      << "an appearance may end on the held frame";
  EXPECT_FALSE(
      held_frame_takes_earlier_hits(hitting({}), hitting({"anne"}), 10, kNoHitYet, kMaxGap))
      << "or start on it";
  EXPECT_FALSE(
      held_frame_takes_earlier_hits(hitting({"anne"}), hitting({"jesper"}), 10, 9, kMaxGap));
  EXPECT_FALSE(
      held_frame_takes_earlier_hits(hitting({"anne"}, true), hitting({"anne"}), 10, 9, kMaxGap));
  EXPECT_FALSE(
      held_frame_takes_earlier_hits(hitting({}), hitting({}, true), 10, kNoHitYet, kMaxGap));
}

// No hit on either side, but one max_gap + 1 frames before the held frame:
// a hit on the held frame would keep that appearance going (the
// aggregator joins hits up to max_gap missed frames apart).
TEST(HoldBack, AnAppearanceThatMayStillBeOpenMeansAnalysingIt) {
  EXPECT_FALSE(held_frame_takes_earlier_hits(hitting({}), hitting({}), 10, 7, kMaxGap));
  EXPECT_TRUE(held_frame_takes_earlier_hits(hitting({}), hitting({}), 10, 6, kMaxGap));
  EXPECT_FALSE(held_frame_takes_earlier_hits(hitting({}), hitting({}), 10, 9, 0));
  EXPECT_TRUE(held_frame_takes_earlier_hits(hitting({}), hitting({}), 10, 8, 0));
}

}  // namespace
}  // namespace tw
