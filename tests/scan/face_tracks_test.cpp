// The face track stage on made-up descriptors and boxes (no models): who
// continues which track, how a whole track is decided, and what a matched
// track hands the aggregator.
#include "scan/face_tracks.h"

#include <gtest/gtest.h>

#include <cmath>

#include "scan/aggregate.h"
#include "scan/face_target.h"
#include "targets/threshold.h"

using namespace tw;
using namespace tw::scan;
using tw::test::face_target;

namespace {

constexpr double kPeriod = 0.2;

// A unit descriptor at angle `a` (radians) in the first two of 128
// dimensions: two of them are 2 sin(|a - b| / 2) apart.
Descriptor at_angle(float a) {
  Descriptor d(128, 0.f);
  d[0] = std::cos(a);
  d[1] = std::sin(a);
  return d;
}

// The angle at which a unit descriptor is `distance` from at_angle(0).
float angle_for(float distance) {
  return 2.f * std::asin(distance / 2.f);
}

DescribedFace face(float distance_from_target, Box box, float width_quality = 120) {
  DescribedFace f;
  f.box = box;
  f.descriptor = at_angle(angle_for(distance_from_target));
  f.quality.width = width_quality;
  f.quality.sharpness = 300;
  return f;
}

Box box_at(float x, float y = 100, float size = 120) {
  return {x, y, size, size};
}

class FaceTrackStage : public ::testing::Test {
 protected:
  FaceMatcher matcher{{face_target("t", at_angle(0), 0.55f)}, std::nullopt};
  FaceTrackOptions options;
  cv::Mat frame = cv::Mat(64, 64, CV_8UC3, cv::Scalar(0, 0, 0));

  // Frames 0..n-1, each with the faces faces_at(i) gives.
  template <typename FacesAt>
  std::vector<TrackOutcome> run(FaceTracks& tracks, int n, FacesAt faces_at) {
    for (int i = 0; i < n; ++i) tracks.add_frame(i, i * kPeriod, faces_at(i), false, frame);
    tracks.finish();
    return tracks.take_decided();
  }
};

}  // namespace

TEST(TrackTemplate, IsTheQualityWeightedMeanOfUnitDescriptorsAtTheirMeanLength) {
  std::vector<TrackSample> samples(2);
  samples[0].descriptor = at_angle(0.f);
  samples[1].descriptor = at_angle(0.5f);
  for (float& v : samples[1].descriptor) v *= 3;  // its length does not weigh
  samples[0].quality.width = samples[1].quality.width = 200;
  samples[0].quality.sharpness = samples[1].quality.sharpness = 300;
  Descriptor t = track_template(samples);
  ASSERT_EQ(t.size(), 128u);
  EXPECT_NEAR(std::atan2(t[1], t[0]), 0.25f, 1e-5) << "equal weights: halfway";
  EXPECT_NEAR(std::hypot(t[0], t[1]), 2.f, 1e-5) << "the samples' mean length";

  samples[1].quality.width = 30;  // a tiny face counts for a tenth
  t = track_template(samples);
  EXPECT_LT(std::atan2(t[1], t[0]), 0.1f);
  EXPECT_GT(std::atan2(t[1], t[0]), 0.f);
  EXPECT_TRUE(track_template({}).empty());
}

TEST(FaceQualityWeight, SmallBlurredTurnedOrWeakFacesWeighLess) {
  FaceQuality good{150, 0.99f, 400, 0.9f};
  EXPECT_NEAR(good.weight(), 0.99f * 0.9f, 1e-6);
  FaceQuality small = good, blurred = good, turned = good;
  small.width = 45;
  blurred.sharpness = 20;
  turned.frontal = 0.1f;
  for (const FaceQuality& worse : {small, blurred, turned}) {
    EXPECT_LT(worse.weight(), good.weight());
    EXPECT_GT(worse.weight(), 0.f) << "no face counts for nothing";
  }
}

TEST_F(FaceTrackStage, AFaceMovingSlowlyIsOneTrackAcrossAGapAndMatchesWhole) {
  FaceTracks tracks(matcher, {"t"}, options, false);
  // 15 frames, the face drifting 10 px a frame; frames 6 and 7 have no
  // face (a missed detection); its per-frame distance wanders around the
  // threshold (0.50-0.60), the per-frame rule would split it.
  auto outcomes = run(tracks, 15, [](int i) {
    std::vector<DescribedFace> faces;
    if (i == 6 || i == 7) return faces;
    faces.push_back(face(i % 2 ? 0.58f : 0.50f, box_at(100 + 10.f * i)));
    return faces;
  });
  ASSERT_EQ(outcomes.size(), 1u);
  const HitSpan& span = outcomes[0].span;
  EXPECT_EQ(span.best.target, "t");
  EXPECT_EQ(span.first_index, 0);
  EXPECT_EQ(span.last_index, 14);
  EXPECT_EQ(span.frames, 13);
  EXPECT_EQ(span.matched_frames, 7) << "the even frames but 6";
  EXPECT_NEAR(span.best.distance, 0.50f, 1e-4);
  EXPECT_LT(span.template_distance, 0.55f) << "the mean of the two sides is closer";
  EXPECT_GT(span.template_score, 0.5f);
  EXPECT_EQ(span.descriptors.size(), 13u);
  ASSERT_EQ(tracks.history().size(), 1u);
  EXPECT_EQ(tracks.history()[0].samples, 13);
}

TEST_F(FaceTrackStage, AStrangerWithOneLuckyFrameDoesNotMatch) {
  FaceTracks tracks(matcher, {"t"}, options, false);
  // Per frame it matches twice (frames 3 and 4), enough for an appearance
  // by the per-frame rule; its template is far.
  auto outcomes = run(tracks, 10, [](int i) {
    return std::vector<DescribedFace>{face(i == 3 || i == 4 ? 0.54f : 0.75f, box_at(200))};
  });
  EXPECT_TRUE(outcomes.empty());
  ASSERT_EQ(tracks.history().size(), 1u);
  EXPECT_EQ(tracks.history()[0].scores.at(0).matched_frames, 2);
  EXPECT_FALSE(tracks.history()[0].scores.at(0).matches);
}

TEST_F(FaceTrackStage, AnotherPersonAtTheSamePlaceStartsAnotherTrack) {
  FaceTracks tracks(matcher, {"t"}, options, false);
  // The target for 5 frames, then (a cut) a stranger at the same box.
  auto outcomes = run(tracks, 10, [](int i) {
    return std::vector<DescribedFace>{face(i < 5 ? 0.40f : 1.2f, box_at(200))};
  });
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].span.last_index, 4);
  EXPECT_EQ(tracks.history().size(), 2u);
}

TEST_F(FaceTrackStage, TwoFacesSideBySideAreTwoTracksAndAFarJumpIsANewOne) {
  FaceTracks tracks(matcher, {"t"}, options, false);
  run(tracks, 6, [](int i) {
    // The target on the left throughout; a stranger on the right that jumps
    // across the frame at frame 3.
    return std::vector<DescribedFace>{face(0.40f, box_at(50 + 5.f * i)),
                                      face(0.9f, box_at(i < 3 ? 400 : 900))};
  });
  EXPECT_EQ(tracks.history().size(), 3u);
}

TEST_F(FaceTrackStage, ATrackEndsAfterMaxMissedFramesUnseen) {
  FaceTracks tracks(matcher, {"t"}, options, false);
  auto outcomes = run(tracks, 12, [&](int i) {
    std::vector<DescribedFace> faces;
    // Seen on 0-3, unseen on 4-6 (3 > max_missed 2), seen on 7-11.
    if (i < 4 || i > 6) faces.push_back(face(0.40f, box_at(100)));
    return faces;
  });
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].span.last_index, 3);
  EXPECT_EQ(outcomes[1].span.first_index, 7);
}

TEST_F(FaceTrackStage, ReusedFramesExtendATrackWithoutAddingSamples) {
  FaceTracks tracks(matcher, {"t"}, options, false);
  const std::vector<DescribedFace> faces = {face(0.40f, box_at(100))};
  tracks.add_frame(0, 0, faces, false, frame);
  for (int i = 1; i < 6; ++i) tracks.add_frame(i, i * kPeriod, faces, true, frame);
  EXPECT_TRUE(tracks.has_open_match(2));
  tracks.finish();
  auto outcomes = tracks.take_decided();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].span.frames, 6);
  EXPECT_EQ(outcomes[0].span.last_index, 5);
  EXPECT_EQ(tracks.history()[0].samples, 1);
}

TEST_F(FaceTrackStage, AMatchedTrackIsOneAppearanceAndTracksCloseInTimeMerge) {
  FaceTracks tracks(matcher, {"t"}, options, false);
  auto outcomes = run(tracks, 20, [](int i) {
    std::vector<DescribedFace> faces;
    // One track on 0-5, another (elsewhere) on 8-12: 2 sampled frames
    // apart, within the aggregator's max_gap; a third on 17-19.
    if (i <= 5) faces.push_back(face(0.45f, box_at(100)));
    if (i >= 8 && i <= 12) faces.push_back(face(0.45f, box_at(600)));
    if (i >= 17) faces.push_back(face(0.45f, box_at(100)));
    return faces;
  });
  ASSERT_EQ(outcomes.size(), 3u);
  AppearanceAggregator aggregator({}, kPeriod, false);
  // Decided tracks come in any order relative to the frames.
  for (auto it = outcomes.rbegin(); it != outcomes.rend(); ++it) aggregator.add_span(it->span);
  auto appearances = aggregator.finish(4.0);
  ASSERT_EQ(appearances.size(), 2u);
  const Appearance& first = appearances[0].appearance;
  EXPECT_DOUBLE_EQ(first.start, 0.0);
  EXPECT_NEAR(first.end, 12 * kPeriod + kPeriod, 1e-9);
  EXPECT_EQ(first.tracks, 2);
  EXPECT_EQ(first.frames, 11);
  EXPECT_EQ(first.track_frames, 11);
  EXPECT_EQ(first.matched_frames, 11);
  EXPECT_GT(first.template_score, 0.5f);
  EXPECT_EQ(appearances[1].appearance.tracks, 1);
  EXPECT_DOUBLE_EQ(appearances[1].appearance.start, 17 * kPeriod);
}

TEST_F(FaceTrackStage, AOneFrameTrackIsDecidedButNeedsMinFramesToBeAnAppearance) {
  FaceTracks tracks(matcher, {"t"}, options, false);
  auto outcomes = run(tracks, 3, [](int i) {
    std::vector<DescribedFace> faces;
    if (i == 1) faces.push_back(face(0.30f, box_at(100)));
    return faces;
  });
  ASSERT_EQ(outcomes.size(), 1u);
  AppearanceAggregator aggregator({}, kPeriod, false);
  aggregator.add_span(outcomes[0].span);
  EXPECT_FALSE(aggregator.has_confirmed());
  EXPECT_TRUE(aggregator.finish(1.0).empty());
}

TEST_F(FaceTrackStage, AFaceGoesToTheTargetItsTemplateIsClosestTo) {
  FaceMatcher two{{face_target("near", at_angle(0), 0.55f),
                   face_target("far", at_angle(angle_for(0.3f)), 0.55f)},
                  std::nullopt};
  FaceTracks tracks(two, {"near", "far"}, options, false);
  // Within both thresholds, closer to "near".
  auto outcomes =
      run(tracks, 4, [](int) { return std::vector<DescribedFace>{face(0.1f, box_at(100))}; });
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].span.best.target, "near");
  EXPECT_EQ(tracks.history()[0].scores.size(), 2u);
}

namespace {

// Look-back: frame i's pixels hold i, so that a made-up LookAgain knows
// which earlier frame it is shown.
class LookBack : public FaceTrackStage {
 protected:
  // Frames 0..n-1 with faces_at(i); look_again(i, near) what looking again
  // at frame i finds (and is recorded in `looked_at`).
  template <typename FacesAt, typename FoundAt>
  std::vector<TrackOutcome> run_looking_back(FaceTracks& tracks, int n, FacesAt faces_at,
                                             FoundAt found_at) {
    tracks.look_back_with([&, found_at](const cv::Mat& frame, const Box& near) {
      const int i = frame.at<cv::Vec3b>(0, 0)[0];
      looked_at.push_back(i);
      return found_at(i, near);
    });
    for (int i = 0; i < n; ++i) {
      const cv::Mat pixels(8, 8, CV_8UC3, cv::Scalar::all(i));
      tracks.add_frame(i, i * kPeriod, faces_at(i), false, pixels);
    }
    tracks.finish();
    return tracks.take_decided();
  }
  std::vector<int> looked_at;
};

// The target's face drifting 10 px a frame, on screen from frame 2; the
// scan's detector finds it from frame 5 on.
std::vector<DescribedFace> detected_from_5(int i) {
  if (i < 5) return {};
  return {face(0.45f, box_at(100 + 10.f * i))};
}

}  // namespace

TEST_F(LookBack, ATrackThatMayMatchStartsWhereItsFaceIsFoundOnEarlierFrames) {
  FaceTracks tracks(matcher, {"t"}, options, false);
  auto outcomes = run_looking_back(tracks, 10, detected_from_5, [](int i, const Box&) {
    std::vector<DescribedFace> found;
    if (i >= 2) found.push_back(face(0.47f, box_at(100 + 10.f * i)));
    return found;
  });
  ASSERT_EQ(outcomes.size(), 1u);
  const HitSpan& span = outcomes[0].span;
  EXPECT_EQ(span.first_index, 2);
  EXPECT_DOUBLE_EQ(span.first_time, 2 * kPeriod);
  EXPECT_EQ(span.last_index, 9);
  EXPECT_EQ(span.frames, 8);
  EXPECT_EQ(looked_at, (std::vector<int>{4, 3, 2})) << "the look_back frames before, latest first";
  ASSERT_EQ(tracks.history().size(), 1u);
  EXPECT_EQ(tracks.history()[0].samples, 5) << "faces looked back at are not samples";
  EXPECT_DOUBLE_EQ(tracks.history()[0].first_time, 2 * kPeriod);
  EXPECT_FLOAT_EQ(tracks.history()[0].first_box.x, 120.f);

  // Without look-back the same track starts where it was detected.
  FaceTracks plain(matcher, {"t"}, options, false);
  outcomes = run(plain, 10, detected_from_5);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].span.first_index, 5);
}

TEST_F(LookBack, AStrangersTrackDoesNotLookBack) {
  FaceTracks tracks(matcher, {"t"}, options, false);
  // Beyond the threshold by more than look_back_reach.
  const float far = 0.55f + options.look_back_reach + 0.05f;
  run_looking_back(
      tracks, 10,
      [&](int i) {
        return i < 5 ? std::vector<DescribedFace>{}
                     : std::vector<DescribedFace>{face(far, box_at(100 + 10.f * i))};
      },
      [&](int, const Box&) { return std::vector<DescribedFace>{face(far, box_at(100))}; });
  EXPECT_TRUE(looked_at.empty());
  ASSERT_EQ(tracks.history().size(), 1u);
  EXPECT_DOUBLE_EQ(tracks.history()[0].first_time, 5 * kPeriod);
}

TEST_F(LookBack, StopsAtAnotherPersonOrAGapLongerThanMaxMissed) {
  // Another person's face at the same place on frames 3 and 4: the track
  // cannot go back past them (a gap of 2 frames is allowed, so frame 2 is
  // looked at too, and has nobody).
  FaceTracks tracks(matcher, {"t"}, options, false);
  auto outcomes = run_looking_back(tracks, 10, detected_from_5, [](int i, const Box&) {
    std::vector<DescribedFace> found;
    if (i == 3 || i == 4) found.push_back(face(1.3f, box_at(100 + 10.f * i)));
    return found;
  });
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].span.first_index, 5);
  EXPECT_EQ(looked_at, (std::vector<int>{4, 3, 2}));

  // The face found 4 frames before the track's first and not between: more
  // than max_missed (2) frames unseen, so not the same track.
  options.look_back = 5;
  FaceTracks gap(matcher, {"t"}, options, false);
  looked_at.clear();
  outcomes = run_looking_back(gap, 10, detected_from_5, [](int i, const Box&) {
    std::vector<DescribedFace> found;
    if (i <= 1) found.push_back(face(0.45f, box_at(100 + 10.f * i)));
    return found;
  });
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].span.first_index, 5);
  EXPECT_EQ(looked_at, (std::vector<int>{4, 3, 2}));
}

TEST_F(LookBack, AFaceFoundFarFromTheTrackIsNotItsFace) {
  FaceTracks tracks(matcher, {"t"}, options, false);
  // Same descriptor, but at the other side of the frame.
  auto outcomes = run_looking_back(tracks, 10, detected_from_5, [](int, const Box&) {
    return std::vector<DescribedFace>{face(0.45f, box_at(600))};
  });
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].span.first_index, 5);
}
