// The store's behaviour against both back ends (SQLite file, real PostgreSQL
// server started by scripts/start-postgres.sh), then what only PostgreSQL
// does: refusing a newer schema, handing each due delivery to one process,
// one scheduler at a time, and surviving a lost connection.
#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <thread>

#include "core/errors.h"
#include "store/both_stores.h"
#include "store/postgres_server.h"
#include "store/store.h"
#include "store/store_test_support.h"
#include "support/test_support.h"

namespace tw::store {
namespace {

using namespace std::chrono_literals;
using testing::Backend;
using testing::backend_name;
using testing::BothStores;
using testing::ManualClock;
using testing::sample_appearance;
using testing::sample_video;

TEST_P(BothStores, MigratesOnceAndDedupesVideosByPlatformAndId) {
  auto store = open();
  EXPECT_EQ(store->schema_version(), 2);
  auto first = store->enqueue_video(sample_video("100", "first title"));
  auto again = store->enqueue_video(sample_video("100", "second title"));
  VideoRef youtube = sample_video("100");
  youtube.platform = "youtube";
  auto other = store->enqueue_video(youtube);
  EXPECT_TRUE(first.is_new);
  EXPECT_FALSE(again.is_new);
  EXPECT_EQ(again.video_id, first.video_id);
  EXPECT_TRUE(other.is_new);
  EXPECT_NE(other.video_id, first.video_id);
  EXPECT_THROW(store->enqueue_video(sample_video("")), InputError);  // no id
  auto reopened = open();  // no second migration, same rows
  EXPECT_EQ(reopened->schema_version(), 2);
  EXPECT_EQ(reopened->queue_depth().queued, 2);
  EXPECT_EQ(reopened->find_video("tiktok", "100")->ref.title, "first title");
  // Untrusted text goes in as a bound value, verbatim.
  VideoRef nasty = sample_video("x'); DROP TABLE videos; --", "t\xC3\xA9st \"quoted\" $1 ?");
  reopened->enqueue_video(nasty);
  auto found = reopened->find_video("tiktok", nasty.id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->ref.title, nasty.title);
}

TEST_P(BothStores, ALeaseHeldByHeartbeatsStaysAndAnExpiredOneIsTakenOver) {
  auto store = open();
  auto queued = store->enqueue_video(sample_video("5"));
  auto first = store->claim_video("host-a#1", 10s);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->lease_owner, "host-a#1");
  EXPECT_EQ(first->attempts, 1);
  for (int beat = 0; beat < 3; ++beat) {
    clock_.advance(6s);
    EXPECT_TRUE(store->renew_lease(queued.video_id, "host-a#1", 10s));
    EXPECT_FALSE(store->claim_video("host-b#1", 10s)) << beat;
  }
  clock_.advance(10s);  // no heartbeat for 10 s: host-a is gone
  auto second = store->claim_video("host-b#1", 10s);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->id, queued.video_id);
  EXPECT_EQ(second->attempts, 2);
  EXPECT_EQ(*second->lease_expires_at, clock_.now() + 10'000);
  EXPECT_FALSE(store->renew_lease(queued.video_id, "host-a#1", 10s));
  EXPECT_FALSE(store->release_video(queued.video_id, "host-a#1"));
  EXPECT_TRUE(store->release_video(queued.video_id, "host-b#1"));
  EXPECT_EQ(store->video(queued.video_id)->video.attempts, 1);
}

TEST_P(BothStores, CompleteScanIsAllOrNothingAndIdempotent) {
  auto o = options();
  bool fail_commit = true;
  o.before_commit = [&fail_commit](std::string_view operation) {
    if (operation == "complete_scan" && fail_commit) throw StoreError("power cut");
  };
  auto store = open(o);
  auto queued = store->enqueue_video(sample_video("77"));
  ASSERT_TRUE(store->claim_video("w#1", 60s));
  FinishedScan result = finished_scan(
      queued.video_id, "w#1",
      {sample_appearance("jesper", 1.04, 3.0), sample_appearance("jesper", 6.0, 7.5)});
  EXPECT_THROW(store->complete_scan(result), StoreError);
  // Nothing of the scan is there: no scan row, no appearance, no delivery.
  auto detail = store->video(queued.video_id);
  EXPECT_TRUE(detail->scans.empty());
  EXPECT_TRUE(detail->appearances.empty());
  EXPECT_EQ(detail->video.state, VideoState::scanning);
  EXPECT_EQ(store->queue_depth().deliveries_pending, 0);

  fail_commit = false;
  CompletedScan done = store->complete_scan(result);
  EXPECT_EQ(done.new_deliveries, 4);  // 2 appearances x 2 sinks
  ASSERT_EQ(done.appearance_ids.size(), 2u);
  EXPECT_EQ(done.appearance_ids[0], appearance_id(sample_video("77"), "jesper", "set-1", 1.0));
  // A second worker that finished the same video stores no second alert.
  CompletedScan twice = store->complete_scan(result);
  EXPECT_EQ(twice.new_deliveries, 0);
  EXPECT_EQ(twice.appearance_ids, done.appearance_ids);
  auto after = store->video(queued.video_id);
  EXPECT_EQ(after->video.state, VideoState::done);
  EXPECT_EQ(after->video.duration, 8.0);
  EXPECT_TRUE(after->video.lease_owner.empty());
  EXPECT_EQ(after->appearances.size(), 2u);
  EXPECT_DOUBLE_EQ(after->appearances[0].appearance.start, 1.04);
  EXPECT_FLOAT_EQ(after->appearances[0].appearance.best_score, 0.8f);
  EXPECT_EQ(store->queue_depth().deliveries_pending, 4);
}

TEST_P(BothStores, DeliveriesBackOffThenSucceedOrAreGivenUp) {
  auto o = options();
  o.retry.delivery_retry_base = 10s;
  o.retry.delivery_retry_cap = 30s;
  o.retry.max_delivery_attempts = 4;
  auto store = open(o);
  auto queued = store->enqueue_video(sample_video("d"));
  ASSERT_TRUE(store->claim_video("w", 60s));
  CompletedScan done =
      store->complete_scan(finished_scan(queued.video_id, "w", {sample_appearance("a", 1, 2)}));
  ASSERT_EQ(done.new_deliveries, 2);
  auto due = store->due_deliveries({"webhook"}, 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].sink, "webhook");
  std::int64_t id = due[0].id;
  Millis expected_waits[] = {10'000, 20'000, 30'000};
  for (Millis wait : expected_waits) {
    DeliveryRecord after = store->mark_delivery_failed(id, "HTTP 503");
    EXPECT_EQ(after.state, DeliveryState::pending);
    EXPECT_EQ(after.next_attempt_at, clock_.now() + wait);
    EXPECT_TRUE(store->due_deliveries({"webhook"}, 10).empty());
    clock_.advance(std::chrono::milliseconds(wait));
    ASSERT_EQ(store->due_deliveries({"webhook"}, 10).size(), 1u);
  }
  EXPECT_EQ(store->mark_delivery_failed(id, "HTTP 503").state, DeliveryState::failed);
  auto console = store->due_deliveries({"console"}, 10);
  ASSERT_EQ(console.size(), 1u);
  store->mark_delivered(console[0].id);
  auto rows = store->deliveries_for(done.appearance_ids[0]);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].state, DeliveryState::delivered);  // console
  EXPECT_EQ(rows[1].state, DeliveryState::failed);     // webhook
  EXPECT_EQ(rows[1].last_error, "HTTP 503");
  EXPECT_EQ(rows[1].attempts, 4);
}

TEST_P(BothStores, WorkersWithTheirOwnConnectionsClaimEachVideoOnce) {
  constexpr int kVideos = 24, kWorkers = 4;
  {
    auto store = open();
    for (int i = 0; i < kVideos; ++i) store->enqueue_video(sample_video("v" + std::to_string(i)));
  }
  std::mutex mutex;
  std::multiset<std::int64_t> claimed;
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&, w] {
      auto store = open();  // one connection (or file handle) per worker
      std::string owner = "host-" + std::to_string(w) + "#1";
      while (auto video = store->claim_video(owner, 60s)) {
        store->complete_scan(finished_scan(video->id, owner, {}));
        std::lock_guard lock(mutex);
        claimed.insert(video->id);
      }
    });
  }
  for (auto& t : workers) t.join();
  EXPECT_EQ(claimed.size(), static_cast<size_t>(kVideos));
  EXPECT_EQ(std::set<std::int64_t>(claimed.begin(), claimed.end()).size(),
            static_cast<size_t>(kVideos));
  EXPECT_EQ(open()->queue_depth().done, kVideos);
}

INSTANTIATE_TEST_SUITE_P(Store, BothStores, ::testing::Values(Backend::sqlite, Backend::postgres),
                         backend_name);

// --- PostgreSQL only -------------------------------------------------------------

TEST(PostgresStore, RefusesADatabaseFromANewerVersionAndABadServer) {
  TW_POSTGRES_DATABASE_OR_SKIP(url);
  open_store(url);
  tw_pg_server->execute(
      "INSERT INTO schema_version (version, description, applied_at) VALUES (9, 'future', 0)", url);
  try {
    open_store(url);
    FAIL() << "opened a newer schema";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("newer than this trendwatch"), std::string::npos)
        << e.what();
  }
  // Nothing listens on port 9; the password does not appear in the message.
  try {
    open_store("postgresql://someone:hunter2@127.0.0.1:9/nothing?connect_timeout=2");
    FAIL();
  } catch (const InputError& e) {
    std::string message = e.what();
    EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
    EXPECT_NE(message.find("cannot connect"), std::string::npos) << message;
  }
}

TEST(PostgresStore, EachDueDeliveryGoesToOneProcessAtATime) {
  TW_POSTGRES_DATABASE_OR_SKIP(url);
  auto a = open_store(url);
  auto b = open_store(url);
  auto queued = a->enqueue_video(sample_video("1"));
  ASSERT_TRUE(a->claim_video("w", 60s));
  FinishedScan r;
  r.video_id = queued.video_id;
  r.worker = "w";
  r.target_set_version = "v";
  r.appearances = {sample_appearance("x", 1, 2), sample_appearance("y", 5, 6)};
  r.sinks = {"webhook"};
  a->complete_scan(r);
  auto for_a = a->due_deliveries({"webhook"}, 1);
  auto for_b = b->due_deliveries({"webhook"}, 10);
  ASSERT_EQ(for_a.size(), 1u);
  ASSERT_EQ(for_b.size(), 1u);
  EXPECT_NE(for_a[0].id, for_b[0].id);
  EXPECT_TRUE(a->due_deliveries({"webhook"}, 10).empty());
  a->mark_delivered(for_a[0].id);
  EXPECT_EQ(b->mark_delivery_failed(for_b[0].id, "timeout").state, DeliveryState::pending);
}

TEST(PostgresStore, OnlyOneSchedulerListsSourcesAtATime) {
  TW_POSTGRES_DATABASE_OR_SKIP(url);
  auto first = open_store(url);
  auto second = open_store(url);
  first->upsert_source({"feed", "urls", "http://127.0.0.1/list.txt"});
  EXPECT_EQ(first->due_sources(), std::vector<std::string>{"feed"});
  EXPECT_TRUE(second->due_sources().empty());  // the other watch stands by
  first.reset();  // its session ends: the server frees the lock soon after
  // The backend frees the lock after the client has gone, not before
  // PQfinish returns: the standby sees it on one of its next polls.
  std::vector<std::string> after;
  for (int poll = 0; poll < 100 && after.empty(); ++poll) {
    after = second->due_sources();
    if (after.empty()) std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(after, std::vector<std::string>{"feed"});
}

TEST(PostgresStore, SurvivesItsConnectionBeingKilledAndTheServerRestarting) {
  TW_POSTGRES_DATABASE_OR_SKIP(url);
  auto store = open_store(url);
  store->upsert_source({"feed", "urls", "x"});
  ASSERT_EQ(store->due_sources().size(), 1u);  // holds the scheduler lock
  auto queued = store->enqueue_video(sample_video("1"));
  ASSERT_GE(tw_pg_server->terminate_trendwatch_sessions(), 1);
  // The next call finds the session gone, reconnects and goes on.
  auto claimed = store->claim_video("w#1", 60s);
  ASSERT_TRUE(claimed);
  EXPECT_EQ(claimed->id, queued.video_id);
  EXPECT_EQ(store->due_sources().size(), 1u);  // took the lock again

  ASSERT_TRUE(tw_pg_server->pause());
  EXPECT_THROW(store->queue_depth(), StoreError);  // meanwhile: errors, no crash
  EXPECT_THROW(store->renew_lease(queued.video_id, "w#1", 60s), StoreError);
  ASSERT_TRUE(tw_pg_server->resume());
  EXPECT_TRUE(store->renew_lease(queued.video_id, "w#1", 60s));
  EXPECT_EQ(store->queue_depth().scanning, 1);
}

}  // namespace
}  // namespace tw::store
