#include "media/video.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/videoio.hpp>

#include "core/errors.h"

namespace fs = std::filesystem;

namespace tw::media {
namespace {

// 8K: larger frames are refused rather than decoded.
constexpr std::int64_t kMaxFramePixels = 8192ll * 4320;

[[noreturn]] void fail(const fs::path& path, const std::string& reason) {
  throw InputError(path.string(), reason);
}

// FFmpeg prints its own errors ("moov atom not found", ...) to stderr; the
// user gets our one line instead.  OpenCV reads these once, at first use.
void quiet_ffmpeg_logging() {
  static std::once_flag once;
  std::call_once(once, [] {
    ::setenv("OPENCV_FFMPEG_DEBUG", "0", /*overwrite=*/0);
    ::setenv("OPENCV_FFMPEG_LOGLEVEL", "-8", /*overwrite=*/0);  // AV_LOG_QUIET
  });
}

std::vector<unsigned char> read_head(const fs::path& path, size_t count) {
  std::ifstream in(path, std::ios::binary);
  std::vector<unsigned char> head(count);
  in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(count));
  head.resize(static_cast<size_t>(in.gcount()));
  return head;
}

// What the ISO-BMFF box structure (mp4, mov, m4a, 3gp) says, read without
// FFmpeg so that a failed open can be explained.
struct Mp4Facts {
  bool has_moov = false;
  bool box_cut_short = false;  // a top-level box runs past the end of the file
  int video_tracks = 0, audio_tracks = 0, other_tracks = 0;
};

std::uint64_t be(const unsigned char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  return v;
}

// Counts track handler types ('vide', 'soun') inside moov's trak/mdia/hdlr.
void scan_boxes(const std::vector<unsigned char>& data, size_t begin, size_t end, Mp4Facts& facts) {
  size_t at = begin;
  while (at + 8 <= end) {
    std::uint64_t size = be(&data[at], 4);
    std::string type(reinterpret_cast<const char*>(&data[at + 4]), 4);
    size_t header = 8;
    if (size == 1 && at + 16 <= end) {
      size = be(&data[at + 8], 8);
      header = 16;
    } else if (size == 0) {
      size = end - at;
    }
    if (size < header || at + size > end) return;
    if (type == "trak" || type == "mdia") scan_boxes(data, at + header, at + size, facts);
    if (type == "hdlr" && size >= header + 12) {
      std::string handler(reinterpret_cast<const char*>(&data[at + header + 8]), 4);
      if (handler == "vide")
        ++facts.video_tracks;
      else if (handler == "soun")
        ++facts.audio_tracks;
      else
        ++facts.other_tracks;
    }
    at += size;
  }
}

std::optional<Mp4Facts> inspect_mp4(const fs::path& path, std::uint64_t file_size) {
  auto head = read_head(path, 12);
  if (head.size() < 12 || std::memcmp(&head[4], "ftyp", 4) != 0) return std::nullopt;
  Mp4Facts facts;
  std::ifstream in(path, std::ios::binary);
  std::uint64_t at = 0;
  while (at + 8 <= file_size) {
    unsigned char box[16];
    in.seekg(static_cast<std::streamoff>(at));
    in.read(reinterpret_cast<char*>(box), 16);
    if (in.gcount() < 8) break;
    in.clear();
    std::uint64_t size = be(box, 4);
    std::uint64_t header = 8;
    if (size == 1) {
      size = be(box + 8, 8);
      header = 16;
    } else if (size == 0) {
      size = file_size - at;
    }
    if (size < header) break;
    if (at + size > file_size) {
      facts.box_cut_short = true;
      break;
    }
    if (std::memcmp(box + 4, "moov", 4) == 0 && size < (64u << 20)) {
      facts.has_moov = true;
      std::vector<unsigned char> moov(size);
      in.seekg(static_cast<std::streamoff>(at));
      in.read(reinterpret_cast<char*>(moov.data()), static_cast<std::streamsize>(size));
      if (static_cast<std::uint64_t>(in.gcount()) == size)
        scan_boxes(moov, header, moov.size(), facts);
    }
    at += size;
  }
  return facts;
}

bool looks_like_text(const std::vector<unsigned char>& head) {
  if (head.empty()) return false;
  for (unsigned char c : head)
    if (c < 0x09 || (c > 0x0D && c < 0x20 && c != 0x1B) || c == 0x7F) return false;
  return true;
}

bool looks_like_audio_only_format(const std::vector<unsigned char>& h) {
  auto starts = [&](const char* magic, size_t offset = 0) {
    size_t n = std::strlen(magic);
    return h.size() >= offset + n && std::memcmp(&h[offset], magic, n) == 0;
  };
  return starts("ID3") || starts("fLaC") || starts("WAVE", 8) ||
         (h.size() >= 2 && h[0] == 0xFF && (h[1] & 0xE0) == 0xE0);  // MPEG audio frame sync
}

// Why FFmpeg could not open the file, as far as we can tell from its bytes.
std::string explain_open_failure(const fs::path& path, std::uint64_t file_size) {
  if (auto mp4 = inspect_mp4(path, file_size)) {
    if (!mp4->has_moov) return "truncated or corrupt video (no moov atom: the file is incomplete)";
    if (mp4->video_tracks == 0 && mp4->audio_tracks > 0) return "no video stream (audio only)";
    if (mp4->video_tracks == 0) return "zero-length video (no video track)";
    return "corrupt video (FFmpeg cannot open it)";
  }
  auto head = read_head(path, 512);
  if (looks_like_text(head)) return "not a video (the file is text)";
  if (looks_like_audio_only_format(head)) return "no video stream (audio only)";
  return "not a video (unrecognised or unsupported format)";
}

std::string explain_no_frame(const fs::path& path, std::uint64_t file_size, double frame_count) {
  if (auto mp4 = inspect_mp4(path, file_size)) {
    if (mp4->video_tracks == 0 && mp4->audio_tracks > 0) return "no video stream (audio only)";
    if (mp4->video_tracks == 0 || frame_count <= 0) return "zero-length video (no frames)";
    if (mp4->box_cut_short) return "truncated or corrupt video (no frame could be decoded)";
  }
  if (frame_count <= 0) return "zero-length video (no frames)";
  return "no decodable video frame";
}

}  // namespace

struct FrameSampler::Impl {
  fs::path path;
  cv::VideoCapture capture;
  VideoInfo info;
  double sample_period = 0.2;     // seconds between sampling instants
  double frame_period = 0;        // 1 / container fps
  std::int64_t next_instant = 0;  // index k of the next sampling instant k * sample_period
  std::int64_t decoded = 0;       // frames grabbed so far
  bool pending_frame = false;     // a grabbed frame not yet looked at
  bool finished = false;
  bool was_truncated = false;
  bool container_cut_short = false;
  double last_time = -1;

  // The current (last grabbed) frame's time: the stream timestamp while it
  // keeps increasing sensibly, else one frame period after the last one.
  double current_time() {
    double by_count = last_time < 0 ? 0.0 : last_time + frame_period;
    double pts = capture.get(cv::CAP_PROP_POS_MSEC) / 1000.0;
    bool reliable = std::isfinite(pts) && pts >= 0 &&
                    (last_time < 0 ? pts < 1.0 : (pts > last_time && pts - last_time < 5.0));
    last_time = reliable ? pts : by_count;
    return last_time;
  }

  bool grab() {
    if (!capture.grab()) return false;
    ++decoded;
    return true;
  }

  void finish() {
    finished = true;
    // A stream that stops well short of the length its container declares
    // broke off (cut file or corrupt data) rather than ended.
    double expected = static_cast<double>(info.frames);
    bool short_of_count =
        expected > 0 && static_cast<double>(decoded) + std::max(2.0, 0.02 * expected) < expected;
    was_truncated = short_of_count || container_cut_short;
    if (info.duration <= 0 && last_time >= 0) info.duration = last_time + frame_period;
    capture.release();
  }
};

FrameSampler::FrameSampler(const fs::path& path, double sample_fps)
    : impl_(std::make_unique<Impl>()) {
  auto& d = *impl_;
  d.path = path;
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (!fs::exists(status)) fail(path, "does not exist");
  if (fs::is_directory(status)) fail(path, "is a directory, not a video file");
  if (!fs::is_regular_file(status)) fail(path, "is not a regular file");
  std::uint64_t file_size = fs::file_size(path, ec);
  if (ec) fail(path, "cannot read the file size (" + ec.message() + ")");
  if (file_size == 0) fail(path, "is an empty file (0 bytes)");
  {
    std::ifstream probe(path, std::ios::binary);
    if (!probe) fail(path, "cannot read the file (" + std::string(std::strerror(errno)) + ")");
  }
  if (!(sample_fps > 0) || !std::isfinite(sample_fps))
    throw std::invalid_argument("FrameSampler: sample_fps must be positive");
  d.sample_period = 1.0 / sample_fps;

  quiet_ffmpeg_logging();
  // An absolute path, so FFmpeg never reads a name like "http:x" as a protocol.
  if (!d.capture.open(fs::absolute(path).string(), cv::CAP_FFMPEG))
    fail(path, explain_open_failure(path, file_size));

  d.info.width = static_cast<int>(d.capture.get(cv::CAP_PROP_FRAME_WIDTH));
  d.info.height = static_cast<int>(d.capture.get(cv::CAP_PROP_FRAME_HEIGHT));
  d.info.fps = d.capture.get(cv::CAP_PROP_FPS);
  double count = d.capture.get(cv::CAP_PROP_FRAME_COUNT);
  d.info.frames =
      std::isfinite(count) && count > 0 ? static_cast<std::int64_t>(std::llround(count)) : 0;
  if (!std::isfinite(d.info.fps) || d.info.fps <= 0 || d.info.fps > 1000)
    d.info.fps = 25;  // a guess, said nowhere
  d.frame_period = 1.0 / d.info.fps;
  d.info.duration = d.info.frames > 0 ? static_cast<double>(d.info.frames) / d.info.fps : 0;
  if (auto mp4 = inspect_mp4(path, file_size)) d.container_cut_short = mp4->box_cut_short;

  if (std::int64_t(d.info.width) * d.info.height > kMaxFramePixels)
    fail(path, "video frames too large (" + std::to_string(d.info.width) + "x" +
                   std::to_string(d.info.height) + "; the limit is 8192x4320)");
  // A video whose first frame cannot be decoded is bad input, not an empty result.
  if (d.info.width <= 0 || d.info.height <= 0 || !d.grab())
    fail(path, explain_no_frame(path, file_size, count));
  d.pending_frame = true;
}

FrameSampler::~FrameSampler() = default;
FrameSampler::FrameSampler(FrameSampler&&) noexcept = default;

const VideoInfo& FrameSampler::info() const {
  return impl_->info;
}
bool FrameSampler::truncated() const {
  return impl_->was_truncated;
}
std::int64_t FrameSampler::frames_decoded() const {
  return impl_->decoded;
}

bool FrameSampler::next(SampledFrame& out) {
  auto& d = *impl_;
  while (!d.finished) {
    if (!d.pending_frame && !d.grab()) {
      d.finish();
      break;
    }
    d.pending_frame = false;
    double time = d.current_time();
    // Keep this frame for instant s if it is the frame nearest s: the next
    // frame (one period later) would be further away.
    double half_frame = 0.5 * d.frame_period;
    double instant = static_cast<double>(d.next_instant) * d.sample_period;
    if (instant >= time + half_frame) continue;
    while (static_cast<double>(d.next_instant) * d.sample_period < time + half_frame)
      ++d.next_instant;
    if (!d.capture.retrieve(out.bgr)) {
      d.finish();
      d.was_truncated = true;
      break;
    }
    out.time = time;
    out.index = d.decoded - 1;
    return true;
  }
  return false;
}

}  // namespace tw::media
