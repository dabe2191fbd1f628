// SqlStore: what the trend detector counts (videos per target in time) and
// the surges it raises, each announced once per sink through the outbox.
#include <cmath>

#include "core/errors.h"
#include "store/record_rows.h"
#include "store/sql_store.h"

namespace tw::store {

using namespace rows;

std::vector<TrendVideo> SqlStore::trend_videos(const std::string& target, Millis since,
                                               Millis until) const {
  const std::string counted_at = "coalesce(v.posted_ms, v.first_seen_at)";
  // The best appearance: highest score, then the smallest id (deterministic).
  std::string best = std::string("(SELECT b.id FROM appearances b WHERE b.video = v.id ") +
                     "AND b.target = a.target AND (b.verdict IS NULL OR b.verdict <> 'dismissed') "
                     "ORDER BY b.best_score DESC, b.id LIMIT 1)";
  std::string sql = std::string("SELECT ") + kVideoColumns + ", a.target, " + counted_at +
                    ", count(*), max(a.best_score), " + best +
                    " FROM appearances a JOIN videos v ON v.id = a.video WHERE " + kNotDismissed +
                    " AND " + counted_at + " >= ? AND " + counted_at + " < ?";
  SqlValues parameters = values(since, until);
  if (!target.empty()) {
    sql += " AND a.target = ?";
    parameters.emplace_back(target);
  }
  sql += " GROUP BY v.id, a.target ORDER BY " + counted_at + ", v.id, a.target";
  return transact("trend_videos", Access::read, [&] {
    std::vector<TrendVideo> out;
    for (const Row& row : run(sql, parameters).rows) {
      TrendVideo t;
      t.video = read_video(row);
      int c = kVideoColumnCount;
      t.target = row.text(c);
      t.counted_at = row.integer(c + 1);
      t.appearances = row.integer(c + 2);
      t.best_score = static_cast<float>(row.real(c + 3));
      t.best_appearance_id = row.text(c + 4);
      out.push_back(std::move(t));
    }
    return out;
  });
}

std::optional<SurgeRecord> SqlStore::open_surge(const std::string& target) const {
  return transact("open_surge", Access::read, [&]() -> std::optional<SurgeRecord> {
    Result r = run(select_surges() +
                       "WHERE target = ? AND ended_at IS NULL ORDER BY started_at DESC, id LIMIT 1",
                   values(target));
    if (r.rows.empty()) return std::nullopt;
    return read_surge(r.rows[0]);
  });
}

bool SqlStore::start_surge(const SurgeRecord& surge, const std::vector<std::string>& sinks) {
  if (surge.id.empty() || surge.target.empty()) throw InputError("surge", "no id or no target");
  if (!std::isfinite(surge.expected)) throw InputError("surge " + surge.id, "expected not finite");
  Millis t = now();
  return transact("start_surge", Access::write, [&] {
    Result added =
        run("INSERT INTO surges (id, target, started_at, opened_at, ended_at, window_ms, videos, "
            "expected, views, reason, payload, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING id",
            values(surge.id, surge.target, surge.started_at, surge.opened_at ? surge.opened_at : t,
                   surge.ended_at, surge.window_ms, surge.videos, surge.expected, surge.views,
                   surge.reason, surge.payload_json, t));
    if (added.rows.empty()) return false;
    for (const std::string& sink : sinks) {
      run("INSERT INTO deliveries (kind, appearance, sink, next_attempt_at, created_at) "
          "VALUES (?, ?, ?, ?, ?) ON CONFLICT (appearance, sink) DO NOTHING",
          values(kTrendDelivery, surge.id, sink, t, t));
    }
    return true;
  });
}

void SqlStore::end_surge(const std::string& id, Millis ended_at) {
  auto known = transact("end_surge", Access::write, [&] {
    run("UPDATE surges SET ended_at = ? WHERE id = ? AND ended_at IS NULL", values(ended_at, id));
    return !run("SELECT id FROM surges WHERE id = ?", values(id)).rows.empty();
  });
  if (!known) throw InputError("surge " + id, "not in the store");
}

std::optional<SurgeRecord> SqlStore::surge(const std::string& id) const {
  return transact("surge", Access::read, [&]() -> std::optional<SurgeRecord> {
    Result r = run(select_surges() + "WHERE id = ?", values(id));
    if (r.rows.empty()) return std::nullopt;
    return read_surge(r.rows[0]);
  });
}

std::vector<SurgeRecord> SqlStore::surges(const std::string& target, Millis since) const {
  std::string sql = select_surges() + "WHERE (ended_at IS NULL OR ended_at >= ?)";
  SqlValues parameters = values(since);
  if (!target.empty()) {
    sql += " AND target = ?";
    parameters.emplace_back(target);
  }
  sql += " ORDER BY started_at, id";
  return transact("surges", Access::read, [&] {
    std::vector<SurgeRecord> out;
    for (const Row& row : run(sql, parameters).rows) out.push_back(read_surge(row));
    return out;
  });
}

}  // namespace tw::store
