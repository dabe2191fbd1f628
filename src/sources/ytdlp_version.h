#pragma once
// How old a yt-dlp program is.  Platforms change their pages often, and a
// yt-dlp a few months old stops working on them (TikTok especially): status
// and the start of watch report each yt-dlp's version and age and warn about
// one older than 90 days.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace tw::sources {

inline constexpr int kYtdlpMaxAgeDays = 90;

struct YtdlpVersion {
  std::string program;  // as configured ("yt-dlp", "/opt/yt-dlp/yt-dlp")
  std::string version;  // what `--version` printed, e.g. "2025.04.30"; "" when unknown
  std::optional<std::chrono::sys_days> released;  // the date in the version
  std::optional<int> age_days;                    // now - released
  bool too_old = false;  // older than kYtdlpMaxAgeDays, or its age is unknown
  std::string error;     // why it could not be run or read ("" when it was)
  // What to do when too_old or on error; "" otherwise.
  std::string advice;
};

// The release date in a yt-dlp version: "2023.03.04", "2025.04.30.232839"
// (nightly), "2024.08.06.1" -> that date; nullopt when it is not one.
std::optional<std::chrono::sys_days> ytdlp_release_date(std::string_view version);

// Runs `program --version` (killed after `timeout`) and judges its age at
// `now`.  Never throws: a program that cannot be run gives `error`.
YtdlpVersion probe_ytdlp(
    const std::string& program,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now(),
    std::chrono::milliseconds timeout = std::chrono::seconds(15));

// One line for status and the log: "yt-dlp 2023.03.04 (1000 days old): ..." .
std::string describe(const YtdlpVersion& version);

}  // namespace tw::sources
