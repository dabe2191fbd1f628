#pragma once
// trendwatch.toml as plain structs.  The keys are a contract (DESIGN.md,
// "Contracts"); docs/sources.md lists every key with its default.  Each key is
// defined once, as a row of its section's table in src/core/config_*.cpp
// (config_table.h says how); core/config_keys.h lists them for the docs.
//
// Every problem in a config file is an InputError("<file>:<line>", reason):
// unknown keys, wrong types, bad durations or sizes, unknown kinds, missing
// required keys and duplicate names.  Relative paths in the file are relative
// to the file's folder.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/home.h"

namespace tw {

using Duration = std::chrono::milliseconds;

struct StoreConfig {
  std::string url;  // "sqlite:///abs/path.db" or "postgresql://..."

  bool operator==(const StoreConfig&) const = default;
};

struct ScanConfig {
  double fps = 5;                    // sampled frames per second
  std::vector<std::string> targets;  // empty: every enrolled target
  // Unset means "the scanner's own default" (its calibrated threshold etc.).
  std::optional<double> threshold;
  std::optional<int> min_frames;  // sampled frames an appearance needs
  // The smallest face (pixels wide in the frame) that must be found; it
  // sets the detector's input size per video (0: its full input).  Unset:
  // the scanner's default.
  std::optional<double> min_face;
  // `scan --approximate`: faster decisions that are not the reference
  // path's frame by frame (scan/scanner.h ScanOptions::approximate).
  bool approximate = false;
  std::optional<Duration> min_duration;                  // on-screen time an appearance needs
  std::uint64_t max_video_bytes = 500ull * 1000 * 1000;  // download size limit
  Duration download_timeout = std::chrono::minutes(10);  // whole download

  bool operator==(const ScanConfig&) const = default;
};

struct WatchConfig {
  int concurrency = 2;  // videos scanned at once
  // Defaults for every [[source]] that does not set its own.
  Duration every = std::chrono::minutes(5);
  Duration source_timeout = std::chrono::minutes(2);
  int max_videos = 50;
  // Alert outbox: retry delays grow from initial to max; 0 attempts = no limit.
  Duration outbox_retry_initial = std::chrono::seconds(30);
  Duration outbox_retry_max = std::chrono::hours(1);
  int outbox_max_attempts = 0;
  // Failed scans: delays grow from initial to max; a video is given up
  // after max_attempts scans (a full disk does not count one).
  Duration scan_retry_initial = std::chrono::minutes(1);
  Duration scan_retry_max = std::chrono::hours(1);
  int scan_max_attempts = 3;
  std::filesystem::path cache_dir;  // downloads; default <home>/cache
  std::uint64_t cache_max_bytes = 2ull * 1000 * 1000 * 1000;
  std::string dashboard_url;  // trend alerts link the trend page under it; "" = no link

  bool operator==(const WatchConfig&) const = default;
};

enum class SourceKind { urls, ytdlp, folder, command, tiktok_research, zeeschuimer };

struct SourceConfig {
  std::string name;
  SourceKind kind = SourceKind::urls;
  std::string location;              // urls: file or http(s) URL; ytdlp: URL; folder: path
  std::vector<std::string> command;  // command: argv, run without a shell
  Duration every{};                  // poll interval
  Duration timeout{};                // one listing, process killed after it
  int max_videos = 0;                // newest first where the feed says so
  std::string ytdlp = "yt-dlp";      // the yt-dlp program (Debian's is old)
  bool enabled = true;
  bool recursive = false;  // folder: descend into sub-folders
  // tiktok-research: the TikTok Research API (docs/sources.md).
  std::string api_base = "https://open.tiktokapis.com";
  std::string client_key_env, client_secret_env;  // names of environment variables
  std::filesystem::path credentials_file;         // or a file (mode 0600) with both
  std::vector<std::string> hashtags, keywords, usernames, regions;
  std::string query_json;                    // a raw `query` table, as JSON
  Duration window = std::chrono::hours(48);  // how far back from now
  std::int64_t daily_requests = 1000;
  std::int64_t daily_records = 100000;
  // zeeschuimer: download a video's media URL before trying its page.
  bool download_media = true;
  std::filesystem::path base_dir;  // config file's folder; the command's working dir
  int line = 0;                    // where the [[source]] starts (0 if not from a file)

  bool operator==(const SourceConfig&) const = default;
};

enum class AlertKind { webhook, email, command, console };

struct AlertConfig {
  AlertKind kind = AlertKind::console;
  std::string name;                  // default "<kind>-<position>", e.g. "webhook-1"
  std::string url;                   // webhook
  std::string smtp;                  // email: "smtp://host:port" or "smtps://..."
  std::string from;                  // email
  std::vector<std::string> to;       // email
  std::vector<std::string> command;  // command: argv; the alert JSON on stdin
  Duration timeout = std::chrono::seconds(10);
  std::vector<std::string> types = {"appearance", "trend"};  // the alert types it takes
  int line = 0;

  bool operator==(const AlertConfig&) const = default;
};

// [trend]: when a target is surging (docs/trends.md).
struct TrendConfig {
  Duration window = std::chrono::hours(6);
  Duration baseline = std::chrono::hours(24 * 7);
  int min_videos = 3;
  std::string by = "hour";  // bucket size: "hour" | "day"
  double p_value = 0.001;
  double min_ratio = 3.0;
  Duration refresh_every = std::chrono::hours(6);
  Duration refresh_for = std::chrono::hours(24 * 3);

  bool operator==(const TrendConfig&) const = default;
};

struct Config {
  std::filesystem::path file;  // empty when these are the defaults
  StoreConfig store;
  ScanConfig scan;
  WatchConfig watch;
  TrendConfig trend;
  std::vector<SourceConfig> sources;
  std::vector<AlertConfig> alerts;

  const SourceConfig* find_source(std::string_view name) const;
};

// The configuration when there is no file: SQLite in the home directory,
// every target, 5 fps, no sources, no alerts.
Config default_config(const Home& home);

// Parses TOML text; `label` names it in errors (usually the file path) and
// relative paths are taken from base_dir.
Config parse_config(std::string_view text, const std::string& label,
                    const std::filesystem::path& base_dir, const Home& home);
// Reads and parses a file (InputError if it cannot be read).
Config load_config(const std::filesystem::path& file, const Home& home);

// --config FILE when given (it must exist), else <home>/trendwatch.toml when
// present, else default_config(home).
Config find_config(const std::optional<std::filesystem::path>& cli_file, const Home& home);

// "30s", "5m", "1h", "1d", "250ms", "1h30m", "1.5h"; nullopt when malformed.
std::optional<Duration> parse_duration(std::string_view text);
std::string format_duration(Duration d);  // "5m", "90s", "1h30m"
// "1000", "200MB", "2GiB", "500kB"; nullopt when malformed.
std::optional<std::uint64_t> parse_size(std::string_view text);

std::string_view to_string(SourceKind kind);
std::string_view to_string(AlertKind kind);

}  // namespace tw
