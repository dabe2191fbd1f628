// The surge rule on hand-built histories: a steady rate raises nothing, a
// burst of videos or one video of huge reach does, and an open surge lasts
// until the window falls back.
#include "trends/surge.h"

#include <gtest/gtest.h>

#include <cmath>

#include "trends/trend_time.h"

namespace tw::trends {
namespace {

using test::kDay;
using test::kHour;

constexpr Millis kNow = test::kDec3 + 12 * kHour;  // 2026-12-03T12:00:00Z

CountedVideo surge_video(std::int64_t id, Millis at,
                         std::optional<std::int64_t> views = std::nullopt) {
  CountedVideo v;
  v.video_id = id;
  v.at = at;
  v.views = views;
  v.appearances = 1;
  return v;
}

// One video every `every` over the 7 days before the window, each with `views`.
std::vector<CountedVideo> steady_baseline(Millis every, std::int64_t views) {
  std::vector<CountedVideo> out;
  std::int64_t id = 1;
  for (Millis t = kNow - 6 * kHour - 7 * kDay; t < kNow - 6 * kHour; t += every)
    out.push_back(surge_video(id++, t, views));
  return out;
}

TEST(PoissonTail, MatchesExactValues) {
  EXPECT_DOUBLE_EQ(poisson_upper_tail(0, 2.0), 1.0);
  EXPECT_NEAR(poisson_upper_tail(1, 0.3), 1 - std::exp(-0.3), 1e-15);
  // 1 - e^-1 (1 + 1 + 1/2), and a value computed with 60-digit decimals.
  EXPECT_NEAR(poisson_upper_tail(3, 1.0), 0.0803013970713942, 1e-14);
  EXPECT_NEAR(poisson_upper_tail(7, 0.9), 4.3400765133790752e-05, 1e-18);
  // Far in the tail, where 1 - (sum below k) would be 0: e^-1/50! x 1.0200...
  EXPECT_NEAR(poisson_upper_tail(50, 1.0) / 1.2338e-65, 1.0, 1e-3);
  EXPECT_DOUBLE_EQ(poisson_upper_tail(1, 0.0), 0.0);
}

TEST(Surge, ASteadyRateRaisesNothing) {
  SurgeRule rule;
  auto videos = steady_baseline(6 * kHour, 5000);  // 4 a day, 28 in the baseline
  // The window holds the usual one video of a 6-hour stretch.
  videos.push_back(surge_video(100, kNow - kHour, 5200));
  SurgeFigures f = evaluate(videos, kNow, rule);
  EXPECT_EQ(f.baseline_videos, 28);
  EXPECT_EQ(f.videos, 1);
  EXPECT_NEAR(f.expected, 1.0, 1e-9);
  EXPECT_FALSE(f.by_count);
  EXPECT_FALSE(f.by_reach);
  EXPECT_EQ(next_step(false, f), SurgeStep::none);
}

TEST(Surge, ABurstOfVideosIsACountSurge) {
  SurgeRule rule;
  auto videos = steady_baseline(6 * kHour, 5000);
  for (int i = 0; i < 7; ++i)
    videos.push_back(surge_video(200 + i, kNow - 5 * kHour + i * 600000, 4000));
  SurgeFigures f = evaluate(videos, kNow, rule);
  EXPECT_EQ(f.videos, 7);
  EXPECT_NEAR(f.p, 0.00008324, 1e-7);  // P(X >= 7 | 1) = 8.3e-5
  EXPECT_TRUE(f.by_count);
  EXPECT_FALSE(f.by_reach);
  EXPECT_EQ(next_step(false, f), SurgeStep::start);
  EXPECT_EQ(next_step(true, f), SurgeStep::none);  // an open surge is not started again
  EXPECT_EQ(explain(f, rule),
            "7 videos in the last 6h; about 1.0 expected from the past 7d (p = 8.3e-05)");
}

TEST(Surge, TheFirstVideosOfANewTargetNeedMinVideos) {
  SurgeRule rule;
  std::vector<CountedVideo> videos{surge_video(1, kNow - 2 * kHour), surge_video(2, kNow - kHour)};
  SurgeFigures f = evaluate(videos, kNow, rule);
  EXPECT_EQ(f.baseline_videos, 0);
  EXPECT_GT(f.expected, 0);  // the empty baseline's floor
  EXPECT_LT(f.p, rule.p_value);
  EXPECT_FALSE(f.by_count) << "two videos of a new target are not a surge";
  videos.push_back(surge_video(3, kNow - 30 * 60000));
  EXPECT_TRUE(evaluate(videos, kNow, rule).by_count);
}

TEST(Surge, ABurstOnABusyTargetMustAlsoTripleTheRate) {
  SurgeRule rule;
  // 10 videos every 6 hours usually; 22 in the window: p = 0.0007, ratio 2.2.
  auto videos = steady_baseline(36 * 60000, 5000);
  for (int i = 0; i < 22; ++i) videos.push_back(surge_video(500 + i, kNow - 5 * kHour + i * 60000));
  SurgeFigures f = evaluate(videos, kNow, rule);
  EXPECT_NEAR(f.expected, 10.0, 1e-9);
  EXPECT_LT(f.p, rule.p_value);
  EXPECT_FALSE(f.by_count) << "bursty feeds: a p-value alone fires too often";
  for (int i = 0; i < 8; ++i) videos.push_back(surge_video(600 + i, kNow - 4 * kHour + i * 60000));
  EXPECT_TRUE(evaluate(videos, kNow, rule).by_count);  // 30: three times the rate
}

TEST(Surge, OneVideoOfHugeReachIsAReachSurge) {
  SurgeRule rule;
  auto videos = steady_baseline(kDay, 20000);  // one a day, 20k views each
  videos[3].views = 60000;                     // some spread in the baseline
  videos[5].views = 8000;
  videos.push_back(surge_video(300, kNow - 2 * kHour, 2400000));
  SurgeFigures f = evaluate(videos, kNow, rule);
  EXPECT_EQ(f.videos, 1);
  EXPECT_FALSE(f.by_count);
  EXPECT_TRUE(f.by_reach) << "z = " << f.reach_z;
  EXPECT_EQ(f.top_views, 2400000);
  EXPECT_DOUBLE_EQ(f.baseline_median_views, 20000);
  EXPECT_EQ(
      explain(f, rule),
      "a video in the last 6h reached 2.4M views; its videos usually reach 20k (median of the "
      "past 7d)");
}

TEST(Surge, ReachWithinTheUsualSpreadIsNotASurge) {
  SurgeRule rule;
  auto videos = steady_baseline(kDay, 20000);
  videos.push_back(surge_video(300, kNow - 2 * kHour, 300000));  // 15x the median: e^2.7, z 2.7
  SurgeFigures f = evaluate(videos, kNow, rule);
  EXPECT_FALSE(f.by_reach) << "z = " << f.reach_z;
  EXPECT_TRUE(f.reach_holds);  // but an open surge would stay open on it
}

TEST(Surge, ANewTargetsVideoIsMeasuredAgainstMinViews) {
  SurgeRule rule;
  std::vector<CountedVideo> videos{surge_video(1, kNow - kHour, 200000)};
  EXPECT_FALSE(evaluate(videos, kNow, rule).by_reach);  // e^3.0 x 10k = 200k: z 3.0
  videos[0].views = 400000;
  SurgeFigures f = evaluate(videos, kNow, rule);
  EXPECT_TRUE(f.by_reach) << "z = " << f.reach_z;
  EXPECT_NE(explain(f, rule).find("usually reach under 10k"), std::string::npos);
}

TEST(Surge, AnOpenSurgeEndsWhenTheWindowFallsBack) {
  SurgeRule rule;
  auto videos = steady_baseline(6 * kHour, 5000);
  for (int i = 0; i < 7; ++i) videos.push_back(surge_video(200 + i, kNow - 5 * kHour + i * 600000));
  // 90 minutes later four of them are still in the window: no longer enough
  // to start a surge (p = 0.019), but enough to keep one open.
  SurgeFigures later = evaluate(videos, kNow + 90 * 60000, rule);
  EXPECT_EQ(later.videos, 4);
  EXPECT_FALSE(later.surging());
  EXPECT_TRUE(later.holds());
  EXPECT_EQ(next_step(true, later), SurgeStep::none);
  // A day later the window is empty again: the surge ends.
  SurgeFigures after = evaluate(videos, kNow + kDay, rule);
  EXPECT_EQ(after.videos, 0);
  EXPECT_EQ(next_step(true, after), SurgeStep::end);
  EXPECT_EQ(next_step(false, after), SurgeStep::none);
}

TEST(Surge, IdsAreDeterministicPerTargetAndBucket) {
  const Millis t = kNow + 25 * 60000;
  EXPECT_EQ(surge_id("alice", t, BucketSize::hour), surge_id("alice", kNow, BucketSize::hour));
  EXPECT_NE(surge_id("alice", t, BucketSize::hour), surge_id("bob", t, BucketSize::hour));
  EXPECT_NE(surge_id("alice", kNow, BucketSize::hour),
            surge_id("alice", kNow + kHour, BucketSize::hour));
  EXPECT_EQ(surge_id("alice", kNow, BucketSize::hour).size(), 32u);
}

TEST(Surge, CompactNumbers) {
  EXPECT_EQ(compact_number(950), "950");
  EXPECT_EQ(compact_number(8100), "8.1k");
  EXPECT_EQ(compact_number(999999), "1M");
  EXPECT_EQ(compact_number(20000), "20k");
  EXPECT_EQ(compact_number(2400000), "2.4M");
  EXPECT_EQ(compact_number(123456789), "123M");
  EXPECT_EQ(compact_number(1.1e9), "1.1B");
}

}  // namespace
}  // namespace tw::trends
