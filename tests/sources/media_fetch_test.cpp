// A video with a direct media URL (from a Zeeschuimer export) is downloaded
// from it first; when it has expired or cannot be reached, from its page
// through yt-dlp (a stand-in script here), and the reason is reported.
#include <gtest/gtest.h>

#include <chrono>

#include "core/errors.h"
#include "sources/fetch.h"
#include "support/test_support.h"
#include "test_server.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

using tw::test::contains;

using MediaFetch = tw::test::WithTestServer;

// A yt-dlp stand-in: records its last argument (the URL) and writes a video
// where -o says, or fails like yt-dlp when `fail` is set.
fs::path fake_ytdlp(const fs::path& dir, bool fail) {
  return tw::test::write_script(
      dir, "yt-dlp",
      "out=''; prev=''; last=''\n"
      "for a in \"$@\"; do\n"
      "  if [ \"$prev\" = \"-o\" ]; then out=\"$a\"; fi\n"
      "  prev=\"$a\"; last=\"$a\"\n"
      "done\n"
      "echo \"$last\" >> '" +
          (dir / "urls.txt").string() + "'\n" +
          (fail ? std::string("echo 'ERROR: [TikTok] 7301: Unable to extract' >&2; exit 1\n")
                : std::string(
                      "printf 'page video' > \"$(echo \"$out\" | sed 's/%(ext)s/mp4/')\"\n")));
}

tw::VideoRef tiktok_video(const std::string& media_url) {
  tw::VideoRef video;
  video.platform = "tiktok";
  video.id = "7301234567890123457";
  video.url = "https://www.tiktok.com/@someone/video/7301234567890123457";
  video.media_url = media_url;
  return video;
}

tw::sources::FetchLimits limits_with(const fs::path& ytdlp) {
  tw::sources::FetchLimits limits;
  limits.max_bytes = 1'000'000;
  limits.connect_timeout = 5s;
  limits.total_timeout = 20s;
  limits.ytdlp = ytdlp.string();
  return limits;
}

TEST_F(MediaFetch, AWorkingMediaUrlIsDownloadedDirectlyWithoutYtdlp) {
  fs::path dir = tw::test::fresh_dir("media-ok");
  fs::path ytdlp = fake_ytdlp(dir, false);
  auto video = tiktok_video(server_->url("/videos/a.mp4"));
  auto outcome = tw::sources::fetch(video, dir / "cache", limits_with(ytdlp));
  EXPECT_TRUE(outcome.from_media_url);
  EXPECT_EQ(outcome.method, tw::sources::FetchMethod::http);
  EXPECT_TRUE(outcome.media_url_failure.empty());
  EXPECT_EQ(tw::test::read_file(outcome.file), tw::test::tiny_mp4(1));
  EXPECT_FALSE(fs::exists(dir / "urls.txt"));  // yt-dlp was not run
  // Cached under the video's (platform, id): the next fetch downloads nothing.
  int before = server_->video_requests();
  auto again = tw::sources::fetch(video, dir / "cache", limits_with(ytdlp));
  EXPECT_TRUE(again.cached);
  EXPECT_EQ(again.file, outcome.file);
  EXPECT_EQ(server_->video_requests(), before);
}

TEST_F(MediaFetch, AnExpiredMediaUrlFallsBackToThePageThroughYtdlpAndSaysWhy) {
  fs::path dir = tw::test::fresh_dir("media-expired");
  fs::path ytdlp = fake_ytdlp(dir, false);
  auto video = tiktok_video(server_->url("/expired.mp4"));  // 404
  auto outcome = tw::sources::fetch(video, dir / "cache", limits_with(ytdlp));
  EXPECT_FALSE(outcome.from_media_url);
  EXPECT_EQ(outcome.method, tw::sources::FetchMethod::ytdlp);
  EXPECT_EQ(outcome.media_url_failure, "the media URL failed: HTTP status 404");
  EXPECT_EQ(tw::test::read_file(outcome.file), "page video");
  EXPECT_EQ(tw::test::read_file(dir / "urls.txt"), video.url + "\n");
  // No partial file of the failed attempt is left.
  for (const auto& name : tw::test::entries(dir / "cache"))
    EXPECT_EQ(name, outcome.file.filename().string());

  // A media URL nobody answers (the network) falls back the same way.
  fs::path dir2 = tw::test::fresh_dir("media-unreachable");
  auto unreachable = tiktok_video("http://127.0.0.1:1/video.mp4");
  outcome = tw::sources::fetch(unreachable, dir2 / "cache", limits_with(fake_ytdlp(dir2, false)));
  EXPECT_EQ(outcome.method, tw::sources::FetchMethod::ytdlp);
  EXPECT_TRUE(contains(outcome.media_url_failure, "the media URL failed: download failed"))
      << outcome.media_url_failure;
}

TEST_F(MediaFetch, WhenThePageFailsTooTheErrorNamesBothReasons) {
  fs::path dir = tw::test::fresh_dir("media-both");
  auto video = tiktok_video(server_->url("/error.mp4"));  // 500
  auto e = tw::test::input_error_of(
      [&] { tw::sources::fetch(video, dir / "cache", limits_with(fake_ytdlp(dir, true))); });
  EXPECT_EQ(e.input(), video.url);
  EXPECT_TRUE(contains(e.reason(), "yt-dlp exited with status 1: ERROR: [TikTok] 7301"))
      << e.what();
  EXPECT_TRUE(contains(e.reason(), "tried after the media URL failed: HTTP status 500"))
      << e.what();
  // fetch_video is the same, returning the file only.
  e = tw::test::input_error_of(
      [&] { tw::sources::fetch_video(video, dir / "cache", limits_with(fake_ytdlp(dir, true))); });
  EXPECT_TRUE(contains(e.reason(), "HTTP status 500")) << e.what();
}

}  // namespace
