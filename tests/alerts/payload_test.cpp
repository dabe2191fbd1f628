// The alert payload: the webhook contract's fields, verbatim untrusted text,
// and a one-line Slack-safe summary.
#include <gtest/gtest.h>

#include "alerts/alert.h"
#include "alerts/alert_test_support.h"

namespace tw::alerts {
namespace {

TEST(AlertPayload, HasExactlyTheContractFieldsWithTitlesVerbatim) {
  testing::StoreWithAppearances fixture({"console"});
  auto record = fixture.store->appearance(fixture.appearance_ids.at(0));
  ASSERT_TRUE(record.has_value());
  Alert alert = make_alert(*record);

  nlohmann::json expected = {{"id", fixture.appearance_ids[0]},
                             {"type", "appearance"},
                             {"text", alert.text},
                             {"target", "jesper"},
                             {"video",
                              {{"id", "7300000000000000001"},
                               {"url", "https://www.tiktok.com/@someone/video/7300000000000000001"},
                               {"title", testing::kNastyTitle},
                               {"author", "some<one>"},
                               {"source", "demo"},
                               {"stats", testing::fixture_stats_json()},
                               {"hashtags", {"news", "Jesper"}}}},
                             {"start", 3.0},
                             {"end", 5.25},
                             {"score", 0.8125},
                             {"evidence", (fixture.dir / "frame0.jpg").string()}};
  EXPECT_EQ(nlohmann::json::parse(alert.json), expected);
  EXPECT_EQ(alert.json.rfind("{\"id\":", 0), 0u) << "keys keep the contract's order";
  EXPECT_EQ(alert.id, store::appearance_id(record->video, "jesper", "v1", 3.0));
}

TEST(AlertPayload, AVideoWithoutFiguresHasNullStatsAndNoHashtags) {
  testing::StoreWithAppearances fixture({"console"});
  auto record = *fixture.store->appearance(fixture.appearance_ids.at(0));
  ASSERT_TRUE(record.video.stats.has_value()) << "the store gives the alert the latest figures";
  record.video.stats.reset();
  record.video.hashtags.clear();
  auto json = nlohmann::json::parse(make_alert(record).json);
  EXPECT_TRUE(json["video"]["stats"].is_null()) << json.dump();
  EXPECT_EQ(json["video"]["hashtags"], nlohmann::json::array());
  EXPECT_EQ(json["type"], "appearance");
  // Only the figures a source gave are numbers.
  record.video.stats = VideoStats{};
  record.video.stats->likes = 3;
  json = nlohmann::json::parse(make_alert(record).json);
  EXPECT_EQ(json["video"]["stats"]["likes"], 3);
  EXPECT_TRUE(json["video"]["stats"]["views"].is_null());
  EXPECT_TRUE(json["video"]["stats"]["observed_at"].is_null());
}

TEST(AlertPayload, TextIsOneLineAndEscapedForSlack) {
  testing::StoreWithAppearances fixture({"console"});
  auto record = *fixture.store->appearance(fixture.appearance_ids.at(0));
  std::string text = alert_text(record);
  EXPECT_EQ(text,
            "trendwatch: jesper seen at 0:03.0-0:05.3 (score 0.81) in \"Jesper's \"big\" day "
            "$(touch PWNED) `id` &lt;!channel&gt; &amp; '; DROP TABLE videos; --\" by "
            "some&lt;one&gt; https://www.tiktok.com/@someone/video/7300000000000000001");
  EXPECT_EQ(text.find('\n'), std::string::npos);
}

TEST(AlertPayload, EvidenceIsNullWithoutFilesAndTimesAreReadable) {
  testing::StoreWithAppearances fixture({"console"});
  auto record = *fixture.store->appearance(fixture.appearance_ids.at(0));
  record.appearance.evidence_frame.clear();
  EXPECT_TRUE(nlohmann::json::parse(make_alert(record).json)["evidence"].is_null());
  record.appearance.evidence_crop = "/e/crop.jpg";
  EXPECT_EQ(nlohmann::json::parse(make_alert(record).json)["evidence"], "/e/crop.jpg");
  EXPECT_EQ(format_video_time(0), "0:00.0");
  EXPECT_EQ(format_video_time(65.34), "1:05.3");
  EXPECT_EQ(format_video_time(3600), "60:00.0");
}

TEST(AlertPayload, InvalidUtf8InATitleDoesNotStopTheAlert) {
  testing::StoreWithAppearances fixture({"console"}, 1, "bad \xff\xfe bytes");
  auto record = *fixture.store->appearance(fixture.appearance_ids.at(0));
  auto json = nlohmann::json::parse(make_alert(record).json);
  EXPECT_EQ(json["video"]["title"], "bad \xEF\xBF\xBD\xEF\xBF\xBD bytes");
}

}  // namespace
}  // namespace tw::alerts
