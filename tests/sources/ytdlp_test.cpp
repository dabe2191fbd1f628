// Debian's yt-dlp (2023.03.04) against the test's own HTTP server: what it
// can list from a local URL and how it downloads, plus a stand-in yt-dlp
// that hangs.  yt-dlp's generic extractor lists an HTML page with <video>
// tags as a playlist and a direct media URL as one video; a page of plain
// links is "Unsupported URL" (see docs/sources.md).
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "core/errors.h"
#include "core/hash.h"
#include "sources/fetch.h"
#include "sources/sources.h"
#include "support/test_support.h"
#include "test_server.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

using tw::test::entries;
using tw::test::input_error_of;
using tw::test::read_file;

tw::SourceConfig ytdlp_source(const std::string& location) {
  tw::SourceConfig source;
  source.name = "tok";
  source.kind = tw::SourceKind::ytdlp;
  source.location = location;
  source.timeout = 60s;
  source.max_videos = 50;
  return source;
}

using Ytdlp = tw::test::WithTestServer;

// A video whose URL has no extension: fetched through yt-dlp.
tw::VideoRef watched_clip(const tw::test::TestServer& server) {
  tw::VideoRef video;
  video.platform = "generic";
  video.id = "clip";
  video.url = server.url("/watch/clip");
  return video;
}

TEST_F(Ytdlp, ListsTheVideosEmbeddedInAPage) {
  auto result = tw::sources::list_source(ytdlp_source(server_->url("/page.html")));
  ASSERT_EQ(result.videos.size(), 2u);
  EXPECT_EQ(result.videos[0].url, server_->url("/videos/a.mp4"));
  EXPECT_EQ(result.videos[1].url, server_->url("/videos/b.mp4"));
  for (const auto& v : result.videos) {
    EXPECT_EQ(v.platform, "generic");
    // Position on the page is no identity: the media URL is.
    EXPECT_EQ(v.id, tw::sha256_hex(v.url).substr(0, 16));
    EXPECT_EQ(v.source, "tok");
  }
  EXPECT_EQ(result.videos[0].title, "Feed page (1)");

  auto source = ytdlp_source(server_->url("/page.html"));
  source.max_videos = 1;
  EXPECT_EQ(tw::sources::list_source(source).videos.size(), 1u);
}

TEST_F(Ytdlp, ListsADirectVideoUrlAsOneVideo) {
  auto result = tw::sources::list_source(ytdlp_source(server_->url("/watch/clip")));
  ASSERT_EQ(result.videos.size(), 1u);
  EXPECT_EQ(result.videos[0].platform, "generic");
  EXPECT_EQ(result.videos[0].url, server_->url("/watch/clip"));
  EXPECT_EQ(result.videos[0].title, "clip");
}

TEST_F(Ytdlp, AMissingPageFailsWithYtdlpsError) {
  auto e = input_error_of(
      [&] { tw::sources::list_source(ytdlp_source(server_->url("/nothing.html"))); });
  EXPECT_EQ(e.input(), "source tok");
  EXPECT_NE(e.reason().find("yt-dlp exited with status 1"), std::string::npos) << e.what();
  EXPECT_NE(e.reason().find("404"), std::string::npos) << e.what();
}

TEST_F(Ytdlp, DownloadsAPlatformUrlIntoTheCache) {
  fs::path cache = tw::test::fresh_dir("ytdlp-cache");
  const tw::VideoRef video = watched_clip(*server_);
  ASSERT_EQ(tw::sources::fetch_method(video), tw::sources::FetchMethod::ytdlp);
  tw::sources::FetchLimits limits;
  limits.total_timeout = 60s;
  fs::path file = tw::sources::fetch_video(video, cache, limits);
  EXPECT_EQ(read_file(file), tw::test::tiny_mp4(1));
  EXPECT_EQ(entries(cache),
            std::vector<std::string>{file.filename().string()});  // no work folder left
}

TEST_F(Ytdlp, ADownloadOverTheSizeLimitIsRefusedAndLeavesNothing) {
  fs::path cache = tw::test::fresh_dir("ytdlp-big");
  const tw::VideoRef video = watched_clip(*server_);
  tw::sources::FetchLimits limits;
  limits.total_timeout = 60s;
  limits.max_bytes = 1000;  // the clip is a few KB
  auto e = input_error_of([&] { tw::sources::fetch_video(video, cache, limits); });
  EXPECT_EQ(e.input(), video.url);
  EXPECT_NE(e.reason().find("larger than the size limit of 1000 bytes"), std::string::npos)
      << e.what();
  EXPECT_TRUE(entries(cache).empty());
}

TEST_F(Ytdlp, AHangingYtdlpIsKilled) {
  fs::path dir = tw::test::fresh_dir("ytdlp-hang");
  auto source = ytdlp_source("https://www.tiktok.com/@someone");
  source.ytdlp = tw::test::write_script(dir, "yt-dlp", "sleep 60\n").string();
  source.timeout = 1s;
  auto start = std::chrono::steady_clock::now();
  auto e = input_error_of([&] { tw::sources::list_source(source); });
  EXPECT_EQ(e.reason(), "yt-dlp timed out after 1s and was killed");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);

  source.ytdlp = (dir / "not-installed").string();
  e = input_error_of([&] { tw::sources::list_source(source); });
  EXPECT_NE(e.reason().find("cannot run"), std::string::npos) << e.what();
}

TEST_F(Ytdlp, TheLocationIsNeverReadAsAnOption) {
  // Read as an option, "--version" would print the version and exit 0;
  // after "--" it is a (bad) URL, and yt-dlp says so.
  auto e = input_error_of([&] { tw::sources::list_source(ytdlp_source("--version")); });
  EXPECT_NE(e.reason().find("'--version' is not a valid URL"), std::string::npos) << e.what();
}

// The shape `yt-dlp -J --flat-playlist` prints for a TikTok user page
// (entries of _type "url" pointing at the video pages).
TEST(YtdlpJson, FlatPlaylistEntriesBecomeVideoRefs) {
  const std::string json = R"json({
    "_type": "playlist", "id": "6789", "title": "someone", "extractor_key": "TikTokUser",
    "webpage_url": "https://www.tiktok.com/@someone",
    "entries": [
      {"_type": "url", "ie_key": "TikTok", "id": "7301", "url": "https://www.tiktok.com/@someone/video/7301",
       "title": "dance \"take 2\"\n$(reboot)", "uploader": "someone", "timestamp": 1700000000},
      {"_type": "url", "ie_key": "TikTok", "id": "7300", "url": "https://www.tiktok.com/@someone/video/7300",
       "channel": "Some One", "upload_date": "20231101"},
      null,
      {"_type": "url", "ie_key": "TikTok", "id": "7301", "url": "https://www.tiktok.com/@someone/video/7301"}
    ]})json";
  auto result = tw::sources::parse_ytdlp_json(json, 0);
  ASSERT_EQ(result.videos.size(), 2u);
  EXPECT_EQ(result.videos[0].platform, "tiktok");
  EXPECT_EQ(result.videos[0].id, "7301");
  EXPECT_EQ(result.videos[0].url, "https://www.tiktok.com/@someone/video/7301");
  EXPECT_EQ(result.videos[0].title, "dance \"take 2\"\n$(reboot)");
  EXPECT_EQ(result.videos[0].author, "someone");
  EXPECT_EQ(result.videos[0].posted_at, "2023-11-14T22:13:20Z");
  EXPECT_EQ(result.videos[1].author, "Some One");
  EXPECT_EQ(result.videos[1].posted_at, "2023-11-01");
  EXPECT_EQ(result.warnings, std::vector<std::string>{"entry 3: no id or url, skipped"});
  EXPECT_THROW(tw::sources::parse_ytdlp_json("null", 0), std::runtime_error);
}

// The shape Debian's yt-dlp (2023.03.04, TikTokUserIE._entries_api) gives a
// TikTok user or tag page: full video dicts with extractor_key and a
// webpage_url per video (and formats, left out here).
TEST(YtdlpJson, FullVideoEntriesUseTheirWebpageUrl) {
  const std::string json = R"json({
    "_type": "playlist", "id": "79005827461758976", "title": "meme", "extractor_key": "TikTokUser",
    "webpage_url": "https://www.tiktok.com/@meme",
    "entries": [
      {"id": "7301", "title": "a caption", "uploader": "meme", "timestamp": 1700000000,
       "extractor_key": "TikTok", "extractor": "TikTok",
       "webpage_url": "https://tiktok.com/@79005827461758976/video/7301",
       "formats": [{"url": "https://v16.example/7301.mp4", "format_id": "play_addr"}]}
    ]})json";
  auto result = tw::sources::parse_ytdlp_json(json, 0);
  ASSERT_EQ(result.videos.size(), 1u);
  EXPECT_EQ(result.videos[0].platform, "tiktok");
  EXPECT_EQ(result.videos[0].id, "7301");
  EXPECT_EQ(result.videos[0].url, "https://tiktok.com/@79005827461758976/video/7301");
  EXPECT_EQ(result.videos[0].title, "a caption");
  EXPECT_EQ(result.videos[0].author, "meme");
  tw::VideoRef video = result.videos[0];
  EXPECT_EQ(tw::sources::fetch_method(video), tw::sources::FetchMethod::ytdlp);
}

}  // namespace
