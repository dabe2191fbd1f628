// Schema v2 on both back ends: what the trend detector counts, and surges
// announced once per sink through the outbox's deliveries.
#include <gtest/gtest.h>

#include "core/errors.h"
#include "store/both_stores.h"
#include "store/store.h"
#include "store/store_test_support.h"

namespace tw::store {
namespace {

using namespace std::chrono_literals;
using testing::BothStores;
using testing::sample_appearance;
using testing::sample_video;

Appearance scored(const std::string& target, double start, float score) {
  Appearance a = sample_appearance(target, start, start + 1);
  a.best_score = score;
  return a;
}

TEST_P(BothStores, TrendVideosCountNonDismissedAppearancesAtTheirPostedTime) {
  auto store = open();
  Millis seen = clock_.now();
  VideoRef posted = sample_video("posted");
  posted.posted_at = "2023-11-13T10:00:00Z";  // the day before it was seen
  std::int64_t p = scanned_video(
      *store, posted, "v1",
      {scored("jesper", 1, 0.7f), scored("jesper", 9, 0.9f), scored("flag", 3, 0.6f)});
  VideoRef unposted = sample_video("unposted");
  unposted.posted_at = "";
  clock_.advance(1h);
  std::int64_t u = scanned_video(*store, unposted, "v1", {scored("jesper", 2, 0.8f)});
  VideoRef rejected = sample_video("rejected");
  rejected.posted_at = "";
  std::int64_t r = scanned_video(*store, rejected, "v1", {scored("jesper", 2, 0.8f)});
  store->set_verdict(store->appearances(testing::by_video(r))[0].id, Verdict::dismissed);
  // One of the posted video's two appearances is dismissed: it still counts once.
  auto of_posted = store->appearances(testing::by_video(p));
  for (const auto& a : of_posted) {
    if (a.appearance.target == "jesper" && a.appearance.best_score > 0.85f) {
      store->set_verdict(a.id, Verdict::dismissed);
    }
  }

  Millis posted_ms = *store->find_video("tiktok", "posted")->posted_ms;
  auto all = store->trend_videos("", posted_ms, seen + 2 * 3600'000);
  ASSERT_EQ(all.size(), 3u);  // (posted, flag), (posted, jesper), (unposted, jesper)
  EXPECT_EQ(all[0].video.id, p);
  EXPECT_EQ(all[0].target, "flag");
  EXPECT_EQ(all[1].target, "jesper");
  EXPECT_EQ(all[1].counted_at, posted_ms);
  EXPECT_EQ(all[1].appearances, 1);
  EXPECT_FLOAT_EQ(all[1].best_score, 0.7f);
  EXPECT_EQ(all[1].video.ref.id, "posted");
  std::string best_id;
  for (const auto& a : of_posted) {
    if (a.appearance.target == "jesper" && a.appearance.best_score < 0.85f) best_id = a.id;
  }
  EXPECT_EQ(all[1].best_appearance_id, best_id);
  EXPECT_EQ(all[2].video.id, u);
  EXPECT_EQ(all[2].counted_at, seen + 3600'000);  // first seen: no posted time

  auto jesper = store->trend_videos("jesper", posted_ms, seen + 2 * 3600'000);
  ASSERT_EQ(jesper.size(), 2u);
  // [since, until): the posted video is counted on its day, not when seen.
  EXPECT_EQ(store->trend_videos("jesper", posted_ms + 1, seen + 2 * 3600'000).size(), 1u);
  EXPECT_TRUE(store->trend_videos("jesper", posted_ms + 1, seen + 3600'000).empty());
  EXPECT_TRUE(store->trend_videos("nobody", 0, seen + 2 * 3600'000).empty());
}

SurgeRecord surge_of(const std::string& id, const std::string& target, Millis started_at) {
  SurgeRecord s;
  s.id = id;
  s.target = target;
  s.started_at = started_at;
  s.window_ms = 6 * 3600'000;
  s.videos = 12;
  s.expected = 1.5;
  s.views = 2'500'000;
  s.reason = "12 videos in 6 h, 1.5 expected (p < 0.001)";
  s.payload_json = R"({"type":"trend","id":")" + id + R"("})";
  return s;
}

TEST_P(BothStores, StartingASurgeTwiceWritesOneSurgeAndOneDeliveryPerSink) {
  auto store = open();
  Millis t = clock_.now();
  SurgeRecord surge = surge_of("surge-jesper-1", "jesper", t - 3600'000);
  EXPECT_TRUE(store->start_surge(surge, {"hook", "mail"}));
  EXPECT_FALSE(store->start_surge(surge, {"hook", "mail", "console"}));  // nothing written
  EXPECT_EQ(query_integer_raw("SELECT count(*) FROM surges"), 1);
  EXPECT_EQ(query_integer_raw("SELECT count(*) FROM deliveries WHERE kind = 'trend'"), 2);

  auto deliveries = store->deliveries_for("surge-jesper-1");
  ASSERT_EQ(deliveries.size(), 2u);
  EXPECT_EQ(deliveries[0].sink, "hook");
  EXPECT_EQ(deliveries[0].kind, kTrendDelivery);
  EXPECT_EQ(deliveries[0].state, DeliveryState::pending);
  auto due = store->due_deliveries({"mail"}, 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].kind, "trend");
  EXPECT_EQ(due[0].appearance_id, "surge-jesper-1");
  EXPECT_EQ(store->queue_depth().deliveries_pending, 2);

  auto stored = store->surge("surge-jesper-1");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->opened_at, t);  // 0 given: the store's now
  EXPECT_EQ(stored->started_at, t - 3600'000);
  EXPECT_EQ(stored->videos, 12);
  EXPECT_DOUBLE_EQ(stored->expected, 1.5);
  EXPECT_EQ(stored->views, 2'500'000);
  EXPECT_EQ(stored->reason, surge.reason);
  EXPECT_EQ(stored->payload_json, surge.payload_json);
  EXPECT_FALSE(stored->ended_at);
  EXPECT_EQ(store->open_surge("jesper")->id, "surge-jesper-1");
  EXPECT_FALSE(store->open_surge("flag"));

  clock_.advance(12h);
  store->end_surge("surge-jesper-1", clock_.now());
  store->end_surge("surge-jesper-1", clock_.now() + 1);  // an ended surge keeps its end
  EXPECT_EQ(store->surge("surge-jesper-1")->ended_at, clock_.now());
  EXPECT_FALSE(store->open_surge("jesper"));
  EXPECT_THROW(store->end_surge("no-such-surge", 0), InputError);

  // A later surge is a new one; surges() lists those open or ended since.
  EXPECT_TRUE(store->start_surge(surge_of("surge-jesper-2", "jesper", clock_.now()), {"hook"}));
  EXPECT_TRUE(store->start_surge(surge_of("surge-flag-1", "flag", clock_.now()), {}));
  EXPECT_EQ(store->surges("", 0).size(), 3u);
  auto jesper_recent = store->surges("jesper", clock_.now() + 1);
  ASSERT_EQ(jesper_recent.size(), 1u);
  EXPECT_EQ(jesper_recent[0].id, "surge-jesper-2");
  auto jesper_all = store->surges("jesper", clock_.now());
  ASSERT_EQ(jesper_all.size(), 2u);
  EXPECT_EQ(jesper_all[0].id, "surge-jesper-1");
  EXPECT_FALSE(store->surge("surge-unknown"));
  EXPECT_THROW(store->start_surge(surge_of("", "jesper", 0), {"hook"}), InputError);
}

}  // namespace
}  // namespace tw::store
