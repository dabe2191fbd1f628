#include "trends/surge.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/config.h"
#include "core/hash.h"

namespace tw::trends {

double poisson_upper_tail(double k, double mu) {
  // P(X >= k) = P(k, mu) = gamma(k, mu) / Gamma(k), by its series
  // mu^k e^-mu / Gamma(k + 1) * sum_n mu^n / ((k + 1) ... (k + n)), whose
  // terms are all positive: no cancellation, however small the tail.
  if (!(k > 0)) return 1.0;
  if (!(mu > 0)) return 0.0;
  const double log_front = k * std::log(mu) - mu - std::lgamma(k + 1);
  double term = 1, sum = 1;
  for (int n = 1; n < 1000000; ++n) {
    term *= mu / (k + n);
    sum += term;
    if (term <= sum * 1e-17) break;
  }
  return std::clamp(std::exp(log_front + std::log(sum)), 0.0, 1.0);
}

namespace {

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::string plural(std::int64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string short_p(double p) {
  char buffer[32];
  if (p >= 0.001)
    std::snprintf(buffer, sizeof buffer, "%.3f", p);
  else
    std::snprintf(buffer, sizeof buffer, "%.1e", p);
  return buffer;
}

// Variance / mean of the counts in the window-long slots that tile the
// baseline (newest slot ending where the window starts); 1 when too short.
double dispersion_of(std::span<const CountedVideo> videos, Millis window_start,
                     const SurgeRule& rule) {
  const auto slots = static_cast<std::size_t>(rule.baseline / std::max<Millis>(rule.window, 1));
  if (slots < 2) return 1;
  std::vector<double> counts(slots, 0);
  const Millis first = window_start - static_cast<Millis>(slots) * rule.window;
  for (const CountedVideo& v : videos)
    if (v.at >= first && v.at < window_start)
      counts[static_cast<std::size_t>((v.at - first) / rule.window)] += 1;
  double mean = 0;
  for (double c : counts) mean += c;
  mean /= static_cast<double>(slots);
  if (mean <= 0) return 1;
  double variance = 0;
  for (double c : counts) variance += (c - mean) * (c - mean);
  variance /= static_cast<double>(slots - 1);
  return std::clamp(variance / mean, 1.0, std::max(rule.max_dispersion, 1.0));
}

}  // namespace

SurgeFigures evaluate(std::span<const CountedVideo> videos, Millis now, const SurgeRule& rule) {
  SurgeFigures f;
  f.now = now;
  f.window_start = now - rule.window;
  f.baseline_start = f.window_start - rule.baseline;
  std::vector<double> baseline_views;
  for (const CountedVideo& v : videos) {
    if (v.at >= f.window_start) {
      f.window_videos.push_back(v);
      f.views += v.views.value_or(0);
      f.top_views = std::max(f.top_views, v.views.value_or(0));
    } else if (v.at >= f.baseline_start) {
      ++f.baseline_videos;
      if (v.views)
        baseline_views.push_back(static_cast<double>(std::max<std::int64_t>(*v.views, 0)));
    }
  }
  std::sort(f.window_videos.begin(), f.window_videos.end(),
            [](const CountedVideo& a, const CountedVideo& b) {
              return a.at != b.at ? a.at < b.at : a.video_id < b.video_id;
            });
  f.videos = static_cast<std::int64_t>(f.window_videos.size());

  // Counts.
  const double baseline_count =
      std::max(static_cast<double>(f.baseline_videos), rule.empty_baseline_videos);
  f.expected =
      baseline_count / static_cast<double>(rule.baseline) * static_cast<double>(rule.window);
  const double k = static_cast<double>(f.videos);
  f.dispersion = dispersion_of(videos, f.window_start, rule);
  f.p = poisson_upper_tail(k / f.dispersion, f.expected / f.dispersion);
  f.by_count =
      f.videos >= rule.min_videos && f.p < rule.p_value && k >= rule.min_ratio * f.expected;
  f.count_holds = f.videos >= 1 && f.p < rule.end_p_value && k >= rule.end_ratio * f.expected;

  // Reach, on a log scale: views are heavy-tailed.
  f.baseline_median_views = median(baseline_views);
  f.typical_views = std::max(f.baseline_median_views, static_cast<double>(rule.min_views));
  std::vector<double> logs;
  for (double v : baseline_views) logs.push_back(std::log1p(v));
  const double log_median = median(logs);
  std::vector<double> deviations;
  for (double l : logs) deviations.push_back(std::fabs(l - log_median));
  f.spread = std::max(1.4826 * median(deviations), rule.min_spread);
  if (f.videos >= 1 && f.spread > 0) {
    f.reach_z =
        (std::log1p(static_cast<double>(f.top_views)) - std::log1p(f.typical_views)) / f.spread;
    f.by_reach = f.reach_z >= rule.reach_z;
    f.reach_holds = f.reach_z >= rule.end_reach_z;
  }
  return f;
}

SurgeStep next_step(bool open, const SurgeFigures& figures) {
  if (!open) return figures.surging() ? SurgeStep::start : SurgeStep::none;
  return figures.holds() ? SurgeStep::none : SurgeStep::end;
}

std::string surge_id(const std::string& target, Millis first_video_at, BucketSize size) {
  return sha256_hex("trend\n" + target + "\n" + std::to_string(bucket_start(first_video_at, size)))
      .substr(0, 32);
}

std::string compact_number(double value) {
  char buffer[32];
  const double a = std::fabs(value);
  if (a < 1000) {
    std::snprintf(buffer, sizeof buffer, "%.0f", value);
  } else {
    const char* units[] = {"k", "M", "B", "T"};
    int unit = 0;
    double scaled = value / 1000;
    while (std::fabs(scaled) >= 999.95 && unit < 3) {
      scaled /= 1000;
      ++unit;
    }
    std::snprintf(buffer, sizeof buffer, std::fabs(scaled) < 99.95 ? "%.1f" : "%.0f", scaled);
    std::string out = buffer;
    if (out.size() > 2 && out.compare(out.size() - 2, 2, ".0") == 0) out.resize(out.size() - 2);
    return out + units[unit];
  }
  return buffer;
}

std::string explain(const SurgeFigures& f, const SurgeRule& rule) {
  const std::string window = format_duration(Duration(rule.window));
  const std::string baseline = format_duration(Duration(rule.baseline));
  char expected[32];
  std::snprintf(expected, sizeof expected, f.expected < 10 ? "%.1f" : "%.0f", f.expected);
  const std::string count = plural(f.videos, "video", "videos") + " in the last " + window +
                            "; about " + expected + " expected from the past " + baseline +
                            " (p = " + short_p(f.p) + ")";
  const std::string typical =
      f.baseline_median_views >= static_cast<double>(rule.min_views)
          ? compact_number(f.baseline_median_views) + " (median of the past " + baseline + ")"
          : "under " + compact_number(static_cast<double>(rule.min_views));
  const std::string top = compact_number(static_cast<double>(f.top_views)) + " views";
  if (f.by_count && f.by_reach)
    return count + "; the most viewed reached " + top + ", its videos usually reach " + typical;
  if (f.by_reach)
    return "a video in the last " + window + " reached " + top + "; its videos usually reach " +
           typical;
  return count;
}

}  // namespace tw::trends
