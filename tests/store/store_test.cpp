// The store's behaviour on both back ends (TEST_P(BothStores): the queue,
// leases, retries, scans, deliveries, sources and the dashboard's queries;
// instantiated in postgres_store_test.cpp), then what only the SQLite file
// does: migrating a file, its URL forms, refusing what is not a database,
// and several processes sharing one file.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "core/errors.h"
#include "store/both_stores.h"
#include "store/store.h"
#include "store/store_test_support.h"
#include "support/test_support.h"

namespace tw::store {
namespace {

using namespace std::chrono_literals;
using testing::BothStores;
using testing::by_target;
using testing::by_verdict;
using testing::by_video;
using testing::ManualClock;
using testing::page_of;
using testing::sample_appearance;
using testing::sample_video;

struct StoreFixture : ::testing::Test {
  std::filesystem::path dir = tw::test::fresh_dir("store");
  std::filesystem::path db_path = dir / "trendwatch.db";
  ManualClock clock;
  StoreOptions options() const {
    StoreOptions o;
    o.clock = clock.function();
    return o;
  }
  std::unique_ptr<Store> open(const StoreOptions& o) { return open_store(db_path.string(), o); }
  std::unique_ptr<Store> open() { return open(options()); }
};

TEST_F(StoreFixture, MigratesAnEmptyFileAndReopensWithoutMigratingAgain) {
  {
    auto store = open();
    EXPECT_EQ(store->schema_version(), 2);
    store->enqueue_video(sample_video("1"));
  }
  EXPECT_EQ(testing::query_integer(db_path, "SELECT count(*) FROM schema_version"), 2);
  EXPECT_EQ(testing::query_text(db_path, "PRAGMA journal_mode"), "wal");
  auto store = open();
  EXPECT_EQ(store->schema_version(), 2);
  EXPECT_EQ(testing::query_integer(db_path, "SELECT count(*) FROM schema_version"), 2);
  EXPECT_TRUE(store->find_video("tiktok", "1").has_value());
}

TEST_F(StoreFixture, RefusesADatabaseFromANewerVersion) {
  open();
  testing::execute(db_path,
                   "INSERT INTO schema_version (version, description, applied_at) "
                   "VALUES (99, 'from the future', 0)");
  try {
    open();
    FAIL() << "a newer schema was accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(e.input(), db_path.string());
    EXPECT_NE(std::string(e.what()).find("schema version 99 is newer"), std::string::npos)
        << e.what();
  }
}

TEST_F(StoreFixture, RefusesAFileThatIsNotADatabase) {
  std::ofstream(db_path) << "this is a text file, not SQLite, and it is long enough to matter\n";
  EXPECT_THROW(open(), InputError);
  EXPECT_THROW(open_store(dir.string()), InputError);  // a directory
}

TEST_F(StoreFixture, UnderstandsTheUrlForms) {
  auto absolute = open_store("sqlite://" + (dir / "abs.db").string());
  absolute->enqueue_video(sample_video("1"));
  EXPECT_TRUE(std::filesystem::exists(dir / "abs.db"));

  auto previous = std::filesystem::current_path();
  std::filesystem::current_path(dir);
  open_store("sqlite://relative.db");
  std::filesystem::current_path(previous);
  EXPECT_TRUE(std::filesystem::exists(dir / "relative.db"));

  open_store((dir / "sub" / "plain.db").string());  // parent folder created
  EXPECT_TRUE(std::filesystem::exists(dir / "sub" / "plain.db"));

  // Without libpq: "PostgreSQL store not built yet"; with it: no server on
  // port 1.  Either way a clear InputError, never a crash.
  EXPECT_THROW(open_store("postgresql://nobody@127.0.0.1:1/trendwatch"), InputError);
  EXPECT_THROW(open_store("mysql://x/y"), InputError);
  EXPECT_THROW(open_store("sqlite://"), InputError);
}

TEST_P(BothStores, AScannedVideoIsNotRequeuedUntilARescanForANewVersion) {
  auto store = open();
  std::int64_t id = scanned_video(*store, "7", "v1", {});
  EXPECT_FALSE(store->enqueue_video(sample_video("7")).is_new);
  EXPECT_EQ(store->video(id)->video.state, VideoState::done);
  EXPECT_EQ(store->video(id)->video.target_set_version, "v1");
  EXPECT_FALSE(store->claim_video("w", 60s).has_value());
  EXPECT_EQ(store->rescan("v1"), 0);
  EXPECT_EQ(store->rescan("v2"), 1);
  auto again = store->claim_video("w", 60s);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->id, id);
  EXPECT_EQ(again->attempts, 1);
}

TEST_P(BothStores, AnExpiredLeaseMakesTheVideoClaimableAgain) {
  auto store = open();
  auto queued = store->enqueue_video(sample_video("1"));
  auto a = store->claim_video("worker-a", 30s);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->state, VideoState::scanning);
  EXPECT_EQ(a->lease_owner, "worker-a");
  EXPECT_EQ(*a->lease_expires_at, clock_.now() + 30'000);
  EXPECT_FALSE(store->claim_video("worker-b", 30s).has_value());

  clock_.advance(20s);
  EXPECT_TRUE(store->renew_lease(queued.video_id, "worker-a", 30s));  // heartbeat
  clock_.advance(20s);
  EXPECT_FALSE(store->claim_video("worker-b", 30s).has_value());  // still held

  clock_.advance(11s);  // worker-a died: no heartbeat for 31 s
  auto b = store->claim_video("worker-b", 30s);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->id, queued.video_id);
  EXPECT_EQ(b->lease_owner, "worker-b");
  EXPECT_EQ(b->attempts, 2);
  EXPECT_FALSE(store->renew_lease(queued.video_id, "worker-a", 30s));
  EXPECT_FALSE(store->release_video(queued.video_id, "worker-a"));
}

TEST_P(BothStores, AVideoThatKeepsKillingWorkersIsGivenUp) {
  auto store = open_giving_up_after(3);
  auto queued = store->enqueue_video(sample_video("poison"));
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(store->claim_video("w" + std::to_string(i), 10s).has_value()) << i;
    clock_.advance(11s);
  }
  EXPECT_FALSE(store->claim_video("w9", 10s).has_value());
  auto video = store->video(queued.video_id)->video;
  EXPECT_EQ(video.state, VideoState::failed);
  EXPECT_NE(video.last_error.find("gave up after 3 attempts"), std::string::npos);
}

TEST_P(BothStores, ExpiringOwnLeasesAfterACrashStillCountsAttempts) {
  auto store = open_giving_up_after(2);
  auto queued = store->enqueue_video(sample_video("poison"));
  for (int restart = 0; restart < 2; ++restart) {
    ASSERT_TRUE(store->claim_video("host#1", 10min).has_value()) << restart;
    // The worker crashed; on restart it hands back what it held, at once.
    EXPECT_TRUE(store->expire_lease(queued.video_id, "host#1"));
    EXPECT_FALSE(store->expire_lease(queued.video_id, "someone-else"));
  }
  EXPECT_FALSE(store->claim_video("host#1", 10min).has_value());
  EXPECT_EQ(store->video(queued.video_id)->video.state, VideoState::failed);
}

TEST_P(BothStores, ReleaseRequeuesWithoutCountingTheAttempt) {
  auto store = open();
  auto queued = store->enqueue_video(sample_video("1"));
  ASSERT_TRUE(store->claim_video("w", 60s));
  EXPECT_TRUE(store->release_video(queued.video_id, "w"));
  auto video = store->video(queued.video_id)->video;
  EXPECT_EQ(video.state, VideoState::queued);
  EXPECT_EQ(video.attempts, 0);
  EXPECT_TRUE(video.lease_owner.empty());
  EXPECT_TRUE(store->claim_video("w2", 60s).has_value());
}

TEST_P(BothStores, AFailedScanIsRetriedWithBackoffThenGivenUp) {
  auto o = options();
  o.retry.max_scan_attempts = 3;
  o.retry.scan_retry_base = 60s;
  auto store = open(o);
  auto queued = store->enqueue_video(sample_video("1"));
  Millis started = clock_.now();
  ASSERT_TRUE(store->claim_video("w", 60s));
  EXPECT_EQ(store->fail_scan(queued.video_id, "w", "decode error", started), VideoState::queued);
  EXPECT_EQ(store->video(queued.video_id)->video.next_attempt_at, clock_.now() + 60'000);
  EXPECT_FALSE(store->claim_video("w", 60s).has_value());  // not yet
  clock_.advance(60s);
  ASSERT_TRUE(store->claim_video("w", 60s));
  EXPECT_EQ(store->fail_scan(queued.video_id, "w", "decode error", started), VideoState::queued);
  EXPECT_EQ(store->video(queued.video_id)->video.next_attempt_at, clock_.now() + 120'000);
  clock_.advance(120s);
  ASSERT_TRUE(store->claim_video("w", 60s));
  EXPECT_EQ(store->fail_scan(queued.video_id, "w", "decode error", started), VideoState::failed);
  auto detail = store->video(queued.video_id);
  EXPECT_EQ(detail->video.last_error, "decode error");
  ASSERT_EQ(detail->scans.size(), 3u);
  EXPECT_EQ(detail->scans[0].status, "failed");
  EXPECT_EQ(detail->scans[0].error, "decode error");
  EXPECT_EQ(store->queue_depth().failed, 1);
}

// Issue 19: a full disk is the machine's fault, not the video's.  However
// long it lasts, the video is never given up for it; the wait between
// retries still grows, and a real failure afterwards counts as before.
TEST_P(BothStores, ANoSpaceFailureUsesNoAttemptAndStillBacksOff) {
  auto o = options();
  o.retry.max_scan_attempts = 2;
  o.retry.scan_retry_base = 60s;
  auto store = open(o);
  auto queued = store->enqueue_video(sample_video("1"));
  const std::string full = "the disk is full: no space left to write into /cache";
  for (int failure = 1; failure <= 5; ++failure) {
    auto claimed = store->claim_video("w", 60s);
    ASSERT_TRUE(claimed) << failure;
    EXPECT_EQ(claimed->attempts, 1) << failure;
    EXPECT_EQ(store->fail_scan(queued.video_id, "w", full, 0, ScanFailure::no_space),
              VideoState::queued);
    auto video = store->video(queued.video_id)->video;
    EXPECT_EQ(video.attempts, 0);
    EXPECT_EQ(video.last_error, full);
    EXPECT_EQ(video.next_attempt_at, clock_.now() + (60'000 << (failure - 1))) << failure;
    EXPECT_FALSE(store->claim_video("w", 60s).has_value());  // not yet
    clock_.advance(std::chrono::milliseconds(video.next_attempt_at - clock_.now()));
  }
  // A late no-space failure from a worker that lost the lease is history only.
  ASSERT_TRUE(store->claim_video("w", 60s));
  EXPECT_EQ(store->fail_scan(queued.video_id, "other", full, 0, ScanFailure::no_space),
            VideoState::scanning);
  // Real failures count: two attempts, then given up.
  EXPECT_EQ(store->fail_scan(queued.video_id, "w", "decode error", 0), VideoState::queued);
  clock_.advance(1h);
  ASSERT_TRUE(store->claim_video("w", 60s));
  EXPECT_EQ(store->fail_scan(queued.video_id, "w", "decode error", 0), VideoState::failed);
  EXPECT_EQ(store->video(queued.video_id)->scans.size(), 8u);  // every failure recorded
}

// A worker whose lease ran out and was taken over finishes late: under a
// lease, its result is not stored (the new holder's will be), nor is a
// result for a video already done.
TEST_P(BothStores, ACompletionUnderALeaseNoLongerHeldStoresNothing) {
  auto store = open();
  auto queued = store->enqueue_video(sample_video("1"));
  ASSERT_TRUE(store->claim_video("slow", 10s));
  clock_.advance(11s);
  ASSERT_TRUE(store->claim_video("fast", 10s));
  FinishedScan late = testing::one_hit_scan(queued.video_id, "slow");
  late.under_lease = true;
  CompletedScan superseded = store->complete_scan(late);
  EXPECT_TRUE(superseded.superseded);
  EXPECT_EQ(superseded.scan_id, 0);
  EXPECT_EQ(superseded.new_deliveries, 0);
  ASSERT_EQ(superseded.appearance_ids.size(), 1u);
  EXPECT_TRUE(store->appearances({}).empty());
  EXPECT_TRUE(store->video(queued.video_id)->scans.empty());
  EXPECT_EQ(store->video(queued.video_id)->video.state, VideoState::scanning);

  FinishedScan held = testing::one_hit_scan(queued.video_id, "fast");
  held.under_lease = true;
  held.started_at = clock_.now() - 2000;
  CompletedScan done = store->complete_scan(held);
  EXPECT_FALSE(done.superseded);
  EXPECT_EQ(done.appearance_ids, superseded.appearance_ids);
  EXPECT_EQ(store->video(queued.video_id)->video.state, VideoState::done);
  // The same result once more (a commit whose answer was lost, retried):
  // reported as stored, stored once.
  CompletedScan again = store->complete_scan(held);
  EXPECT_FALSE(again.superseded);
  EXPECT_EQ(again.scan_id, done.scan_id);
  EXPECT_EQ(again.new_deliveries, 0);
  // The late worker once more, now that the video is done: superseded.
  EXPECT_TRUE(store->complete_scan(late).superseded);
  EXPECT_EQ(store->video(queued.video_id)->scans.size(), 1u);
  EXPECT_EQ(store->appearances({}).size(), 1u);
}

TEST_P(BothStores, ALateFailureFromAWorkerThatLostItsLeaseChangesNothing) {
  auto store = open();
  auto queued = store->enqueue_video(sample_video("1"));
  ASSERT_TRUE(store->claim_video("slow", 10s));
  clock_.advance(11s);
  ASSERT_TRUE(store->claim_video("fast", 10s));
  FinishedScan result;
  result.video_id = queued.video_id;
  result.worker = "fast";
  result.target_set_version = "v1";
  store->complete_scan(result);
  EXPECT_EQ(store->fail_scan(queued.video_id, "slow", "decode error", 0), VideoState::done);
  auto detail = store->video(queued.video_id);
  EXPECT_EQ(detail->video.state, VideoState::done);
  ASSERT_EQ(detail->scans.size(), 2u);
  EXPECT_EQ(detail->scans[0].status, "failed");  // recorded, nothing more
}

TEST_P(BothStores, CompleteScanStoresScanAppearancesAndOneDeliveryPerSink) {
  auto store = open();
  auto queued = store->enqueue_video(sample_video("9"));
  ASSERT_TRUE(store->claim_video("w", 60s));
  FinishedScan result;
  result.video_id = queued.video_id;
  result.worker = "w";
  result.target_set_version = "v1";
  result.started_at = clock_.now() - 3000;
  result.frames_sampled = 25;
  result.duration = 5.0;
  result.timings_json = R"({"decode_ms":120,"detect_ms":900})";
  result.appearances = {sample_appearance("jesper", 1.0, 2.5), sample_appearance("flag", 3.0, 4.0)};
  result.sinks = {"console", "webhook:http://127.0.0.1:9/hook"};
  CompletedScan done = store->complete_scan(result);

  ASSERT_EQ(done.appearance_ids.size(), 2u);
  EXPECT_EQ(done.appearance_ids[0], appearance_id(sample_video("9"), "jesper", "v1", 1.0));
  EXPECT_EQ(done.new_deliveries, 4);
  auto detail = store->video(queued.video_id);
  EXPECT_EQ(detail->video.state, VideoState::done);
  EXPECT_EQ(*detail->video.duration, 5.0);
  EXPECT_TRUE(detail->video.lease_owner.empty());
  ASSERT_EQ(detail->scans.size(), 1u);
  EXPECT_EQ(detail->scans[0].frames_sampled, 25);
  EXPECT_EQ(detail->scans[0].timings_json, result.timings_json);
  EXPECT_EQ(detail->scans[0].finished_at - detail->scans[0].started_at, 3000);
  ASSERT_EQ(detail->appearances.size(), 2u);
  const AppearanceRecord& jesper = detail->appearances[0];
  EXPECT_EQ(jesper.appearance.target, "jesper");
  EXPECT_EQ(jesper.appearance.end, 2.5);
  EXPECT_FLOAT_EQ(jesper.appearance.best_score, 0.8f);
  EXPECT_FLOAT_EQ(jesper.appearance.box.height, 40.f);
  EXPECT_EQ(jesper.appearance.frames, 7);
  EXPECT_EQ(jesper.appearance.evidence_frame, "/evidence/jesper-frame.jpg");
  EXPECT_EQ(jesper.video.title, "a video");
  EXPECT_EQ(jesper.video.source, "demo");
  auto deliveries = store->deliveries_for(jesper.id);
  ASSERT_EQ(deliveries.size(), 2u);
  EXPECT_EQ(deliveries[0].state, DeliveryState::pending);

  // The same result again (a worker whose lease was taken over finishing
  // late): appearances and deliveries are not duplicated.
  CompletedScan again = store->complete_scan(result);
  EXPECT_EQ(again.appearance_ids, done.appearance_ids);
  EXPECT_EQ(again.new_deliveries, 0);
  EXPECT_EQ(store->appearances({}).size(), 2u);
  EXPECT_EQ(store->queue_depth().deliveries_pending, 4);
}

TEST(AppearanceId, IsStableAndRoundsStartToATenth) {
  VideoRef v = sample_video("123");
  std::string id = appearance_id(v, "jesper", "v1", 3.0);
  EXPECT_EQ(id.size(), 32u);
  EXPECT_EQ(id, appearance_id(v, "jesper", "v1", 3.0));
  EXPECT_EQ(id, appearance_id(v, "jesper", "v1", 3.04));
  EXPECT_NE(id, appearance_id(v, "jesper", "v1", 3.2));
  EXPECT_NE(id, appearance_id(v, "jesper", "v2", 3.0));
  EXPECT_NE(id, appearance_id(v, "other", "v1", 3.0));
  VideoRef elsewhere = v;
  elsewhere.platform = "youtube";
  EXPECT_NE(id, appearance_id(elsewhere, "jesper", "v1", 3.0));
  // Not fooled by joining fields: ("ab","c") differs from ("a","bc").
  EXPECT_NE(appearance_id(v, "ab", "c", 1), appearance_id(v, "a", "bc", 1));
}

TEST_P(BothStores, DeliveriesBackOffExponentiallyUpToACapThenFail) {
  auto o = options();
  o.retry.delivery_retry_base = 10s;
  o.retry.delivery_retry_cap = 40s;
  o.retry.max_delivery_attempts = 5;
  auto store = open(o);
  scanned_video(*store, "1", "v1", {sample_appearance("jesper", 1, 2)}, {"hook", "mail"});
  EXPECT_TRUE(store->due_deliveries({"other"}, 10).empty());
  // (Listed once here: PostgreSQL holds listed deliveries back for a while.)
  auto due = store->due_deliveries({"hook", "mail", "other"}, 10);
  ASSERT_EQ(due.size(), 2u);
  auto hook = std::find_if(due.begin(), due.end(), [](auto& d) { return d.sink == "hook"; });
  ASSERT_NE(hook, due.end());

  std::int64_t id = hook->id;
  for (Millis expected_delay : {10'000, 20'000, 40'000, 40'000}) {
    DeliveryRecord d = store->mark_delivery_failed(id, "HTTP 500");
    EXPECT_EQ(d.state, DeliveryState::pending);
    EXPECT_EQ(d.next_attempt_at, clock_.now() + expected_delay);
    EXPECT_EQ(d.last_error, "HTTP 500");
    EXPECT_TRUE(store->due_deliveries({"hook"}, 10).empty());
    clock_.advance(std::chrono::milliseconds(expected_delay));
    auto again = store->due_deliveries({"hook"}, 10);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].id, id);
  }
  DeliveryRecord last = store->mark_delivery_failed(id, "HTTP 500");
  EXPECT_EQ(last.state, DeliveryState::failed);
  EXPECT_EQ(last.attempts, 5);
  clock_.advance(1h);
  EXPECT_TRUE(store->due_deliveries({"hook"}, 10).empty());

  auto mail = store->due_deliveries({"mail"}, 10);
  ASSERT_EQ(mail.size(), 1u);
  store->mark_delivered(mail[0].id);
  auto after = store->deliveries_for(mail[0].appearance_id);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].sink, "hook");
  EXPECT_EQ(after[1].state, DeliveryState::delivered);
  EXPECT_EQ(*after[1].delivered_at, clock_.now());
  auto depth = store->queue_depth();
  EXPECT_EQ(depth.deliveries_delivered, 1);
  EXPECT_EQ(depth.deliveries_failed, 1);
  EXPECT_EQ(depth.deliveries_pending, 0);
}

TEST_P(BothStores, UntrustedTextIsStoredVerbatim) {
  const std::string nasty =
      "it's \"quoted\"\nsecond line $(touch /tmp/pwned) `id` '; DROP TABLE videos; -- "
      "\xc3\xa9\xf0\x9f\x98\x80";
  auto store = open();
  store->upsert_source({nasty, "command", nasty});
  VideoRef v = sample_video(nasty, nasty);
  v.platform = nasty;
  v.author = nasty;
  v.url = nasty;
  v.source = nasty;
  auto queued = store->enqueue_video(v);
  ASSERT_TRUE(store->claim_video(nasty, 60s));
  Appearance a = sample_appearance(nasty, 1, 2);
  a.evidence_frame = nasty;
  FinishedScan result;
  result.video_id = queued.video_id;
  result.worker = nasty;
  result.target_set_version = nasty;
  result.appearances = {a};
  result.sinks = {nasty};
  store->complete_scan(result);

  store.reset();
  store = open();
  auto found = store->find_video(nasty, nasty);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->ref.title, nasty);
  EXPECT_EQ(found->ref.author, nasty);
  EXPECT_EQ(found->ref.url, nasty);
  EXPECT_EQ(found->target_set_version, nasty);
  auto appearances = store->appearances(by_target(nasty));
  ASSERT_EQ(appearances.size(), 1u);
  EXPECT_EQ(appearances[0].appearance.evidence_frame, nasty);
  EXPECT_EQ(appearances[0].video.title, nasty);
  EXPECT_EQ(store->sources()[0].config.name, nasty);
  EXPECT_EQ(store->due_deliveries({nasty}, 5).size(), 1u);
  EXPECT_EQ(store->queue_depth().done, 1);
  EXPECT_FALSE(std::filesystem::exists("/tmp/pwned"));
}

TEST_P(BothStores, DashboardQueriesFilterAndPage) {
  auto store = open();
  scanned_video(*store, "1", "v1",
                {sample_appearance("jesper", 1, 2), sample_appearance("flag", 3, 4)});
  clock_.advance(1s);
  std::int64_t second = scanned_video(*store, "2", "v1", {sample_appearance("jesper", 5, 6)});

  auto latest = store->appearances({});
  ASSERT_EQ(latest.size(), 3u);
  EXPECT_EQ(latest[0].video_id, second);  // newest first
  EXPECT_EQ(store->appearances(by_target("jesper")).size(), 2u);
  auto page = store->appearances(page_of(2, 1));
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].id, latest[1].id);
  EXPECT_EQ(store->appearances(by_video(second)).size(), 1u);

  EXPECT_TRUE(store->set_verdict(latest[0].id, Verdict::confirmed));
  EXPECT_TRUE(store->set_verdict(latest[1].id, Verdict::dismissed));
  EXPECT_FALSE(store->set_verdict("no-such-id", Verdict::confirmed));
  auto confirmed = store->appearances(by_verdict(Verdict::confirmed));
  ASSERT_EQ(confirmed.size(), 1u);
  EXPECT_EQ(confirmed[0].id, latest[0].id);
  EXPECT_EQ(*confirmed[0].verdict_at, clock_.now());
  EXPECT_EQ(store->appearances(by_verdict(Verdict::none)).size(), 1u);
  auto one = store->appearance(latest[1].id);
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->verdict, Verdict::dismissed);
  EXPECT_EQ(one->video.url, sample_video(one->video.id).url);
  EXPECT_FALSE(store->appearance("nope").has_value());
  EXPECT_TRUE(store->set_verdict(latest[1].id, Verdict::none));
  EXPECT_EQ(store->appearance(latest[1].id)->verdict, Verdict::none);

  auto targets = store->targets();
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_EQ(targets[0].name, "flag");
  EXPECT_EQ(targets[1].name, "jesper");
  EXPECT_EQ(targets[1].appearances, 2);
  EXPECT_EQ(targets[1].videos, 2);
  EXPECT_EQ(targets[1].confirmed, 1);
  EXPECT_EQ(*targets[1].last_seen_at, clock_.now());

  EXPECT_EQ(store->videos(VideoState::done, 10, 0).size(), 2u);
  EXPECT_TRUE(store->videos(VideoState::queued, 10, 0).empty());
}

TEST_P(BothStores, SourcesKeepTheirHealth) {
  auto store = open();
  store->upsert_source({"demo", "urls", "http://127.0.0.1/list.txt"});
  store->upsert_source({"broken", "command", "python3 x.py"});
  EXPECT_EQ(store->due_sources(), (std::vector<std::string>{"broken", "demo"}));
  store->record_poll_success("demo", 5min);
  store->record_poll_failure("broken", "exit status 1", 1min);
  store->record_poll_failure("broken", "timed out after 30 s", 1min);
  store->enqueue_video(sample_video("1"));                               // source "demo"
  store->upsert_source({"demo", "urls", "http://127.0.0.1/other.txt"});  // config changed

  auto sources = store->sources();
  ASSERT_EQ(sources.size(), 2u);
  const SourceRecord& broken = sources[0];
  EXPECT_EQ(broken.consecutive_failures, 2);
  EXPECT_EQ(broken.last_error, "timed out after 30 s");
  EXPECT_EQ(*broken.last_error_at, clock_.now());
  EXPECT_FALSE(broken.last_success_at.has_value());
  const SourceRecord& demo = sources[1];
  EXPECT_EQ(demo.config.location, "http://127.0.0.1/other.txt");
  EXPECT_EQ(*demo.last_success_at, clock_.now());
  EXPECT_EQ(*demo.next_poll_at, clock_.now() + 300'000);
  EXPECT_EQ(demo.consecutive_failures, 0);
  EXPECT_EQ(demo.videos, 1);
  EXPECT_TRUE(store->due_sources().empty());
  clock_.advance(1min);
  EXPECT_EQ(store->due_sources(), std::vector<std::string>{"broken"});
  store->record_poll_success("broken", 1min);
  EXPECT_EQ(store->sources()[0].consecutive_failures, 0);
  EXPECT_EQ(store->sources()[0].last_error, "timed out after 30 s");  // kept as history
  EXPECT_THROW(store->record_poll_success("nope", 1min), InputError);
}

// Several processes claim from one file at once: every video is claimed by
// exactly one of them (WAL + BEGIN IMMEDIATE + busy_timeout).
TEST_F(StoreFixture, ConcurrentProcessesClaimEachVideoOnce) {
  constexpr int kVideos = 60, kWorkers = 3;
  {
    auto store = open_store(db_path.string());
    for (int i = 0; i < kVideos; ++i) store->enqueue_video(sample_video(std::to_string(i)));
  }
  std::vector<pid_t> children;
  for (int w = 0; w < kWorkers; ++w) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int status = 0;
      try {
        auto store = open_store(db_path.string());
        std::string owner = "worker-" + std::to_string(w);
        while (auto video = store->claim_video(owner, 60s))
          store->complete_scan(testing::one_hit_scan(video->id, owner));
      } catch (...) {
        status = 1;
      }
      ::_exit(status);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  EXPECT_EQ(testing::query_integer(db_path, "SELECT count(*) FROM videos WHERE state = 'done'"),
            kVideos);
  EXPECT_EQ(testing::query_integer(db_path, "SELECT count(*) FROM scans"), kVideos);
  EXPECT_EQ(testing::query_integer(db_path, "SELECT max(attempts) FROM videos"), 1);
  EXPECT_EQ(testing::query_integer(db_path, "SELECT count(*) FROM deliveries"), kVideos);
}

// Threads may share one Store object: its calls are serialized, so
// concurrent claims never hand out a video twice.
TEST_P(BothStores, ThreadsSharingOneStoreClaimEachVideoOnce) {
  constexpr int kVideos = 40, kThreads = 4;
  auto store = open();
  for (int i = 0; i < kVideos; ++i) store->enqueue_video(sample_video(std::to_string(i)));
  std::vector<std::thread> threads;
  std::mutex mutex;
  std::vector<std::int64_t> claimed;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string owner = "thread-" + std::to_string(t);
      while (auto video = store->claim_video(owner, 60s)) {
        store->complete_scan(testing::one_hit_scan(video->id, owner));
        std::lock_guard lock(mutex);
        claimed.push_back(video->id);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(claimed.size(), size_t(kVideos));
  EXPECT_EQ(std::set<std::int64_t>(claimed.begin(), claimed.end()).size(), size_t(kVideos));
  EXPECT_EQ(store->queue_depth().done, kVideos);
  EXPECT_EQ(store->queue_depth().deliveries_pending, kVideos);
}

}  // namespace
}  // namespace tw::store
