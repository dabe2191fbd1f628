#include "watch/monitor.h"

#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <future>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "alerts/outbox.h"
#include "alerts/sink.h"
#include "core/errors.h"
#include "core/redact.h"
#include "models/model_dir.h"
#include "scan/scan_job.h"
#include "scan/scanner.h"
#include "sources/fetch.h"
#include "sources/sources.h"
#include "store/store.h"
#include "targets/target_store.h"
#include "watch/event_log.h"
#include "watch/source_poll.h"
#include "watch/surge_watch.h"
#include "watch/ytdlp_check.h"

namespace tw::watch {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || !buf[0]) return "localhost";
  return buf;
}

// A file-name-safe stem for evidence of one video: "<platform>-<id>".
std::string evidence_stem(const VideoRef& v) {
  std::string out = v.platform + "-" + v.id;
  for (char& c : out)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) c = '_';
  return out.substr(0, 120);
}

store::RetryPolicy retry_policy(const WatchConfig& watch) {
  store::RetryPolicy policy;
  policy.delivery_retry_base = watch.outbox_retry_initial;
  policy.delivery_retry_cap = watch.outbox_retry_max;
  policy.max_delivery_attempts = watch.outbox_max_attempts;
  policy.scan_retry_base = watch.scan_retry_initial;
  policy.scan_retry_cap = watch.scan_retry_max;
  policy.max_scan_attempts = watch.scan_max_attempts;
  return policy;
}

// A scan that failed because a disk is full (the download's own words, a
// library's strerror(ENOSPC), or any failure while the cache or evidence
// folder has under 1 MiB left, as when an image writer says only that it
// could not write): the reason as status shows it, else nullopt.
std::optional<std::string> no_space_reason(const std::string& error,
                                           const std::vector<fs::path>& folders) {
  constexpr std::uintmax_t kNearlyFull = 1024 * 1024;
  if (error.find("the disk is full") != std::string::npos) return error;
  if (error.find("No space left on device") != std::string::npos)
    return "the disk is full: " + error;
  for (const fs::path& folder : folders) {
    std::error_code ec;
    fs::space_info space = fs::space(folder, ec);
    if (!ec && space.available < kNearlyFull)
      return "the disk is full: no space left to write into " + folder.string() + " (" + error +
             ")";
  }
  return std::nullopt;
}

class Monitor {
 public:
  Monitor(const Config& config, const Home& home, const MonitorOptions& options,
          const std::atomic<bool>& stop)
      : config_(config),
        home_(home),
        options_(options),
        stop_(stop),
        log_(options.log ? *options.log : std::cerr) {}

  int run() {
    SpdlogToEventLog spdlog_to_events(log_);
    remember_secrets(config_);
    store::StoreOptions store_options;
    store_options.retry = retry_policy(config_.watch);
    store_ = store::open_store(config_.store.url, store_options);
    outbox_ = std::make_unique<alerts::Outbox>(
        *store_,
        alerts::make_sinks(config_.alerts, options_.console ? *options_.console : std::cout));
    trends_ = std::make_unique<TrendUpkeep>(
        *store_, config_, outbox_->sink_names(store::kTrendDelivery), log_, stop_);
    worker_ = options_.worker.empty() ? options_.kind + "@" + host_name() : options_.worker;
    cache_dir_ =
        config_.watch.cache_dir.empty() ? home_.cache() / "videos" : config_.watch.cache_dir;
    fs::create_directories(cache_dir_);

    for (const SourceConfig& s : config_.sources)
      store_->upsert_source({s.name, std::string(to_string(s.kind)), redact_url(s.location)});

    if (!options_.no_scan) {
      targets_ = scan::chosen_targets(home_.targets(), config_.scan.targets);
      target_set_version_ = targets::TargetStore::set_version_of(targets_);
      models_ = std::make_unique<models::ModelDir>(models::ModelDir::open(home_.models()));
      // Fail now, not in every worker: the models must load.
      models_->verified_path(models::kFaceDetector);
      if (options_.rescan) {
        int n = store_->rescan(target_set_version_);
        log_.event("rescan", {{"videos", n}, {"target_set", target_set_version_}});
      }
      take_back_own_leases();
      int removed = sources::remove_partial_downloads(cache_dir_);
      if (removed) log_.event("cache.partial_removed", {{"files", removed}});
      trim_cache();
    }
    std::vector<std::string> names;
    for (const auto& t : targets_) names.push_back(t.name);
    log_.event("start", {{"worker", worker_},
                         {"store", redact_url(config_.store.url)},
                         {"sources", config_.sources.size()},
                         {"alerts", outbox_->sink_names()},
                         {"targets", names},
                         {"once", options_.once}});
    log_ytdlp_versions();

    if (options_.once)
      run_once();
    else
      run_forever();

    trends_->run(/*force=*/options_.once);  // after the scans: surges, refreshed figures
    deliver();
    auto depth = store_->queue_depth();
    log_.event("stop", {{"queued", depth.queued},
                        {"scanning", depth.scanning},
                        {"done", depth.done},
                        {"failed", depth.failed},
                        {"deliveries_pending", depth.deliveries_pending}});
    return has_fatal_.load() ? exit_code::error : exit_code::ok;
  }

 private:
  // --- sources ---------------------------------------------------------------

  void poll(const SourceConfig& source) { poll_source(*store_, log_, source, &stop_); }

  // Each distinct yt-dlp the sources use: path, version and age, and a
  // warning with the way out when it is too old to work on TikTok.
  void log_ytdlp_versions() {
    for (const YtdlpCheck& check : check_ytdlps(config_)) {
      log_.event("ytdlp", to_json(check));
      if (check.version.too_old)
        log_.event("ytdlp.warning", {{"program", check.use.program},
                                     {"sources", check.use.sources},
                                     {"warning", sources::describe(check.version)},
                                     {"advice", check.version.advice}});
    }
  }

  void poll_all_once() {
    std::vector<std::thread> threads;
    for (const SourceConfig& s : config_.sources)
      if (s.enabled) threads.emplace_back([this, &s] { poll(s); });
    for (auto& t : threads) t.join();
  }

  // Starts a listing for every due source that is not already being listed.
  void poll_due(std::map<std::string, std::future<void>>& in_flight) {
    for (auto it = in_flight.begin(); it != in_flight.end();) {
      if (it->second.wait_for(std::chrono::seconds(0)) == std::future_status::ready)
        it = in_flight.erase(it);
      else
        ++it;
    }
    std::vector<std::string> due;
    try {
      due = store_->due_sources();
    } catch (const std::exception& e) {
      log_.event("store.error", {{"error", e.what()}});
      return;
    }
    for (const auto& name : due) {
      const SourceConfig* source = config_.find_source(name);
      if (!source || !source->enabled || in_flight.count(name)) continue;
      in_flight[name] = std::async(std::launch::async, [this, source] { poll(*source); });
    }
  }

  // --- scanning ----------------------------------------------------------------

  // A restart under the same worker name takes its unfinished videos back
  // at once instead of waiting for their leases to run out.
  void take_back_own_leases() {
    for (const auto& v : store_->videos(store::VideoState::scanning, 10000, 0)) {
      if (v.lease_owner.rfind(worker_ + "#", 0) != 0) continue;
      // Counted as an attempt: a video that kills its worker is given up in the end.
      if (store_->expire_lease(v.id, v.lease_owner))
        log_.event("video.lease_expired", {{"video", v.id}, {"reason", "restart"}});
    }
  }

  scan::ScanOptions scan_options() const {
    scan::ScanOptions o = scan::scan_options_from(config_.scan);
    o.evidence_dir = home_.evidence();
    o.cancel = &stop_;  // a shutdown gives the video back (process)
    return o;
  }

  // Renews a lease every third of its length while a video is worked on.
  class Heartbeat {
   public:
    Heartbeat(store::Store& store, std::int64_t video, std::string owner,
              std::chrono::milliseconds lease)
        : thread_([this, &store, video, owner = std::move(owner), lease] {
            std::unique_lock lock(mutex_);
            while (!done_) {
              if (cv_.wait_for(lock, lease / 3, [this] { return done_; })) break;
              try {
                store.renew_lease(video, owner, lease);
              } catch (const std::exception&) {
                // The next beat tries again; an expired lease only means
                // another worker may redo the scan, which is idempotent.
              }
            }
          }) {}
    ~Heartbeat() {
      {
        std::lock_guard lock(mutex_);
        done_ = true;
      }
      cv_.notify_all();
      thread_.join();
    }

   private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool done_ = false;
    std::thread thread_;
  };

  void process(scan::Scanner& scanner, const store::VideoRecord& video, const std::string& owner) {
    const VideoRef& ref = video.ref;
    store::Millis started = store_->now();
    log_.event("scan.start", {{"video", video.id},
                              {"platform", ref.platform},
                              {"id", ref.id},
                              {"worker", owner},
                              {"attempt", video.attempts}});
    Heartbeat heartbeat(*store_, video.id, owner, options_.lease);
    try {
      const SourceConfig* source = config_.find_source(ref.source);
      sources::FetchLimits limits = source ? sources::FetchLimits::from(config_.scan, *source)
                                           : sources::FetchLimits::from(config_.scan);
      limits.cancel = &stop_;
      sources::FetchOutcome fetched = sources::fetch(ref, cache_dir_, limits);
      if (!fetched.media_url_failure.empty())
        log_.event("fetch.media_url_failed",
                   {{"video", video.id}, {"error", fetched.media_url_failure}});
      const fs::path& file = fetched.file;
      scan::ScanResult r = scanner.scan(file, evidence_stem(ref));

      store::FinishedScan result;
      result.video_id = video.id;
      result.worker = owner;
      result.target_set_version = target_set_version_;
      result.started_at = started;
      result.frames_sampled = static_cast<int>(r.frames_sampled);
      result.duration = r.duration;
      result.timings_json = scan::timings_json(r.timings).dump();
      result.appearances = r.appearances;
      result.sinks = outbox_->sink_names(store::kAppearanceDelivery);
      result.under_lease = true;
      std::optional<store::CompletedScan> stored = store_scan(result);
      if (!stored) return;  // the store stayed away: the lease runs out, the video is redone
      const store::CompletedScan& done = *stored;
      if (fetched.method != sources::FetchMethod::local) {
        std::error_code ec;
        fs::remove(file, ec);  // scanned: the evidence is kept, the download is not needed
      }
      if (done.superseded) {
        log_.event("scan.superseded", {{"video", video.id},
                                       {"worker", owner},
                                       {"reason", "the lease was taken over or the video done"}});
        return;
      }
      for (std::size_t i = 0; i < r.appearances.size(); ++i) {
        const Appearance& a = r.appearances[i];
        log_.event("appearance", {{"id", done.appearance_ids[i]},
                                  {"video", video.id},
                                  {"target", a.target},
                                  {"start", a.start},
                                  {"end", a.end},
                                  {"score", a.best_score}});
      }
      log_.event("scan.done", {{"video", video.id},
                               {"duration", r.duration},
                               {"frames", r.frames_sampled},
                               {"appearances", r.appearances.size()},
                               {"wall", r.timings.wall},
                               {"warning", r.error}});
    } catch (const scan::Cancelled&) {
      release_on_shutdown(video.id, owner);
    } catch (const sources::Cancelled&) {
      release_on_shutdown(video.id, owner);
    } catch (const std::exception& e) {
      try {
        // A full disk is retried without using up one of the video's attempts.
        std::optional<std::string> no_space =
            no_space_reason(e.what(), {cache_dir_, home_.evidence()});
        store::VideoState state = store_->fail_scan(
            video.id, owner, redact_text(no_space ? *no_space : e.what()), started,
            no_space ? store::ScanFailure::no_space : store::ScanFailure::error);
        log_.event("scan.failed", {{"video", video.id},
                                   {"error", no_space ? *no_space : e.what()},
                                   {"attempt_used", !no_space},
                                   {"state", store::to_string(state)}});
        // A failed video's download stays for its retry (or for good, once
        // given up): keep the folder under [watch] cache_max_bytes.
        trim_cache();
      } catch (const std::exception& store_error) {
        // The store is unreachable too: the lease runs out and the video is
        // claimed again once it is back.
        log_.event("store.error", {{"video", video.id}, {"error", store_error.what()}});
      }
    }
  }

  // Both cancel flags (download and scan) are stop_: shutdown, not a failure.
  void release_on_shutdown(std::int64_t video, const std::string& owner) {
    try {
      store_->release_video(video, owner);
      log_.event("video.released", {{"video", video}, {"reason", "shutdown"}});
    } catch (const std::exception& e) {
      // The store is away: the lease runs out and the video is claimed again.
      log_.event("store.error", {{"video", video}, {"error", e.what()}});
    }
  }

  // A finished scan is worth waiting for: while the store is unreachable
  // (a database restart) it is offered again every second, for as long as
  // the lease would last (at least a minute), unless the monitor stops.
  // Under the lease, a retry after a commit whose answer was lost stores
  // nothing twice.  nullopt when the store stayed away.
  std::optional<store::CompletedScan> store_scan(const store::FinishedScan& result) {
    const auto give_up_at =
        Clock::now() + std::max<std::chrono::milliseconds>(options_.lease, std::chrono::minutes(1));
    for (;;) {
      try {
        return store_->complete_scan(result);
      } catch (const InputError&) {
        throw;  // the result itself is refused: a failed scan
      } catch (const store::StoreError& e) {
        log_.event("store.error", {{"video", result.video_id}, {"error", e.what()}});
        if (stop_.load() || Clock::now() >= give_up_at) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::seconds(1));
      }
    }
  }

  // Oldest files first; finished scans delete their own download.
  void trim_cache() {
    int trimmed = sources::trim_cache(cache_dir_, config_.watch.cache_max_bytes);
    if (trimmed) log_.event("cache.trimmed", {{"files", trimmed}});
  }

  // One scanning thread: claims videos until stopped (or, with stop_when_idle,
  // until no video is queued or being scanned).
  void scan_worker(int index, const std::atomic<bool>& stop_when_idle) {
    const std::string owner = worker_ + "#" + std::to_string(index);
    std::unique_ptr<scan::Scanner> scanner;
    try {
      scanner = std::make_unique<scan::Scanner>(*models_, targets_, scan_options());
    } catch (const std::exception& e) {
      record_fatal(e.what());
      return;
    }
    while (!stop_.load()) {
      std::optional<store::VideoRecord> video;
      try {
        video = store_->claim_video(owner, options_.lease);
      } catch (const std::exception& e) {
        // The store is unreachable: not an empty queue, so even a draining
        // worker waits for it to come back.
        log_.event("store.error", {{"error", e.what()}});
        std::this_thread::sleep_for(std::max(options_.tick, std::chrono::milliseconds(1000)));
        continue;
      }
      if (!video) {
        // Idle means nothing left to claim now or later: a video another
        // worker is scanning either completes or, if that worker died, its
        // lease runs out and it is claimed here.
        if (stop_when_idle.load() && !others_are_scanning()) return;
        std::this_thread::sleep_for(options_.tick);
        continue;
      }
      process(*scanner, *video, owner);
    }
  }

  bool others_are_scanning() {
    try {
      return store_->queue_depth().scanning > 0;
    } catch (const std::exception& e) {
      log_.event("store.error", {{"error", e.what()}});
      return true;  // unknown: keep waiting, as for a failed claim
    }
  }

  void run_workers(const std::atomic<bool>& stop_when_idle) {
    // Inference threads are process-wide: share the cores among the scan
    // workers (as `scan --jobs` does) rather than give each all of them.
    const int concurrency = std::max(1, config_.watch.concurrency);
    scan::share_cores(concurrency, 0);
    std::vector<std::thread> workers;
    for (int i = 0; i < concurrency; ++i)
      workers.emplace_back([this, i, &stop_when_idle] { scan_worker(i + 1, stop_when_idle); });
    for (auto& w : workers) w.join();
  }

  // --- alerts ----------------------------------------------------------------

  void deliver() {
    try {
      alerts::DeliveryReport report = outbox_->deliver_due(1000);
      if (report.delivered || report.failed || report.given_up)
        log_.event("alerts.delivered", {{"delivered", report.delivered},
                                        {"failed", report.failed},
                                        {"given_up", report.given_up},
                                        {"skipped", report.skipped}});
    } catch (const std::exception& e) {
      log_.event("alerts.error", {{"error", e.what()}});
    }
  }

  // --- the two modes ------------------------------------------------------------

  void run_once() {
    if (!options_.no_poll) poll_all_once();
    if (!options_.no_scan && !stop_.load()) {
      std::atomic<bool> stop_when_idle{true};
      run_workers(stop_when_idle);
    }
  }

  void run_forever() {
    std::atomic<bool> stop_when_idle{options_.drain};
    std::atomic<bool> workers_done{options_.no_scan};
    std::thread scanning;
    if (!options_.no_scan)
      scanning = std::thread([this, &stop_when_idle, &workers_done] {
        run_workers(stop_when_idle);
        workers_done = true;
      });
    std::map<std::string, std::future<void>> in_flight;
    auto last_delivery = Clock::time_point{};
    while (!stop_.load() && !has_fatal_.load()) {
      if (!options_.no_poll) poll_due(in_flight);
      if (Clock::now() - last_delivery >= std::chrono::seconds(1)) {
        trends_->run();
        deliver();
        last_delivery = Clock::now();
      }
      // A draining worker (no polling) ends when the queue is empty.
      if (options_.drain && options_.no_poll && workers_done.load()) break;
      std::this_thread::sleep_for(options_.tick);
    }
    if (scanning.joinable()) {
      // On stop the workers give their videos back; on drain they finish.
      stop_when_idle = true;
      scanning.join();
    }
    for (auto& [name, f] : in_flight) f.wait();  // each listing has its own timeout
  }

  void record_fatal(const std::string& error) {
    std::lock_guard lock(fatal_mutex_);
    if (fatal_.empty()) fatal_ = error;
    has_fatal_ = true;
    log_.event("fatal", {{"error", error}});
  }

  const Config& config_;
  const Home& home_;
  const MonitorOptions& options_;
  const std::atomic<bool>& stop_;
  EventLog log_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<alerts::Outbox> outbox_;
  std::unique_ptr<TrendUpkeep> trends_;
  std::unique_ptr<models::ModelDir> models_;
  std::vector<targets::Target> targets_;
  std::string target_set_version_;
  std::string worker_;
  fs::path cache_dir_;
  std::mutex fatal_mutex_;
  std::string fatal_;
  std::atomic<bool> has_fatal_{false};
};

}  // namespace

int run_monitor(const Config& config, const Home& home, const MonitorOptions& options,
                const std::atomic<bool>& stop) {
  Monitor monitor(config, home, options, stop);
  return monitor.run();
}

}  // namespace tw::watch
