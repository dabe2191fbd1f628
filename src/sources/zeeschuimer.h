#pragma once
// kind = "zeeschuimer": TikTok items captured in a browser with Zeeschuimer
// (or exported by 4CAT), one JSON record a line (NDJSON; docs/sources.md).
//
// A record is {"source_platform": "tiktok.com", "timestamp_collected": <ms>,
// "data": <TikTok's item>, ...}; a bare item (no "data") is read too.  Files
// are read incrementally: the source's state (in the caller's SourceLedger)
// keeps, per file, how far it was read, so a growing file is read from where
// it stopped, and a replaced or truncated file (another inode, a smaller
// size, other first bytes) is read again from the top.  A line without its
// newline yet is left for the next poll unless it is already a whole JSON
// object.  Bad lines are skipped with a warning "FILE:LINE: reason"; the
// other lines are imported.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/types.h"
#include "sources/sources.h"

namespace tw::sources {

// One line of an export, read.
struct ZeeschuimerRecord {
  enum class Kind {
    video,           // `video` is set
    comment,         // source_platform "tiktok-comments": skipped, counted
    other_platform,  // another platform's record (instagram.com, ...): skipped, counted
    blank,           // an empty line
    invalid,         // not usable: `reason` says why
  };
  Kind kind = Kind::invalid;
  VideoRef video;        // platform "tiktok"; stats.observed_at = timestamp_collected
  bool is_ad = false;    // TikTok marked the item as an ad
  std::string platform;  // the record's source_platform, as given
  std::string reason;    // for invalid lines: "not JSON (...)", "no item id", ...
};

// Reads one line.  Never throws on bad input.
ZeeschuimerRecord parse_zeeschuimer_line(std::string_view line);

// What reading an export found (besides the videos).
struct ZeeschuimerCounts {
  std::int64_t lines = 0;       // lines read (blank ones included)
  std::int64_t videos = 0;      // handed over
  std::int64_t duplicates = 0;  // the same item with the same timestamp again: dropped
  std::int64_t comments = 0;
  std::int64_t other_platforms = 0;
  std::int64_t ads = 0;      // videos TikTok marked as ads (they are handed over too)
  std::int64_t invalid = 0;  // reported in warnings
};

struct ZeeschuimerRead {
  ListResult listed;  // videos (unless handed over) and warnings
  ZeeschuimerCounts counts;
  // Files that could not be read at all: "FILE: reason".
  std::vector<std::string> unreadable;
};

struct ZeeschuimerOptions {
  std::string source_name;  // set as VideoRef::source and VideoStats::source
  int max_videos = 0;       // per call (0: no limit); the rest is left for the next call
  bool keep_media_urls = true;
  // State as saved by the last call ("{}" or empty: read everything).
  std::string state;
  // Called with each file's videos before the state moves past them.
  std::function<void(std::vector<VideoRef>&& videos)> on_videos;
  // Called with the new state after each file's videos were handed over.
  std::function<void(const std::string& state)> save_state;
};

// Reads what is new in `location` (a file, or a folder whose *.ndjson files
// are read, oldest first) since `options.state`.
ZeeschuimerRead read_zeeschuimer(const std::filesystem::path& location,
                                 const ZeeschuimerOptions& options);

// The source kind: read_zeeschuimer with the source's location, max_videos
// and download_media, its state in options.ledger.  A location that does
// not exist, or a file that cannot be read, fails the listing (InputError
// naming the source) after the readable ones were read.
ListResult list_zeeschuimer(const SourceConfig& source, const ListOptions& options);

// The TikTok page of a video: https://www.tiktok.com/@{author}/video/{id}.
std::string tiktok_page_url(const std::string& author, const std::string& id);

}  // namespace tw::sources
