#pragma once
// Is a target surging?  The videos that showed it in the last `window` are
// compared with what its rate over the `baseline` before that predicts, by
// count (a Poisson upper tail, widened by the over-dispersion the baseline
// shows, with a guard on the ratio) and by reach (how
// far the window's most viewed video lies above the baseline's videos, on a
// log scale: a robust z-score from their median and median absolute
// deviation).  A surge starts when
// either test fires and lasts, without a second alert, until both fall back
// below relaxed levels (hysteresis).  docs/trends.md explains the choices
// and measures them on simulated histories.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "trends/buckets.h"

namespace tw::trends {

struct SurgeRule {
  Millis window = 6LL * 3600 * 1000;
  Millis baseline = 7LL * 24 * 3600 * 1000;
  int min_videos = 3;      // a count surge needs at least this many videos in the window
  double p_value = 0.001;  // ... a Poisson upper tail below this
  double min_ratio = 3.0;  // ... and videos / expected at least this (real counts are bursty)
  // Over-dispersion: counts are divided by the baseline's variance-to-mean
  // ratio of window-long counts (quasi-Poisson), at least 1, at most this.
  double max_dispersion = 5.0;
  // A baseline without a single video counts as this many, so that the
  // first videos of a new target are not infinitely surprising.
  double empty_baseline_videos = 0.5;
  // Reach: z = (ln(1 + top views) - ln(1 + typical)) / spread, where typical
  // is the baseline's median views (at least min_views) and spread 1.4826 x
  // the median absolute deviation of ln(1 + views) (at least min_spread, so
  // that a few alike baseline videos do not make every video an outlier).
  double reach_z = 3.5;
  std::int64_t min_views = 10000;
  double min_spread = 1.0;
  // A started surge lasts while either test holds at these relaxed levels.
  double end_p_value = 0.05;
  double end_ratio = 1.5;
  double end_reach_z = 2.0;
};

struct SurgeFigures {
  Millis now = 0, window_start = 0, baseline_start = 0;
  std::int64_t videos = 0;           // in the window
  std::int64_t baseline_videos = 0;  // in the baseline before it
  double expected = 0;               // videos the baseline's rate predicts for the window
  double dispersion = 1;       // the baseline's variance / mean of window-long counts, in [1, max]
  double p = 1;                // P(X >= videos / dispersion), X ~ Poisson(expected / dispersion)
  std::int64_t views = 0;      // the window's videos' latest views, summed
  std::int64_t top_views = 0;  // the most viewed video of the window
  double baseline_median_views = 0;               // 0 when no baseline video has views
  double typical_views = 0;                       // max(median, min_views)
  double spread = 0;                              // of ln(1 + views) in the baseline, floored
  double reach_z = 0;                             // of the window's most viewed video
  bool by_count = false, by_reach = false;        // the start tests
  bool count_holds = false, reach_holds = false;  // the relaxed tests that keep a surge open
  std::vector<CountedVideo> window_videos;        // oldest first

  bool surging() const { return by_count || by_reach; }
  bool holds() const { return count_holds || reach_holds; }
};

// P(X >= k) for X ~ Poisson(mu), continued to real k as the regularized
// lower incomplete gamma function P(k, mu); accurate far into the tail.
double poisson_upper_tail(double k, double mu);

// The figures of `videos` (any order; those before the baseline are
// ignored; those after `now` count in the window) at time `now`.
SurgeFigures evaluate(std::span<const CountedVideo> videos, Millis now, const SurgeRule& rule);

enum class SurgeStep { none, start, end };
// What an open (or not open) surge does given the latest figures.
SurgeStep next_step(bool open, const SurgeFigures& figures);

// The surge's idempotency key: the target and the start of the bucket of the
// window's first video, so that two machines, or a restart, evaluating the
// same history name the same surge.
std::string surge_id(const std::string& target, Millis first_video_at, BucketSize size);

// One line a journalist reads: "7 videos in the last 6h; about 0.9 expected
// from the past 7d (p = 2.1e-05)" and/or "a video in the last 6h reached
// 2.4M views; its videos usually reach 8.1k (median of the past 7d)".
std::string explain(const SurgeFigures& figures, const SurgeRule& rule);

// 950, 8.1k, 2.4M, 1.1B.
std::string compact_number(double value);

}  // namespace tw::trends
