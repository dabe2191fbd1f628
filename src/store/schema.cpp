#include "store/schema.h"

#include "store/video_fields.h"

namespace tw::store {
namespace {

// Version 2 parses the posted_at text of the videos already stored.
void fill_posted_ms(const StatementRunner& run) {
  Result listed = run("SELECT id, posted_at FROM videos WHERE posted_at <> ''", {});
  for (const Row& row : listed.rows) {
    if (auto ms = parse_posted_ms(row.text(1))) {
      run("UPDATE videos SET posted_ms = ? WHERE id = ?", values(*ms, row.integer(0)));
    }
  }
}

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
     "", "", nullptr},
    {2, "figures, hashtags, observations, quotas, source state, surges, trend deliveries",
     R"sql(
ALTER TABLE videos ADD COLUMN hashtags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE videos ADD COLUMN music_id TEXT NOT NULL DEFAULT '';
ALTER TABLE videos ADD COLUMN music_title TEXT NOT NULL DEFAULT '';
ALTER TABLE videos ADD COLUMN media_url TEXT NOT NULL DEFAULT '';
ALTER TABLE videos ADD COLUMN posted_ms {int64};
ALTER TABLE videos ADD COLUMN views {int64};
ALTER TABLE videos ADD COLUMN likes {int64};
ALTER TABLE videos ADD COLUMN comments {int64};
ALTER TABLE videos ADD COLUMN shares {int64};
ALTER TABLE videos ADD COLUMN saves {int64};
ALTER TABLE videos ADD COLUMN stats_observed_at {int64};
ALTER TABLE videos ADD COLUMN stats_source TEXT;
ALTER TABLE videos ADD COLUMN refreshed_at {int64};
CREATE TABLE observations (
  id {id},
  video {int64} NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
  observed_at {int64} NOT NULL,
  source TEXT NOT NULL DEFAULT '',
  views {int64},
  likes {int64},
  comments {int64},
  shares {int64},
  saves {int64},
  UNIQUE (video, observed_at, source)
);
CREATE TABLE quota_usage (
  key TEXT NOT NULL,
  day TEXT NOT NULL,
  requests {int64} NOT NULL DEFAULT 0,
  records {int64} NOT NULL DEFAULT 0,
  PRIMARY KEY (key, day)
);
ALTER TABLE sources ADD COLUMN state TEXT NOT NULL DEFAULT '{}';
ALTER TABLE sources ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]';
CREATE TABLE surges (
  id TEXT PRIMARY KEY,
  target TEXT NOT NULL,
  started_at {int64} NOT NULL,
  opened_at {int64} NOT NULL,
  ended_at {int64},
  window_ms {int64} NOT NULL,
  videos {int64} NOT NULL,
  expected {real} NOT NULL,
  views {int64} NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  payload TEXT NOT NULL DEFAULT '{}',
  created_at {int64} NOT NULL
);
CREATE INDEX surges_by_target ON surges (target, started_at);
)sql",
     // deliveries.appearance now holds an appearance's or a surge's id (per
     // kind), so its foreign key goes.  SQLite cannot drop a constraint: the
     // table is rebuilt, every row and id kept, inside this transaction.
     R"sql(
CREATE TABLE deliveries_v2 (
  id INTEGER PRIMARY KEY,
  appearance TEXT NOT NULL,
  sink TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  delivered_at INTEGER,
  created_at INTEGER NOT NULL,
  kind TEXT NOT NULL DEFAULT 'appearance' CHECK (kind IN ('appearance', 'trend')),
  UNIQUE (appearance, sink)
);
INSERT INTO deliveries_v2 (id, appearance, sink, state, attempts, next_attempt_at, last_error,
                           delivered_at, created_at)
  SELECT id, appearance, sink, state, attempts, next_attempt_at, last_error, delivered_at,
         created_at FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_v2 RENAME TO deliveries;
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
)sql",
     // The foreign key's name is PostgreSQL's choice: drop whichever it is.
     R"sql(
DO $$
DECLARE fk TEXT;
BEGIN
  FOR fk IN SELECT conname FROM pg_constraint
              WHERE conrelid = 'deliveries'::regclass AND contype = 'f' LOOP
    EXECUTE format('ALTER TABLE deliveries DROP CONSTRAINT %I', fk);
  END LOOP;
END $$;
ALTER TABLE deliveries ADD COLUMN kind TEXT NOT NULL DEFAULT 'appearance'
  CHECK (kind IN ('appearance', 'trend'));
)sql",
     fill_posted_ms},
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
