#pragma once
// The surge watch: after each round of scans and on a timer, every target's
// recent videos are judged by the trends rule (trends/surge.h, config
// [trend]); a surge is started once — its row and one pending `trend`
// delivery per sink that takes trends, in one transaction — and ended when
// both tests fall back.  The open surge lives in the store and its id is
// derived from the history, so the next checks, a restart, or a second
// machine on the same database do not alert again (docs/trends.md).
#include <chrono>
#include <future>
#include <string>
#include <vector>

#include "core/config.h"
#include "sources/cancel.h"
#include "store/store.h"
#include "trends/surge.h"
#include "watch/event_log.h"
#include "watch/refresher.h"

namespace tw::watch {

// The rule of a [trend] table.
trends::SurgeRule surge_rule(const TrendConfig& config);

struct SurgeChange {
  std::string target;
  trends::SurgeStep step = trends::SurgeStep::none;  // start or end
  std::string surge_id;
  trends::SurgeFigures figures;
  std::string reason;     // explain(): why it started (or the figures when it ended)
  bool delivered = true;  // start: false when the id was already stored (no new alert)
};

struct SurgeWatchOptions {
  std::vector<std::string> sinks;  // the sinks that take trend alerts
  std::string dashboard_url;       // for the alert's link to the trend page; "" = none
};

class SurgeWatch {
 public:
  // The store must outlive the watch.
  SurgeWatch(store::Store& store, const TrendConfig& config, SurgeWatchOptions options);

  // Judges every target that has an appearance, at the store's now (or
  // `now` when given, for tests); returns the surges started and ended.
  std::vector<SurgeChange> check();
  std::vector<SurgeChange> check(store::Millis now);
  // One target only.
  std::vector<SurgeChange> check_target(const std::string& target, store::Millis now);

 private:
  store::Store& store_;
  trends::SurgeRule rule_;
  trends::BucketSize by_;
  SurgeWatchOptions options_;
};

// What the monitor calls, after each round of scans and from its loop: the
// surge watch (every `check_every`, or at once when forced) and the refresh
// of figures (every `refresh_check_every`, on a thread of its own: yt-dlp may
// take a while), each logged as events ("trend.surge_started", "trend.surge_ended",
// "trend.refreshed", "trend.error").
class TrendUpkeep {
 public:
  struct Timing {
    std::chrono::milliseconds check_every{std::chrono::minutes(1)};
    std::chrono::milliseconds refresh_check_every{std::chrono::minutes(5)};
  };
  TrendUpkeep(store::Store& store, const Config& config, std::vector<std::string> trend_sinks,
              EventLog& log, const sources::CancelFlag& stop, Timing timing);
  TrendUpkeep(store::Store& store, const Config& config, std::vector<std::string> trend_sinks,
              EventLog& log, const sources::CancelFlag& stop)
      : TrendUpkeep(store, config, std::move(trend_sinks), log, stop, Timing{}) {}
  ~TrendUpkeep();  // waits for a refresh under way (each yt-dlp run is bounded)

  // Runs what is due; `force`: the surge check now, and a refresh cycle now
  // (waited for), as `watch --once` does after its scans.
  void run(bool force = false);

 private:
  void check_surges();
  void refresh();

  store::Store& store_;
  EventLog& log_;
  SurgeWatch surges_;
  Refresher refresher_;
  Timing timing_;
  std::chrono::steady_clock::time_point last_check_{}, last_refresh_{};
  std::future<void> refreshing_;
};

}  // namespace tw::watch
