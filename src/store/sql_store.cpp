#include "store/sql_store.h"

#include <algorithm>

#include "core/errors.h"
#include "store/record_rows.h"
#include "store/schema.h"
#include "store/video_fields.h"

namespace tw::store {

using namespace rows;

SqlStore::SqlStore(std::unique_ptr<Connection> connection, const StoreOptions& options)
    : options_(options), connection_(std::move(connection)) {
  migrate();
}

Millis SqlStore::now() const {
  if (options_.clock) return options_.clock();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void SqlStore::before_commit(std::string_view operation, Access access) const {
  if (access == Access::write && options_.before_commit) options_.before_commit(operation);
}

Result SqlStore::run(std::string_view sql, const SqlValues& parameters) const {
  return connection_->run(connection_->dialect().expand(sql), parameters);
}

int SqlStore::schema_version() const {
  return transact("schema_version", Access::read, [&] { return current_version(); });
}

int SqlStore::current_version() const {
  return static_cast<int>(
      run("SELECT coalesce(max(version), 0) FROM schema_version").rows.at(0).integer(0));
}

// Each migration in its own transaction, with the version re-read under the
// schema lock: another process starting at the same time may have applied
// it meanwhile.
void SqlStore::migrate() {
  const int latest = latest_schema_version();
  for (const Migration& m : migrations()) {
    transact("migrate", Access::write, [&] {
      connection_->lock_schema();
      connection_->script(connection_->dialect().expand(
          "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
          "description TEXT NOT NULL, applied_at {int64} NOT NULL)"));
      int current = current_version();
      if (current > latest) {
        throw InputError(connection_->name(), "database schema version " + std::to_string(current) +
                                                  " is newer than this trendwatch understands (" +
                                                  std::to_string(latest) +
                                                  "); use a newer trendwatch");
      }
      if (m.version <= current) return;
      connection_->script(m.sql(connection_->dialect()));
      if (m.fill) m.fill([this](std::string_view sql, const SqlValues& p) { return run(sql, p); });
      run("INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)",
          values(m.version, m.description, now()));
    });
  }
}

// --- sources -------------------------------------------------------------------

void SqlStore::upsert_source(const SourceIdentity& source) {
  if (source.name.empty()) throw InputError("source", "no name");
  Millis t = now();
  transact("upsert_source", Access::write, [&] {
    run("INSERT INTO sources (name, kind, location, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, location = excluded.location",
        values(source.name, source.kind, source.location, t));
  });
}

void SqlStore::record_poll_success(const std::string& source, std::chrono::milliseconds next_in,
                                   const std::vector<std::string>& warnings) {
  Millis t = now();
  auto changed = transact("record_poll_success", Access::write, [&] {
    return run("UPDATE sources SET last_poll_at = ?, last_success_at = ?, "
               "consecutive_failures = 0, next_poll_at = ?, warnings = ? WHERE name = ?",
               values(t, t, t + static_cast<Millis>(next_in.count()), json_array(warnings), source))
        .affected;
  });
  if (changed == 0) throw InputError(source, "no such source in the store");
}

void SqlStore::record_poll_failure(const std::string& source, const std::string& error,
                                   std::chrono::milliseconds next_in) {
  Millis t = now();
  auto changed = transact("record_poll_failure", Access::write, [&] {
    return run("UPDATE sources SET last_poll_at = ?, last_error = ?, last_error_at = ?, "
               "consecutive_failures = consecutive_failures + 1, next_poll_at = ? WHERE name = ?",
               values(t, error, t, t + static_cast<Millis>(next_in.count()), source))
        .affected;
  });
  if (changed == 0) throw InputError(source, "no such source in the store");
}

std::vector<SourceRecord> SqlStore::sources() const {
  return transact("sources", Access::read, [&] {
    std::vector<SourceRecord> out;
    for (const Row& row : run(select_sources() + "ORDER BY name").rows) {
      out.push_back(read_source(row));
    }
    return out;
  });
}

// Only the process holding the scheduler lock sees due sources: with several
// `watch` processes on one PostgreSQL database, one polls and the others
// stand by.
std::vector<std::string> SqlStore::due_sources() const {
  Millis t = now();
  return transact("due_sources", Access::read, [&] {
    std::vector<std::string> out;
    if (!connection_->hold_scheduler_lock()) return out;
    Result due =
        run("SELECT name FROM sources WHERE next_poll_at IS NULL OR next_poll_at <= ? "
            "ORDER BY coalesce(next_poll_at, 0), name",
            values(t));
    for (const Row& row : due.rows) out.push_back(row.text(0));
    return out;
  });
}

// --- the video queue -------------------------------------------------------------

EnqueueResult SqlStore::enqueue_video(const VideoRef& video) {
  if (video.platform.empty() || video.id.empty()) {
    throw InputError(video.url.empty() ? video.title : video.url, "video without platform or id");
  }
  Millis t = now();
  std::vector<std::string> hashtags = clean_hashtags(video.hashtags);
  std::optional<Millis> posted_ms = parse_posted_ms(video.posted_at);
  return transact("enqueue_video", Access::write, [&] {
    EnqueueResult result;
    Result inserted =
        run("INSERT INTO videos (platform, video_id, url, title, author, posted_at, source, "
            "first_seen_at, hashtags, music_id, music_title, media_url, posted_ms, duration) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (platform, video_id) DO NOTHING RETURNING id",
            values(video.platform, video.id, video.url, video.title, video.author, video.posted_at,
                   video.source, t, json_array(hashtags), video.music_id, video.music_title,
                   video.media_url, posted_ms, video.duration));
    if (!inserted.rows.empty()) {
      result.video_id = inserted.rows[0].integer(0);
      result.is_new = true;
    } else {
      result.video_id = gain_metadata(video, hashtags, posted_ms);
    }
    if (video.stats) {
      VideoStats stats = *video.stats;
      if (stats.source.empty()) stats.source = video.source;
      result.observed = add_observation(result.video_id, stats, t);
    }
    return result;
  });
}

// A known video listed again: fills what it lacked, keeps what it had (its
// state above all), and takes a newer media URL, since those expire.
std::int64_t SqlStore::gain_metadata(const VideoRef& video,
                                     const std::vector<std::string>& hashtags,
                                     std::optional<Millis> posted_ms) {
  Result known =
      run("SELECT id, hashtags, title, author, posted_at, posted_ms, music_id, music_title, "
          "media_url, duration FROM videos WHERE platform = ? AND video_id = ? {for_update}",
          values(video.platform, video.id));
  if (known.rows.empty()) throw StoreError("video vanished while being queued: " + video.id);
  const Row& row = known.rows[0];
  auto kept = [&row](int column, const std::string& offered) {
    std::string had = row.text(column);
    return had.empty() ? offered : had;
  };
  bool posted_known = !row.text(4).empty();
  run("UPDATE videos SET hashtags = ?, title = ?, author = ?, posted_at = ?, posted_ms = ?, "
      "music_id = ?, music_title = ?, media_url = ?, duration = ? WHERE id = ?",
      values(json_array(merge_hashtags(parse_json_array(row.text(1)), hashtags)),
             kept(2, video.title), kept(3, video.author), kept(4, video.posted_at),
             posted_known ? row.optional_integer(5) : posted_ms, kept(6, video.music_id),
             kept(7, video.music_title), video.media_url.empty() ? row.text(8) : video.media_url,
             row.is_null(9) ? video.duration : row.optional_real(9), row.integer(0)));
  return row.integer(0);
}

int SqlStore::rescan(const std::string& target_set_version) {
  return transact("rescan", Access::write, [&] {
    return static_cast<int>(run("UPDATE videos SET state = 'queued', attempts = 0, "
                                "next_attempt_at = 0, last_error = NULL "
                                "WHERE state IN ('done', 'failed') "
                                "AND coalesce(target_set_version, '') <> ?",
                                values(target_set_version))
                                .affected);
  });
}

// {skip_locked}: concurrent claimers on PostgreSQL never wait for each other
// and never get the same row; SQLite's write transaction holds the file.
std::optional<VideoRecord> SqlStore::claim_video(const std::string& owner,
                                                 std::chrono::milliseconds lease) {
  if (owner.empty()) throw InputError("claim", "no lease owner");
  Millis t = now();
  int max_attempts = options_.retry.max_scan_attempts;
  return transact("claim_video", Access::write, [&]() -> std::optional<VideoRecord> {
    run("UPDATE videos SET state = 'failed', lease_owner = NULL, lease_expires_at = NULL, "
        "last_error = ? WHERE id IN (SELECT id FROM videos WHERE state = 'scanning' "
        "AND lease_expires_at <= ? AND attempts >= ? {skip_locked})",
        values("gave up after " + std::to_string(max_attempts) +
                   " attempts: the lease expired each time (the scan may crash the worker)",
               t, max_attempts));
    Result pick =
        run("SELECT id FROM videos WHERE (state = 'queued' AND next_attempt_at <= ?) "
            "OR (state = 'scanning' AND lease_expires_at <= ?) ORDER BY id LIMIT 1 {skip_locked}",
            values(t, t));
    if (pick.rows.empty()) return std::nullopt;
    std::int64_t id = pick.rows[0].integer(0);
    run("UPDATE videos SET state = 'scanning', lease_owner = ?, lease_expires_at = ?, "
        "attempts = attempts + 1 WHERE id = ?",
        values(owner, t + static_cast<Millis>(lease.count()), id));
    return load_video(id, false);
  });
}

bool SqlStore::renew_lease(std::int64_t video_id, const std::string& owner,
                           std::chrono::milliseconds lease) {
  Millis until = now() + static_cast<Millis>(lease.count());
  return transact("renew_lease", Access::write, [&] {
    return run("UPDATE videos SET lease_expires_at = ? WHERE id = ? AND lease_owner = ? "
               "AND state = 'scanning'",
               values(until, video_id, owner))
               .affected == 1;
  });
}

bool SqlStore::release_video(std::int64_t video_id, const std::string& owner) {
  return transact("release_video", Access::write, [&] {
    return run("UPDATE videos SET state = 'queued', lease_owner = NULL, "
               "lease_expires_at = NULL, "
               "attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, "
               "next_attempt_at = 0 WHERE id = ? AND lease_owner = ? AND state = 'scanning'",
               values(video_id, owner))
               .affected == 1;
  });
}

bool SqlStore::expire_lease(std::int64_t video_id, const std::string& owner) {
  Millis t = now();
  return transact("expire_lease", Access::write, [&] {
    return run("UPDATE videos SET lease_expires_at = ? WHERE id = ? AND lease_owner = ? "
               "AND state = 'scanning'",
               values(t, video_id, owner))
               .affected == 1;
  });
}

CompletedScan SqlStore::complete_scan(const FinishedScan& result) {
  for (const auto& a : result.appearances) check_finite(a);
  Millis t = now();
  Millis finished = result.finished_at ? result.finished_at : t;
  return transact("complete_scan", Access::write, [&] {
    // Locks the video row: a concurrent claim skips it until this commits.
    std::optional<VideoRecord> video = load_video(result.video_id, true);
    if (!video) throw InputError("video " + std::to_string(result.video_id), "not in the store");
    CompletedScan done;
    if (result.under_lease &&
        !(video->state == VideoState::scanning && video->lease_owner == result.worker)) {
      // Taken over after the lease ran out, or already done: the holder's
      // scan counts.  When the done scan is this very one (a retry after a
      // COMMIT whose answer was lost), it is reported as stored.
      Result same =
          run("SELECT id FROM scans WHERE video = ? AND status = 'done' AND worker = ? AND "
              "started_at = ? ORDER BY id DESC LIMIT 1",
              values(result.video_id, result.worker, result.started_at));
      done.superseded = video->state != VideoState::done || same.rows.empty();
      if (!done.superseded) done.scan_id = same.rows[0].integer(0);
      for (const Appearance& a : result.appearances)
        done.appearance_ids.push_back(
            appearance_id(video->ref, a.target, result.target_set_version, a.start));
      return done;
    }
    Result scan =
        run("INSERT INTO scans (video, target_set_version, worker, started_at, finished_at, "
            "frames_sampled, status, timings) VALUES (?, ?, ?, ?, ?, ?, 'done', ?) RETURNING id",
            values(result.video_id, result.target_set_version, result.worker,
                   result.started_at ? result.started_at : finished, finished,
                   result.frames_sampled, result.timings_json));
    done.scan_id = scan.rows.at(0).integer(0);
    for (const Appearance& a : result.appearances) {
      std::string id = appearance_id(video->ref, a.target, result.target_set_version, a.start);
      run("INSERT INTO appearances (id, video, scan, target, target_set_version, start_s, "
          "end_s, best_time, best_score, best_distance, box_x, box_y, box_w, box_h, frames, "
          "evidence_frame, evidence_crop, created_at) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
          "ON CONFLICT (id) DO NOTHING",
          values(id, result.video_id, done.scan_id, a.target, result.target_set_version, a.start,
                 a.end, a.best_time, double(a.best_score), double(a.best_distance), double(a.box.x),
                 double(a.box.y), double(a.box.width), double(a.box.height), a.frames,
                 a.evidence_frame, a.evidence_crop, t));
      for (const std::string& sink : result.sinks) {
        done.new_deliveries += static_cast<int>(
            run("INSERT INTO deliveries (kind, appearance, sink, next_attempt_at, created_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (appearance, sink) DO NOTHING",
                values(kAppearanceDelivery, id, sink, t, t))
                .affected);
      }
      done.appearance_ids.push_back(std::move(id));
    }
    run("UPDATE videos SET state = 'done', target_set_version = ?, "
        "duration = coalesce(?, duration), lease_owner = NULL, lease_expires_at = NULL, "
        "last_error = NULL WHERE id = ?",
        values(result.target_set_version, result.duration, result.video_id));
    return done;
  });
}

VideoState SqlStore::fail_scan(std::int64_t video_id, const std::string& worker,
                               const std::string& error, Millis started_at, ScanFailure kind) {
  Millis t = now();
  return transact("fail_scan", Access::write, [&] {
    std::optional<VideoRecord> video = load_video(video_id, true);
    if (!video) throw InputError("video " + std::to_string(video_id), "not in the store");
    run("INSERT INTO scans (video, target_set_version, worker, started_at, finished_at, "
        "status, error) VALUES (?, '', ?, ?, ?, 'failed', ?)",
        values(video_id, worker, started_at ? started_at : t, t, error));
    VideoState state = video->state;
    // Only the lease holder decides: if the lease expired and another worker
    // took the video (or already finished it), this failure is history only.
    bool still_ours = video->state == VideoState::scanning && video->lease_owner == worker;
    if (still_ours && kind == ScanFailure::no_space) {
      // The claim is given back (as on shutdown); the wait still grows with
      // each failure in a row, so a long outage costs few downloads.
      std::int64_t failures_in_a_row =
          run("SELECT count(*) FROM scans WHERE video = ? AND status = 'failed' AND id > "
              "coalesce((SELECT max(id) FROM scans WHERE video = ? AND status = 'done'), 0)",
              values(video_id, video_id))
              .rows.at(0)
              .integer(0);
      const RetryPolicy& retry = options_.retry;
      Millis next = t + backoff(retry.scan_retry_base, retry.scan_retry_cap,
                                static_cast<int>(std::min<std::int64_t>(failures_in_a_row, 64)));
      run("UPDATE videos SET state = 'queued', next_attempt_at = ?, last_error = ?, "
          "attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, "
          "lease_owner = NULL, lease_expires_at = NULL WHERE id = ?",
          values(next, error, video_id));
      return VideoState::queued;
    }
    if (still_ours) {
      const RetryPolicy& retry = options_.retry;
      state = video->attempts >= retry.max_scan_attempts ? VideoState::failed : VideoState::queued;
      Millis next = t + backoff(retry.scan_retry_base, retry.scan_retry_cap, video->attempts);
      run("UPDATE videos SET state = ?, next_attempt_at = ?, last_error = ?, "
          "lease_owner = NULL, lease_expires_at = NULL WHERE id = ?",
          values(to_string(state), next, error, video_id));
    }
    return state;
  });
}

std::optional<VideoRecord> SqlStore::load_video(std::int64_t id, bool lock) const {
  Result r = run(select_videos() + "WHERE id = ?" + (lock ? " {for_update}" : ""), values(id));
  if (r.rows.empty()) return std::nullopt;
  return read_video(r.rows[0]);
}

}  // namespace tw::store
