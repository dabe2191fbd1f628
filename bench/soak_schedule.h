#pragma once
// The soak benchmark's plan, drawn once from its seed before anything runs:
// when each video is published, by which source, from which clip, with which
// download fault, and when each listing and the webhook receiver misbehave.
// The same seed and length always give the same plan (to_json prints it), so
// a failed soak can be run again as it was.  Header-only.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace tw::bench {

// The sources the soak's monitor lists: a URL list and a command (served
// over HTTP, so their listings can fail) and a folder (written by the bench).
enum class SoakSource { urls, command, folder };

// What a video's download (or, for the folder, its writing) does.
enum class DownloadFault {
  none,
  cut,         // the first request is cut off mid-body (connection closed)
  missing,     // 404 until `missing_for` seconds after publication, then served
  slow_write,  // folder: the file is written in two halves a second apart
};

// What a listing answers during a fault window.
enum class ListingFault { error_500, rate_limit_429, hang, truncated };
// What the webhook receiver does during a fault window.
enum class HookFault { error_500, hang };

inline const char* to_string(SoakSource s) {
  switch (s) {
    case SoakSource::urls:
      return "urls";
    case SoakSource::command:
      return "command";
    case SoakSource::folder:
      return "folder";
  }
  return "?";
}
inline const char* to_string(DownloadFault f) {
  switch (f) {
    case DownloadFault::none:
      return "none";
    case DownloadFault::cut:
      return "cut";
    case DownloadFault::missing:
      return "missing";
    case DownloadFault::slow_write:
      return "slow_write";
  }
  return "?";
}
inline const char* to_string(ListingFault f) {
  switch (f) {
    case ListingFault::error_500:
      return "500";
    case ListingFault::rate_limit_429:
      return "429";
    case ListingFault::hang:
      return "hang";
    case ListingFault::truncated:
      return "truncated";
  }
  return "?";
}
inline const char* to_string(HookFault f) {
  return f == HookFault::error_500 ? "500" : "hang";
}

struct PlannedVideo {
  std::string name;  // "u0003.mp4": unique, so a new URL, file and id each time
  SoakSource source = SoakSource::urls;
  double at = 0;  // seconds after the monitor started
  int clip = 0;   // index into the clip set
  bool with_target = false;
  DownloadFault fault = DownloadFault::none;
  double missing_for = 0;  // seconds, for DownloadFault::missing
};

template <typename Kind>
struct FaultWindow {
  double from = 0, to = 0;  // seconds after the monitor started
  Kind kind{};
  bool covers(double t) const { return t >= from && t < to; }
};

struct SoakPlanOptions {
  std::uint64_t seed = 1;
  double seconds = 300;       // the whole run, drain included
  double interval = 15;       // mean seconds between two publications (0.67x-1.33x)
  double target_share = 0.3;  // of the videos, those showing the target
  int target_clips = 2;       // clips [0, target_clips) show the target
  int clips = 6;
};

struct SoakPlan {
  SoakPlanOptions options;
  double drain = 0;  // the last seconds: nothing published, nothing failing
  std::vector<PlannedVideo> videos;
  std::vector<FaultWindow<ListingFault>> urls_faults, command_faults;
  std::vector<FaultWindow<HookFault>> hook_faults;

  double publish_until() const { return options.seconds - drain; }

  nlohmann::json to_json() const {
    using nlohmann::json;
    json v = json::array();
    for (const auto& p : videos)
      v.push_back({{"name", p.name},
                   {"source", to_string(p.source)},
                   {"at", p.at},
                   {"clip", p.clip},
                   {"target", p.with_target},
                   {"fault", to_string(p.fault)},
                   {"missing_for", p.missing_for}});
    auto windows = [](const auto& list) {
      json out = json::array();
      for (const auto& w : list)
        out.push_back({{"from", w.from}, {"to", w.to}, {"kind", to_string(w.kind)}});
      return out;
    };
    return {{"seed", options.seed},
            {"seconds", options.seconds},
            {"drain", drain},
            {"videos", v},
            {"urls_faults", windows(urls_faults)},
            {"command_faults", windows(command_faults)},
            {"hook_faults", windows(hook_faults)}};
  }
};

// Draws the plan.  Every fault window ends before the drain, and a missing
// download is served again within 90 s: sooner than the monitor's third scan
// attempt (retries 1 and 2 minutes apart), so a video is only lost when the
// monitor loses it.  Fault kinds are dealt from a shuffled deck, so that even
// a short run meets each kind.
inline SoakPlan make_soak_plan(const SoakPlanOptions& options) {
  SoakPlan plan;
  plan.options = options;
  plan.drain = std::clamp(options.seconds / 10, 25.0, 120.0);
  std::mt19937_64 random(options.seed);
  auto uniform = [&](double lo, double hi) {
    return lo + (hi - lo) * std::generate_canonical<double, 53>(random);
  };
  auto chance = [&](double p) { return uniform(0, 1) < p; };
  const double until = plan.publish_until();

  int counts[3] = {0, 0, 0};
  for (double t = 2; t < until; t += uniform(0.67, 1.33) * options.interval) {
    PlannedVideo v;
    const double pick = uniform(0, 1);
    v.source = pick < 0.4   ? SoakSource::urls
               : pick < 0.8 ? SoakSource::command
                            : SoakSource::folder;
    static constexpr char kPrefix[] = {'u', 'c', 'f'};
    const int index = ++counts[static_cast<int>(v.source)];
    char name[32];
    std::snprintf(name, sizeof name, "%c%04d.mp4", kPrefix[static_cast<int>(v.source)], index);
    v.name = name;
    v.at = t;
    v.with_target = chance(options.target_share);
    const int others = options.clips - options.target_clips;
    v.clip = v.with_target ? static_cast<int>(uniform(0, options.target_clips))
                           : options.target_clips + static_cast<int>(uniform(0, others));
    const double fault = uniform(0, 1);
    if (v.source == SoakSource::folder) {
      v.fault = fault < 0.3 ? DownloadFault::slow_write : DownloadFault::none;
    } else if (fault < 0.2) {
      v.fault = DownloadFault::cut;
    } else if (fault < 0.35) {
      v.fault = DownloadFault::missing;
      v.missing_for = uniform(20, 90);
    }
    plan.videos.push_back(v);
  }

  // Fault windows: gaps of 15-75 s (listings) or 30-90 s (webhook), shorter
  // in runs under 10 minutes so that a short run meets them too, lasting
  // 5-20 s (listings) or 8-25 s (webhook), all over before the drain.
  const double gaps = std::clamp(options.seconds / 600, 0.25, 1.0);
  auto deal = [&](auto deck, double first, double gap_lo, double gap_hi, double len_lo,
                  double len_hi, auto& windows) {
    std::size_t next = deck.size();
    gap_lo *= gaps;
    gap_hi *= gaps;
    for (double t = first + uniform(0, gap_lo);; t += uniform(gap_lo, gap_hi)) {
      const double length = uniform(len_lo, len_hi);
      if (t + length > until) break;
      if (next == deck.size()) {
        std::shuffle(deck.begin(), deck.end(), random);
        next = 0;
      }
      windows.push_back({t, t + length, deck[next++]});
      t += length;
    }
  };
  const std::vector<ListingFault> listing_deck = {ListingFault::error_500,
                                                  ListingFault::rate_limit_429, ListingFault::hang,
                                                  ListingFault::truncated};
  deal(listing_deck, 4, 15, 75, 5, 20, plan.urls_faults);
  deal(listing_deck, 6, 15, 75, 5, 20, plan.command_faults);
  deal(std::vector<HookFault>{HookFault::error_500, HookFault::hang}, 5, 30, 90, 8, 25,
       plan.hook_faults);
  return plan;
}

}  // namespace tw::bench
