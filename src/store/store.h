#pragma once
// The store: every source, video, scan, appearance and alert delivery, behind
// one interface so that SQLite (one machine) and PostgreSQL (several) are
// interchangeable.  Every write that must not be half-done is one transaction;
// see docs/store.md for the schema and the delivery guarantee.
//
// Times are unix milliseconds (UTC) from the store's clock (StoreOptions).
// A Store object may be shared by threads (calls are serialized); processes
// share a database file or server.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.h"

namespace tw::store {

using Millis = std::int64_t;  // unix time in milliseconds

// A database failure that is not the user's input (disk full, I/O error,
// lost connection).  Bad URLs and too-new schemas throw tw::InputError.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class VideoState { queued, scanning, done, failed };
enum class DeliveryState { pending, delivered, failed };
enum class Verdict { none, confirmed, dismissed };

std::string to_string(VideoState s);
std::string to_string(DeliveryState s);
std::string to_string(Verdict v);                  // none -> ""
VideoState parse_video_state(std::string_view s);  // throws InputError
DeliveryState parse_delivery_state(std::string_view s);
Verdict parse_verdict(std::string_view s);  // "", "confirmed", "dismissed"

// The stable idempotency key of an appearance: the same (platform, video id,
// target, target-set version, start rounded to 0.1 s) always gives the same id.
std::string appearance_id(const VideoRef& video, const std::string& target,
                          const std::string& target_set_version, double start_seconds);

// A source as the store knows it (its health is in SourceRecord).  Not
// tw::SourceConfig, the configured source with all its keys.
struct SourceIdentity {
  std::string name;  // unique; the key
  std::string kind;  // urls | ytdlp | folder | command | ...
  std::string location;
};

struct SourceRecord {
  SourceIdentity config;
  std::optional<Millis> last_poll_at;
  std::optional<Millis> last_success_at;
  std::string last_error;  // of the latest failure, kept after a success
  std::optional<Millis> last_error_at;
  int consecutive_failures = 0;
  std::optional<Millis> next_poll_at;
  std::int64_t videos = 0;            // videos this source listed that the store kept
  std::vector<std::string> warnings;  // of the latest successful poll
  std::string state = "{}";           // the source's own JSON (cursors, file offsets)
};

struct VideoRecord {
  std::int64_t id = 0;  // the store's row id (what the dashboard links to)
  VideoRef ref;         // ref.platform + ref.id is the dedupe key
  Millis first_seen_at = 0;
  VideoState state = VideoState::queued;
  int attempts = 0;  // claims so far (reset by a rescan)
  Millis next_attempt_at = 0;
  std::string lease_owner;
  std::optional<Millis> lease_expires_at;
  std::string last_error;
  std::string target_set_version;      // the version it was last scanned for; "" = never
  std::optional<double> duration;      // seconds: the scan's measure, else the listing's
  std::optional<Millis> posted_ms;     // ref.posted_at parsed, when it could be
  std::optional<VideoStats> latest;    // the newest figures (also in ref.stats)
  std::optional<Millis> refreshed_at;  // when its figures were last re-observed (or tried)
};

struct ScanRecord {
  std::int64_t id = 0;
  std::int64_t video_id = 0;
  std::string target_set_version;
  std::string worker;
  Millis started_at = 0;
  Millis finished_at = 0;
  int frames_sampled = 0;
  std::string status;  // "done" | "failed"
  std::string error;
  std::string timings_json = "{}";  // per-stage timings, e.g. {"decode_ms": 12}
};

struct AppearanceRecord {
  std::string id;  // appearance_id(...)
  std::int64_t video_id = 0;
  VideoRef video;  // with hashtags and stats (the latest figures) for the alert

  std::optional<std::int64_t> scan_id;
  std::string target_set_version;
  Appearance appearance;  // target, start, end, best_*, box, frames, evidence
  Verdict verdict = Verdict::none;
  std::optional<Millis> verdict_at;
  Millis created_at = 0;
};

// What a delivery announces: an appearance, or a trend surge.
inline constexpr const char* kAppearanceDelivery = "appearance";
inline constexpr const char* kTrendDelivery = "trend";

struct DeliveryRecord {
  std::int64_t id = 0;
  std::string appearance_id;  // the alert's id: an appearance's, or a surge's (kind)
  std::string sink;
  DeliveryState state = DeliveryState::pending;
  int attempts = 0;
  Millis next_attempt_at = 0;
  std::string last_error;
  std::optional<Millis> delivered_at;
  std::string kind = kAppearanceDelivery;  // kAppearanceDelivery | kTrendDelivery
};

struct EnqueueResult {
  std::int64_t video_id = 0;
  bool is_new = false;
  bool observed = false;  // the listing's figures were stored as an observation
};

// list_videos(): "" / nullopt = no filter.
struct VideoQuery {
  std::string source;
  std::string target;           // videos with a non-dismissed appearance of it
  std::optional<Millis> since;  // first seen or posted at or after
  int limit = 100;
  int offset = 0;
};

// Requests and records counted against a daily quota.
struct QuotaUsage {
  std::int64_t requests = 0, records = 0;
};

// A video counted for a target's trend: at its posted time, else when first seen.
struct TrendVideo {
  VideoRecord video;
  std::string target;
  Millis counted_at = 0;
  std::int64_t appearances = 0;  // non-dismissed ones of the target in the video
  float best_score = 0;
  std::string best_appearance_id;
};

// A target's surge: far more videos (or reach) than its baseline predicts.
struct SurgeRecord {
  std::string id;  // deterministic per surge: the trend alert's id
  std::string target;
  Millis started_at = 0;  // start of its first bucket
  Millis opened_at = 0;   // when it was detected; 0 = the store's now
  std::optional<Millis> ended_at;
  Millis window_ms = 0;
  std::int64_t videos = 0;
  double expected = 0;
  std::int64_t views = 0;
  std::string reason;
  std::string payload_json = "{}";  // the alert, as sent
};

// What a finished scan hands to the store, all stored in one transaction.
// Why a scan failed: the video itself (or its source), or no disk space to
// write the download or the evidence (the machine's fault, not the video's).
enum class ScanFailure { error, no_space };

struct FinishedScan {
  std::int64_t video_id = 0;
  std::string worker;  // the lease owner; its lease is cleared
  std::string target_set_version;
  Millis started_at = 0;
  Millis finished_at = 0;  // 0 = the store's now
  int frames_sampled = 0;
  std::optional<double> duration;  // seconds of video
  std::string timings_json = "{}";
  std::vector<Appearance> appearances;
  std::vector<std::string> sinks;  // one pending delivery per appearance per sink
  // A worker's scan under a lease: stored only while `worker` still holds
  // the video (a worker whose lease ran out and was taken over, or whose
  // video another worker already finished, stores nothing).
  bool under_lease = false;
};

struct CompletedScan {
  std::int64_t scan_id = 0;                 // 0 when superseded
  std::vector<std::string> appearance_ids;  // in the order given
  int new_deliveries = 0;                   // 0 for appearances already stored earlier
  // under_lease and the lease was no longer the worker's: nothing stored.
  bool superseded = false;
};

struct AppearanceFilter {
  std::string target;              // "" = all
  std::optional<Verdict> verdict;  // nullopt = any; Verdict::none = not reviewed yet
  std::optional<std::int64_t> video_id;
  int limit = 50;
  int offset = 0;
};

struct VideoDetail {
  VideoRecord video;
  std::vector<AppearanceRecord> appearances;  // by start time
  std::vector<ScanRecord> scans;              // newest first
};

struct TargetSummary {
  std::string name;
  std::int64_t appearances = 0;
  std::int64_t videos = 0;
  std::int64_t confirmed = 0;
  std::int64_t dismissed = 0;
  std::optional<Millis> last_seen_at;  // created_at of its newest appearance
};

struct QueueDepth {
  std::int64_t queued = 0, scanning = 0, done = 0, failed = 0;
  std::int64_t deliveries_pending = 0, deliveries_delivered = 0, deliveries_failed = 0;
};

// Retries: a failed scan or delivery waits base * 2^(attempts-1), at most cap;
// after max_attempts it is given up (state failed; 0 deliveries = never).
// A scan that failed for want of disk space is retried without using up an
// attempt (ScanFailure::no_space).
struct RetryPolicy {
  int max_scan_attempts = 3;
  std::chrono::milliseconds scan_retry_base{std::chrono::minutes(1)};
  std::chrono::milliseconds scan_retry_cap{std::chrono::hours(1)};
  int max_delivery_attempts = 100;
  std::chrono::milliseconds delivery_retry_base{std::chrono::seconds(10)};
  std::chrono::milliseconds delivery_retry_cap{std::chrono::hours(1)};
};

struct StoreOptions {
  std::function<Millis()> clock;  // empty = the system clock
  RetryPolicy retry;
  // Fault injection for tests: called inside write transactions just before
  // COMMIT with the operation's name (e.g. "complete_scan").
  std::function<void(std::string_view operation)> before_commit;
  // SQLite: how long one statement waits for another process's lock, and
  // how long opening (migrations included) keeps trying past that before it
  // gives up with an InputError naming the file.
  std::chrono::milliseconds sqlite_busy_timeout{std::chrono::seconds(15)};
  std::chrono::milliseconds sqlite_open_wait{std::chrono::seconds(60)};
};

class Store {
 public:
  virtual ~Store() = default;

  virtual Millis now() const = 0;
  virtual int schema_version() const = 0;

  // --- sources -----------------------------------------------------------
  // Inserts or updates kind/location; keeps health.
  virtual void upsert_source(const SourceIdentity& source) = 0;
  // A poll listed the feed: clears consecutive_failures; next poll after `next_in`.
  // The poll's warnings are kept (shown by status) until the next success.
  virtual void record_poll_success(const std::string& source, std::chrono::milliseconds next_in,
                                   const std::vector<std::string>& warnings = {}) = 0;
  virtual void record_poll_failure(const std::string& source, const std::string& error,
                                   std::chrono::milliseconds next_in) = 0;
  virtual std::vector<SourceRecord> sources() const = 0;
  // Names of sources whose next poll is due (never polled = due).
  virtual std::vector<std::string> due_sources() const = 0;
  // A source's own JSON (cursors, file offsets); "{}" when unset.  Setting
  // it needs the source to be known (upsert_source) and the text to be JSON.
  virtual std::string source_state(const std::string& source) const = 0;
  virtual void set_source_state(const std::string& source, const std::string& json) = 0;

  // --- the video queue -----------------------------------------------------
  // Queues a listed video unless (platform, id) is known.  A known video keeps
  // its state (a new target-set version needs rescan()) but gains what it
  // lacked: hashtags (merged), music, title, author, posted_at, duration, and
  // a newer media_url.  Figures (video.stats) become an observation, one per
  // video, source and instant, and the latest figures when newer.
  virtual EnqueueResult enqueue_video(const VideoRef& video) = 0;
  // Re-queues every done or failed video not scanned for `target_set_version`;
  // returns how many.
  virtual int rescan(const std::string& target_set_version) = 0;
  // Takes the oldest queued video (or one whose lease expired: a crashed
  // worker's) and leases it to `owner`.  A video whose lease expired after
  // max_scan_attempts claims is given up (failed) instead: it may crash workers.
  virtual std::optional<VideoRecord> claim_video(const std::string& owner,
                                                 std::chrono::milliseconds lease) = 0;
  // Heartbeat: extends the lease; false when `owner` no longer holds it.
  virtual bool renew_lease(std::int64_t video_id, const std::string& owner,
                           std::chrono::milliseconds lease) = 0;
  // Gives the video back unscanned (shutdown): queued again, the claim not
  // counted as an attempt.  False when `owner` does not hold it.
  virtual bool release_video(std::int64_t video_id, const std::string& owner) = 0;
  // Ends `owner`'s lease now, counting the claim as an attempt: for a restart
  // after a crash, so that the video is scanned again at once but one that
  // keeps crashing workers is still given up.  False when not held by owner.
  virtual bool expire_lease(std::int64_t video_id, const std::string& owner) = 0;
  // One transaction: the scan row, its appearances (an id already stored is
  // kept as is), one pending delivery per appearance and sink, the video done.
  // With result.under_lease and the lease no longer the worker's, nothing
  // is written (superseded).
  virtual CompletedScan complete_scan(const FinishedScan& result) = 0;
  // Records a failed scan; the video is retried later with backoff or, after
  // max_scan_attempts, failed for good.  Only the lease holder changes the
  // video's state (a late failure after another worker took over is only
  // recorded).  A no_space failure gives the claim back (no attempt used)
  // and waits with backoff by the failures since the last done scan: a full
  // disk never makes a video be given up.  Returns the state afterwards.
  virtual VideoState fail_scan(std::int64_t video_id, const std::string& worker,
                               const std::string& error, Millis started_at,
                               ScanFailure kind = ScanFailure::error) = 0;

  // --- figures (how far a video spread) ------------------------------------------
  // Stores an observation (observed_at 0 = now; empty figures store none),
  // the latest figures when it is the newest, and refreshed_at = now.
  // Throws InputError for an unknown video.
  virtual void record_observation(std::int64_t video_id, const VideoStats& stats) = 0;
  virtual std::vector<VideoStats> observations(std::int64_t video_id) const = 0;  // oldest first
  // A refresh was tried (even if it failed): refreshed_at = now.
  virtual void mark_refreshed(std::int64_t video_id) = 0;
  // Videos with a non-dismissed appearance, first seen within `refresh_for`,
  // whose figures were last refreshed (else observed, else first seen)
  // `refresh_every` or longer ago; the longest-waiting first.
  virtual std::vector<VideoRecord> videos_to_refresh(std::chrono::milliseconds refresh_every,
                                                     std::chrono::milliseconds refresh_for,
                                                     int limit) const = 0;

  // --- quotas (shared by every process on the database) ----------------------
  // `day` is "YYYYMMDD" (UTC).  Zero when nothing was used.
  virtual QuotaUsage quota_usage(const std::string& key, const std::string& day) const = 0;
  // Adds the amounts atomically when the totals stay within `max` and returns
  // true; otherwise adds nothing and returns false.  Only a positive amount
  // is checked: a refund (negative records) is always taken.
  virtual bool consume_quota(const std::string& key, const std::string& day, std::int64_t requests,
                             std::int64_t records, const QuotaUsage& max) = 0;

  // --- trends --------------------------------------------------------------------
  // One row per video and target with a non-dismissed appearance of `target`
  // ("" = every target) whose counted time is in [since, until), in counted order.
  virtual std::vector<TrendVideo> trend_videos(const std::string& target, Millis since,
                                               Millis until) const = 0;
  virtual std::optional<SurgeRecord> open_surge(const std::string& target) const = 0;
  // One transaction: the surge and one pending delivery of kind "trend" per
  // sink.  False, with nothing written, when a surge with that id exists.
  virtual bool start_surge(const SurgeRecord& surge, const std::vector<std::string>& sinks) = 0;
  // Ends an open surge (an ended one keeps its end); InputError when unknown.
  virtual void end_surge(const std::string& id, Millis ended_at) = 0;
  virtual std::optional<SurgeRecord> surge(const std::string& id) const = 0;
  // Surges of `target` ("" = all) still open or ended at or after `since`,
  // oldest first.
  virtual std::vector<SurgeRecord> surges(const std::string& target, Millis since) const = 0;

  // --- deliveries (the outbox) ----------------------------------------------
  // Pending deliveries whose time has come, for the given sinks, oldest first.
  // PostgreSQL, shared by several processes, also holds each one it hands
  // out back from every caller for a while (one sender at a time); SQLite
  // lists it again until it is marked.
  virtual std::vector<DeliveryRecord> due_deliveries(const std::vector<std::string>& sinks,
                                                     int limit) = 0;
  virtual void mark_delivered(std::int64_t delivery_id) = 0;
  // attempts+1, next_attempt_at with backoff; failed for good after
  // max_delivery_attempts.  Returns the updated row.
  virtual DeliveryRecord mark_delivery_failed(std::int64_t delivery_id,
                                              const std::string& error) = 0;
  virtual std::vector<DeliveryRecord> deliveries_for(const std::string& appearance_id) const = 0;

  // --- queries (dashboard, status) -------------------------------------------
  virtual std::vector<AppearanceRecord> appearances(const AppearanceFilter& filter) const = 0;
  virtual std::optional<AppearanceRecord> appearance(const std::string& id) const = 0;
  // False when no such appearance.  Verdict::none clears it.
  virtual bool set_verdict(const std::string& appearance_id, Verdict verdict) = 0;
  virtual std::optional<VideoRecord> find_video(const std::string& platform,
                                                const std::string& id) const = 0;
  virtual std::optional<VideoDetail> video(std::int64_t video_id) const = 0;
  virtual std::vector<VideoRecord> videos(std::optional<VideoState> state, int limit,
                                          int offset) const = 0;
  // Newest first: by posted time, else first seen.
  virtual std::vector<VideoRecord> list_videos(const VideoQuery& query) const = 0;
  virtual std::vector<TargetSummary> targets() const = 0;
  virtual QueueDepth queue_depth() const = 0;
};

// "sqlite:///abs/path.db", "sqlite://relative.db", or a plain path: SQLite
// (created, migrated).  "postgresql://..." / "postgres://...": PostgreSQL.
// Throws tw::InputError naming the URL and the reason.
std::unique_ptr<Store> open_store(const std::string& url, const StoreOptions& options = {});

}  // namespace tw::store
