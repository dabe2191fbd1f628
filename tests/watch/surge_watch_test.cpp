// The surge watch over histories seeded through the store API: a steady rate
// raises nothing; a burst raises exactly one trend alert (received by a
// webhook on 127.0.0.1), not repeated on the next checks nor after a restart;
// a second burst a day later raises a second; one video of huge reach alone
// is a surge; sinks that do not take trends get no trend delivery.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "alerts/outbox.h"
#include "alerts/sink.h"
#include "watch/surge_history.h"
#include "watch/surge_watch.h"
#include "watch/video_site.h"

namespace tw::watch {
namespace {

using test::kDay;
using test::kHour;
using test::SurgeHistory;
using trends::SurgeStep;

struct Timeline {
  std::vector<SurgeChange> started, ended;
};

// Moves the clock hour by hour up to `until`, adding a steady video every 6 h
// (at whole multiples of 6 h) as time passes, and checks after each step.
Timeline run_hours(SurgeHistory& h, SurgeWatch& watch, store::Millis until) {
  Timeline seen;
  while (h.now() < until) {
    h.advance(kHour);
    if (h.now() % (6 * kHour) == 0) h.add(h.now() - 1, 5000);
    for (SurgeChange& c : watch.check()) {
      (c.step == SurgeStep::start ? seen.started : seen.ended).push_back(std::move(c));
    }
  }
  return seen;
}

// A week and a half of one video every six hours, the last one just before
// the current window (1 ms before a multiple of 6 h, as run_hours goes on).
void steady_past(SurgeHistory& h) {
  h.steady(h.now() - 10 * kDay - 1, h.now() - 1, 6 * kHour);
}

SurgeWatchOptions to_sinks(std::vector<std::string> sinks) {
  SurgeWatchOptions options;
  options.sinks = std::move(sinks);
  return options;
}

TEST(SurgeWatch, ASteadyRateRaisesNothing) {
  SurgeHistory h("surge-steady");
  steady_past(h);
  SurgeWatch watch(h.store(), TrendConfig{}, to_sinks({"hook"}));
  Timeline t = run_hours(h, watch, h.now() + 3 * kDay);
  EXPECT_TRUE(t.started.empty()) << t.started.front().reason;
  EXPECT_TRUE(h.store().surges("", 0).empty());
  EXPECT_EQ(h.store().queue_depth().deliveries_pending, 0);
}

TEST(SurgeWatch, ABurstRaisesOneAlertNotRepeatedByLaterChecksOrARestart) {
  SurgeHistory h("surge-once");
  steady_past(h);
  for (int i = 0; i < 8; ++i) h.add(h.now() - 3 * kHour + i * 20 * 60 * 1000, 4000 + i);
  SurgeWatch watch(h.store(), TrendConfig{}, to_sinks({"hook", "mail"}));

  std::vector<SurgeChange> first = watch.check();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].step, SurgeStep::start);
  EXPECT_TRUE(first[0].delivered);
  EXPECT_TRUE(first[0].figures.by_count);
  EXPECT_EQ(first[0].figures.videos, 8);
  const std::string id = first[0].surge_id;

  auto stored = h.store().surge(id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->target, "alice");
  EXPECT_EQ(stored->videos, 8);
  EXPECT_FALSE(stored->ended_at);
  EXPECT_EQ(stored->started_at,
            trends::bucket_start(h.now() - 3 * kHour, trends::BucketSize::hour));
  const nlohmann::json payload = nlohmann::json::parse(stored->payload_json);
  EXPECT_EQ(payload["type"], "trend");
  EXPECT_EQ(payload["id"], id);
  EXPECT_EQ(payload["target"], "alice");
  EXPECT_EQ(payload["window"], "6h");
  EXPECT_EQ(payload["videos"], 8);
  EXPECT_NEAR(payload["expected"].get<double>(), 1.0, 0.2);
  EXPECT_EQ(payload["top_videos"].size(), 5u);
  EXPECT_EQ(payload["top_videos"][0]["views"], 4007);
  EXPECT_EQ(payload["text"].get<std::string>().rfind("trendwatch: alice is surging: 8 videos", 0),
            0u)
      << payload["text"];
  auto deliveries = h.store().deliveries_for(id);
  ASSERT_EQ(deliveries.size(), 2u);
  for (const auto& d : deliveries) EXPECT_EQ(d.kind, store::kTrendDelivery);

  // The next checks, with the surge still on: nothing new.
  for (int i = 0; i < 3; ++i) {
    h.advance(10 * 60 * 1000);
    EXPECT_TRUE(watch.check().empty());
  }
  // A restart: a new store connection and a new watch see the open surge.
  h.reopen();
  SurgeWatch after_restart(h.store(), TrendConfig{}, to_sinks({"hook", "mail"}));
  EXPECT_TRUE(after_restart.check().empty());
  EXPECT_EQ(h.store().surges("", 0).size(), 1u);
  EXPECT_EQ(h.store().deliveries_for(id).size(), 2u);
}

TEST(SurgeWatch, ASecondBurstADayLaterIsASecondSurge) {
  SurgeHistory h("surge-twice");
  steady_past(h);
  SurgeWatch watch(h.store(), TrendConfig{}, to_sinks({"hook"}));
  for (int i = 0; i < 8; ++i) h.add(h.now() - 3 * kHour + i * 20 * 60 * 1000, 5000);
  Timeline day1 = run_hours(h, watch, h.now() + kDay);
  for (int i = 0; i < 12; ++i) h.add(h.now() - 2 * kHour + i * 10 * 60 * 1000, 5000);
  Timeline day2 = run_hours(h, watch, h.now() + 12 * kHour);

  // Hour 0's burst was found at the first check (hour 1), ended once the window
  // moved past it, and the second burst started a second surge.
  ASSERT_EQ(day1.started.size(), 1u);
  ASSERT_EQ(day1.ended.size(), 1u);
  EXPECT_EQ(day1.ended[0].surge_id, day1.started[0].surge_id);
  ASSERT_EQ(day2.started.size(), 1u);
  EXPECT_NE(day2.started[0].surge_id, day1.started[0].surge_id);
  auto surges = h.store().surges("alice", 0);
  ASSERT_EQ(surges.size(), 2u);
  EXPECT_TRUE(surges[0].ended_at);
  EXPECT_EQ(h.store().deliveries_for(day2.started[0].surge_id).size(), 1u);
}

TEST(SurgeWatch, OneVideoOfHugeReachAloneIsASurge) {
  SurgeHistory h("surge-reach");
  steady_past(h);
  h.add(h.now() - kHour, 5'000'000);
  SurgeWatch watch(h.store(), TrendConfig{}, to_sinks({"hook"}));
  std::vector<SurgeChange> changes = watch.check();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].step, SurgeStep::start);
  EXPECT_TRUE(changes[0].figures.by_reach);
  EXPECT_FALSE(changes[0].figures.by_count);
  EXPECT_NE(changes[0].reason.find("reached 5M views"), std::string::npos) << changes[0].reason;
  auto payload = nlohmann::json::parse(h.store().surge(changes[0].surge_id)->payload_json);
  EXPECT_EQ(payload["by_reach"], true);
  EXPECT_EQ(payload["top_videos"][0]["views"], 5'000'000);
}

TEST(SurgeWatch, TheTrendAlertReachesAWebhookOnceAndOnlySinksTakingTrends) {
  test::VideoSite site;
  SurgeHistory h("surge-webhook");
  steady_past(h);
  for (int i = 0; i < 8; ++i) h.add(h.now() - 2 * kHour + i * 10 * 60 * 1000, 9000);

  AlertConfig trends_only;
  trends_only.kind = AlertKind::webhook;
  trends_only.name = "newsroom";
  trends_only.url = site.url("/hook");
  trends_only.types = {"trend"};
  AlertConfig appearances_only = trends_only;
  appearances_only.name = "reviewers";
  appearances_only.types = {"appearance"};
  auto make_outbox = [&] {
    return std::make_unique<alerts::Outbox>(h.store(),
                                            alerts::make_sinks({trends_only, appearances_only}));
  };
  auto outbox = make_outbox();
  EXPECT_EQ(outbox->sink_names(store::kTrendDelivery), std::vector<std::string>{"newsroom"});
  EXPECT_EQ(outbox->sink_names(store::kAppearanceDelivery), std::vector<std::string>{"reviewers"});

  SurgeWatch watch(h.store(), TrendConfig{}, to_sinks(outbox->sink_names(store::kTrendDelivery)));
  ASSERT_EQ(watch.check().size(), 1u);
  EXPECT_EQ(outbox->deliver_due().delivered, 1);
  for (int i = 0; i < 3; ++i) {
    h.advance(20 * 60 * 1000);
    EXPECT_TRUE(watch.check().empty());
    EXPECT_EQ(outbox->deliver_due().delivered, 0);
  }
  h.reopen();
  outbox = make_outbox();
  SurgeWatch restarted(h.store(), TrendConfig{}, to_sinks({"newsroom"}));
  EXPECT_TRUE(restarted.check().empty());
  EXPECT_EQ(outbox->deliver_due().delivered, 0);

  auto hooks = site.hooks();
  ASSERT_EQ(hooks.size(), 1u);
  const nlohmann::json& alert = hooks[0];
  EXPECT_EQ(alert["type"], "trend");
  EXPECT_EQ(alert["target"], "alice");
  EXPECT_EQ(alert["videos"], 8);
  EXPECT_EQ(alert["views"], 8 * 9000);
  EXPECT_EQ(alert["id"], h.store().surges("alice", 0).at(0).id);
  EXPECT_FALSE(alert["top_videos"].empty());
  EXPECT_TRUE(
      alert["top_videos"][0]["url"].get<std::string>().starts_with("https://www.tiktok.com/"));
}

}  // namespace
}  // namespace tw::watch
