// [trend]: when a target is surging, and how long reach is followed
// (docs/trends.md).
#include "core/config_table.h"

namespace tw::config {

namespace {

constexpr Key<TrendConfig> kKeys[] = {
    {"window", Type::duration, value("6h"), "the recent stretch whose videos may be a surge",
     to<&TrendConfig::window>},
    {"baseline", Type::duration, value("7d"),
     "the stretch before the window whose rate is the usual; longer than `window`",
     to<&TrendConfig::baseline>},
    {"min_videos", Type::integer, value("3"), "fewest videos in the window that make a surge",
     to<&TrendConfig::min_videos>, at_least(1)},
    {"by", Type::string, value("hour"), "bucket size of trend figures (UTC)", to<&TrendConfig::by>,
     one_of("hour day")},
    {"p_value", Type::number, value("0.001"),
     "how unlikely the window's count (or reach) must be at the baseline's rate",
     to<&TrendConfig::p_value>, above(0, 0.5)},
    {"min_ratio", Type::number, value("3.0"),
     "the window must also hold this many times the expected", to<&TrendConfig::min_ratio>,
     at_least(1)},
    {"refresh_every", Type::duration, value("6h"),
     "how often the figures of a video with an appearance are observed again",
     to<&TrendConfig::refresh_every>},
    {"refresh_for", Type::duration, value("3d"), "for how long after the video was first seen",
     to<&TrendConfig::refresh_for>},
};

// The baseline is what the window is compared with: it must be the longer.
void check(const TrendConfig& trend, const Table& table) {
  if (trend.window >= trend.baseline)
    table.fail_at(table.has("window") ? "window" : "baseline",
                  "[trend].window (" + format_duration(trend.window) +
                      ") must be shorter than [trend].baseline (" +
                      format_duration(trend.baseline) + ")");
}

}  // namespace

const Section kTrendSection = plain_section<&Config::trend, kKeys, check>("trend");

}  // namespace tw::config
