#include "store/sqlite_store.h"

#include <algorithm>
#include <cmath>
#include <mutex>

#include "core/errors.h"
#include "store/record_rows.h"
#include "store/sqlite_db.h"

namespace tw::store {
namespace {

using sqlite::Database;
using sqlite::Statement;
using sqlite::Transaction;
using namespace rows;

// Each migration runs in its own transaction together with the row that
// records it, so a crash leaves the schema at one version or the next.
// Never edit a released migration: append a new one.
struct Migration {
  int version;
  const char* description;
  const char* sql;
};

const Migration kMigrations[] = {
    {1, "sources, videos, scans, appearances, deliveries", R"sql(
CREATE TABLE sources (
  name TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  location TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  last_poll_at INTEGER,
  last_success_at INTEGER,
  last_error TEXT,
  last_error_at INTEGER,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  next_poll_at INTEGER
);
CREATE TABLE videos (
  id INTEGER PRIMARY KEY,
  platform TEXT NOT NULL,
  video_id TEXT NOT NULL,
  url TEXT NOT NULL,
  title TEXT NOT NULL DEFAULT '',
  author TEXT NOT NULL DEFAULT '',
  posted_at TEXT NOT NULL DEFAULT '',
  source TEXT NOT NULL DEFAULT '',
  first_seen_at INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'queued'
    CHECK (state IN ('queued', 'scanning', 'done', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT,
  lease_expires_at INTEGER,
  last_error TEXT,
  target_set_version TEXT,
  duration REAL,
  UNIQUE (platform, video_id)
);
CREATE INDEX videos_by_state ON videos (state, next_attempt_at, id);
CREATE INDEX videos_by_source ON videos (source);
CREATE TABLE scans (
  id INTEGER PRIMARY KEY,
  video INTEGER NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
  target_set_version TEXT NOT NULL,
  worker TEXT NOT NULL DEFAULT '',
  started_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL,
  frames_sampled INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL CHECK (status IN ('done', 'failed')),
  error TEXT,
  timings TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX scans_by_video ON scans (video);
CREATE TABLE appearances (
  id TEXT PRIMARY KEY,
  video INTEGER NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
  scan INTEGER REFERENCES scans (id) ON DELETE SET NULL,
  target TEXT NOT NULL,
  target_set_version TEXT NOT NULL,
  start_s REAL NOT NULL,
  end_s REAL NOT NULL,
  best_time REAL NOT NULL,
  best_score REAL NOT NULL,
  best_distance REAL NOT NULL,
  box_x REAL NOT NULL,
  box_y REAL NOT NULL,
  box_w REAL NOT NULL,
  box_h REAL NOT NULL,
  frames INTEGER NOT NULL,
  evidence_frame TEXT NOT NULL DEFAULT '',
  evidence_crop TEXT NOT NULL DEFAULT '',
  verdict TEXT CHECK (verdict IN ('confirmed', 'dismissed')),
  verdict_at INTEGER,
  created_at INTEGER NOT NULL
);
CREATE INDEX appearances_latest ON appearances (created_at, video);
CREATE INDEX appearances_by_target ON appearances (target, created_at);
CREATE INDEX appearances_by_video ON appearances (video, start_s);
CREATE TABLE deliveries (
  id INTEGER PRIMARY KEY,
  appearance TEXT NOT NULL REFERENCES appearances (id) ON DELETE CASCADE,
  sink TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  delivered_at INTEGER,
  created_at INTEGER NOT NULL,
  UNIQUE (appearance, sink)
);
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
)sql"},
};

constexpr int kLatestVersion = 1;

class SqliteStore final : public Store {
 public:
  SqliteStore(const std::filesystem::path& path, const StoreOptions& options)
      : options_(options), db_(path) {
    // The timeout first: another process may hold the lock while this one
    // switches to WAL or migrates.
    db_.exec("PRAGMA busy_timeout=15000");
    try {
      db_.exec("PRAGMA journal_mode=WAL");
    } catch (const StoreError& e) {
      throw InputError(path.string(),
                       std::string("not a usable SQLite database (") + e.what() + ")");
    }
    db_.exec("PRAGMA foreign_keys=ON");
    migrate();
  }

  Millis now() const override {
    if (options_.clock) return options_.clock();
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  int schema_version() const override {
    std::lock_guard lock(mutex_);
    return current_version();
  }

  // --- sources ---------------------------------------------------------------
  void upsert_source(const SourceConfig& source) override {
    if (source.name.empty()) throw InputError("source", "no name");
    std::lock_guard lock(mutex_);
    db_.prepare(
           "INSERT INTO sources (name, kind, location, created_at) VALUES (?, ?, ?, ?) "
           "ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, location = excluded.location")
        .bind_all(source.name, source.kind, source.location, now())
        .run();
  }

  void record_poll_success(const std::string& source, std::chrono::milliseconds next_in) override {
    std::lock_guard lock(mutex_);
    Millis t = now();
    db_.prepare(
           "UPDATE sources SET last_poll_at = ?, last_success_at = ?, consecutive_failures = 0, "
           "next_poll_at = ? WHERE name = ?")
        .bind_all(t, t, t + next_in.count(), source)
        .run();
    if (db_.changes() == 0) throw InputError(source, "no such source in the store");
  }

  void record_poll_failure(const std::string& source, const std::string& error,
                           std::chrono::milliseconds next_in) override {
    std::lock_guard lock(mutex_);
    Millis t = now();
    db_.prepare(
           "UPDATE sources SET last_poll_at = ?, last_error = ?, last_error_at = ?, "
           "consecutive_failures = consecutive_failures + 1, next_poll_at = ? WHERE name = ?")
        .bind_all(t, error, t, t + next_in.count(), source)
        .run();
    if (db_.changes() == 0) throw InputError(source, "no such source in the store");
  }

  std::vector<SourceRecord> sources() const override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare(select_sources() + "ORDER BY name");
    std::vector<SourceRecord> out;
    while (s.step()) out.push_back(read_source(s));
    return out;
  }

  std::vector<std::string> due_sources() const override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare(
        "SELECT name FROM sources WHERE next_poll_at IS NULL OR next_poll_at <= ? "
        "ORDER BY coalesce(next_poll_at, 0), name");
    s.bind_all(now());
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.text(0));
    return out;
  }

  // --- the video queue --------------------------------------------------------
  EnqueueResult enqueue_video(const VideoRef& video) override {
    if (video.platform.empty() || video.id.empty()) {
      throw InputError(video.url.empty() ? video.title : video.url, "video without platform or id");
    }
    std::lock_guard lock(mutex_);
    db_.prepare(
           "INSERT INTO videos (platform, video_id, url, title, author, posted_at, source, "
           "first_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
           "ON CONFLICT (platform, video_id) DO NOTHING")
        .bind_all(video.platform, video.id, video.url, video.title, video.author, video.posted_at,
                  video.source, now())
        .run();
    if (db_.changes() == 1) return {db_.last_insert_rowid(), true};
    auto s = db_.prepare("SELECT id FROM videos WHERE platform = ? AND video_id = ?");
    s.bind_all(video.platform, video.id);
    if (!s.step()) throw StoreError("video vanished while being queued: " + video.id);
    return {s.integer(0), false};
  }

  int rescan(const std::string& target_set_version) override {
    std::lock_guard lock(mutex_);
    Transaction tx(db_);
    db_.prepare(
           "UPDATE videos SET state = 'queued', attempts = 0, next_attempt_at = 0, "
           "last_error = NULL WHERE state IN ('done', 'failed') "
           "AND coalesce(target_set_version, '') <> ?")
        .bind_all(target_set_version)
        .run();
    int count = db_.changes();
    before_commit("rescan");
    tx.commit();
    return count;
  }

  std::optional<VideoRecord> claim_video(const std::string& owner,
                                         std::chrono::milliseconds lease) override {
    if (owner.empty()) throw InputError("claim", "no lease owner");
    std::lock_guard lock(mutex_);
    Transaction tx(db_);
    Millis t = now();
    int max_attempts = options_.retry.max_scan_attempts;
    db_.prepare(
           "UPDATE videos SET state = 'failed', lease_owner = NULL, lease_expires_at = NULL, "
           "last_error = ? WHERE state = 'scanning' AND lease_expires_at <= ? AND attempts >= ?")
        .bind_all("gave up after " + std::to_string(max_attempts) +
                      " attempts: the lease expired each time (the scan may crash the worker)",
                  t, max_attempts)
        .run();
    auto pick = db_.prepare(
        "SELECT id FROM videos WHERE (state = 'queued' AND next_attempt_at <= ?) "
        "OR (state = 'scanning' AND lease_expires_at <= ?) ORDER BY id LIMIT 1");
    pick.bind_all(t, t);
    std::optional<VideoRecord> claimed;
    if (pick.step()) {
      std::int64_t id = pick.integer(0);
      db_.prepare(
             "UPDATE videos SET state = 'scanning', lease_owner = ?, lease_expires_at = ?, "
             "attempts = attempts + 1 WHERE id = ?")
          .bind_all(owner, t + lease.count(), id)
          .run();
      claimed = load_video(id);
    }
    before_commit("claim_video");
    tx.commit();
    return claimed;
  }

  bool renew_lease(std::int64_t video_id, const std::string& owner,
                   std::chrono::milliseconds lease) override {
    std::lock_guard lock(mutex_);
    db_.prepare(
           "UPDATE videos SET lease_expires_at = ? WHERE id = ? AND lease_owner = ? "
           "AND state = 'scanning'")
        .bind_all(now() + lease.count(), video_id, owner)
        .run();
    return db_.changes() == 1;
  }

  bool release_video(std::int64_t video_id, const std::string& owner) override {
    std::lock_guard lock(mutex_);
    db_.prepare(
           "UPDATE videos SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL, "
           "attempts = max(attempts - 1, 0), next_attempt_at = 0 "
           "WHERE id = ? AND lease_owner = ? AND state = 'scanning'")
        .bind_all(video_id, owner)
        .run();
    return db_.changes() == 1;
  }

  bool expire_lease(std::int64_t video_id, const std::string& owner) override {
    std::lock_guard lock(mutex_);
    db_.prepare(
           "UPDATE videos SET lease_expires_at = ? WHERE id = ? AND lease_owner = ? "
           "AND state = 'scanning'")
        .bind_all(now(), video_id, owner)
        .run();
    return db_.changes() == 1;
  }

  CompletedScan complete_scan(const ScanResult& result) override {
    for (const auto& a : result.appearances) check_finite(a);
    std::lock_guard lock(mutex_);
    Transaction tx(db_);
    std::optional<VideoRecord> video = load_video(result.video_id);
    if (!video) throw InputError("video " + std::to_string(result.video_id), "not in the store");
    Millis t = now();
    Millis finished = result.finished_at ? result.finished_at : t;
    db_.prepare(
           "INSERT INTO scans (video, target_set_version, worker, started_at, finished_at, "
           "frames_sampled, status, timings) VALUES (?, ?, ?, ?, ?, ?, 'done', ?)")
        .bind_all(result.video_id, result.target_set_version, result.worker,
                  result.started_at ? result.started_at : finished, finished, result.frames_sampled,
                  result.timings_json)
        .run();
    CompletedScan done;
    done.scan_id = db_.last_insert_rowid();
    for (const Appearance& a : result.appearances) {
      std::string id = appearance_id(video->ref, a.target, result.target_set_version, a.start);
      db_.prepare(
             "INSERT INTO appearances (id, video, scan, target, target_set_version, start_s, "
             "end_s, best_time, best_score, best_distance, box_x, box_y, box_w, box_h, frames, "
             "evidence_frame, evidence_crop, created_at) "
             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
             "ON CONFLICT (id) DO NOTHING")
          .bind_all(id, result.video_id, done.scan_id, a.target, result.target_set_version, a.start,
                    a.end, a.best_time, double(a.best_score), double(a.best_distance),
                    double(a.box.x), double(a.box.y), double(a.box.width), double(a.box.height),
                    a.frames, a.evidence_frame, a.evidence_crop, t)
          .run();
      for (const std::string& sink : result.sinks) {
        db_.prepare(
               "INSERT INTO deliveries (appearance, sink, next_attempt_at, created_at) "
               "VALUES (?, ?, ?, ?) ON CONFLICT (appearance, sink) DO NOTHING")
            .bind_all(id, sink, t, t)
            .run();
        done.new_deliveries += db_.changes();
      }
      done.appearance_ids.push_back(std::move(id));
    }
    db_.prepare(
           "UPDATE videos SET state = 'done', target_set_version = ?, "
           "duration = coalesce(?, duration), lease_owner = NULL, lease_expires_at = NULL, "
           "last_error = NULL WHERE id = ?")
        .bind_all(result.target_set_version, result.duration, result.video_id)
        .run();
    before_commit("complete_scan");
    tx.commit();
    return done;
  }

  VideoState fail_scan(std::int64_t video_id, const std::string& worker, const std::string& error,
                       Millis started_at) override {
    std::lock_guard lock(mutex_);
    Transaction tx(db_);
    std::optional<VideoRecord> video = load_video(video_id);
    if (!video) throw InputError("video " + std::to_string(video_id), "not in the store");
    Millis t = now();
    db_.prepare(
           "INSERT INTO scans (video, target_set_version, worker, started_at, finished_at, "
           "status, error) VALUES (?, '', ?, ?, ?, 'failed', ?)")
        .bind_all(video_id, worker, started_at ? started_at : t, t, error)
        .run();
    VideoState state = video->state;
    // Only the lease holder decides: if the lease expired and another worker
    // took the video (or already finished it), this failure is history only.
    bool still_ours = video->state == VideoState::scanning && video->lease_owner == worker;
    if (still_ours) {
      const RetryPolicy& retry = options_.retry;
      state = video->attempts >= retry.max_scan_attempts ? VideoState::failed : VideoState::queued;
      Millis next = t + backoff(retry.scan_retry_base, retry.scan_retry_cap, video->attempts);
      db_.prepare(
             "UPDATE videos SET state = ?, next_attempt_at = ?, last_error = ?, "
             "lease_owner = NULL, lease_expires_at = NULL WHERE id = ?")
          .bind_all(to_string(state), next, error, video_id)
          .run();
    }
    before_commit("fail_scan");
    tx.commit();
    return state;
  }

  // --- deliveries --------------------------------------------------------------
  std::vector<DeliveryRecord> due_deliveries(const std::vector<std::string>& sinks,
                                             int limit) override {
    if (sinks.empty()) return {};
    std::string sql =
        select_deliveries() + "WHERE state = 'pending' AND next_attempt_at <= ? AND sink IN (?";
    for (size_t i = 1; i < sinks.size(); ++i) sql += ", ?";
    sql += ") ORDER BY next_attempt_at, id LIMIT ?";
    std::lock_guard lock(mutex_);
    auto s = db_.prepare(sql);
    int index = 1;
    s.bind(index++, now());
    for (const auto& sink : sinks) s.bind(index++, sink);
    s.bind(index, std::max(limit, 1));
    std::vector<DeliveryRecord> out;
    while (s.step()) out.push_back(read_delivery(s));
    return out;
  }

  void mark_delivered(std::int64_t delivery_id) override {
    std::lock_guard lock(mutex_);
    db_.prepare(
           "UPDATE deliveries SET state = 'delivered', delivered_at = ?, attempts = attempts + 1 "
           "WHERE id = ?")
        .bind_all(now(), delivery_id)
        .run();
    if (db_.changes() == 0) throw StoreError("no delivery " + std::to_string(delivery_id));
  }

  DeliveryRecord mark_delivery_failed(std::int64_t delivery_id, const std::string& error) override {
    std::lock_guard lock(mutex_);
    Transaction tx(db_);
    std::optional<DeliveryRecord> d = load_delivery(delivery_id);
    if (!d) throw StoreError("no delivery " + std::to_string(delivery_id));
    const RetryPolicy& retry = options_.retry;
    int attempts = d->attempts + 1;
    bool give_up = retry.max_delivery_attempts > 0 && attempts >= retry.max_delivery_attempts;
    DeliveryState state = give_up ? DeliveryState::failed : DeliveryState::pending;
    Millis next = now() + backoff(retry.delivery_retry_base, retry.delivery_retry_cap, attempts);
    db_.prepare(
           "UPDATE deliveries SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ? "
           "WHERE id = ?")
        .bind_all(to_string(state), attempts, next, error, delivery_id)
        .run();
    before_commit("mark_delivery_failed");
    tx.commit();
    return *load_delivery(delivery_id);
  }

  std::vector<DeliveryRecord> deliveries_for(const std::string& appearance_id) const override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare(select_deliveries() + "WHERE appearance = ? ORDER BY sink");
    s.bind_all(appearance_id);
    std::vector<DeliveryRecord> out;
    while (s.step()) out.push_back(read_delivery(s));
    return out;
  }

  // --- queries -------------------------------------------------------------------
  std::vector<AppearanceRecord> appearances(const AppearanceFilter& filter) const override {
    std::string sql = select_appearances() + "WHERE 1 = 1";
    if (!filter.target.empty()) sql += " AND a.target = ?";
    if (filter.verdict) {
      sql += *filter.verdict == Verdict::none ? " AND a.verdict IS NULL" : " AND a.verdict = ?";
    }
    if (filter.video_id) sql += " AND a.video = ?";
    sql += " ORDER BY a.created_at DESC, a.video DESC, a.start_s, a.id LIMIT ? OFFSET ?";
    std::lock_guard lock(mutex_);
    auto s = db_.prepare(sql);
    int index = 1;
    if (!filter.target.empty()) s.bind(index++, filter.target);
    if (filter.verdict && *filter.verdict != Verdict::none) {
      s.bind(index++, to_string(*filter.verdict));
    }
    if (filter.video_id) s.bind(index++, *filter.video_id);
    s.bind(index++, std::clamp(filter.limit, 1, 1000));
    s.bind(index, std::max(filter.offset, 0));
    std::vector<AppearanceRecord> out;
    while (s.step()) out.push_back(read_appearance(s));
    return out;
  }

  std::optional<AppearanceRecord> appearance(const std::string& id) const override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare(select_appearances() + "WHERE a.id = ?");
    s.bind_all(id);
    if (!s.step()) return std::nullopt;
    return read_appearance(s);
  }

  bool set_verdict(const std::string& appearance_id, Verdict verdict) override {
    std::lock_guard lock(mutex_);
    std::optional<std::string> value;
    std::optional<Millis> at;
    if (verdict != Verdict::none) {
      value = to_string(verdict);
      at = now();
    }
    db_.prepare("UPDATE appearances SET verdict = ?, verdict_at = ? WHERE id = ?")
        .bind_all(value, at, appearance_id)
        .run();
    return db_.changes() == 1;
  }

  std::optional<VideoRecord> find_video(const std::string& platform,
                                        const std::string& id) const override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare(select_videos() + "WHERE platform = ? AND video_id = ?");
    s.bind_all(platform, id);
    if (!s.step()) return std::nullopt;
    return read_video(s);
  }

  std::optional<VideoDetail> video(std::int64_t video_id) const override {
    std::lock_guard lock(mutex_);
    std::optional<VideoRecord> v = load_video(video_id);
    if (!v) return std::nullopt;
    VideoDetail detail;
    detail.video = std::move(*v);
    auto a =
        db_.prepare(select_appearances() + "WHERE a.video = ? ORDER BY a.start_s, a.target, a.id");
    a.bind_all(video_id);
    while (a.step()) detail.appearances.push_back(read_appearance(a));
    auto s = db_.prepare(
        "SELECT id, video, target_set_version, worker, started_at, finished_at, frames_sampled, "
        "status, error, timings FROM scans WHERE video = ? ORDER BY id DESC");
    s.bind_all(video_id);
    while (s.step()) {
      ScanRecord r;
      r.id = s.integer(0);
      r.video_id = s.integer(1);
      r.target_set_version = s.text(2);
      r.worker = s.text(3);
      r.started_at = s.integer(4);
      r.finished_at = s.integer(5);
      r.frames_sampled = static_cast<int>(s.integer(6));
      r.status = s.text(7);
      r.error = s.text(8);
      r.timings_json = s.text(9);
      detail.scans.push_back(std::move(r));
    }
    return detail;
  }

  std::vector<VideoRecord> videos(std::optional<VideoState> state, int limit,
                                  int offset) const override {
    std::string sql = select_videos();
    if (state) sql += "WHERE state = ? ";
    sql += "ORDER BY id DESC LIMIT ? OFFSET ?";
    std::lock_guard lock(mutex_);
    auto s = db_.prepare(sql);
    int index = 1;
    if (state) s.bind(index++, to_string(*state));
    s.bind(index++, std::clamp(limit, 1, 100000));
    s.bind(index, std::max(offset, 0));
    std::vector<VideoRecord> out;
    while (s.step()) out.push_back(read_video(s));
    return out;
  }

  std::vector<TargetSummary> targets() const override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare(
        "SELECT target, count(*), count(DISTINCT video), "
        "coalesce(sum(verdict = 'confirmed'), 0), coalesce(sum(verdict = 'dismissed'), 0), "
        "max(created_at) FROM appearances GROUP BY target ORDER BY target");
    std::vector<TargetSummary> out;
    while (s.step()) {
      out.push_back({s.text(0), s.integer(1), s.integer(2), s.integer(3), s.integer(4),
                     s.optional_integer(5)});
    }
    return out;
  }

  QueueDepth queue_depth() const override {
    std::lock_guard lock(mutex_);
    QueueDepth q;
    auto v = db_.prepare("SELECT state, count(*) FROM videos GROUP BY state");
    while (v.step()) {
      switch (parse_video_state(v.text(0))) {
        case VideoState::queued:
          q.queued = v.integer(1);
          break;
        case VideoState::scanning:
          q.scanning = v.integer(1);
          break;
        case VideoState::done:
          q.done = v.integer(1);
          break;
        case VideoState::failed:
          q.failed = v.integer(1);
          break;
      }
    }
    auto d = db_.prepare("SELECT state, count(*) FROM deliveries GROUP BY state");
    while (d.step()) {
      switch (parse_delivery_state(d.text(0))) {
        case DeliveryState::pending:
          q.deliveries_pending = d.integer(1);
          break;
        case DeliveryState::delivered:
          q.deliveries_delivered = d.integer(1);
          break;
        case DeliveryState::failed:
          q.deliveries_failed = d.integer(1);
          break;
      }
    }
    return q;
  }

 private:
  int current_version() const {
    auto s = db_.prepare("SELECT coalesce(max(version), 0) FROM schema_version");
    s.step();
    return static_cast<int>(s.integer(0));
  }

  void migrate() {
    db_.exec(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
        "description TEXT NOT NULL, applied_at INTEGER NOT NULL)");
    for (const Migration& m : kMigrations) {
      Transaction tx(db_);
      int current = current_version();  // re-read under the lock: another process may migrate
      if (current > kLatestVersion) {
        throw InputError(db_.path().string(), "database schema version " + std::to_string(current) +
                                                  " is newer than this trendwatch understands (" +
                                                  std::to_string(kLatestVersion) +
                                                  "); use a newer trendwatch");
      }
      if (m.version <= current) continue;
      db_.exec(m.sql);
      db_.prepare("INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)")
          .bind_all(m.version, m.description, now())
          .run();
      tx.commit();
    }
  }

  std::optional<VideoRecord> load_video(std::int64_t id) const {
    auto s = db_.prepare(select_videos() + "WHERE id = ?");
    s.bind_all(id);
    if (!s.step()) return std::nullopt;
    return read_video(s);
  }

  std::optional<DeliveryRecord> load_delivery(std::int64_t id) const {
    auto s = db_.prepare(select_deliveries() + "WHERE id = ?");
    s.bind_all(id);
    if (!s.step()) return std::nullopt;
    return read_delivery(s);
  }

  void before_commit(std::string_view operation) {
    if (options_.before_commit) options_.before_commit(operation);
  }

  StoreOptions options_;
  mutable std::mutex mutex_;
  mutable Database db_;
};

}  // namespace

int sqlite_schema_latest() {
  return kLatestVersion;
}

std::unique_ptr<Store> open_sqlite_store(const std::filesystem::path& path,
                                         const StoreOptions& options) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw InputError(path.string(), "is a directory, not a database file");
  }
  if (path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) throw InputError(path.parent_path().string(), "cannot create folder: " + ec.message());
  }
  try {
    return std::make_unique<SqliteStore>(path, options);
  } catch (const StoreError& e) {
    throw InputError(path.string(), e.what());
  }
}

}  // namespace tw::store
