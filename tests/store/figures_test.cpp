// Schema v2 on both back ends: a listing's metadata and figures, observation
// series, posted times, listings of stored videos, refreshes, daily quotas
// shared by several stores, and the sources' own state and warnings.
#include <gtest/gtest.h>

#include <atomic>
#include <ctime>
#include <thread>

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

VideoStats stats_at(Millis observed_at, std::optional<std::int64_t> views,
                    std::optional<std::int64_t> likes = std::nullopt) {
  VideoStats s;
  s.views = views;
  s.likes = likes;
  s.observed_at = observed_at;
  s.source = "demo";
  return s;
}

// Unix milliseconds of a UTC calendar time, by the C library.
Millis utc_ms(int year, int month, int day, int hour = 0, int minute = 0, int second = 0) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<Millis>(::timegm(&tm)) * 1000;
}

TEST_P(BothStores, AKnownVideoListedAgainGainsMetadataAndAnObservationButKeepsItsState) {
  auto store = open();
  VideoRef first = sample_video("42");
  first.hashtags = {"#news", "dance", "news"};
  first.stats = stats_at(clock_.now() - 60'000, 100, 5);
  first.media_url = "https://cdn.example/old.mp4";
  EnqueueResult queued = store->enqueue_video(first);
  EXPECT_TRUE(queued.is_new);
  EXPECT_TRUE(queued.observed);
  scanned_video(*store, "42", "v1", {});  // known: claimed and completed

  VideoRef again = sample_video("42", "a new title");
  again.hashtags = {"dance", "#election"};
  again.music_id = "m-1";
  again.music_title = "a song";
  again.duration = 12.5;
  again.media_url = "https://cdn.example/new.mp4";
  again.stats = stats_at(clock_.now(), 250);
  EnqueueResult listed = store->enqueue_video(again);
  EXPECT_FALSE(listed.is_new);
  EXPECT_TRUE(listed.observed);
  EXPECT_EQ(listed.video_id, queued.video_id);

  auto video = store->find_video("tiktok", "42");
  ASSERT_TRUE(video);
  EXPECT_EQ(video->state, VideoState::done);  // not queued again
  EXPECT_EQ(video->target_set_version, "v1");
  EXPECT_EQ(video->ref.title, "a video");  // it had one
  EXPECT_EQ(video->ref.hashtags, (std::vector<std::string>{"news", "dance", "election"}));
  EXPECT_EQ(video->ref.music_id, "m-1");
  EXPECT_EQ(video->ref.music_title, "a song");
  EXPECT_EQ(video->ref.media_url, "https://cdn.example/new.mp4");
  EXPECT_EQ(video->duration, 5.0);  // the scan measured it; the listing does not override
  ASSERT_TRUE(video->latest);
  EXPECT_EQ(video->latest->views, 250);
  EXPECT_EQ(video->latest->likes, 5);  // not in the newer observation: kept
  EXPECT_EQ(video->latest->observed_at, clock_.now());
  EXPECT_EQ(video->ref.stats->views, 250);

  // The same figures at the same instant again: one observation, not two.
  EXPECT_FALSE(store->enqueue_video(again).observed);
  auto series = store->observations(queued.video_id);
  ASSERT_EQ(series.size(), 2u);
  EXPECT_EQ(series[0].views, 100);
  EXPECT_EQ(series[1].views, 250);
  EXPECT_FALSE(series[1].likes.has_value());
  EXPECT_EQ(series[1].source, "demo");

  // A new video takes the listing's duration; the appearance carries figures.
  VideoRef fresh = sample_video("43");
  fresh.duration = 9.0;
  fresh.hashtags = {"x"};
  fresh.stats = stats_at(clock_.now(), 7);
  store->enqueue_video(fresh);
  EXPECT_EQ(store->find_video("tiktok", "43")->duration, 9.0);
  scanned_video(*store, "43", "v1", {sample_appearance("jesper", 1, 2)});
  auto appearances = store->appearances(testing::by_target("jesper"));
  ASSERT_EQ(appearances.size(), 1u);
  EXPECT_EQ(appearances[0].video.hashtags, std::vector<std::string>{"x"});
  ASSERT_TRUE(appearances[0].video.stats);
  EXPECT_EQ(appearances[0].video.stats->views, 7);
}

TEST_P(BothStores, AnObservationSeriesIsKeptInOrderAndTheNewestIsTheLatest) {
  auto store = open();
  std::int64_t id = store->enqueue_video(sample_video("1")).video_id;
  Millis t = clock_.now();
  store->record_observation(id, stats_at(t - 1000, 300, 30));
  store->record_observation(id, stats_at(t - 3000, 100, 10));
  store->record_observation(id, stats_at(t - 2000, 200, 20));
  auto series = store->observations(id);
  ASSERT_EQ(series.size(), 3u);
  EXPECT_EQ(series[0].observed_at, t - 3000);
  EXPECT_EQ(series[1].views, 200);
  EXPECT_EQ(series[2].likes, 30);
  auto video = store->video(id)->video;
  EXPECT_EQ(video.latest->views, 300);  // an older observation does not move it back
  EXPECT_EQ(video.latest->observed_at, t - 1000);
  EXPECT_EQ(video.refreshed_at, t);

  clock_.advance(1min);
  VideoStats now_seen;  // observed_at 0: the store's now
  now_seen.shares = 4;
  now_seen.source = "refresh";
  store->record_observation(id, now_seen);
  video = store->video(id)->video;
  EXPECT_EQ(video.latest->observed_at, clock_.now());
  EXPECT_EQ(video.latest->shares, 4);
  EXPECT_EQ(video.latest->views, 300);
  EXPECT_EQ(video.latest->source, "refresh");
  EXPECT_EQ(store->observations(id).size(), 4u);

  clock_.advance(1min);
  store->mark_refreshed(id);  // tried, nothing observed
  EXPECT_EQ(store->video(id)->video.refreshed_at, clock_.now());
  EXPECT_EQ(store->observations(id).size(), 4u);
  EXPECT_THROW(store->record_observation(id + 100, now_seen), InputError);
  EXPECT_THROW(store->mark_refreshed(id + 100), InputError);
}

TEST_P(BothStores, PostedAtBecomesMillisecondsAndNineteenDigitIdsStayExact) {
  auto store = open();
  const std::string long_id = "7345678901234567891";
  VideoRef timed = sample_video(long_id);
  timed.posted_at = "2024-05-01T12:00:00Z";
  timed.stats = stats_at(clock_.now(), 9'007'199'254'740'993);  // 2^53 + 1: not a double
  store->enqueue_video(timed);
  VideoRef dated = sample_video("2");
  dated.posted_at = "2024-05-01";
  store->enqueue_video(dated);
  VideoRef offset = sample_video("3");
  offset.posted_at = "2024-05-01T14:30:00.250+02:00";
  store->enqueue_video(offset);
  VideoRef unknown = sample_video("4");
  unknown.posted_at = "last Tuesday";
  store->enqueue_video(unknown);

  auto found = store->find_video("tiktok", long_id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->ref.id, long_id);
  EXPECT_EQ(found->ref.posted_at, "2024-05-01T12:00:00Z");
  EXPECT_EQ(found->posted_ms, utc_ms(2024, 5, 1, 12));
  EXPECT_EQ(found->latest->views, 9'007'199'254'740'993);
  EXPECT_EQ(store->find_video("tiktok", "2")->posted_ms, utc_ms(2024, 5, 1));
  EXPECT_EQ(store->find_video("tiktok", "3")->posted_ms, utc_ms(2024, 5, 1, 12, 30) + 250);
  EXPECT_FALSE(store->find_video("tiktok", "4")->posted_ms.has_value());
  // A listing that learnt the date later fills it in.
  unknown.posted_at = "20240502";
  store->enqueue_video(unknown);
  EXPECT_FALSE(store->find_video("tiktok", "4")->posted_ms.has_value());  // had text: kept
  VideoRef undated = sample_video("5");
  undated.posted_at = "";
  store->enqueue_video(undated);
  undated.posted_at = "20240502";
  store->enqueue_video(undated);
  EXPECT_EQ(store->find_video("tiktok", "5")->posted_ms, utc_ms(2024, 5, 2));
}

TEST_P(BothStores, ListVideosFiltersBySourceTargetAndTimeNewestFirst) {
  auto store = open();
  Millis start = clock_.now();
  VideoRef old_post = sample_video("old");
  old_post.posted_at = "2020-01-01";  // seen now, posted long ago
  scanned_video(*store, old_post, "v1", {});
  clock_.advance(1h);
  VideoRef other = sample_video("other");
  other.source = "elsewhere";
  other.posted_at = "";
  scanned_video(*store, other, "v1", {});
  clock_.advance(1h);
  scanned_video(*store, "hit", "v1", {sample_appearance("jesper", 1, 2)});
  auto dismissed = scanned_video(*store, "dismissed", "v1", {sample_appearance("jesper", 1, 2)});
  store->set_verdict(store->appearances(testing::by_video(dismissed))[0].id, Verdict::dismissed);

  auto ids = [](const std::vector<VideoRecord>& videos) {
    std::vector<std::string> out;
    for (const auto& v : videos) out.push_back(v.ref.id);
    return out;
  };
  VideoQuery all;
  // Posted 2026-11-20 (sample_video) beats first seen in 2023; 2020 is last.
  EXPECT_EQ(ids(store->list_videos(all)),
            (std::vector<std::string>{"dismissed", "hit", "other", "old"}));
  VideoQuery by_source;
  by_source.source = "elsewhere";
  EXPECT_EQ(ids(store->list_videos(by_source)), std::vector<std::string>{"other"});
  VideoQuery by_target;
  by_target.target = "jesper";
  EXPECT_EQ(ids(store->list_videos(by_target)), std::vector<std::string>{"hit"});
  VideoQuery recent;
  recent.since = start + 30 * 60'000;  // "old" was first seen before, posted long before
  EXPECT_EQ(ids(store->list_videos(recent)),
            (std::vector<std::string>{"dismissed", "hit", "other"}));
  VideoQuery page;
  page.limit = 2;
  page.offset = 1;
  EXPECT_EQ(ids(store->list_videos(page)), (std::vector<std::string>{"hit", "other"}));
}

TEST_P(BothStores, VideosToRefreshHaveAppearancesAndWaitedLongestFirst) {
  auto store = open();
  std::int64_t a = scanned_video(*store, "a", "v1", {sample_appearance("jesper", 1, 2)});
  clock_.advance(1h);
  std::int64_t b = scanned_video(*store, "b", "v1", {sample_appearance("jesper", 1, 2)});
  scanned_video(*store, "none", "v1", {});  // no appearance: never refreshed
  std::int64_t d = scanned_video(*store, "d", "v1", {sample_appearance("flag", 1, 2)});
  store->set_verdict(store->appearances(testing::by_video(d))[0].id, Verdict::dismissed);

  auto ids = [&] {
    std::vector<std::int64_t> out;
    for (const auto& v : store->videos_to_refresh(6h, 3 * 24h, 10)) out.push_back(v.id);
    return out;
  };
  EXPECT_TRUE(ids().empty());  // first seen 1 h and 0 h ago
  clock_.advance(6h);
  EXPECT_EQ(ids(), (std::vector<std::int64_t>{a, b}));
  store->record_observation(a, stats_at(0, 10));
  EXPECT_EQ(ids(), std::vector<std::int64_t>{b});
  store->mark_refreshed(b);  // a failed refresh also waits its turn
  EXPECT_TRUE(ids().empty());
  clock_.advance(6h);
  EXPECT_EQ(ids(), (std::vector<std::int64_t>{a, b}));
  EXPECT_EQ(store->videos_to_refresh(6h, 3 * 24h, 1).size(), 1u);
  clock_.advance(3 * 24h);  // past refresh_for: no longer watched
  EXPECT_TRUE(ids().empty());
}

// Two stores (two machines' connections, or two handles on one file) spend
// one daily quota from four threads: together they never pass it.
TEST_P(BothStores, TwoStoresSpendingOneQuotaAtOnceNeverPassIt) {
  auto first = open();
  auto second = open();
  const QuotaUsage max{50, 400};
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    Store* store = t % 2 ? second.get() : first.get();
    threads.emplace_back([store, &granted, &max] {
      for (int i = 0; i < 30; ++i) {
        if (store->consume_quota("research:demo", "20240501", 1, 10, max)) ++granted;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(granted.load(), 40);  // 400 records / 10 per request
  QuotaUsage used = first->quota_usage("research:demo", "20240501");
  EXPECT_EQ(used.requests, 40);
  EXPECT_EQ(used.records, 400);
  EXPECT_EQ(query_integer_raw("SELECT requests FROM quota_usage WHERE key = 'research:demo'"), 40);

  EXPECT_FALSE(second->consume_quota("research:demo", "20240501", 1, 1, max));    // adds nothing
  EXPECT_TRUE(second->consume_quota("research:demo", "20240501", 0, -100, max));  // a refund
  EXPECT_TRUE(second->consume_quota("research:demo", "20240501", 1, 100, max));
  used = first->quota_usage("research:demo", "20240501");
  EXPECT_EQ(used.requests, 41);
  EXPECT_EQ(used.records, 400);
  EXPECT_EQ(first->quota_usage("research:demo", "20240502").requests, 0);  // a new day
  EXPECT_EQ(first->quota_usage("other", "20240501").records, 0);
  EXPECT_THROW(first->consume_quota("research:demo", "2024-05-01", 1, 1, max), InputError);
  EXPECT_THROW(first->quota_usage("", "20240501"), InputError);
}

TEST_P(BothStores, SourcesKeepTheirOwnStateAndTheLastPollsWarnings) {
  auto store = open();
  store->upsert_source({"imports", "zeeschuimer", "/data/exports"});
  EXPECT_EQ(store->source_state("imports"), "{}");
  EXPECT_EQ(store->source_state("unknown"), "{}");
  const std::string state = R"({"files":{"a.ndjson":{"offset":1234,"inode":77}}})";
  store->set_source_state("imports", state);
  EXPECT_EQ(store->source_state("imports"), state);
  EXPECT_THROW(store->set_source_state("imports", "{not json"), InputError);
  EXPECT_THROW(store->set_source_state("unknown", "{}"), InputError);
  EXPECT_EQ(store->source_state("imports"), state);

  store->record_poll_success("imports", 5min, {"a.ndjson:3: not JSON", "a.ndjson:9: no item id"});
  auto sources = store->sources();
  ASSERT_EQ(sources.size(), 1u);
  EXPECT_EQ(sources[0].warnings,
            (std::vector<std::string>{"a.ndjson:3: not JSON", "a.ndjson:9: no item id"}));
  EXPECT_EQ(sources[0].state, state);
  store->upsert_source({"imports", "zeeschuimer", "/data/other"});  // config change keeps both
  EXPECT_EQ(store->sources()[0].state, state);
  store->record_poll_failure("imports", "folder vanished", 1min);
  EXPECT_EQ(store->sources()[0].warnings.size(), 2u);  // a failure keeps the last poll's
  store->record_poll_success("imports", 5min);
  EXPECT_TRUE(store->sources()[0].warnings.empty());
}

}  // namespace
}  // namespace tw::store
