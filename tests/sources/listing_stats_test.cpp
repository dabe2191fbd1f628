// Engagement figures, duration and hashtags from yt-dlp's flat entries and
// from command-source lines.
#include <gtest/gtest.h>

#include "sources/sources.h"
#include "support/test_support.h"
#include "test_server.h"

namespace {

// yt-dlp -J --flat-playlist of a TikTok user page (2025-26 shape; nulls kept).
const char* kUserPage = R"({
  "_type": "playlist", "id": "MS4wLjABAAAA", "extractor_key": "TikTokUser",
  "webpage_url": "https://www.tiktok.com/@someone",
  "entries": [
    {"_type": "url", "ie_key": "TikTok", "id": "7301234567890123457",
     "url": "https://www.tiktok.com/@someone/video/7301234567890123457",
     "title": "flag day #Flag #news_today, really", "description": "flag day #Flag #news_today, really #flag",
     "timestamp": 1714557600, "duration": 21, "view_count": 4500, "like_count": 120,
     "repost_count": 5, "comment_count": 7, "save_count": 9, "uploader": "someone",
     "track": "original sound", "track_id": "7000000000000000002"},
    {"_type": "url", "ie_key": "TikTok", "id": "7301234567890123458",
     "url": "https://www.tiktok.com/@someone/video/7301234567890123458",
     "title": "no figures", "view_count": null, "like_count": null, "duration": null}
  ]})";

TEST(ListingStats, YtdlpFlatEntriesCarryFiguresDurationMusicAndHashtags) {
  auto result = tw::sources::parse_ytdlp_json(kUserPage, 0);
  ASSERT_EQ(result.videos.size(), 2u);
  const tw::VideoRef& v = result.videos[0];
  EXPECT_EQ(v.platform, "tiktok");
  EXPECT_EQ(v.id, "7301234567890123457");
  ASSERT_TRUE(v.stats.has_value());
  EXPECT_EQ(v.stats->views, 4500);
  EXPECT_EQ(v.stats->likes, 120);
  EXPECT_EQ(v.stats->shares, 5);  // repost_count
  EXPECT_EQ(v.stats->comments, 7);
  EXPECT_EQ(v.stats->saves, 9);
  EXPECT_EQ(v.stats->observed_at, 0);  // the store's now
  ASSERT_TRUE(v.duration.has_value());
  EXPECT_EQ(*v.duration, 21);
  EXPECT_EQ(v.music_id, "7000000000000000002");
  EXPECT_EQ(v.music_title, "original sound");
  // From the description (TikTok writes them there), each once.
  EXPECT_EQ(v.hashtags, (std::vector<std::string>{"Flag", "news_today"}));

  const tw::VideoRef& bare = result.videos[1];
  EXPECT_FALSE(bare.stats.has_value());  // nulls are not zeros
  EXPECT_FALSE(bare.duration.has_value());
  EXPECT_TRUE(bare.hashtags.empty());
}

TEST(ListingStats, CommandLinesMayCarryHashtagsAndFigures) {
  auto result = tw::sources::parse_json_lines(
      R"({"platform": "tiktok", "id": "1", "url": "https://www.tiktok.com/@a/video/1", "hashtags": ["#flag", "Flag", "news"], "stats": {"views": 1000, "likes": "20", "comments": 3, "shares": 4, "saves": 5}})"
      "\n"
      R"({"url": "https://example.org/v.mp4", "stats": {"views": -1, "likes": 1.5}})"
      "\n",
      0);
  ASSERT_EQ(result.videos.size(), 2u);
  const tw::VideoRef& v = result.videos[0];
  EXPECT_EQ(v.hashtags, (std::vector<std::string>{"flag", "news"}));
  ASSERT_TRUE(v.stats.has_value());
  EXPECT_EQ(v.stats->views, 1000);
  EXPECT_EQ(v.stats->likes, 20);
  EXPECT_EQ(v.stats->comments, 3);
  EXPECT_EQ(v.stats->shares, 4);
  EXPECT_EQ(v.stats->saves, 5);
  // Figures that are not counts are not kept.
  EXPECT_FALSE(result.videos[1].stats.has_value());
}

TEST(ListingStats, ListSourceStampsTheSourceOnTheFigures) {
  auto dir = tw::test::fresh_dir("listing-stats");
  auto script = tw::test::write_script(
      dir, "feed.sh",
      "echo '{\"url\": \"https://example.org/v.mp4\", \"stats\": {\"views\": 7}}'\n");
  tw::SourceConfig source;
  source.name = "feed";
  source.kind = tw::SourceKind::command;
  source.command = {script.string()};
  source.timeout = std::chrono::seconds(20);
  std::vector<tw::VideoRef> handed;
  tw::sources::ListOptions options;
  options.on_videos = [&](std::vector<tw::VideoRef>&& videos) {
    handed.insert(handed.end(), videos.begin(), videos.end());
  };
  auto result = tw::sources::list_source(source, options);
  EXPECT_TRUE(result.videos.empty());
  ASSERT_EQ(handed.size(), 1u);
  EXPECT_EQ(handed[0].source, "feed");
  ASSERT_TRUE(handed[0].stats.has_value());
  EXPECT_EQ(handed[0].stats->source, "feed");
  EXPECT_EQ(handed[0].stats->views, 7);
}

}  // namespace
