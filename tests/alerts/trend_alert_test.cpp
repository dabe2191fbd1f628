// Trend alerts: the payload made when a surge starts, sent as stored by the
// outbox to every sink that takes trends (console line, e-mail subject and
// body), and the `types` filter of sinks.
#include <gtest/gtest.h>

#include <sstream>

#include "alerts/alert_test_support.h"
#include "alerts/outbox.h"
#include "alerts/sink.h"
#include "alerts/smtp_server.h"
#include "alerts/trend_alert.h"
#include "core/errors.h"

namespace tw::alerts {
namespace {

using nlohmann::json;
constexpr trends::Millis kHour = 3600LL * 1000;

// Figures as the surge rule gives them for 7 videos in the window.
trends::SurgeFigures burst_figures(trends::Millis now) {
  trends::SurgeFigures f;
  f.now = now;
  f.window_start = now - 6 * kHour;
  f.baseline_start = f.window_start - 7 * 24 * kHour;
  f.videos = 7;
  f.baseline_videos = 28;
  f.expected = 1.0;
  f.p = 8.3e-5;
  f.by_count = true;
  for (int i = 0; i < 7; ++i) {
    trends::CountedVideo v;
    v.video_id = i + 1;
    v.at = now - 5 * kHour + i * 600'000;
    v.id = "74000000000000000" + std::to_string(10 + i);
    v.url = "https://www.tiktok.com/@a/video/" + v.id;
    v.title = "clip <" + std::to_string(i) + ">";
    v.author = "a";
    v.views = 1000 * (i + 1);
    v.best_appearance = "appearance-" + std::to_string(i);
    f.views += *v.views;
    f.top_views = std::max(f.top_views, *v.views);
    f.window_videos.push_back(v);
  }
  return f;
}

store::SurgeRecord stored_surge(const trends::SurgeFigures& f, const std::string& dashboard = "") {
  trends::SurgeRule rule;
  store::SurgeRecord s;
  s.id = trends::surge_id("jesper", f.window_videos.front().at, trends::BucketSize::hour);
  s.target = "jesper";
  s.started_at = trends::bucket_start(f.window_videos.front().at, trends::BucketSize::hour);
  s.window_ms = rule.window;
  s.videos = f.videos;
  s.expected = f.expected;
  s.views = f.views;
  s.reason = trends::explain(f, rule);
  s.payload_json = trend_payload(s.id, s.target, s.started_at, f, rule, dashboard).dump();
  return s;
}

TEST(TrendAlert, PayloadHasTheContractFields) {
  const trends::Millis now = 1'764'849'600'000;  // 2025-12-04T12:00:00Z
  const auto f = burst_figures(now);
  const store::SurgeRecord s = stored_surge(f, "http://127.0.0.1:8080/");
  const json body = json::parse(s.payload_json);
  EXPECT_EQ(body["type"], "trend");
  EXPECT_EQ(body["id"], s.id);
  EXPECT_EQ(body["target"], "jesper");
  EXPECT_EQ(body["text"],
            "trendwatch: jesper is surging: 7 videos in the last 6h; about 1.0 expected from the "
            "past 7d (p = 8.3e-05)");
  EXPECT_EQ(body["window"], "6h");
  EXPECT_EQ(body["videos"], 7);
  EXPECT_EQ(body["expected"], 1.0);
  EXPECT_EQ(body["views"], 28000);
  EXPECT_EQ(body["started_at"], "2025-12-04T07:00:00Z");
  EXPECT_EQ(body["window_start"], "2025-12-04T06:00:00Z");
  EXPECT_EQ(body["window_end"], "2025-12-04T12:00:00Z");
  EXPECT_EQ(body["baseline"], "7d");
  EXPECT_EQ(body["dashboard"], "http://127.0.0.1:8080/#/trends/jesper");
  ASSERT_EQ(body["top_videos"].size(), 5u);
  EXPECT_EQ(body["top_videos"][0]["views"], 7000);
  EXPECT_EQ(body["top_videos"][0]["title"], "clip <6>");  // verbatim in JSON
  EXPECT_EQ(body["top_videos"][0]["appearance"], "appearance-6");
  EXPECT_EQ(body["top_videos"][4]["views"], 3000);

  const Alert alert = make_trend_alert(s);
  EXPECT_EQ(alert.type, "trend");
  EXPECT_EQ(alert.id, s.id);
  EXPECT_EQ(alert.json, nlohmann::ordered_json::parse(s.payload_json).dump());  // as stored
  EXPECT_EQ(alert.text, body["text"]);
}

TEST(TrendAlert, ARowWithoutAPayloadIsSentFromItsFigures) {
  store::SurgeRecord s = stored_surge(burst_figures(1'764'849'600'000));
  s.payload_json = "{}";
  const json body = json::parse(make_trend_alert(s).json);
  EXPECT_EQ(body["type"], "trend");
  EXPECT_EQ(body["id"], s.id);
  EXPECT_EQ(body["videos"], 7);
  EXPECT_EQ(body["window"], "6h");
  EXPECT_TRUE(body["top_videos"].empty());
  EXPECT_NE(body["text"].get<std::string>().find("jesper is surging"), std::string::npos);
}

TEST(TrendAlert, TheOutboxSendsItToTheSinksThatTakeTrendsOnly) {
  testing::StoreWithAppearances fixture({"reviewers"});
  std::ostringstream reviewers_out, desk_out;
  std::vector<std::unique_ptr<Sink>> sinks;
  sinks.push_back(make_console_sink("reviewers", reviewers_out));
  sinks.back()->set_types({"appearance"});
  sinks.push_back(make_console_sink("desk", desk_out));
  sinks.back()->set_types({"trend"});
  Outbox outbox(*fixture.store, std::move(sinks));
  ASSERT_EQ(outbox.sink_names(store::kTrendDelivery), std::vector<std::string>{"desk"});

  const store::SurgeRecord s = stored_surge(burst_figures(fixture.clock->load()));
  ASSERT_TRUE(fixture.store->start_surge(s, outbox.sink_names(store::kTrendDelivery)));
  DeliveryReport report = outbox.deliver_due();
  EXPECT_EQ(report.delivered, 2);  // the appearance to reviewers, the surge to the desk
  EXPECT_EQ(report.failed, 0);
  EXPECT_EQ(desk_out.str(),
            json::parse(s.payload_json)["text"].get<std::string>() + " [" + s.id + "]\n");
  EXPECT_EQ(reviewers_out.str().find("surging"), std::string::npos);
  EXPECT_EQ(outbox.deliver_due().delivered, 0);
}

TEST(TrendAlert, AnUnknownTypeIsRefusedNamingTheSink) {
  SinkConfig config;
  config.kind = "console";
  config.name = "desk";
  config.types = {"trends"};
  try {
    make_sink(config);
    FAIL() << "accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("desk"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("trends"), std::string::npos) << e.what();
  }
}

TEST(TrendAlert, TheEmailSaysWhoIsSurgingAndListsTheTopVideos) {
  if (!std::filesystem::exists(kPython)) GTEST_SKIP() << "needs Debian's python3";
  testing::StoreWithAppearances fixture(std::vector<std::string>{});
  const store::SurgeRecord s = stored_surge(burst_figures(fixture.clock->load()));
  ASSERT_TRUE(fixture.store->start_surge(s, {"mail"}));
  auto maildir = fixture.dir / "maildir";
  SmtpServer smtp(maildir);
  SinkConfig config;
  config.kind = "email";
  config.name = "mail";
  config.smtp = smtp.url();
  config.from = "trendwatch@example.org";
  config.to = {"desk@example.org"};
  std::vector<std::unique_ptr<Sink>> sinks;
  sinks.push_back(make_sink(config));
  Outbox outbox(*fixture.store, std::move(sinks));
  ASSERT_EQ(outbox.deliver_due().delivered, 1) << fixture.store->deliveries_for(s.id)[0].last_error;

  json messages = read_maildir(maildir);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["subject"], "[trendwatch] jesper is surging");
  EXPECT_EQ(messages[0]["message_id"], "<" + s.id + "@trendwatch>");
  const std::string text = messages[0]["text"];
  EXPECT_NE(text.find("Why:      7 videos in the last 6h"), std::string::npos) << text;
  EXPECT_NE(text.find("Videos:   7 (about 1.0 expected from the past 7d)"), std::string::npos)
      << text;
  EXPECT_NE(text.find("- clip <6> by a (7000 views) https://www.tiktok.com/@a/video/"),
            std::string::npos)
      << text;
  EXPECT_TRUE(messages[0]["attachments"].empty());
}

}  // namespace
}  // namespace tw::alerts
