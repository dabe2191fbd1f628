// SqlStore: the deliveries (the outbox's side) and the dashboard's queries.
#include <algorithm>

#include "core/errors.h"
#include "store/record_rows.h"
#include "store/sql_store.h"

namespace tw::store {

using namespace rows;

namespace {

// "?, ?, ?" for n values.
std::string placeholders(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += i ? ", ?" : "?";
  return out;
}

}  // namespace

// --- deliveries --------------------------------------------------------------------

// With a hold (PostgreSQL, shared by several processes) each due delivery is
// handed to one caller at a time: the rows are taken with SKIP LOCKED and
// pushed the hold into the future, so that another process delivering at the
// same time does not send them too; one that dies mid-send leaves them due
// again once the hold has passed.  Without one (SQLite) a delivery is listed
// again until it is marked.
std::vector<DeliveryRecord> SqlStore::due_deliveries(const std::vector<std::string>& sinks,
                                                     int limit) {
  if (sinks.empty()) return {};
  Millis t = now();
  Millis hold = connection_->dialect().delivery_hold_ms;
  std::string sql =
      select_deliveries() + "WHERE state = 'pending' AND next_attempt_at <= ? AND sink IN (" +
      placeholders(sinks.size()) + ") ORDER BY next_attempt_at, id LIMIT ? {skip_locked}";
  SqlValues parameters = values(t);
  for (const std::string& sink : sinks) parameters.emplace_back(sink);
  parameters.emplace_back(std::int64_t{std::max(limit, 1)});
  return transact("due_deliveries", hold ? Access::write : Access::read, [&] {
    std::vector<DeliveryRecord> out;
    for (const Row& row : run(sql, parameters).rows) {
      out.push_back(read_delivery(row));
      if (hold) {
        run("UPDATE deliveries SET next_attempt_at = ? WHERE id = ?",
            values(t + hold, out.back().id));
      }
    }
    return out;
  });
}

void SqlStore::mark_delivered(std::int64_t delivery_id) {
  Millis t = now();
  auto changed = transact("mark_delivered", Access::write, [&] {
    return run("UPDATE deliveries SET state = 'delivered', delivered_at = ?, "
               "attempts = attempts + 1 WHERE id = ?",
               values(t, delivery_id))
        .affected;
  });
  if (changed == 0) throw StoreError("no delivery " + std::to_string(delivery_id));
}

DeliveryRecord SqlStore::mark_delivery_failed(std::int64_t delivery_id, const std::string& error) {
  Millis t = now();
  return transact("mark_delivery_failed", Access::write, [&] {
    std::optional<DeliveryRecord> d = load_delivery(delivery_id, true);
    if (!d) throw StoreError("no delivery " + std::to_string(delivery_id));
    const RetryPolicy& retry = options_.retry;
    int attempts = d->attempts + 1;
    bool give_up = retry.max_delivery_attempts > 0 && attempts >= retry.max_delivery_attempts;
    DeliveryState state = give_up ? DeliveryState::failed : DeliveryState::pending;
    Millis next = t + backoff(retry.delivery_retry_base, retry.delivery_retry_cap, attempts);
    Result updated =
        run("UPDATE deliveries SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ? "
            "WHERE id = ? RETURNING " +
                std::string(kDeliveryColumns),
            values(to_string(state), attempts, next, error, delivery_id));
    return read_delivery(updated.rows.at(0));
  });
}

std::vector<DeliveryRecord> SqlStore::deliveries_for(const std::string& appearance_id) const {
  return transact("deliveries_for", Access::read, [&] {
    std::vector<DeliveryRecord> out;
    for (const Row& row :
         run(select_deliveries() + "WHERE appearance = ? ORDER BY sink", values(appearance_id))
             .rows) {
      out.push_back(read_delivery(row));
    }
    return out;
  });
}

std::optional<DeliveryRecord> SqlStore::load_delivery(std::int64_t id, bool lock) const {
  Result r = run(select_deliveries() + "WHERE id = ?" + (lock ? " {for_update}" : ""), values(id));
  if (r.rows.empty()) return std::nullopt;
  return read_delivery(r.rows[0]);
}

// --- queries ---------------------------------------------------------------------------

std::vector<AppearanceRecord> SqlStore::appearances(const AppearanceFilter& filter) const {
  std::string sql = select_appearances() + "WHERE 1 = 1";
  SqlValues parameters;
  if (!filter.target.empty()) {
    sql += " AND a.target = ?";
    parameters.emplace_back(filter.target);
  }
  if (filter.verdict && *filter.verdict == Verdict::none) {
    sql += " AND a.verdict IS NULL";
  } else if (filter.verdict) {
    sql += " AND a.verdict = ?";
    parameters.emplace_back(to_string(*filter.verdict));
  }
  if (filter.video_id) {
    sql += " AND a.video = ?";
    parameters.emplace_back(*filter.video_id);
  }
  sql += " ORDER BY a.created_at DESC, a.video DESC, a.start_s, a.id LIMIT ? OFFSET ?";
  parameters.emplace_back(std::int64_t{std::clamp(filter.limit, 1, 1000)});
  parameters.emplace_back(std::int64_t{std::max(filter.offset, 0)});
  return transact("appearances", Access::read, [&] {
    std::vector<AppearanceRecord> out;
    for (const Row& row : run(sql, parameters).rows) out.push_back(read_appearance(row));
    return out;
  });
}

std::optional<AppearanceRecord> SqlStore::appearance(const std::string& id) const {
  return transact("appearance", Access::read, [&]() -> std::optional<AppearanceRecord> {
    Result r = run(select_appearances() + "WHERE a.id = ?", values(id));
    if (r.rows.empty()) return std::nullopt;
    return read_appearance(r.rows[0]);
  });
}

bool SqlStore::set_verdict(const std::string& appearance_id, Verdict verdict) {
  std::optional<std::string> value;
  std::optional<Millis> at;
  if (verdict != Verdict::none) {
    value = to_string(verdict);
    at = now();
  }
  return transact("set_verdict", Access::write, [&] {
    return run("UPDATE appearances SET verdict = ?, verdict_at = ? WHERE id = ?",
               values(value, at, appearance_id))
               .affected == 1;
  });
}

std::optional<VideoRecord> SqlStore::find_video(const std::string& platform,
                                                const std::string& id) const {
  return transact("find_video", Access::read, [&]() -> std::optional<VideoRecord> {
    Result r = run(select_videos() + "WHERE platform = ? AND video_id = ?", values(platform, id));
    if (r.rows.empty()) return std::nullopt;
    return read_video(r.rows[0]);
  });
}

std::optional<VideoDetail> SqlStore::video(std::int64_t video_id) const {
  return transact("video", Access::read, [&]() -> std::optional<VideoDetail> {
    std::optional<VideoRecord> v = load_video(video_id, false);
    if (!v) return std::nullopt;
    VideoDetail detail;
    detail.video = std::move(*v);
    for (const Row& row :
         run(select_appearances() + "WHERE a.video = ? ORDER BY a.start_s, a.target, a.id",
             values(video_id))
             .rows) {
      detail.appearances.push_back(read_appearance(row));
    }
    for (const Row& row :
         run(select_scans() + "WHERE video = ? ORDER BY id DESC", values(video_id)).rows) {
      detail.scans.push_back(read_scan(row));
    }
    return detail;
  });
}

std::vector<VideoRecord> SqlStore::videos(std::optional<VideoState> state, int limit,
                                          int offset) const {
  std::string sql = select_videos();
  SqlValues parameters;
  if (state) {
    sql += "WHERE state = ? ";
    parameters.emplace_back(to_string(*state));
  }
  sql += "ORDER BY id DESC LIMIT ? OFFSET ?";
  parameters.emplace_back(std::int64_t{std::clamp(limit, 1, 100000)});
  parameters.emplace_back(std::int64_t{std::max(offset, 0)});
  return read_videos("videos", sql, parameters);
}

std::vector<TargetSummary> SqlStore::targets() const {
  return transact("targets", Access::read, [&] {
    std::vector<TargetSummary> out;
    for (const Row& s : run("SELECT target, count(*), count(DISTINCT video), "
                            "count(*) FILTER (WHERE verdict = 'confirmed'), "
                            "count(*) FILTER (WHERE verdict = 'dismissed'), max(created_at) "
                            "FROM appearances GROUP BY target ORDER BY target")
                            .rows) {
      out.push_back({s.text(0), s.integer(1), s.integer(2), s.integer(3), s.integer(4),
                     s.optional_integer(5)});
    }
    return out;
  });
}

QueueDepth SqlStore::queue_depth() const {
  return transact("queue_depth", Access::read, [&] {
    QueueDepth q;
    for (const Row& row : run("SELECT state, count(*) FROM videos GROUP BY state").rows) {
      std::int64_t n = row.integer(1);
      switch (parse_video_state(row.text(0))) {
        case VideoState::queued:
          q.queued = n;
          break;
        case VideoState::scanning:
          q.scanning = n;
          break;
        case VideoState::done:
          q.done = n;
          break;
        case VideoState::failed:
          q.failed = n;
          break;
      }
    }
    for (const Row& row : run("SELECT state, count(*) FROM deliveries GROUP BY state").rows) {
      std::int64_t n = row.integer(1);
      switch (parse_delivery_state(row.text(0))) {
        case DeliveryState::pending:
          q.deliveries_pending = n;
          break;
        case DeliveryState::delivered:
          q.deliveries_delivered = n;
          break;
        case DeliveryState::failed:
          q.deliveries_failed = n;
          break;
      }
    }
    return q;
  });
}

}  // namespace tw::store
