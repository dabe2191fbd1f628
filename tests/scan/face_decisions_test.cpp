// Where a face is decided on the optimized path: the rules read off a
// face's gaps to the thresholds (no models), and the decider on a real
// frame: a clear match is decided on its proposal box and re-used while
// tracked; a face near its threshold is confirmed at the reference scale
// and leaves its target in doubt; --approximate lets a near miss stay one.
#include "scan/face_decisions.h"

#include <gtest/gtest.h>

#include "scan/face_frame.h"
#include "scan/scan_clips.h"

using namespace tw;
using namespace tw::scan;

namespace {

const std::vector<std::string> kNames = {"a", "b"};

TargetGaps gaps(float a, float b) {
  return TargetGaps({a, b}, kNames);
}

constexpr float kMargin = 0.1f;  // TrackingOptions::unsettled_margin

}  // namespace

TEST(TargetGaps, ClearCutMeansNoThresholdWithinTheMargin) {
  EXPECT_TRUE(gaps(0.2f, -0.3f).clear_cut(kMargin));
  EXPECT_FALSE(gaps(0.2f, -0.05f).clear_cut(kMargin));
  EXPECT_FALSE(gaps(0.05f, 0.5f).clear_cut(kMargin));
  EXPECT_TRUE(gaps(0.2f, 0.2f).clearly_no_match(kMargin));
  EXPECT_FALSE(gaps(0.2f, -0.3f).clearly_no_match(kMargin)) << "a match is not a clear miss";
}

TEST(TargetGaps, AClearMatchIsOneByTheClearMatchMargin) {
  EXPECT_TRUE(gaps(-kClearMatchMargin, 0.4f).clearly_matches(kMargin));
  EXPECT_FALSE(gaps(-0.12f, 0.4f).clearly_matches(kMargin)) << "a match by less than 0.15";
  EXPECT_FALSE(gaps(-0.3f, 0.05f).clearly_matches(kMargin)) << "the other target is near";
}

TEST(TargetGaps, TheReferenceBoxIsNeededUnlessTheDecisionIsClear) {
  EXPECT_FALSE(gaps(0.3f, 0.2f).needs_reference_box(kMargin));   // far from both
  EXPECT_FALSE(gaps(-0.3f, 0.2f).needs_reference_box(kMargin));  // clearly a
  EXPECT_TRUE(gaps(-0.12f, 0.2f).needs_reference_box(kMargin));  // a, not clearly
  EXPECT_TRUE(gaps(0.05f, 0.2f).needs_reference_box(kMargin));   // a near miss
  // The reference rules confirm near misses; --approximate only matches
  // that are not clear.
  EXPECT_TRUE(gaps(0.05f, 0.2f).confirmation_needed(kMargin, false));
  EXPECT_FALSE(gaps(0.05f, 0.2f).confirmation_needed(kMargin, true));
  EXPECT_TRUE(gaps(-0.05f, 0.2f).confirmation_needed(kMargin, true));
  EXPECT_FALSE(gaps(-0.3f, 0.2f).confirmation_needed(kMargin, true));
}

TEST(TargetGaps, NamesTheTargetsMatchedOrNear) {
  EXPECT_EQ(gaps(-0.3f, 0.05f).matched_or_near(kMargin), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(gaps(0.2f, 0.05f).matched_or_near(kMargin), (std::vector<std::string>{"b"}));
  EXPECT_EQ(gaps(-0.3f, 0.05f).near(kMargin), (std::vector<std::string>{"b"}));
  EXPECT_TRUE(gaps(-0.3f, 0.3f).near(kMargin).empty());
}

namespace {

// Jesper's face on a still, proposed at the 320 input (as for a 720x1280
// video with 64 px faces) and detected at the reference 512, with each
// box's distance to Jesper.
class FaceDecisions : public ::testing::Test {
 protected:
  void SetUp() override {
    StageTimings t;
    proposal = *test::found_in(finder.detect(frame, 320, t), test::kPastedPicture);
    reference = *test::found_in(finder.detect(frame, 512, t), test::kPastedPicture);
    const auto described = describer.describe(frame, {proposal, reference}, t);
    ASSERT_EQ(described.size(), 2u);
    FaceMatcher matcher({jesper}, std::nullopt);
    proposal_distance = matcher.distance_to(0, described[0].descriptor);
    reference_distance = matcher.distance_to(0, described[1].descriptor);
  }

  // Decides the frame's face with Jesper's threshold at `threshold`.
  struct Decided {
    std::vector<DescribedFace> faces;
    StageTimings timings;
    std::int64_t embedded = 0, confirmed = 0;
    std::set<std::string> unsettled;
  };
  Decided decide(const TargetMatchers& matchers, FaceTracker& tracker, bool approximate = false,
                 float min_face_px = 40, bool proposals = true) {
    FaceDecider decider(matchers, finder, describer, min_face_px, approximate);
    Decided out;
    FaceDecider::Work work{out.timings};
    out.faces = decider.decide(frame, {proposals ? proposal : reference}, tracker, proposals, work);
    out.embedded = work.embedded;
    out.confirmed = work.confirmed;
    out.unsettled = work.unsettled;
    return out;
  }
  TargetMatchers jesper_at(float threshold) { return TargetMatchers(models, {jesper}, threshold); }

  models::ModelDir models = test::test_models();
  targets::Target jesper = test::jesper();
  FaceFinder finder{models, {}};
  FaceDescriber describer{models};
  cv::Mat frame = test::frame_with_face("jesper_2.jpg");
  Box proposal, reference;
  float proposal_distance = 0, reference_distance = 0;
};

}  // namespace

TEST_F(FaceDecisions, AClearMatchIsDecidedOnItsProposalAndReusedWhileTracked) {
  const TargetMatchers matchers = jesper_at(proposal_distance + 0.3f);
  FaceTracker tracker({});
  const Decided first = decide(matchers, tracker);
  ASSERT_EQ(first.faces.size(), 1u);
  EXPECT_EQ(first.faces[0].box.x, proposal.x);
  EXPECT_FALSE(first.faces[0].at_reference);
  EXPECT_EQ(first.embedded, 1);
  EXPECT_EQ(first.confirmed, 0);
  EXPECT_TRUE(first.unsettled.empty());

  const Decided next = decide(matchers, tracker);  // the next analysed frame
  ASSERT_EQ(next.faces.size(), 1u);
  EXPECT_EQ(next.embedded, 0) << "its track's descriptor is re-used";
  EXPECT_EQ(next.faces[0].descriptor, first.faces[0].descriptor);
  EXPECT_EQ(next.timings.embed, 0);

  // ...and the match stage makes it Jesper's hit.
  StageTimings t;
  const std::vector<FrameHit> hits = matchers.face_hits(frame, next.faces, t);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].target, "jesper");
}

TEST_F(FaceDecisions, AFaceNearItsThresholdIsConfirmedAtTheReferenceScaleAndLeftInDoubt) {
  const float threshold = reference_distance + 0.02f;  // a narrow match on the reference box
  ASSERT_LT(std::abs(proposal_distance - threshold), 0.1f) << "near on the proposal too";
  const TargetMatchers matchers = jesper_at(threshold);
  FaceTracker tracker({});
  const Decided first = decide(matchers, tracker);
  ASSERT_EQ(first.faces.size(), 1u);
  EXPECT_TRUE(first.faces[0].at_reference);
  EXPECT_NEAR(first.faces[0].box.x, reference.x, 1.0);
  EXPECT_NEAR(first.faces[0].box.width, reference.width, 1.0);
  EXPECT_EQ(first.confirmed, 1);
  EXPECT_EQ(first.embedded, 2) << "the proposal's description, then the reference box's";
  EXPECT_EQ(first.unsettled, (std::set<std::string>{"jesper"}));

  // Not settled, so not re-used; near a match where it was, so straight to
  // the reference box without describing the proposal.
  const Decided next = decide(matchers, tracker);
  ASSERT_EQ(next.faces.size(), 1u);
  EXPECT_EQ(next.confirmed, 1);
  EXPECT_EQ(next.embedded, 1);
  EXPECT_EQ(next.unsettled, (std::set<std::string>{"jesper"}));
}

TEST_F(FaceDecisions, ApproximateLeavesANearMissUnconfirmed) {
  const TargetMatchers matchers = jesper_at(proposal_distance - 0.05f);
  FaceTracker reference_rules({}), approximate({});
  EXPECT_EQ(decide(matchers, reference_rules).confirmed, 1);
  const Decided decided = decide(matchers, approximate, /*approximate=*/true);
  EXPECT_EQ(decided.confirmed, 0);
  ASSERT_EQ(decided.faces.size(), 1u);
  EXPECT_EQ(decided.faces[0].box.x, proposal.x);
  EXPECT_TRUE(decided.unsettled.empty());
}

TEST_F(FaceDecisions, OnTheReferenceBoxNothingIsConfirmed) {
  const TargetMatchers matchers = jesper_at(reference_distance + 0.02f);
  FaceTracker tracker({});
  const Decided decided = decide(matchers, tracker, false, 40, /*proposals=*/false);
  ASSERT_EQ(decided.faces.size(), 1u);
  EXPECT_TRUE(decided.faces[0].at_reference);
  EXPECT_EQ(decided.confirmed, 0);
  EXPECT_EQ(decided.embedded, 1);
  EXPECT_EQ(decided.unsettled, (std::set<std::string>{"jesper"})) << "near its threshold";
}

TEST_F(FaceDecisions, AFaceNarrowerThanTheSmallestMatchedSizeIsLeftOut) {
  const TargetMatchers matchers = jesper_at(proposal_distance + 0.3f);
  FaceTracker tracker({});
  // Even allowing for a proposal's tighter box (kRefinedSizeSlack).
  const float min_face_px = proposal.width * kRefinedSizeSlack + 1;
  const Decided decided = decide(matchers, tracker, false, min_face_px);
  EXPECT_TRUE(decided.faces.empty());
  EXPECT_EQ(decided.embedded, 0);
}
