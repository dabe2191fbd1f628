#include "sources/sources.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

#include "core/errors.h"
#include "core/hash.h"
#include "sources/fetch.h"
#include "sources/json_fields.h"
#include "sources/process.h"
#include "sources/tiktok_research.h"
#include "sources/url_text.h"
#include "sources/zeeschuimer.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace tw::sources {

namespace {

[[noreturn]] void fail(const SourceConfig& source, const std::string& reason) {
  throw InputError("source " + source.name, reason);
}

std::string short_hash(std::string_view text) {
  return sha256_hex(text).substr(0, 16);
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// Splits text into lines (without "\n" / "\r\n").
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::string line;
  std::istringstream in(text);
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

// An epoch in seconds given as a JSON number, as ISO 8601; "" when it is no
// time (1e300, inf: converting such a double to an integer is undefined).
std::string iso8601_of_number(const json& seconds) {
  if (seconds.is_number_float()) {
    const double value = seconds.get<double>();
    if (!(std::abs(value) < 1e15)) return {};
    return iso8601_utc(static_cast<long long>(value));
  }
  return iso8601_utc(seconds.get<long long>());
}

// posted_at from yt-dlp's timestamp (epoch) or upload_date (YYYYMMDD).
std::string posted_at_of(const json& entry) {
  for (const char* key : {"timestamp", "release_timestamp"}) {
    auto it = entry.find(key);
    if (it != entry.end() && it->is_number()) return iso8601_of_number(*it);
  }
  std::string date = text_of(entry, "upload_date");
  if (date.size() == 8 && std::all_of(date.begin(), date.end(), ::isdigit))
    return date.substr(0, 4) + "-" + date.substr(4, 2) + "-" + date.substr(6, 2);
  return {};
}

void keep_first(ListResult& result, int max_videos) {
  if (max_videos > 0 && result.videos.size() > static_cast<size_t>(max_videos))
    result.videos.resize(static_cast<size_t>(max_videos));
}

void stamp_source(ListResult& result, const SourceConfig& source) {
  for (auto& video : result.videos) {
    video.source = source.name;
    if (video.stats) video.stats->source = source.name;
  }
}

// The figures of a yt-dlp entry or a command line; nullopt when none is given.
std::optional<VideoStats> stats_from(const json& object, const char* views, const char* likes,
                                     const char* comments, const char* shares, const char* saves) {
  VideoStats stats;
  stats.views = count_of(object, views);
  stats.likes = count_of(object, likes);
  stats.comments = count_of(object, comments);
  stats.shares = count_of(object, shares);
  stats.saves = count_of(object, saves);
  if (stats.empty()) return std::nullopt;
  return stats;  // observed_at 0: when the store records them
}

// "#a #b_c,#d" -> a, b_c, d: TikTok writes a video's hashtags in its description.
void add_hashtags_in_text(std::vector<std::string>& hashtags, std::string_view text) {
  for (size_t at = text.find('#'); at != std::string_view::npos; at = text.find('#', at)) {
    size_t end = ++at;
    while (end < text.size()) {
      unsigned char c = static_cast<unsigned char>(text[end]);
      if (std::isspace(c) || c == '#' || (c < 0x80 && std::ispunct(c) && c != '_')) break;
      ++end;
    }
    add_hashtag(hashtags, text.substr(at, end - at));
    at = end;
  }
}

void add_hashtag_list(std::vector<std::string>& hashtags, const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_array()) return;
  for (const json& tag : *it)
    if (tag.is_string()) add_hashtag(hashtags, tag.get<std::string>());
}

ProcessResult run_listing(const SourceConfig& source, const std::vector<std::string>& argv,
                          const ListOptions& list_options) {
  ProcessOptions options;
  options.timeout = source.timeout.count() > 0 ? source.timeout : std::chrono::minutes(2);
  options.working_dir = source.base_dir;
  options.cancel = list_options.cancel;
  ProcessResult run;
  try {
    run = run_process(argv, options);
  } catch (const std::system_error& e) {
    fail(source, "cannot run '" + argv.front() + "': " + e.code().message());
  }
  if (run.cancelled) throw Cancelled("source " + source.name);
  return run;
}

std::string with_stderr(const std::string& reason, const ProcessResult& run) {
  std::string line = run.last_error_line();
  return line.empty() ? reason : reason + ": " + line;
}

// One yt-dlp entry (or a single video) as a VideoRef; false when unusable.
bool video_from_ytdlp(const json& entry, const json& top, VideoRef& video) {
  if (!entry.is_object()) return false;
  std::string type = text_of(entry, "_type");
  std::string entry_url;
  if (type == "url" || type == "url_transparent") {
    entry_url = text_of(entry, "url");
  } else {
    // An embedded video's webpage_url is the page shared by all entries:
    // then only its own url tells it apart.
    std::string page = text_of(entry, "webpage_url");
    bool shared_page = &entry != &top && !page.empty() && page == text_of(top, "webpage_url");
    entry_url = (!page.empty() && !shared_page) ? page : first_text(entry, {"url", "original_url"});
  }
  std::string key = first_text(entry, {"ie_key", "extractor_key"});
  if (key.empty()) key = first_text(top, {"extractor_key", "ie_key"});
  video.platform = key.empty() ? "ytdlp" : ascii_lower(key);
  video.id = text_of(entry, "id");
  video.url = entry_url;
  // The generic extractors number embedded videos by position on the page,
  // which shifts when the page changes: use the media URL as identity.
  if (video.platform == "generic" || video.platform == "html5mediaembed") {
    video.platform = "generic";
    if (!video.url.empty()) video.id = short_hash(video.url);
  }
  video.title = text_of(entry, "title");
  video.author = first_text(entry, {"uploader", "channel", "creator", "uploader_id", "channel_id"});
  video.posted_at = posted_at_of(entry);
  video.stats =
      stats_from(entry, "view_count", "like_count", "comment_count", "repost_count", "save_count");
  if (auto duration = number_of(entry, "duration"); duration && *duration >= 0)
    video.duration = duration;
  add_hashtag_list(video.hashtags, entry, "hashtags");
  if (video.hashtags.empty() && video.platform == "tiktok")
    add_hashtags_in_text(video.hashtags, text_of(entry, "description"));
  video.music_id = text_of(entry, "track_id");
  video.music_title = text_of(entry, "track");
  return !video.id.empty() && !video.url.empty();
}

}  // namespace

std::string iso8601_utc(long long epoch_seconds) {
  std::time_t t = static_cast<std::time_t>(epoch_seconds);
  std::tm tm{};
  if (!::gmtime_r(&t, &tm)) return {};
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

ListResult parse_ytdlp_json(const std::string& json_text, int max_videos) {
  // yt-dlp -J prints one document (the last non-empty line).
  json top = json::parse(json_text, nullptr, false);
  if (top.is_discarded() || !top.is_object())
    throw std::runtime_error("yt-dlp printed no JSON object");
  ListResult result;
  auto entries = top.find("entries");
  if (entries == top.end()) {
    VideoRef video;
    if (!video_from_ytdlp(top, top, video))
      throw std::runtime_error("yt-dlp's JSON has no id or url");
    result.videos.push_back(std::move(video));
    return result;
  }
  if (!entries->is_array()) throw std::runtime_error("yt-dlp's 'entries' is not a list");
  int position = 0;
  std::set<std::pair<std::string, std::string>> seen;
  for (const json& entry : *entries) {
    ++position;
    VideoRef video;
    if (!video_from_ytdlp(entry, top, video)) {
      result.warnings.push_back("entry " + std::to_string(position) + ": no id or url, skipped");
      continue;
    }
    if (seen.insert({video.platform, video.id}).second) result.videos.push_back(std::move(video));
  }
  keep_first(result, max_videos);
  return result;
}

ListResult parse_json_lines(const std::string& text, int max_videos) {
  ListResult result;
  int number = 0;
  for (const std::string& raw : lines_of(text)) {
    ++number;
    std::string line = trim(raw);
    if (line.empty()) continue;
    auto skip = [&](const std::string& why) {
      result.warnings.push_back("line " + std::to_string(number) + ": " + why + ", skipped");
    };
    json object = json::parse(line, nullptr, false);
    if (object.is_discarded()) {
      skip("not JSON");
      continue;
    }
    if (!object.is_object()) {
      skip("not a JSON object");
      continue;
    }
    VideoRef video;
    video.url = text_of(object, "url");
    if (video.url.empty()) {
      skip("no \"url\"");
      continue;
    }
    video.id = text_of(object, "id");
    if (video.id.empty()) video.id = short_hash(video.url);
    video.platform = text_of(object, "platform");
    if (video.platform.empty()) video.platform = "command";
    video.title = text_of(object, "title");
    video.author = text_of(object, "author");
    auto posted = object.find("posted_at");
    if (posted != object.end() && posted->is_number())
      video.posted_at = iso8601_of_number(*posted);
    else
      video.posted_at = text_of(object, "posted_at");
    add_hashtag_list(video.hashtags, object, "hashtags");
    if (auto stats = object.find("stats"); stats != object.end() && stats->is_object())
      video.stats = stats_from(*stats, "views", "likes", "comments", "shares", "saves");
    result.videos.push_back(std::move(video));
  }
  keep_first(result, max_videos);
  return result;
}

ListResult parse_url_lines(const std::string& text, int max_videos) {
  ListResult result;
  std::set<std::string> seen;
  int number = 0;
  for (const std::string& raw : lines_of(text)) {
    ++number;
    std::string line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    if (!is_http_url(line) || line.find_first_of(" \t") != std::string::npos) {
      result.warnings.push_back("line " + std::to_string(number) + ": not an http(s) URL, skipped");
      continue;
    }
    if (!seen.insert(line).second) continue;
    VideoRef video;
    video.platform = "url";
    video.id = short_hash(line);
    video.url = line;
    video.title = url_file_name(line);
    result.videos.push_back(std::move(video));
  }
  // A list grows at its end: keep the newest lines.
  if (max_videos > 0 && result.videos.size() > static_cast<size_t>(max_videos))
    result.videos.erase(result.videos.begin(),
                        result.videos.end() - static_cast<std::ptrdiff_t>(max_videos));
  return result;
}

ListResult list_ytdlp(const SourceConfig& source, const ListOptions& options) {
  std::vector<std::string> argv{source.ytdlp, "-J", "--flat-playlist", "--no-progress"};
  if (source.max_videos > 0) {
    argv.push_back("--playlist-end");
    argv.push_back(std::to_string(source.max_videos));
  }
  argv.push_back("--");  // the location is never read as an option
  argv.push_back(source.location);
  ProcessResult run = run_listing(source, argv, options);
  if (!run.ok()) fail(source, with_stderr("yt-dlp " + run.describe(source.timeout), run));
  try {
    ListResult result = parse_ytdlp_json(run.out, source.max_videos);
    stamp_source(result, source);
    return result;
  } catch (const std::exception& e) {
    fail(source, e.what());
  }
}

ListResult list_urls(const SourceConfig& source, const ListOptions& options) {
  std::string text;
  if (is_http_url(source.location)) {
    try {
      text =
          http_get_text(source.location, options.max_listing_bytes, source.timeout, options.cancel);
    } catch (const InputError& e) {
      fail(source, e.what());
    }
  } else {
    std::ifstream in(source.location, std::ios::binary);
    if (!in) fail(source, "cannot read " + source.location);
    std::stringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
  }
  ListResult result = parse_url_lines(text, source.max_videos);
  stamp_source(result, source);
  return result;
}

ListResult list_folder(const SourceConfig& source, const ListOptions& options) {
  const fs::path root = source.location;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) fail(source, "no such folder: " + root.string());
  ListResult result;
  struct Found {
    fs::file_time_type mtime;
    VideoRef video;
  };
  std::vector<Found> found;
  const auto now = fs::file_time_type::clock::now();
  auto consider = [&](const fs::directory_entry& entry) {
    std::error_code e;
    const fs::path& path = entry.path();
    if (!entry.is_regular_file(e)) return;
    if (path.filename().string().front() == '.') return;  // hidden, e.g. partial copies
    if (!has_video_extension(path.filename().string())) return;
    auto mtime = entry.last_write_time(e);
    auto size = entry.file_size(e);
    if (e) return;                             // vanished meanwhile
    if (now - mtime < options.settle) return;  // may still be being written
    Found f{mtime, {}};
    fs::path relative = path.lexically_relative(root);
    long long mtime_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(mtime.time_since_epoch()).count();
    f.video.platform = "file";
    // Path, size and time: a file replaced under the same name is a new video.
    f.video.id = short_hash(fs::absolute(path).lexically_normal().string() + "\n" +
                            std::to_string(size) + "\n" + std::to_string(mtime_ns));
    f.video.url = fs::absolute(path).lexically_normal().string();
    f.video.title = relative.string();
    auto system_time = fs::file_time_type::clock::to_sys(mtime);
    f.video.posted_at = iso8601_utc(
        std::chrono::duration_cast<std::chrono::seconds>(system_time.time_since_epoch()).count());
    found.push_back(std::move(f));
  };
  const auto dir_options = fs::directory_options::skip_permission_denied;
  if (source.recursive) {
    for (auto it = fs::recursive_directory_iterator(root, dir_options, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      std::error_code type_error;
      if (it->is_directory(type_error) && it->path().filename().string().front() == '.') {
        it.disable_recursion_pending();
        continue;
      }
      consider(*it);
    }
  } else {
    for (auto it = fs::directory_iterator(root, dir_options, ec);
         !ec && it != fs::directory_iterator(); it.increment(ec))
      consider(*it);
  }
  if (ec) result.warnings.push_back("reading " + root.string() + ": " + ec.message());
  // Newest first, like a feed.
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
    return a.mtime != b.mtime ? a.mtime > b.mtime : a.video.title < b.video.title;
  });
  for (auto& f : found) result.videos.push_back(std::move(f.video));
  keep_first(result, source.max_videos);
  stamp_source(result, source);
  return result;
}

ListResult list_command(const SourceConfig& source, const ListOptions& options) {
  if (source.command.empty()) fail(source, "no command configured");
  ProcessResult run = run_listing(source, source.command, options);
  if (run.timed_out || run.output_too_large)
    fail(source, with_stderr(run.describe(source.timeout), run));
  ListResult result = parse_json_lines(run.out, source.max_videos);
  if (!run.ok()) {
    if (result.videos.empty()) fail(source, with_stderr(run.describe(source.timeout), run));
    result.warnings.push_back(with_stderr(run.describe(source.timeout), run));
  } else if (result.videos.empty() && !result.warnings.empty()) {
    fail(source, "printed no valid line (" + result.warnings.front() + ")");
  }
  stamp_source(result, source);
  return result;
}

namespace {

ListResult list_once(const SourceConfig& source, const ListOptions& options) {
  switch (source.kind) {
    case SourceKind::ytdlp:
      return list_ytdlp(source, options);
    case SourceKind::urls:
      return list_urls(source, options);
    case SourceKind::folder:
      return list_folder(source, options);
    case SourceKind::command:
      return list_command(source, options);
    case SourceKind::tiktok_research:
      return list_tiktok_research(source, options);
    case SourceKind::zeeschuimer:
      return list_zeeschuimer(source, options);
  }
  fail(source, "unknown source kind");
}

}  // namespace

ListResult list_source(const SourceConfig& source, const ListOptions& options) {
  ListResult result = list_once(source, options);
  // The two incremental kinds hand over their videos themselves.
  if (options.on_videos && !result.videos.empty()) {
    options.on_videos(std::move(result.videos));
    result.videos.clear();
  }
  return result;
}

}  // namespace tw::sources
