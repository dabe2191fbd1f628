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

#include <opencv2/core.hpp>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/log.h>
#include <libswscale/swscale.h>
}

#include "core/errors.h"

namespace fs = std::filesystem;

namespace tw::media {
namespace {

// 8K: larger frames are refused rather than decoded.
constexpr std::int64_t kMaxFramePixels = 8192ll * 4320;

[[noreturn]] void fail(const fs::path& path, const std::string& reason) {
  throw InputError(path.string(), reason);
}

// Once per process, before libav reads a file:
// - FFmpeg prints its own errors ("moov atom not found", ...) to stderr; the
//   user gets our one line instead.  OpenCV reads these once, at first use.
// - libav's allocations are bounded per block (kMaxLibavBlock, video.h): a
//   crafted container's tables made avformat_open_input ask for 1.4 GB at
//   once (fuzz finding, docs/fuzzing.md); an 8K frame needs under 60 MB.
void configure_libav() {
  static std::once_flag once;
  std::call_once(once, [] {
    av_log_set_level(AV_LOG_QUIET);
    // OpenCV's FFmpeg capture, if anything in the process uses it, installs
    // its own log callback with its own level.
    ::setenv("OPENCV_FFMPEG_LOGLEVEL", "-8", /*overwrite=*/0);
    av_max_alloc(kMaxLibavBlock);
  });
}

// libav answers ENOMEM when a block would pass kMaxLibavBlock: the file
// declares tables or packets no real video has.
const std::string kTooMuchMemory = "corrupt or crafted video (it asks for more than " +
                                   std::to_string(kMaxLibavBlock >> 20) + " MiB of memory at once)";

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
    // size > end - at, not at + size > end: a 64-bit size near 2^64 wraps
    // the sum round to a small number, and the walk went back and round.
    if (size < header || size > end - at) return;
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
    if (size > file_size - at) {  // not at + size: that wraps for sizes near 2^64
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

// The libav objects of one open video, freed in any case.
struct Decoder {
  AVFormatContext* format = nullptr;
  AVCodecContext* codec = nullptr;
  AVPacket* packet = nullptr;
  AVFrame* frame = nullptr;
  SwsContext* converter = nullptr;
  int stream = -1;

  ~Decoder() {
    sws_freeContext(converter);
    av_frame_free(&frame);
    av_packet_free(&packet);
    avcodec_free_context(&codec);
    avformat_close_input(&format);
  }
};

struct FrameSampler::Impl {
  fs::path path;
  Decoder d;
  VideoInfo info;
  double sample_period = 0.2;  // seconds between sampling instants
  double frame_period = 0;     // 1 / container fps
  double time_base = 0;        // seconds per stream timestamp unit
  std::int64_t start_pts = AV_NOPTS_VALUE;
  int rotation = 0;               // clockwise degrees the frames are turned by
  std::int64_t next_instant = 0;  // index k of the next sampling instant k * sample_period
  std::int64_t read = 0;          // frames read: decoded, or skipped as not sampled
  bool pending_frame = false;     // a decoded frame not yet looked at
  bool draining = false;          // the file is read; the decoder gives what it holds
  bool finished = false;
  bool was_truncated = false;
  bool read_error = false;  // reading stopped on an error, not at the end
  bool container_cut_short = false;
  double last_time = -1;

  // In double: the difference of two stream timestamps a file chose may
  // overflow std::int64_t.
  double seconds_of(std::int64_t pts) const {
    const double start = start_pts == AV_NOPTS_VALUE ? 0.0 : static_cast<double>(start_pts);
    return (static_cast<double>(pts) - start) * time_base;
  }

  // The current (last decoded) frame's time: the stream timestamp while it
  // keeps increasing sensibly, else one frame period after the last one.
  double current_time() {
    double by_count = last_time < 0 ? 0.0 : last_time + frame_period;
    const std::int64_t ts = d.frame->best_effort_timestamp;
    double pts = ts == AV_NOPTS_VALUE ? -1 : seconds_of(ts);
    bool reliable = std::isfinite(pts) && pts >= 0 &&
                    (last_time < 0 ? pts < 1.0 : (pts > last_time && pts - last_time < 5.0));
    last_time = reliable ? pts : by_count;
    return last_time;
  }

  // Whether the frame of a packet may be the one kept for a sampling
  // instant: within a frame period of one.  Others need decoding only when
  // later frames refer to them, so non-reference ones are skipped (about
  // 40% less decoding work on phone-style H.264).
  bool may_be_sampled(const AVPacket& packet) const {
    if (packet.pts == AV_NOPTS_VALUE) return true;
    const double t = seconds_of(packet.pts);
    const double k = std::round(t / sample_period);
    return std::abs(k * sample_period - t) <= frame_period * 1.01;
  }

  // Decodes the next frame into d.frame; false at the end (or when the data
  // breaks off).
  bool decode_next() {
    while (true) {
      int status = avcodec_receive_frame(d.codec, d.frame);
      if (status == 0) return true;
      if (status != AVERROR(EAGAIN)) return false;  // the end, or a broken decoder
      if (draining) return false;
      status = av_read_frame(d.format, d.packet);
      if (status < 0) {
        if (status != AVERROR_EOF) read_error = true;
        draining = true;
        avcodec_send_packet(d.codec, nullptr);
        continue;
      }
      if (d.packet->stream_index == d.stream) {
        ++read;
        d.codec->skip_frame = may_be_sampled(*d.packet) ? AVDISCARD_DEFAULT : AVDISCARD_NONREF;
        // A damaged packet is passed over, as players do.
        avcodec_send_packet(d.codec, d.packet);
      }
      av_packet_unref(d.packet);
    }
  }

  // The decoded frame as BGR, turned upright.
  bool convert(cv::Mat& bgr) {
    const AVFrame& f = *d.frame;
    // A stream may change its frame size midway: the limit holds per frame.
    if (f.width <= 0 || f.height <= 0 || std::int64_t(f.width) * f.height > kMaxFramePixels)
      return false;
    d.converter = sws_getCachedContext(d.converter, f.width, f.height,
                                       static_cast<AVPixelFormat>(f.format), f.width, f.height,
                                       AV_PIX_FMT_BGR24, SWS_BICUBIC, nullptr, nullptr, nullptr);
    if (!d.converter) return false;
    // swscale may write past a row's end: rows 32-pixel aligned, one spare.
    cv::Mat padded(f.height + 1, (f.width + 31) / 32 * 32, CV_8UC3);
    std::uint8_t* planes[4] = {padded.data, nullptr, nullptr, nullptr};
    int strides[4] = {static_cast<int>(padded.step[0]), 0, 0, 0};
    sws_scale(d.converter, f.data, f.linesize, 0, f.height, planes, strides);
    const cv::Mat upright = padded(cv::Rect(0, 0, f.width, f.height));
    if (rotation == 90)
      cv::rotate(upright, bgr, cv::ROTATE_90_CLOCKWISE);
    else if (rotation == 180)
      cv::rotate(upright, bgr, cv::ROTATE_180);
    else if (rotation == 270)
      cv::rotate(upright, bgr, cv::ROTATE_90_COUNTERCLOCKWISE);
    else
      bgr = upright.clone();  // continuous, as callers may assume
    return true;
  }

  void finish() {
    finished = true;
    // A stream that stops well short of the length its container declares
    // broke off (cut file or corrupt data) rather than ended.
    double expected = static_cast<double>(info.frames);
    bool short_of_count =
        expected > 0 && static_cast<double>(read) + std::max(2.0, 0.02 * expected) < expected;
    was_truncated = short_of_count || container_cut_short || read_error;
    if (info.duration <= 0 && last_time >= 0) info.duration = last_time + frame_period;
  }
};

FrameSampler::FrameSampler(const fs::path& path, double sample_fps)
    : impl_(std::make_unique<Impl>()) {
  auto& m = *impl_;
  m.path = path;
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
  m.sample_period = 1.0 / sample_fps;

  configure_libav();
  Decoder& d = m.d;
  // An absolute path, so FFmpeg never reads a name like "http:x" as a
  // protocol; "file:" too, for names with a colon.
  const std::string url = "file:" + fs::absolute(path).string();
  const AVCodec* codec = nullptr;
  int error = 0;
  auto open_failure = [&] {
    return error == AVERROR(ENOMEM) ? kTooMuchMemory : explain_open_failure(path, file_size);
  };
  if ((error = avformat_open_input(&d.format, url.c_str(), nullptr, nullptr)) < 0 ||
      (error = avformat_find_stream_info(d.format, nullptr)) < 0 ||
      (d.stream = av_find_best_stream(d.format, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0)) < 0 ||
      // An audio file's cover picture is not a video.
      (d.format->streams[d.stream]->disposition & AV_DISPOSITION_ATTACHED_PIC) || !codec ||
      !(d.codec = avcodec_alloc_context3(codec)) ||
      (error = avcodec_parameters_to_context(d.codec, d.format->streams[d.stream]->codecpar)) < 0)
    fail(path, open_failure());
  // One decoding thread: a scan runs one video per core, and per-packet
  // skipping needs the packets decoded in turn.
  d.codec->thread_count = 1;
  if ((error = avcodec_open2(d.codec, codec, nullptr)) < 0 || !(d.packet = av_packet_alloc()) ||
      !(d.frame = av_frame_alloc()))
    fail(path, open_failure());

  AVStream* stream = d.format->streams[d.stream];
  m.time_base = av_q2d(stream->time_base);
  m.start_pts = stream->start_time;
  if (const std::uint8_t* matrix =
          av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, nullptr)) {
    // Turned as OpenCV's FFmpeg capture (and players) turn it: a "rotate=90"
    // tag reads as 90 here and means a quarter turn clockwise.
    int degrees = static_cast<int>(
        std::lround(av_display_rotation_get(reinterpret_cast<const std::int32_t*>(matrix))));
    degrees = ((degrees % 360) + 360) % 360;
    if (degrees == 90 || degrees == 180 || degrees == 270) m.rotation = degrees;
  }
  const bool turned = m.rotation == 90 || m.rotation == 270;
  m.info.width = turned ? d.codec->height : d.codec->width;
  m.info.height = turned ? d.codec->width : d.codec->height;
  m.info.fps = av_q2d(av_guess_frame_rate(d.format, stream, nullptr));
  if (!std::isfinite(m.info.fps) || m.info.fps <= 0 || m.info.fps > 1000)
    m.info.fps = 25;  // a guess, said nowhere
  m.frame_period = 1.0 / m.info.fps;
  double count = static_cast<double>(stream->nb_frames);
  if (count <= 0) {
    double seconds = stream->duration != AV_NOPTS_VALUE
                         ? static_cast<double>(stream->duration) * m.time_base
                         : static_cast<double>(d.format->duration) / AV_TIME_BASE;
    if (std::isfinite(seconds) && seconds > 0) count = std::floor(seconds * m.info.fps + 0.5);
  }
  m.info.frames =
      std::isfinite(count) && count > 0 ? static_cast<std::int64_t>(std::llround(count)) : 0;
  m.info.duration = m.info.frames > 0 ? static_cast<double>(m.info.frames) / m.info.fps : 0;
  if (auto mp4 = inspect_mp4(path, file_size)) m.container_cut_short = mp4->box_cut_short;

  if (std::int64_t(m.info.width) * m.info.height > kMaxFramePixels)
    fail(path, "video frames too large (" + std::to_string(m.info.width) + "x" +
                   std::to_string(m.info.height) + "; the limit is 8192x4320)");
  // A video whose first frame cannot be decoded is bad input, not an empty result.
  if (m.info.width <= 0 || m.info.height <= 0 || !m.decode_next())
    fail(path, explain_no_frame(path, file_size, count));
  m.pending_frame = true;
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
  return impl_->read;
}

bool FrameSampler::next(SampledFrame& out) {
  auto& m = *impl_;
  while (!m.finished) {
    if (!m.pending_frame && !m.decode_next()) {
      m.finish();
      break;
    }
    m.pending_frame = false;
    double time = m.current_time();
    // Keep this frame for instant s if it is the frame nearest s: the next
    // frame (one period later) would be further away.
    double half_frame = 0.5 * m.frame_period;
    double instant = static_cast<double>(m.next_instant) * m.sample_period;
    if (instant >= time + half_frame) continue;
    while (static_cast<double>(m.next_instant) * m.sample_period < time + half_frame)
      ++m.next_instant;
    if (!m.convert(out.bgr)) {
      m.finish();
      m.was_truncated = true;
      break;
    }
    out.time = time;
    out.index = std::llround(time * m.info.fps);
    return true;
  }
  return false;
}

}  // namespace tw::media
