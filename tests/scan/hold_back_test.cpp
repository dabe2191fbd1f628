// When a held-back frame may take the hits of the analysed frame before it.
#include <gtest/gtest.h>

#include "scan/hold_back.h"

namespace tw {
namespace {

using scan::AnalysedFrame;
using scan::held_frame_takes_earlier_hits;
using scan::LastHits;

AnalysedFrame hitting(std::vector<std::string> targets, std::set<std::string> unsettled = {}) {
  AnalysedFrame frame;
  for (auto& t : targets) frame.hits.push_back({t, 0.9f, 0.1f, {}, {}, {}});
  frame.unsettled = std::move(unsettled);
  return frame;
}

constexpr int kMaxGap = 2;
const LastHits kNoHitYet;

TEST(HoldBack, NeighboursThatAgreeAndAreSettledLendTheirHits) {
  EXPECT_TRUE(held_frame_takes_earlier_hits(hitting({}), hitting({}), 10, kNoHitYet, kMaxGap));
  EXPECT_TRUE(held_frame_takes_earlier_hits(hitting({"anne", "jesper"}),
                                            hitting({"jesper", "anne"}), 10,
                                            {{"anne", 9}, {"jesper", 9}}, kMaxGap))
      << "the same targets in another order; a hit right before does not matter";
}

TEST(HoldBack, DifferentTargetsOrAnUnsettledMissMeanAnalysingIt) {
  EXPECT_FALSE(
      held_frame_takes_earlier_hits(hitting({"anne"}), hitting({}), 10, {{"anne", 9}}, kMaxGap))
      << "an appearance may end on the held frame";
  EXPECT_FALSE(
      held_frame_takes_earlier_hits(hitting({}), hitting({"anne"}), 10, kNoHitYet, kMaxGap))
      << "or start on it";
  EXPECT_FALSE(held_frame_takes_earlier_hits(hitting({"anne"}), hitting({"jesper"}), 10,
                                             {{"anne", 9}}, kMaxGap));
  EXPECT_FALSE(
      held_frame_takes_earlier_hits(hitting({}), hitting({}, {"anne"}), 10, kNoHitYet, kMaxGap))
      << "a face near Anne's threshold might match her on the held frame alone";
  EXPECT_FALSE(held_frame_takes_earlier_hits(hitting({"anne"}, {"jesper"}), hitting({"anne"}), 10,
                                             {{"anne", 9}}, kMaxGap))
      << "Anne on both sides, but a face near Jesper's threshold";
}

// A target hit on both sides stays one appearance whatever the held frame
// decides, so doubt about that target alone does not matter...
TEST(HoldBack, DoubtAboutATargetHitOnBothSidesDoesNotMatter) {
  EXPECT_TRUE(held_frame_takes_earlier_hits(hitting({"anne"}, {"anne"}), hitting({"anne"}), 10,
                                            {{"anne", 9}}, kMaxGap));
  EXPECT_TRUE(held_frame_takes_earlier_hits(hitting({"anne", "jesper"}, {"anne"}),
                                            hitting({"anne", "jesper"}, {"jesper"}), 10,
                                            {{"anne", 9}, {"jesper", 9}}, kMaxGap));
  // ...unless a single missed frame splits an appearance (max_gap 0).
  EXPECT_FALSE(held_frame_takes_earlier_hits(hitting({"anne"}, {"anne"}), hitting({"anne"}), 10,
                                             {{"anne", 9}}, 0));
  EXPECT_TRUE(
      held_frame_takes_earlier_hits(hitting({"anne"}), hitting({"anne"}), 10, {{"anne", 9}}, 0));
}

// Neither side hits Anne, but she hit max_gap + 1 frames before the held
// frame: a hit on the held frame would keep that appearance going (the
// aggregator joins hits up to max_gap missed frames apart).
TEST(HoldBack, AnAppearanceThatMayStillBeOpenMeansAnalysingIt) {
  EXPECT_FALSE(held_frame_takes_earlier_hits(hitting({}), hitting({}), 10, {{"anne", 7}}, kMaxGap));
  EXPECT_TRUE(held_frame_takes_earlier_hits(hitting({}), hitting({}), 10, {{"anne", 6}}, kMaxGap));
  EXPECT_FALSE(held_frame_takes_earlier_hits(hitting({}), hitting({}), 10, {{"anne", 9}}, 0));
  EXPECT_TRUE(held_frame_takes_earlier_hits(hitting({}), hitting({}), 10, {{"anne", 8}}, 0));
  EXPECT_FALSE(held_frame_takes_earlier_hits(hitting({"jesper"}), hitting({"jesper"}), 10,
                                             {{"anne", 8}, {"jesper", 9}}, kMaxGap))
      << "Jesper on both sides, but Anne's appearance may still be open";
}

}  // namespace
}  // namespace tw
