#include "store/schema.h"

namespace tw::store {
namespace {

const Migration kMigrations[] = {
    {1, "sources, videos, scans, appearances, deliveries", R"sql(
CREATE TABLE sources (
  name TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  location TEXT NOT NULL DEFAULT '',
  created_at {int64} NOT NULL,
  last_poll_at {int64},
  last_success_at {int64},
  last_error TEXT,
  last_error_at {int64},
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  next_poll_at {int64}
);
CREATE TABLE videos (
  id {id},
  platform TEXT NOT NULL,
  video_id TEXT NOT NULL,
  url TEXT NOT NULL,
  title TEXT NOT NULL DEFAULT '',
  author TEXT NOT NULL DEFAULT '',
  posted_at TEXT NOT NULL DEFAULT '',
  source TEXT NOT NULL DEFAULT '',
  first_seen_at {int64} NOT NULL,
  state TEXT NOT NULL DEFAULT 'queued'
    CHECK (state IN ('queued', 'scanning', 'done', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at {int64} NOT NULL DEFAULT 0,
  lease_owner TEXT,
  lease_expires_at {int64},
  last_error TEXT,
  target_set_version TEXT,
  duration {real},
  UNIQUE (platform, video_id)
);
CREATE INDEX videos_by_state ON videos (state, next_attempt_at, id);
CREATE INDEX videos_by_source ON videos (source);
CREATE TABLE scans (
  id {id},
  video {int64} NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
  target_set_version TEXT NOT NULL,
  worker TEXT NOT NULL DEFAULT '',
  started_at {int64} NOT NULL,
  finished_at {int64} NOT NULL,
  frames_sampled INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL CHECK (status IN ('done', 'failed')),
  error TEXT,
  timings TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX scans_by_video ON scans (video);
CREATE TABLE appearances (
  id TEXT PRIMARY KEY,
  video {int64} NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
  scan {int64} REFERENCES scans (id) ON DELETE SET NULL,
  target TEXT NOT NULL,
  target_set_version TEXT NOT NULL,
  start_s {real} NOT NULL,
  end_s {real} NOT NULL,
  best_time {real} NOT NULL,
  best_score {real} NOT NULL,
  best_distance {real} NOT NULL,
  box_x {real} NOT NULL,
  box_y {real} NOT NULL,
  box_w {real} NOT NULL,
  box_h {real} NOT NULL,
  frames INTEGER NOT NULL,
  evidence_frame TEXT NOT NULL DEFAULT '',
  evidence_crop TEXT NOT NULL DEFAULT '',
  verdict TEXT CHECK (verdict IN ('confirmed', 'dismissed')),
  verdict_at {int64},
  created_at {int64} NOT NULL
);
CREATE INDEX appearances_latest ON appearances (created_at, video);
CREATE INDEX appearances_by_target ON appearances (target, created_at);
CREATE INDEX appearances_by_video ON appearances (video, start_s);
CREATE TABLE deliveries (
  id {id},
  appearance TEXT NOT NULL REFERENCES appearances (id) ON DELETE CASCADE,
  sink TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at {int64} NOT NULL,
  last_error TEXT,
  delivered_at {int64},
  created_at {int64} NOT NULL,
  UNIQUE (appearance, sink)
);
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
)sql",
     "", ""},
};

}  // namespace

std::string Migration::sql(const Dialect& dialect) const {
  const char* own = dialect.kind == Dialect::Kind::sqlite ? sqlite : postgres;
  return dialect.expand(std::string(both) + own);
}

std::span<const Migration> migrations() {
  return kMigrations;
}

int latest_schema_version() {
  return kMigrations[std::size(kMigrations) - 1].version;
}

}  // namespace tw::store
