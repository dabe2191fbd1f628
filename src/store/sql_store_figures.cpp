// SqlStore: how far videos spread (observations, refreshes), listings of
// stored videos, daily quotas and the sources' own state.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

#include "core/errors.h"
#include "store/record_rows.h"
#include "store/sql_store.h"
#include "store/video_fields.h"

namespace tw::store {

using namespace rows;

// --- observations --------------------------------------------------------------

bool SqlStore::add_observation(std::int64_t video_id, const VideoStats& stats, Millis now) {
  if (stats.empty()) return false;
  Millis observed_at = stats.observed_at ? stats.observed_at : now;
  Result added =
      run("INSERT INTO observations (video, observed_at, source, views, likes, comments, shares, "
          "saves) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
          "ON CONFLICT (video, observed_at, source) DO NOTHING",
          values(video_id, observed_at, stats.source, stats.views, stats.likes, stats.comments,
                 stats.shares, stats.saves));
  if (added.affected == 0) return false;
  // A figure this observation lacks keeps the one seen before.
  run("UPDATE videos SET views = coalesce(?, views), likes = coalesce(?, likes), "
      "comments = coalesce(?, comments), shares = coalesce(?, shares), "
      "saves = coalesce(?, saves), stats_observed_at = ?, stats_source = ? "
      "WHERE id = ? AND (stats_observed_at IS NULL OR stats_observed_at <= ?)",
      values(stats.views, stats.likes, stats.comments, stats.shares, stats.saves, observed_at,
             stats.source, video_id, observed_at));
  return true;
}

void SqlStore::record_observation(std::int64_t video_id, const VideoStats& stats) {
  Millis t = now();
  transact("record_observation", Access::write, [&] {
    if (run("UPDATE videos SET refreshed_at = ? WHERE id = ?", values(t, video_id)).affected == 0) {
      throw InputError("video " + std::to_string(video_id), "not in the store");
    }
    add_observation(video_id, stats, t);
  });
}

std::vector<VideoStats> SqlStore::observations(std::int64_t video_id) const {
  return transact("observations", Access::read, [&] {
    std::vector<VideoStats> out;
    for (const Row& row : run(std::string("SELECT ") + kObservationColumns +
                                  " FROM observations WHERE video = ? ORDER BY observed_at, id",
                              values(video_id))
                              .rows) {
      out.push_back(*read_stats(row, 0));
    }
    return out;
  });
}

void SqlStore::mark_refreshed(std::int64_t video_id) {
  Millis t = now();
  auto changed = transact("mark_refreshed", Access::write, [&] {
    return run("UPDATE videos SET refreshed_at = ? WHERE id = ?", values(t, video_id)).affected;
  });
  if (changed == 0) throw InputError("video " + std::to_string(video_id), "not in the store");
}

std::vector<VideoRecord> SqlStore::videos_to_refresh(std::chrono::milliseconds refresh_every,
                                                     std::chrono::milliseconds refresh_for,
                                                     int limit) const {
  Millis t = now();
  const std::string waited_since = "coalesce(v.refreshed_at, v.stats_observed_at, v.first_seen_at)";
  return read_videos(
      "videos_to_refresh",
      select_videos() + "WHERE EXISTS (SELECT 1 FROM appearances a WHERE a.video = v.id AND " +
          kNotDismissed + ") AND v.first_seen_at >= ? AND " + waited_since + " <= ? ORDER BY " +
          waited_since + ", v.id LIMIT ?",
      values(t - static_cast<Millis>(refresh_for.count()),
             t - static_cast<Millis>(refresh_every.count()), std::clamp(limit, 1, 100000)));
}

// --- listings ---------------------------------------------------------------------

std::vector<VideoRecord> SqlStore::read_videos(std::string_view operation, const std::string& sql,
                                               const SqlValues& parameters) const {
  return transact(operation, Access::read, [&] {
    std::vector<VideoRecord> out;
    for (const Row& row : run(sql, parameters).rows) out.push_back(read_video(row));
    return out;
  });
}

std::vector<VideoRecord> SqlStore::list_videos(const VideoQuery& query) const {
  std::string sql = select_videos() + "WHERE 1 = 1";
  SqlValues parameters;
  if (!query.source.empty()) {
    sql += " AND v.source = ?";
    parameters.emplace_back(query.source);
  }
  if (!query.target.empty()) {
    sql += std::string(" AND EXISTS (SELECT 1 FROM appearances a WHERE a.video = v.id AND ") +
           "a.target = ? AND " + kNotDismissed + ")";
    parameters.emplace_back(query.target);
  }
  if (query.since) {
    sql += " AND (v.first_seen_at >= ? OR v.posted_ms >= ?)";
    parameters.emplace_back(*query.since);
    parameters.emplace_back(*query.since);
  }
  sql += " ORDER BY coalesce(v.posted_ms, v.first_seen_at) DESC, v.id DESC LIMIT ? OFFSET ?";
  parameters.emplace_back(std::int64_t{std::clamp(query.limit, 1, 100000)});
  parameters.emplace_back(std::int64_t{std::max(query.offset, 0)});
  return read_videos("list_videos", sql, parameters);
}

// --- quotas -------------------------------------------------------------------------

namespace {

void check_quota_key(const std::string& key, const std::string& day) {
  if (key.empty()) throw InputError("quota", "no key");
  if (day.size() != 8 ||
      !std::all_of(day.begin(), day.end(), [](unsigned char c) { return std::isdigit(c); })) {
    throw InputError(day, "not a quota day (YYYYMMDD)");
  }
}

}  // namespace

QuotaUsage SqlStore::quota_usage(const std::string& key, const std::string& day) const {
  check_quota_key(key, day);
  return transact("quota_usage", Access::read, [&] {
    Result r = run("SELECT requests, records FROM quota_usage WHERE key = ? AND day = ?",
                   values(key, day));
    if (r.rows.empty()) return QuotaUsage{};
    return QuotaUsage{r.rows[0].integer(0), r.rows[0].integer(1)};
  });
}

// The check and the addition are one UPDATE: PostgreSQL re-evaluates its
// WHERE on the row as another transaction left it, so two machines spending
// the same quota at once never pass it together.  SQLite's write lock
// serializes them anyway.
bool SqlStore::consume_quota(const std::string& key, const std::string& day, std::int64_t requests,
                             std::int64_t records, const QuotaUsage& max) {
  check_quota_key(key, day);
  std::string sql =
      "UPDATE quota_usage SET requests = requests + ?, records = records + ? "
      "WHERE key = ? AND day = ?";
  SqlValues parameters = values(requests, records, key, day);
  if (requests > 0) {
    sql += " AND requests + ? <= ?";
    parameters.emplace_back(requests);
    parameters.emplace_back(max.requests);
  }
  if (records > 0) {
    sql += " AND records + ? <= ?";
    parameters.emplace_back(records);
    parameters.emplace_back(max.records);
  }
  return transact("consume_quota", Access::write, [&] {
    run("INSERT INTO quota_usage (key, day) VALUES (?, ?) ON CONFLICT (key, day) DO NOTHING",
        values(key, day));
    return run(sql, parameters).affected == 1;
  });
}

// --- the sources' own state ------------------------------------------------------------

std::string SqlStore::source_state(const std::string& source) const {
  return transact("source_state", Access::read, [&] {
    Result r = run("SELECT state FROM sources WHERE name = ?", values(source));
    return r.rows.empty() ? std::string("{}") : r.rows[0].text(0);
  });
}

void SqlStore::set_source_state(const std::string& source, const std::string& json) {
  if (!nlohmann::json::accept(json)) throw InputError("state of source " + source, "not JSON");
  auto changed = transact("set_source_state", Access::write, [&] {
    return run("UPDATE sources SET state = ? WHERE name = ?", values(json, source)).affected;
  });
  if (changed == 0) throw InputError(source, "no such source in the store");
}

}  // namespace tw::store
