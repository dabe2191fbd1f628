#include "watch/surge_watch.h"

#include "alerts/trend_alert.h"
#include "trends/trend_report.h"

namespace tw::watch {

namespace {

trends::Millis millis(Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

// Videos whose counted time is ahead of the clock (another machine's clock,
// a platform's) still count, in the window, up to an hour ahead.
constexpr trends::Millis kFutureTolerance = 3600LL * 1000;

}  // namespace

trends::SurgeRule surge_rule(const TrendConfig& config) {
  trends::SurgeRule rule;
  rule.window = millis(config.window);
  rule.baseline = millis(config.baseline);
  rule.min_videos = config.min_videos;
  rule.p_value = config.p_value;
  rule.min_ratio = config.min_ratio;
  return rule;
}

SurgeWatch::SurgeWatch(store::Store& store, const TrendConfig& config, SurgeWatchOptions options)
    : store_(store),
      rule_(surge_rule(config)),
      by_(trends::parse_bucket_size(config.by).value_or(trends::BucketSize::hour)),
      options_(std::move(options)) {}

std::vector<SurgeChange> SurgeWatch::check() {
  return check(store_.now());
}

std::vector<SurgeChange> SurgeWatch::check(store::Millis now) {
  std::vector<SurgeChange> changes;
  for (const store::TargetSummary& target : store_.targets()) {
    for (SurgeChange& change : check_target(target.name, now)) changes.push_back(std::move(change));
  }
  return changes;
}

std::vector<SurgeChange> SurgeWatch::check_target(const std::string& target, store::Millis now) {
  const trends::Millis since = now - rule_.window - rule_.baseline;
  const std::vector<trends::CountedVideo> videos =
      trends::counted_videos(store_, target, since, now + kFutureTolerance);
  trends::SurgeFigures figures = trends::evaluate(videos, now, rule_);
  const std::optional<store::SurgeRecord> open = store_.open_surge(target);
  const trends::SurgeStep step = trends::next_step(open.has_value(), figures);
  if (step == trends::SurgeStep::none) return {};

  SurgeChange change;
  change.target = target;
  change.step = step;
  change.reason = trends::explain(figures, rule_);
  if (step == trends::SurgeStep::end) {
    change.surge_id = open->id;
    store_.end_surge(open->id, now);
  } else {
    // surging() needs a video in the window, so there is a first one.
    const trends::Millis first = figures.window_videos.front().at;
    store::SurgeRecord surge;
    surge.id = trends::surge_id(target, first, by_);
    surge.target = target;
    surge.started_at = trends::bucket_start(first, by_);
    surge.opened_at = now;
    surge.window_ms = rule_.window;
    surge.videos = figures.videos;
    surge.expected = figures.expected;
    surge.views = figures.views;
    surge.reason = change.reason;
    surge.payload_json = alerts::trend_payload(surge.id, target, surge.started_at, figures, rule_,
                                               options_.dashboard_url)
                             .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    change.surge_id = surge.id;
    // False when this surge was stored before (it ended and the same history
    // fires again): it was alerted then, so nothing new is sent.
    change.delivered = store_.start_surge(surge, options_.sinks);
  }
  change.figures = std::move(figures);
  return {std::move(change)};
}

TrendUpkeep::TrendUpkeep(store::Store& store, const Config& config,
                         std::vector<std::string> trend_sinks, EventLog& log,
                         const sources::CancelFlag& stop, Timing timing)
    : store_(store),
      log_(log),
      surges_(store, config.trend,
              SurgeWatchOptions{std::move(trend_sinks), config.watch.dashboard_url}),
      refresher_(store, config,
                 [&stop] {
                   RefreshOptions options;
                   options.cancel = &stop;
                   return options;
                 }()),
      timing_(timing) {}

TrendUpkeep::~TrendUpkeep() {
  if (refreshing_.valid()) refreshing_.wait();
}

void TrendUpkeep::run(bool force) {
  const auto now = std::chrono::steady_clock::now();
  const bool refresh_idle = !refreshing_.valid() || refreshing_.wait_for(std::chrono::seconds(0)) ==
                                                        std::future_status::ready;
  if (force) {
    if (refreshing_.valid()) refreshing_.wait();
    refresh();
    last_refresh_ = now;
  } else if (refresh_idle && now - last_refresh_ >= timing_.refresh_check_every) {
    last_refresh_ = now;
    refreshing_ = std::async(std::launch::async, [this] { refresh(); });
  }
  if (force || now - last_check_ >= timing_.check_every) {
    last_check_ = now;
    check_surges();
  }
}

void TrendUpkeep::check_surges() {
  try {
    for (const SurgeChange& c : surges_.check()) {
      if (c.step == trends::SurgeStep::start)
        log_.event("trend.surge_started", {{"target", c.target},
                                           {"surge", c.surge_id},
                                           {"videos", c.figures.videos},
                                           {"expected", c.figures.expected},
                                           {"views", c.figures.views},
                                           {"new", c.delivered},
                                           {"reason", c.reason}});
      else
        log_.event("trend.surge_ended", {{"target", c.target},
                                         {"surge", c.surge_id},
                                         {"videos", c.figures.videos},
                                         {"expected", c.figures.expected}});
    }
  } catch (const std::exception& e) {
    log_.event("trend.error", {{"error", e.what()}});
  }
}

void TrendUpkeep::refresh() {
  try {
    RefreshReport report = refresher_.refresh_due();
    if (report.tried)
      log_.event("trend.refreshed", {{"tried", report.tried},
                                     {"refreshed", report.refreshed},
                                     {"failed", report.failed},
                                     {"skipped", report.skipped},
                                     {"errors", report.errors}});
  } catch (const std::exception& e) {
    log_.event("trend.error", {{"error", e.what()}});
  }
}

}  // namespace tw::watch
