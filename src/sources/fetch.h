#pragma once
// Downloading videos into the cache, with limits.
//
// http(s) goes through libcurl: a size limit (checked against Content-Length
// and against the bytes received), connect and total timeouts and a low-speed
// abort.  The body goes to a temporary file that is renamed when complete, so
// a failure (limit, non-2xx status, full disk, kill) never leaves a partial
// file under the final name.  Platform pages (TikTok, ...) go through yt-dlp
// with the same size limit and a timeout.  Local files are used in place.
// Every failure is InputError(url_or_path, reason).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "core/config.h"
#include "core/types.h"
#include "sources/cancel.h"

namespace tw::sources {

struct FetchLimits {
  std::uint64_t max_bytes = 500ull * 1000 * 1000;
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds total_timeout{std::chrono::minutes(10)};
  // Abort when slower than low_speed_bytes per second for low_speed_time.
  long low_speed_bytes = 1000;
  std::chrono::milliseconds low_speed_time{std::chrono::seconds(30)};
  std::string ytdlp = "yt-dlp";  // the program used for platform pages
  // Raised by the caller to stop (shutdown): the download is abandoned, its
  // partial file removed, and Cancelled thrown.
  const CancelFlag* cancel = nullptr;

  // max_video_bytes and download_timeout from [scan].
  static FetchLimits from(const ScanConfig& scan);
  // The same, with the yt-dlp program of the source the video came from.
  static FetchLimits from(const ScanConfig& scan, const SourceConfig& source);
};

enum class FetchMethod { local, http, ytdlp };
// local: not an http(s) URL (a path or file://).  http: platform "url", or a
// URL whose path ends in a video file extension.  ytdlp: everything else.
FetchMethod fetch_method(const VideoRef& video);

// Downloads one http(s) URL into dir (created if needed) and returns the
// file's path; the name is derived from the URL.  Used by `scan URL`.
std::filesystem::path download_url(const std::string& url, const std::filesystem::path& dir,
                                   const FetchLimits& limits);

// How fetch() got a video.
struct FetchOutcome {
  std::filesystem::path file;
  FetchMethod method = FetchMethod::local;  // what gave the file
  bool cached = false;                      // it was in the cache already
  bool from_media_url = false;              // downloaded from video.media_url
  // video.media_url was tried and failed (it expires: 403/404/410, or the
  // network), so video.url was used: why.  "" when it was not tried or worked.
  std::string media_url_failure;
};

// Makes the video available as a local file: the path itself for local
// files, else a download into cache_dir named after (platform, id).  A video
// already in the cache is not downloaded again.  A video with a media_url
// (a direct, expiring media URL from an export) is downloaded from it first
// with libcurl; when that fails, from its page url as fetch_method says, and
// the outcome says why (an error then names both reasons).
FetchOutcome fetch(const VideoRef& video, const std::filesystem::path& cache_dir,
                   const FetchLimits& limits);
// fetch(...).file, for callers that do not report a media URL's failure.
std::filesystem::path fetch_video(const VideoRef& video, const std::filesystem::path& cache_dir,
                                  const FetchLimits& limits);

// GETs a small text resource (a URL listing) into memory.
std::string http_get_text(const std::string& url, std::size_t max_bytes,
                          std::chrono::milliseconds timeout, const CancelFlag* cancel = nullptr);

// Housekeeping for the watch loop: removes temporary files left by a process
// killed mid-download, and removes the oldest cached files until the folder
// weighs at most max_bytes.  Both return how many files they removed.
int remove_partial_downloads(const std::filesystem::path& cache_dir);
int trim_cache(const std::filesystem::path& cache_dir, std::uint64_t max_bytes);

}  // namespace tw::sources
