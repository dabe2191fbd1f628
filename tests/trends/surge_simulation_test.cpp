// The surge rule on simulated histories, the figures of docs/trends.md.
//
// Real feeds are burstier than a Poisson process: one upload brings
// re-uploads and duets within hours.  Videos here arrive in clusters (a
// Poisson process of clusters, each of 1 + geometric videos, mean 2.5,
// spread over two hours), with log-normal views (median 5k, sigma 1.5).
// Each history is evaluated every hour for 60 days after a week of warm-up,
// as the monitor does, with one alert per surge; bursts of five times the
// usual rate (at least 4 videos within 3 hours), or ten times (at least 8),
// are injected every 15 days into other histories of the same process.
// Run with -V to see the table.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>

#include "trends/surge.h"

#include "trends/trend_time.h"

namespace tw::trends {
namespace {

using test::kDay;
using test::kHour;

constexpr Millis kStart = test::kDec3;
constexpr int kDays = 60;

// Distributions written out: std's are not the same on every library.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double exponential(double rate) { return -std::log1p(-uniform()) / rate; }
  double normal() {
    double u = std::max(uniform(), 1e-300);
    return std::sqrt(-2 * std::log(u)) * std::cos(2 * M_PI * uniform());
  }
  int cluster_size(double mean) {  // 1 + geometric, mean `mean`
    if (mean <= 1) return 1;
    const double p = 1 / mean;
    return 1 + static_cast<int>(std::floor(std::log1p(-uniform()) / std::log1p(-p)));
  }

 private:
  std::mt19937_64 engine_;
};

struct History {
  std::vector<CountedVideo> videos;
  std::vector<Millis> bursts;
};

// `burst` > 0: every 15 days, `burst` times the usual 6-hour count (at
// least 0.8 x burst videos) within 3 hours.
History simulate(double per_day, std::uint64_t seed, double burst, double mean_cluster) {
  Rng rng(seed);
  History h;
  std::int64_t id = 0;
  auto add = [&](Millis at) {
    CountedVideo v;
    v.video_id = ++id;
    v.at = at;
    v.appearances = 1;
    v.views = static_cast<std::int64_t>(std::exp(std::log(5000.0) + 1.5 * rng.normal()));
    h.videos.push_back(v);
  };
  const double clusters_per_ms = per_day / mean_cluster / static_cast<double>(kDay);
  const Millis from = kStart - 8 * kDay, to = kStart + kDays * kDay;
  for (double t = static_cast<double>(from) + rng.exponential(clusters_per_ms);
       t < static_cast<double>(to); t += rng.exponential(clusters_per_ms)) {
    int n = rng.cluster_size(mean_cluster);
    for (int i = 0; i < n; ++i) add(static_cast<Millis>(t + rng.uniform() * 2 * kHour));
  }
  if (burst > 0) {
    const int extra = std::max(static_cast<int>(std::ceil(burst * 0.8)),
                               static_cast<int>(std::ceil(burst * per_day / 4)));
    for (Millis b = kStart + 10 * kDay; b < to - kDay; b += 15 * kDay) {
      h.bursts.push_back(b);
      for (int i = 0; i < extra; ++i) add(b + static_cast<Millis>(rng.uniform() * 3 * kHour));
    }
  }
  std::sort(h.videos.begin(), h.videos.end(),
            [](const CountedVideo& a, const CountedVideo& b) { return a.at < b.at; });
  return h;
}

struct Outcome {
  int false_starts = 0;
  int detected = 0;
  double delay_hours = 0;  // mean, over detected bursts
};

Outcome run(const History& h, const SurgeRule& rule) {
  Outcome out;
  bool open = false;
  std::vector<bool> seen(h.bursts.size(), false);
  std::size_t known = 0;  // what the monitor would have stored by now: h.videos is by time
  for (Millis now = kStart; now <= kStart + kDays * kDay; now += kHour) {
    while (known < h.videos.size() && h.videos[known].at <= now) ++known;
    SurgeStep step = next_step(open, evaluate(std::span(h.videos).first(known), now, rule));
    if (step == SurgeStep::end) open = false;
    if (step != SurgeStep::start) continue;
    open = true;
    bool during_burst = false;
    for (std::size_t i = 0; i < h.bursts.size(); ++i) {
      if (now >= h.bursts[i] && now <= h.bursts[i] + 12 * kHour) {
        during_burst = true;
        if (!seen[i]) {
          seen[i] = true;
          ++out.detected;
          out.delay_hours += static_cast<double>(now - h.bursts[i]) / kHour;
        }
      }
    }
    if (!during_burst) ++out.false_starts;
  }
  if (out.detected) out.delay_hours /= out.detected;
  return out;
}

SurgeRule count_only(SurgeRule rule) {
  rule.reach_z = std::numeric_limits<double>::infinity();
  rule.end_reach_z = std::numeric_limits<double>::infinity();
  return rule;
}

struct Totals {
  std::vector<int> false_starts, found5, found10;
  int bursts5 = 0, bursts10 = 0;
};

Totals simulate_all(double mean_cluster,
                    const std::vector<std::pair<const char*, SurgeRule>>& rules) {
  std::printf("videos in bunches of %.1f on average\n", mean_cluster);
  std::printf(
      "false starts in %d days of a steady history | 5x and 10x bursts found (10x: mean delay, "
      "hours)\n",
      kDays);
  std::printf("%-14s", "videos/day");
  for (const auto& [name, rule] : rules) std::printf(" %12s", name);
  std::printf(" |");
  for (const auto& [name, rule] : rules) std::printf(" %12s", name);
  std::printf("\n");
  Totals t{std::vector<int>(rules.size(), 0), std::vector<int>(rules.size(), 0),
           std::vector<int>(rules.size(), 0)};
  auto& [false_starts, found5, found10, bursts5, bursts10] = t;
  for (double per_day : {0.5, 4.0, 24.0, 96.0}) {
    for (std::uint64_t seed : {11u, 12u, 13u}) {
      History steady = simulate(per_day, seed, 0, mean_cluster);
      History five = simulate(per_day, seed + 100, 5, mean_cluster);
      History ten = simulate(per_day, seed + 200, 10, mean_cluster);
      bursts5 += static_cast<int>(five.bursts.size());
      bursts10 += static_cast<int>(ten.bursts.size());
      std::printf("%5.1f seed %2d ", per_day, static_cast<int>(seed));
      std::string found_text;
      for (std::size_t r = 0; r < rules.size(); ++r) {
        Outcome o = run(steady, rules[r].second);
        false_starts[r] += o.false_starts;
        std::printf(" %12d", o.false_starts);
        Outcome o5 = run(five, rules[r].second), o10 = run(ten, rules[r].second);
        found5[r] += o5.detected;
        found10[r] += o10.detected;
        char cell[64];
        std::snprintf(cell, sizeof cell, "  %d/%zu %d/%zu (%3.1f)", o5.detected, five.bursts.size(),
                      o10.detected, ten.bursts.size(), o10.delay_hours);
        found_text += cell;
      }
      std::printf(" |%s\n", found_text.c_str());
    }
  }
  std::printf("%-14s", "total");
  for (int n : false_starts) std::printf(" %12d", n);
  std::printf(" |");
  for (std::size_t r = 0; r < rules.size(); ++r)
    std::printf("  %d/%d %d/%d", found5[r], bursts5, found10[r], bursts10);
  std::printf("\n");
  return t;
}

std::vector<std::pair<const char*, SurgeRule>> rules_to_compare() {
  SurgeRule poisson_only = count_only(SurgeRule{});
  poisson_only.min_ratio = 1;
  poisson_only.end_ratio = 1;
  poisson_only.max_dispersion = 1;
  SurgeRule ratio = count_only(SurgeRule{});
  ratio.max_dispersion = 1;
  return {{"poisson", poisson_only},
          {"+ratio", ratio},
          {"+dispersion", count_only(SurgeRule{})},
          {"+reach", SurgeRule{}}};
}

TEST(SurgeSimulation, BunchedHistories) {
  Totals t = simulate_all(2.5, rules_to_compare());
  // Each guard removes false alarms (the ratio at high rates, the dispersion
  // at middle ones) at the cost of some 5x bursts, which in these bunched
  // histories look like a natural bunch; most 10x bursts are found.
  EXPECT_LE(t.false_starts[1], t.false_starts[0]);
  EXPECT_LE(t.false_starts[2], t.false_starts[1]);
  EXPECT_LE(t.false_starts[3] * 4, t.false_starts[0]);
  EXPECT_GE(t.found10[3] * 10, t.bursts10 * 8);
}

TEST(SurgeSimulation, PoissonHistories) {
  Totals t = simulate_all(1.0, rules_to_compare());
  // Without bunches the dispersion stays near 1 and costs almost nothing.
  EXPECT_LE(t.false_starts[3], 12 * kDays / 30);
  EXPECT_GE(t.found5[2] + 2, t.found5[1]);
  EXPECT_GE(t.found10[3] * 10, t.bursts10 * 9);
}

}  // namespace
}  // namespace tw::trends
