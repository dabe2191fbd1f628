#include "sources/fetch.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <random>
#include <system_error>
#include <vector>

#include "core/errors.h"
#include "core/hash.h"
#include "sources/process.h"
#include "sources/transfer.h"
#include "sources/url_text.h"

namespace fs = std::filesystem;

namespace tw::sources {

namespace {

constexpr const char* kPartMarker = ".part-";
constexpr const char* kYtdlpDirPrefix = ".ytdlp-";

// Letters, digits, '-', '_' and '.' only, at most max_len characters.
std::string safe_name(const std::string& text, size_t max_len) {
  std::string out;
  for (char c : text) {
    if (out.size() >= max_len) break;
    out +=
        (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') ? c : '_';
  }
  while (!out.empty() && out.front() == '.') out.erase(0, 1);
  return out;
}

// ".mp4" from "clip.MP4"; ".video" when the name has no usable extension.
std::string extension_of(const std::string& file_name) {
  size_t dot = file_name.find_last_of('.');
  if (dot != std::string::npos) {
    std::string ext = ascii_lower(file_name.substr(dot));
    if (ext.size() >= 2 && ext.size() <= 6 &&
        std::all_of(ext.begin() + 1, ext.end(), [](unsigned char c) { return std::isalnum(c); }))
      return ext;
  }
  return ".video";
}

std::string random_suffix() {
  static std::mutex mutex;
  static std::mt19937_64 engine{std::random_device{}()};
  std::lock_guard lock(mutex);
  static const char digits[] = "0123456789abcdef";
  std::string out;
  auto value = engine();
  for (int i = 0; i < 12; ++i, value >>= 4) out += digits[value & 15];
  return out;
}

// Downloads url to final_path through a temporary file in the same folder.
void download_to(const std::string& url, const fs::path& final_path, const FetchLimits& limits) {
  const fs::path dir = final_path.parent_path();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw InputError(url, "cannot create " + dir.string() + ": " + ec.message());
  std::string pattern =
      (dir / ("." + final_path.filename().string() + kPartMarker + "XXXXXX")).string();
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) throw InputError(url, write_failure(errno, dir));
  const fs::path temp(name.data());
  ::fchmod(fd, 0644);
  TransferSink sink;
  sink.fd = fd;
  try {
    transfer(url, sink, limits, dir);
  } catch (...) {
    ::close(fd);
    fs::remove(temp, ec);
    throw;
  }
  // Errors of delayed allocation (a full disk) can first show here.
  int sync_error = ::fsync(fd) == 0 ? 0 : errno;
  int close_error = ::close(fd) == 0 ? 0 : errno;
  if (sync_error == EINVAL) sync_error = 0;  // a file system without fsync
  if (sync_error || close_error) {
    fs::remove(temp, ec);
    throw InputError(url, write_failure(sync_error ? sync_error : close_error, dir));
  }
  fs::rename(temp, final_path, ec);
  if (ec) {
    fs::remove(temp, ec);
    throw InputError(url, "cannot move the download into place: " + ec.message());
  }
}

bool is_partial_name(const std::string& name) {
  return !name.empty() && name.front() == '.' &&
         (name.find(kPartMarker) != std::string::npos || name.rfind(kYtdlpDirPrefix, 0) == 0);
}

// The cached file stem.*, if a complete one is there.
std::optional<fs::path> cached(const fs::path& dir, const std::string& stem) {
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.rfind(stem + ".", 0) == 0 && it->is_regular_file(ec)) return it->path();
  }
  return std::nullopt;
}

fs::path download_with_ytdlp(const std::string& url, const fs::path& dir, const std::string& stem,
                             const FetchLimits& limits) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw InputError(url, "cannot create " + dir.string() + ": " + ec.message());
  // yt-dlp writes .part files and picks the extension itself: let it work in
  // a private folder and move the finished file into place.
  const fs::path work = dir / (kYtdlpDirPrefix + stem + "-" + random_suffix());
  fs::create_directories(work, ec);
  if (ec) throw InputError(url, write_failure(ec.value(), dir));
  struct Cleanup {
    fs::path path;
    ~Cleanup() {
      std::error_code ignored;
      fs::remove_all(path, ignored);
    }
  } cleanup{work};
  const long long socket_timeout = std::max<long long>(1, limits.connect_timeout.count() / 1000);
  std::vector<std::string> argv{limits.ytdlp,
                                "--no-progress",
                                "--no-playlist",
                                "--no-mtime",
                                "--no-cache-dir",
                                "--max-filesize",
                                std::to_string(limits.max_bytes),
                                "--socket-timeout",
                                std::to_string(socket_timeout),
                                "-f",
                                "b/bv*+ba",
                                "-o",
                                (work / "video.%(ext)s").string(),
                                "--",
                                url};
  ProcessOptions options;
  options.timeout = limits.total_timeout;
  options.max_output = 1024 * 1024;
  options.cancel = limits.cancel;
  ProcessResult run;
  try {
    run = run_process(argv, options);
  } catch (const std::system_error& e) {
    throw InputError(url, "cannot run '" + limits.ytdlp + "': " + e.code().message());
  }
  if (run.cancelled) throw Cancelled(url);
  if (!run.ok()) {
    std::string line = run.last_error_line();
    std::string reason = "yt-dlp " + run.describe(limits.total_timeout);
    if (line.find("No space left") != std::string::npos)
      reason = write_failure(ENOSPC, dir);
    else if (!line.empty())
      reason += ": " + line;
    throw InputError(url, reason);
  }
  std::optional<fs::path> produced;
  for (auto it = fs::directory_iterator(work, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.rfind("video.", 0) == 0 && it->path().extension() != ".part" &&
        it->path().extension() != ".ytdl" && it->is_regular_file())
      produced = it->path();
  }
  if (!produced) {
    if ((run.out + run.err).find("larger than max-filesize") != std::string::npos)
      throw InputError(url, "larger than the size limit of " + bytes_text(limits.max_bytes));
    throw InputError(url, "yt-dlp finished without writing a video");
  }
  if (fs::file_size(*produced, ec) > limits.max_bytes)
    throw InputError(url, "larger than the size limit of " + bytes_text(limits.max_bytes));
  fs::path final_path = dir / (stem + extension_of(produced->filename().string()));
  fs::rename(*produced, final_path, ec);
  if (ec) throw InputError(url, "cannot move the download into place: " + ec.message());
  return final_path;
}

}  // namespace

FetchLimits FetchLimits::from(const ScanConfig& scan) {
  FetchLimits limits;
  limits.max_bytes = scan.max_video_bytes;
  limits.total_timeout = scan.download_timeout;
  return limits;
}

FetchLimits FetchLimits::from(const ScanConfig& scan, const SourceConfig& source) {
  FetchLimits limits = from(scan);
  limits.ytdlp = source.ytdlp;
  return limits;
}

FetchMethod fetch_method(const VideoRef& video) {
  if (!is_http_url(video.url)) return FetchMethod::local;
  if (video.platform == "url") return FetchMethod::http;
  if (has_video_extension(url_file_name(video.url))) return FetchMethod::http;
  return FetchMethod::ytdlp;
}

fs::path download_url(const std::string& url, const fs::path& dir, const FetchLimits& limits) {
  if (!is_http_url(url)) throw InputError(url, "not an http(s) URL");
  const std::string file = url_file_name(url);
  std::string base = safe_name(fs::path(file).stem().string(), 60);
  std::string name =
      sha256_hex(url).substr(0, 16) + (base.empty() ? "" : "-" + base) + extension_of(file);
  fs::path final_path = dir / name;
  download_to(url, final_path, limits);
  return final_path;
}

FetchOutcome fetch(const VideoRef& video, const fs::path& cache_dir, const FetchLimits& limits) {
  FetchOutcome outcome;
  outcome.method = fetch_method(video);
  if (outcome.method == FetchMethod::local) {
    fs::path path =
        video.url.rfind("file://", 0) == 0 ? fs::path(video.url.substr(7)) : fs::path(video.url);
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) throw InputError(path.string(), "no such file");
    outcome.file = path;
    return outcome;
  }
  const std::string stem = safe_name(video.platform.empty() ? "video" : video.platform, 20) + "-" +
                           sha256_hex(video.platform + "\n" + video.id).substr(0, 20);
  if (auto hit = cached(cache_dir, stem)) {
    std::error_code ec;
    fs::last_write_time(*hit, fs::file_time_type::clock::now(), ec);  // recently used: trimmed last
    outcome.file = *hit;
    outcome.cached = true;
    return outcome;
  }
  if (is_http_url(video.media_url)) {
    // Signed media URLs have no extension; TikTok's are MP4.
    std::string extension = extension_of(url_file_name(video.media_url));
    if (extension == ".video") extension = ".mp4";
    fs::path final_path = cache_dir / (stem + extension);
    try {
      download_to(video.media_url, final_path, limits);
      outcome.file = final_path;
      outcome.method = FetchMethod::http;
      outcome.from_media_url = true;
      return outcome;
    } catch (const InputError& e) {  // the media URL itself stays out of messages: it is long
      outcome.media_url_failure = "the media URL failed: " + e.reason();
    }
  }
  try {
    if (outcome.method == FetchMethod::ytdlp) {
      outcome.file = download_with_ytdlp(video.url, cache_dir, stem, limits);
    } else {
      outcome.file = cache_dir / (stem + extension_of(url_file_name(video.url)));
      download_to(video.url, outcome.file, limits);
    }
  } catch (const InputError& e) {
    if (outcome.media_url_failure.empty()) throw;
    throw InputError(e.input(), e.reason() + " (tried after " + outcome.media_url_failure + ")");
  }
  return outcome;
}

fs::path fetch_video(const VideoRef& video, const fs::path& cache_dir, const FetchLimits& limits) {
  return fetch(video, cache_dir, limits).file;
}

std::string http_get_text(const std::string& url, std::size_t max_bytes,
                          std::chrono::milliseconds timeout, const CancelFlag* cancel) {
  if (!is_http_url(url)) throw InputError(url, "not an http(s) URL");
  FetchLimits limits;
  limits.max_bytes = max_bytes;
  limits.total_timeout = timeout;
  limits.connect_timeout = std::min(timeout, limits.connect_timeout);
  limits.low_speed_time = std::min(timeout, limits.low_speed_time);
  limits.cancel = cancel;
  std::string body;
  TransferSink sink;
  sink.memory = &body;
  transfer(url, sink, limits, {});
  return body;
}

int remove_partial_downloads(const fs::path& cache_dir) {
  int removed = 0;
  std::error_code ec;
  std::vector<fs::path> doomed;
  for (auto it = fs::directory_iterator(cache_dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec))
    if (is_partial_name(it->path().filename().string())) doomed.push_back(it->path());
  for (const auto& path : doomed)
    if (fs::remove_all(path, ec) > 0 && !ec) ++removed;
  return removed;
}

int trim_cache(const fs::path& cache_dir, std::uint64_t max_bytes) {
  struct Entry {
    fs::path path;
    fs::file_time_type mtime;
    std::uint64_t size;
  };
  std::vector<Entry> entries;
  std::uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::directory_iterator(cache_dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    std::error_code e;
    if (!it->is_regular_file(e) || is_partial_name(it->path().filename().string())) continue;
    Entry entry{it->path(), it->last_write_time(e), it->file_size(e)};
    if (e) continue;
    total += entry.size;
    entries.push_back(std::move(entry));
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.mtime < b.mtime; });
  int removed = 0;
  for (const auto& entry : entries) {
    if (total <= max_bytes) break;
    if (fs::remove(entry.path, ec)) {
      total -= entry.size;
      ++removed;
    }
  }
  return removed;
}

}  // namespace tw::sources
