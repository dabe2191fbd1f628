// A database written by a version-1 trendwatch, migrated on both back ends:
// every row kept (ids too), posted times parsed, and deliveries freed from
// their foreign key so that a surge can be announced.
#include <gtest/gtest.h>

#include "store/both_stores.h"
#include "store/dialect.h"
#include "store/schema.h"
#include "store/store.h"

namespace tw::store {
namespace {

using testing::Backend;
using testing::BothStores;

// The rows a version-1 store held (ids as its sequences gave them): two sources, two videos (one
// scanned, with an appearance, its scan and two deliveries, one delivered).
const char* kVersionOneRows = R"sql(
INSERT INTO schema_version (version, description, applied_at) VALUES (1, 'v1', 1);
INSERT INTO sources (name, kind, location, created_at, last_poll_at, last_success_at,
                     last_error, last_error_at, consecutive_failures, next_poll_at)
  VALUES ('demo', 'urls', 'http://127.0.0.1/list.txt', 1, 10, 10, 'old failure', 5, 0, 20),
         ('broken', 'command', 'python3 x.py', 1, 11, NULL, 'exit status 1', 11, 3, 21);
INSERT INTO videos (platform, video_id, url, title, author, posted_at, source, first_seen_at,
                    state, attempts, next_attempt_at, target_set_version, duration)
  VALUES ('tiktok', '7345678901234567891', 'https://www.tiktok.com/@a/video/7345678901234567891',
          'it''s scanned', 'a', '2024-05-01T12:00:00Z', 'demo', 1000, 'done', 1, 0, 'v1', 8.5),
         ('tiktok', '2', 'https://www.tiktok.com/@b/video/2', 'queued', 'b', '', 'demo', 2000,
          'queued', 0, 0, NULL, NULL);
INSERT INTO scans (video, target_set_version, worker, started_at, finished_at,
                   frames_sampled, status, timings)
  VALUES (1, 'v1', 'w#1', 900, 1000, 40, 'done', '{"decode_ms":12}');
INSERT INTO appearances (id, video, scan, target, target_set_version, start_s, end_s, best_time,
                         best_score, best_distance, box_x, box_y, box_w, box_h, frames,
                         evidence_frame, evidence_crop, verdict, verdict_at, created_at)
  VALUES ('app-1', 1, 1, 'jesper', 'v1', 1.5, 3.0, 2.0, 0.8125, 0.41, 10, 20, 30, 40, 7,
          '/e/frame.jpg', '/e/crop.jpg', 'confirmed', 1500, 1000);
INSERT INTO deliveries (appearance, sink, state, attempts, next_attempt_at, last_error,
                        delivered_at, created_at)
  VALUES ('app-1', 'hook', 'delivered', 1, 1000, NULL, 1100, 1000),
         ('app-1', 'mail', 'pending', 2, 5000, 'SMTP 451', NULL, 1000);
)sql";

TEST_P(BothStores, AVersionOneDatabaseMigratesKeepingEveryRow) {
  const Dialect& dialect = GetParam() == Backend::sqlite ? kSqliteDialect : kPostgresDialect;
  execute_raw(dialect.expand(
      "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
      "applied_at {int64} NOT NULL)"));
  execute_raw(migrations()[0].sql(dialect));
  execute_raw(kVersionOneRows);

  auto store = open();
  EXPECT_EQ(store->schema_version(), 2);
  EXPECT_EQ(query_integer_raw("SELECT count(*) FROM schema_version"), 2);

  auto sources = store->sources();
  ASSERT_EQ(sources.size(), 2u);
  EXPECT_EQ(sources[0].config.name, "broken");
  EXPECT_EQ(sources[0].consecutive_failures, 3);
  EXPECT_TRUE(sources[0].warnings.empty());
  EXPECT_EQ(sources[1].last_error, "old failure");
  EXPECT_EQ(sources[1].next_poll_at, 20);
  EXPECT_EQ(sources[1].videos, 2);
  EXPECT_EQ(sources[1].state, "{}");

  auto scanned = store->find_video("tiktok", "7345678901234567891");
  ASSERT_TRUE(scanned);
  EXPECT_EQ(scanned->id, 1);
  EXPECT_EQ(scanned->ref.title, "it's scanned");
  EXPECT_EQ(scanned->state, VideoState::done);
  EXPECT_EQ(scanned->duration, 8.5);
  EXPECT_EQ(scanned->posted_ms, 1'714'564'800'000);  // 2024-05-01T12:00:00Z, parsed by migration 2
  EXPECT_TRUE(scanned->ref.hashtags.empty());
  EXPECT_FALSE(scanned->latest);
  auto queued = store->find_video("tiktok", "2");
  ASSERT_TRUE(queued);
  EXPECT_EQ(queued->id, 2);
  EXPECT_FALSE(queued->posted_ms);

  auto detail = store->video(1);
  ASSERT_TRUE(detail);
  ASSERT_EQ(detail->scans.size(), 1u);
  EXPECT_EQ(detail->scans[0].timings_json, R"({"decode_ms":12})");
  ASSERT_EQ(detail->appearances.size(), 1u);
  EXPECT_EQ(detail->appearances[0].id, "app-1");
  EXPECT_EQ(detail->appearances[0].verdict, Verdict::confirmed);
  EXPECT_FLOAT_EQ(detail->appearances[0].appearance.best_score, 0.8125f);

  auto deliveries = store->deliveries_for("app-1");
  ASSERT_EQ(deliveries.size(), 2u);
  EXPECT_EQ(deliveries[0].id, 1);
  EXPECT_EQ(deliveries[0].state, DeliveryState::delivered);
  EXPECT_EQ(deliveries[0].delivered_at, 1100);
  EXPECT_EQ(deliveries[0].kind, kAppearanceDelivery);
  EXPECT_EQ(deliveries[1].id, 2);
  EXPECT_EQ(deliveries[1].attempts, 2);
  EXPECT_EQ(deliveries[1].last_error, "SMTP 451");
  EXPECT_EQ(deliveries[1].kind, kAppearanceDelivery);

  // The foreign key from deliveries to appearances is gone; the others stay.
  if (GetParam() == Backend::sqlite) {
    EXPECT_EQ(query_integer_raw("SELECT count(*) FROM pragma_foreign_key_list('deliveries')"), 0);
    EXPECT_EQ(query_integer_raw("SELECT count(*) FROM pragma_foreign_key_list('appearances')"), 2);
    EXPECT_EQ(query_integer_raw("SELECT count(*) FROM pragma_foreign_key_check"), 0);
  } else {
    EXPECT_EQ(query_integer_raw("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND "
                                "conrelid = 'deliveries'::regclass"),
              0);
    EXPECT_EQ(query_integer_raw("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND "
                                "conrelid = 'appearances'::regclass"),
              2);
  }
  SurgeRecord surge;
  surge.id = "surge-1";
  surge.target = "jesper";
  EXPECT_TRUE(store->start_surge(surge, {"hook"}));
  EXPECT_EQ(store->deliveries_for("surge-1").at(0).kind, kTrendDelivery);
  // New rows get new ids after the kept ones.
  EXPECT_GT(store->enqueue_video(testing::sample_video("new")).video_id, 2);
  EXPECT_GT(store->deliveries_for("surge-1").at(0).id, 2);

  // Opening again migrates nothing more.
  auto reopened = open();
  EXPECT_EQ(reopened->schema_version(), 2);
  EXPECT_EQ(reopened->deliveries_for("app-1").size(), 2u);
}

}  // namespace
}  // namespace tw::store
