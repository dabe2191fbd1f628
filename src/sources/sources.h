#pragma once
// Listing the videos of a configured source (docs/sources.md).
//
//   ytdlp    `yt-dlp -J --flat-playlist URL`, one VideoRef per entry
//   urls     a file or http(s) URL with one video URL per line (# comments)
//   folder   video files in a folder (new or replaced files get new ids)
//   command  a program printing JSON lines {id, url, title, author, posted_at}
//   tiktok-research  the TikTok Research API (sources/tiktok_research.h)
//   zeeschuimer      NDJSON exports of Zeeschuimer or 4CAT (sources/zeeschuimer.h)
//
// Every listing is bounded by the source's timeout (a hanging program is
// killed with its process group).  A failed listing throws
// InputError("source <name>", reason); lines that could not be used are
// skipped and reported in ListResult::warnings.  Titles, authors and the like
// are kept verbatim: they are untrusted data, never interpreted.  When the
// caller's cancel flag is raised, the listing stops and throws Cancelled.
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/types.h"
#include "sources/cancel.h"
#include "sources/ledger.h"

namespace tw::sources {

struct ListOptions {
  // folder: files modified more recently than this may still be being
  // written and are left for the next listing.
  std::chrono::milliseconds settle{std::chrono::seconds(2)};
  // urls: the most a listing fetched over http(s) may weigh.
  std::size_t max_listing_bytes = 16u * 1024 * 1024;
  // Raised by the caller to stop (shutdown): list_source throws Cancelled.
  const CancelFlag* cancel = nullptr;

  // tiktok-research and zeeschuimer: where the source's saved state (paging
  // cursor, file offsets) and its daily quota live.  The monitor passes one
  // backed by the store; nullptr: a MemoryLedger for this call only (no
  // cursor or offset outlives it, the quota counts only this call).
  SourceLedger* ledger = nullptr;
  // When set, videos are handed over as they are listed (a Research API page,
  // a Zeeschuimer file; the other kinds once, at the end) and
  // ListResult::videos stays empty: a failure later in the listing then loses
  // nothing already listed.  A source's saved state moves on only after the
  // videos it accounts for were handed over.
  std::function<void(std::vector<VideoRef>&& videos)> on_videos;
  // The time (tests); empty: the system clock.
  std::function<std::chrono::system_clock::time_point()> clock;
  // tiktok-research: the waits before retrying a server error (5xx,
  // internal_error, a network failure); their number bounds the retries.
  std::vector<std::chrono::milliseconds> retry_delays{
      std::chrono::seconds(2), std::chrono::seconds(10), std::chrono::seconds(30)};
};

struct ListResult {
  std::vector<VideoRef> videos;       // each with .source = the source's name
  std::vector<std::string> warnings;  // "line 3: not JSON", "exited with status 1", ...
  // tiktok-research: the poll stopped because the day's quota is used up
  // (a warning says how much); the next poll goes on from where it stopped.
  bool quota_exhausted = false;
};

ListResult list_source(const SourceConfig& source, const ListOptions& options = {});

// The pieces list_source dispatches to, for callers and tests that need one.
ListResult list_ytdlp(const SourceConfig& source, const ListOptions& options);
ListResult list_urls(const SourceConfig& source, const ListOptions& options);
ListResult list_folder(const SourceConfig& source, const ListOptions& options);
ListResult list_command(const SourceConfig& source, const ListOptions& options);
// tiktok-research and zeeschuimer are in their own headers.

// Parsers of program output, separate so that they can be tested on text.
ListResult parse_ytdlp_json(const std::string& json_text, int max_videos);
ListResult parse_json_lines(const std::string& text, int max_videos);
ListResult parse_url_lines(const std::string& text, int max_videos);

// Seconds since the epoch as "2024-05-01T12:00:00Z".
std::string iso8601_utc(long long epoch_seconds);

}  // namespace tw::sources
