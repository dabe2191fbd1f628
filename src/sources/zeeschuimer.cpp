#include "sources/zeeschuimer.h"

#include <sys/stat.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>

#include "core/errors.h"
#include "core/hash.h"
#include "sources/json_fields.h"
#include "sources/url_text.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace tw::sources {

namespace {

constexpr std::size_t kChunkBytes = 1u << 20;
constexpr std::size_t kMaxLineBytes = 64u << 20;  // a TikTok item is a few KiB
constexpr std::size_t kHeadBytes = 4096;          // hashed to notice a rewritten file
constexpr std::size_t kHandOverEvery = 500;       // videos per hand-over within a file
constexpr std::size_t kMaxLineWarnings = 100;

bool is_tiktok_platform(const std::string& platform) {
  const std::string p = ascii_lower(platform);
  return p == "tiktok.com" || p == "tiktok" || p == "www.tiktok.com";
}

// A media URL given as a string, or as {"UrlList": [...]} (TikTok's newer shape).
std::string media_url_of(const json& video, const char* key) {
  auto it = video.find(key);
  if (it == video.end()) return {};
  std::string url;
  if (it->is_string()) {
    url = it->get<std::string>();
  } else if (it->is_object()) {
    for (const char* list_key : {"UrlList", "url_list"}) {
      auto list = it->find(list_key);
      if (list != it->end() && list->is_array() && !list->empty() && list->front().is_string()) {
        url = list->front().get<std::string>();
        break;
      }
    }
  }
  return is_http_url(url) ? url : std::string();
}

std::optional<VideoStats> stats_of(const json& item, std::int64_t observed_at) {
  const json* stats = nullptr;
  const json* stats_v2 = nullptr;  // the same figures as strings, in newer items
  if (auto it = item.find("stats"); it != item.end() && it->is_object()) stats = &*it;
  if (auto it = item.find("statsV2"); it != item.end() && it->is_object()) stats_v2 = &*it;
  auto figure = [&](const char* key) -> std::optional<std::int64_t> {
    std::optional<std::int64_t> value;
    if (stats) value = count_of(*stats, key);
    if (!value && stats_v2) value = count_of(*stats_v2, key);
    return value;
  };
  VideoStats result;
  result.views = figure("playCount");
  result.likes = figure("diggCount");
  result.comments = figure("commentCount");
  result.shares = figure("shareCount");
  result.saves = figure("collectCount");
  result.observed_at = observed_at;
  if (result.empty()) return std::nullopt;
  return result;
}

// "line 1, column 12: syntax error ..." -> "column 12: syntax error ...": it is one line.
std::string without_line(std::string why) {
  if (why.rfind("line 1, ", 0) == 0) why.erase(0, 8);
  return why;
}

// What the state keeps for one file.
struct FileMark {
  std::uint64_t inode = 0;
  std::uint64_t offset = 0;  // bytes read (after the last line taken)
  std::int64_t line = 0;     // lines read
  std::string head;          // hash of the first min(offset, kHeadBytes) bytes
  bool open_tail = false;    // the last line taken had no newline yet

  json to_json() const {
    return {{"inode", inode},
            {"offset", offset},
            {"line", line},
            {"head", head},
            {"open_tail", open_tail}};
  }
  static FileMark from_json(const json& j) {
    FileMark mark;
    if (!j.is_object()) return mark;
    mark.inode = static_cast<std::uint64_t>(count_of(j, "inode").value_or(0));
    mark.offset = static_cast<std::uint64_t>(count_of(j, "offset").value_or(0));
    mark.line = count_of(j, "line").value_or(0);
    mark.head = text_of(j, "head");
    auto tail = j.find("open_tail");
    mark.open_tail = tail != j.end() && tail->is_boolean() && tail->get<bool>();
    return mark;
  }
};

std::string head_hash(std::ifstream& in, std::uint64_t bytes) {
  std::string head(static_cast<size_t>(std::min<std::uint64_t>(bytes, kHeadBytes)), '\0');
  in.clear();
  in.seekg(0);
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  return sha256_hex(head).substr(0, 16);
}

// Reads the export files of one call, keeping the state and the counts.
class Reader {
 public:
  explicit Reader(const ZeeschuimerOptions& options) : options_(options) {
    json state = json::parse(options.state.empty() ? "{}" : options.state, nullptr, false);
    state_ = state.is_object() ? state : json::object();
    if (!state_.contains("files") || !state_["files"].is_object()) state_["files"] = json::object();
  }

  bool full() const {
    return options_.max_videos > 0 && read_.counts.videos >= options_.max_videos;
  }

  // Reads what is new in one file; `key` names it in the state.
  void read_file(const fs::path& path, const std::string& key) {
    if (full()) return;
    const std::string shown = path.string();
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
      read_.unreadable.push_back(shown + ": cannot read it (" + std::strerror(errno) + ")");
      return;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      read_.unreadable.push_back(shown + ": cannot read it (" + std::strerror(errno) + ")");
      return;
    }
    FileMark mark = FileMark::from_json(state_["files"].value(key, json()));
    const auto size = static_cast<std::uint64_t>(info.st_size);
    const auto inode = static_cast<std::uint64_t>(info.st_ino);
    if (mark.offset > 0 &&
        (mark.inode != inode || size < mark.offset || head_hash(in, mark.offset) != mark.head)) {
      read_.listed.warnings.push_back(shown +
                                      ": replaced or truncated since the last read: read again "
                                      "from the top");
      mark = FileMark{};
    }
    mark.inode = inode;
    in.clear();
    in.seekg(static_cast<std::streamoff>(mark.offset));

    std::string pending;    // the line being put together
    bool skipping = false;  // inside a line too long to keep
    bool at_end = false;
    bool first_byte = true;
    std::uint64_t position = mark.offset;
    std::vector<char> chunk(kChunkBytes);
    while (!full() && !at_end) {
      in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      const size_t got = static_cast<size_t>(in.gcount());
      at_end = !in;
      for (size_t i = 0; i < got && !full();) {
        if (first_byte && mark.open_tail && chunk[i] == '\n') {
          // The newline of a last line taken whole before it came.
          ++i;
          mark.offset = ++position;
        }
        first_byte = false;
        mark.open_tail = false;
        const void* found = std::memchr(chunk.data() + i, '\n', got - i);
        const size_t end =
            found ? static_cast<size_t>(static_cast<const char*>(found) - chunk.data()) : got;
        if (!skipping) {
          pending.append(chunk.data() + i, end - i);
          if (pending.size() > kMaxLineBytes) {
            skipping = true;
            std::string().swap(pending);
          }
        }
        position += end - i;
        i = end;
        if (!found) break;
        ++i;
        ++position;
        ++mark.line;
        if (skipping)
          bad_line(shown, mark.line, "longer than 64 MiB, skipped");
        else
          take(shown, mark.line, pending);
        skipping = false;
        pending.clear();
        mark.offset = position;
        if (batch_.size() >= kHandOverEvery) hand_over(key, mark, in);
      }
    }
    // A last line without its newline is still being written, unless it
    // is already a whole JSON object (an export that does not end in one).
    if (at_end && !full() && !skipping && !pending.empty() &&
        parse_json_exact(pending).is_object()) {
      ++mark.line;
      take(shown, mark.line, pending);
      mark.offset = position;
      mark.open_tail = true;
    }
    hand_over(key, mark, in);
  }

  // Forgets files of the state that are not there any more.
  void keep_only(const std::set<std::string>& keys) {
    json& files = state_["files"];
    for (auto it = files.begin(); it != files.end();)
      it = keys.count(it.key()) ? std::next(it) : files.erase(it);
  }

  ZeeschuimerRead finish() {
    if (read_.counts.comments > 0)
      read_.listed.warnings.push_back(std::to_string(read_.counts.comments) +
                                      " comment records (tiktok-comments) skipped");
    if (read_.counts.other_platforms > 0)
      read_.listed.warnings.push_back(std::to_string(read_.counts.other_platforms) +
                                      " records of other platforms skipped (" +
                                      join(other_platforms_) + ")");
    if (dropped_warnings_ > 0)
      read_.listed.warnings.push_back("... and " + std::to_string(dropped_warnings_) +
                                      " more bad lines");
    return std::move(read_);
  }

  std::string state_text() const { return state_.dump(); }

 private:
  static std::string join(const std::set<std::string>& names) {
    std::string out;
    for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
    return out;
  }

  void bad_line(const std::string& file, std::int64_t line, const std::string& reason) {
    ++read_.counts.invalid;
    if (line_warnings_ < kMaxLineWarnings) {
      ++line_warnings_;
      read_.listed.warnings.push_back(file + ":" + std::to_string(line) + ": " + reason);
    } else {
      ++dropped_warnings_;
    }
  }

  void take(const std::string& file, std::int64_t line, const std::string& text) {
    ++read_.counts.lines;
    ZeeschuimerRecord record = parse_zeeschuimer_line(text);
    switch (record.kind) {
      case ZeeschuimerRecord::Kind::blank:
        return;
      case ZeeschuimerRecord::Kind::comment:
        ++read_.counts.comments;
        return;
      case ZeeschuimerRecord::Kind::other_platform:
        ++read_.counts.other_platforms;
        if (other_platforms_.size() < 5) other_platforms_.insert(record.platform.substr(0, 40));
        return;
      case ZeeschuimerRecord::Kind::invalid:
        bad_line(file, line, record.reason);
        return;
      case ZeeschuimerRecord::Kind::video:
        break;
    }
    const std::int64_t observed = record.video.stats ? record.video.stats->observed_at : 0;
    if (!seen_.insert({record.video.id, observed}).second) {
      ++read_.counts.duplicates;
      return;
    }
    if (record.is_ad) ++read_.counts.ads;
    VideoRef& video = record.video;
    video.source = options_.source_name;
    if (video.stats) video.stats->source = options_.source_name;
    if (!options_.keep_media_urls) video.media_url.clear();
    batch_.push_back(std::move(video));
    ++read_.counts.videos;
  }

  // Hands the videos read so far over, then records how far the file was read.
  void hand_over(const std::string& key, FileMark& mark, std::ifstream& in) {
    if (!batch_.empty()) {
      if (options_.on_videos) {
        options_.on_videos(std::move(batch_));
      } else {
        for (auto& v : batch_) read_.listed.videos.push_back(std::move(v));
      }
      batch_.clear();
    }
    // The head hash is taken from the file as it is now: the reading
    // position is restored afterwards.
    const auto resume_at = in.tellg();
    mark.head = mark.offset > 0 ? head_hash(in, mark.offset) : std::string();
    in.clear();
    if (resume_at >= 0) in.seekg(resume_at);
    state_["files"][key] = mark.to_json();
    if (options_.save_state) options_.save_state(state_.dump());
  }

  const ZeeschuimerOptions& options_;
  json state_;
  ZeeschuimerRead read_;
  std::vector<VideoRef> batch_;
  std::set<std::pair<std::string, std::int64_t>> seen_;
  std::set<std::string> other_platforms_;
  size_t line_warnings_ = 0;
  std::int64_t dropped_warnings_ = 0;
};

bool is_export_file(const fs::directory_entry& entry) {
  std::error_code ec;
  const std::string name = entry.path().filename().string();
  if (name.empty() || name.front() == '.' || !entry.is_regular_file(ec)) return false;
  return ascii_lower(entry.path().extension().string()) == ".ndjson";
}

}  // namespace

std::string tiktok_page_url(const std::string& author, const std::string& id) {
  return "https://www.tiktok.com/@" + author + "/video/" + id;
}

ZeeschuimerRecord parse_zeeschuimer_line(std::string_view line) {
  ZeeschuimerRecord record;
  std::string text(line);
  text.erase(std::remove(text.begin(), text.end(), '\0'), text.end());  // as 4CAT does
  const size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) {
    record.kind = ZeeschuimerRecord::Kind::blank;
    return record;
  }
  auto invalid = [&](const std::string& reason) {
    record.kind = ZeeschuimerRecord::Kind::invalid;
    record.reason = reason;
    return record;
  };
  std::string why;
  json object = parse_json_exact(text, &why);
  if (object.is_discarded()) return invalid("not JSON (" + without_line(why) + ")");
  if (!object.is_object()) return invalid("not a JSON object");

  record.platform = text_of(object, "source_platform");
  const json* item = &object;
  if (auto data = object.find("data"); data != object.end()) {
    if (!data->is_object()) return invalid("\"data\" is not an object");
    item = &*data;
  } else if (!object.contains("desc") && !object.contains("createTime") &&
             !object.contains("author") && !object.contains("video")) {
    return invalid("no \"data\" item");
  }
  const std::string platform = ascii_lower(record.platform);
  if (platform == "tiktok-comments" || (platform.empty() && item->contains("cid"))) {
    record.kind = ZeeschuimerRecord::Kind::comment;
    return record;
  }
  if (!platform.empty() && !is_tiktok_platform(platform)) {
    record.kind = ZeeschuimerRecord::Kind::other_platform;
    return record;
  }

  auto id_field = item->find("id");
  json id_value = id_field != item->end() ? *id_field : json();
  if (id_value.is_null() || (id_value.is_string() && id_value.get<std::string>().empty()))
    id_value = object.value("item_id", json());
  if (id_value.is_null()) return invalid("no item id");
  auto id = exact_id(id_value, &why);
  if (!id) return invalid(why);

  VideoRef& video = record.video;
  video.platform = "tiktok";
  video.id = *id;
  if (auto author = item->find("author"); author != item->end()) {
    if (author->is_object())
      video.author = first_text(*author, {"uniqueId", "unique_id"});
    else if (author->is_string())
      video.author = author->get<std::string>();
  }
  video.url = tiktok_page_url(video.author, video.id);
  video.title = text_of(*item, "desc");
  if (auto created = count_of(*item, "createTime")) video.posted_at = iso8601_utc(*created);
  video.stats = stats_of(*item, count_of(object, "timestamp_collected").value_or(0));
  for (const char* list_key : {"textExtra", "challenges"}) {
    auto list = item->find(list_key);
    if (list == item->end() || !list->is_array()) continue;
    const char* name_key = std::string_view(list_key) == "textExtra" ? "hashtagName" : "title";
    for (const json& entry : *list) add_hashtag(video.hashtags, text_of(entry, name_key));
  }
  if (auto music = item->find("music"); music != item->end() && music->is_object()) {
    video.music_id = text_of(*music, "id");
    video.music_title = text_of(*music, "title");
  }
  if (auto media = item->find("video"); media != item->end() && media->is_object()) {
    if (auto duration = number_of(*media, "duration"); duration && *duration > 0)
      video.duration = duration;
    video.media_url = media_url_of(*media, "playAddr");
    if (video.media_url.empty()) video.media_url = media_url_of(*media, "downloadAddr");
  }
  auto ad = item->find("isAd");
  record.is_ad = ad != item->end() && ad->is_boolean() && ad->get<bool>();
  record.kind = ZeeschuimerRecord::Kind::video;
  return record;
}

ZeeschuimerRead read_zeeschuimer(const fs::path& location, const ZeeschuimerOptions& options) {
  Reader reader(options);
  std::error_code ec;
  if (fs::is_directory(location, ec)) {
    struct Found {
      fs::file_time_type mtime;
      fs::path path;
    };
    std::vector<Found> found;
    for (auto it =
             fs::directory_iterator(location, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::directory_iterator(); it.increment(ec)) {
      if (!is_export_file(*it)) continue;
      std::error_code time_error;
      auto mtime = it->last_write_time(time_error);
      if (!time_error) found.push_back({mtime, it->path()});
    }
    // Oldest first: the order they were captured in.
    std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
      return a.mtime != b.mtime ? a.mtime < b.mtime : a.path < b.path;
    });
    std::set<std::string> keys;
    for (const Found& f : found) keys.insert(f.path.filename().string());
    reader.keep_only(keys);
    for (const Found& f : found) reader.read_file(f.path, f.path.filename().string());
    ZeeschuimerRead read = reader.finish();
    if (ec) read.unreadable.push_back(location.string() + ": " + ec.message());
    return read;
  }
  const std::string key = location.filename().string();
  reader.keep_only({key});
  reader.read_file(location, key);
  return reader.finish();
}

ListResult list_zeeschuimer(const SourceConfig& source, const ListOptions& options) {
  std::error_code ec;
  const fs::path location = source.location;
  if (location.empty()) throw InputError("source " + source.name, "no location set");
  if (!fs::exists(location, ec))
    throw InputError("source " + source.name, "no such file or folder: " + location.string());
  MemoryLedger own_ledger;
  SourceLedger& ledger = options.ledger ? *options.ledger : own_ledger;
  ZeeschuimerOptions read_options;
  read_options.source_name = source.name;
  read_options.max_videos = source.max_videos;
  read_options.keep_media_urls = source.download_media;
  read_options.state = ledger.load_state();
  read_options.on_videos = options.on_videos;
  read_options.save_state = [&ledger](const std::string& state) { ledger.save_state(state); };
  ZeeschuimerRead read = read_zeeschuimer(location, read_options);
  if (!read.unreadable.empty()) {
    if (!fs::is_directory(location, ec))
      throw InputError("source " + source.name, read.unreadable.front());
    for (const auto& problem : read.unreadable) read.listed.warnings.push_back(problem);
  }
  return std::move(read.listed);
}

}  // namespace tw::sources
