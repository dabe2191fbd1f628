#pragma once
// Which yt-dlp programs the configured sources use, and how old each is:
// logged at the start of `watch` and shown by `status`.  A platform changes
// its pages often, and a yt-dlp a few months old fails on them (TikTok
// especially), so one older than 90 days is a warning with the way out.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "core/config.h"
#include "sources/ytdlp_version.h"

namespace tw::watch {

// Kinds that list or download with yt-dlp: ytdlp, command (its URLs),
// tiktok-research (TikTok pages) and zeeschuimer (a page when the media URL
// has expired).
bool needs_ytdlp(const SourceConfig& source);

// One yt-dlp program and the enabled sources that use it.
struct YtdlpUse {
  std::string program;  // as configured (the first source's spelling)
  std::string path;     // where it is: found on PATH, or made absolute; "" when not found
  std::vector<std::string> sources;
};

// The distinct programs (by path, else by spelling) of the enabled sources
// that need one, in the order of the config.
std::vector<YtdlpUse> ytdlp_uses(const Config& config);

struct YtdlpCheck {
  YtdlpUse use;
  sources::YtdlpVersion version;
};

// Probes each distinct program (`--version`).
std::vector<YtdlpCheck> check_ytdlps(const Config& config);

// {"program", "path", "version", "released", "age_days", "too_old", "error",
//  "advice", "sources"}; absent facts are null.
nlohmann::ordered_json to_json(const YtdlpCheck& check);

}  // namespace tw::watch
