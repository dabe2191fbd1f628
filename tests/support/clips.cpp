#include "support/clips.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <numbers>
#include <stdexcept>
#include <system_error>

#include "support/test_support.h"

namespace fs = std::filesystem;

namespace tw::test {

Background Background::solid(std::string color) {
  Background b;
  b.kind = Kind::color;
  b.color = std::move(color);
  return b;
}
Background Background::pattern(std::string lavfi_source) {
  Background b;
  b.kind = Kind::pattern;
  b.source = std::move(lavfi_source);
  return b;
}
Background Background::still(fs::path image) {
  Background b;
  b.kind = Kind::still;
  b.file = std::move(image);
  return b;
}
Background Background::footage(fs::path video, double offset) {
  Background b;
  b.kind = Kind::footage;
  b.file = std::move(video);
  b.offset = offset;
  return b;
}
Background Background::from(double start_seconds) const {
  Background b = *this;
  b.start = start_seconds;
  return b;
}

Overlay Overlay::image(fs::path file, double t0, double t1) {
  Overlay o;
  o.file = std::move(file);
  o.t0 = t0;
  o.t1 = t1;
  return o;
}
Overlay Overlay::scaled_to_height(int pixels) const {
  Overlay o = *this;
  o.height = pixels;
  return o;
}
Overlay Overlay::scaled_by(double factor) const {
  Overlay o = *this;
  o.height = 0;
  o.scale = factor;
  return o;
}
Overlay Overlay::at(double x, double y) const {
  return moving(x, y, x, y);
}
Overlay Overlay::moving(double from_x, double from_y, double to_x, double to_y) const {
  Overlay o = *this;
  o.x0 = from_x;
  o.y0 = from_y;
  o.x1 = to_x;
  o.y1 = to_y;
  return o;
}
Overlay Overlay::rotated(double degrees) const {
  Overlay o = *this;
  o.rotation_deg = degrees;
  return o;
}

namespace {

// Bump when the generated output changes for the same spec.
constexpr const char* kGeneratorVersion = "clips-v1";

std::string num(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", v);
  return text;
}

int frames_of(double seconds, int fps) {
  return static_cast<int>(std::lround(seconds * fps));
}

// FNV-1a, 64 bit: stable across runs and compilers, enough to name a cache file.
std::uint64_t fnv1a(const std::string& text, std::uint64_t hash = 1469598103934665603ull) {
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

void validate(const ClipSpec& spec) {
  if (spec.width <= 0 || spec.height <= 0 || spec.width % 2 || spec.height % 2)
    throw std::invalid_argument("make_clip: width and height must be positive and even");
  if (spec.fps <= 0 || !(spec.duration > 0) || spec.gop <= 0)
    throw std::invalid_argument("make_clip: fps, duration and gop must be positive");
  if (spec.segments.empty() || spec.segments.front().start != 0)
    throw std::invalid_argument("make_clip: the first background segment must start at 0");
  for (size_t i = 1; i < spec.segments.size(); ++i)
    if (!(spec.segments[i].start > spec.segments[i - 1].start) ||
        !(spec.segments[i].start < spec.duration))
      throw std::invalid_argument("make_clip: segment starts must increase within the clip");
  for (const auto& b : spec.segments)
    if ((b.kind == Background::Kind::still || b.kind == Background::Kind::footage) &&
        !fs::is_regular_file(b.file))
      throw std::invalid_argument("make_clip: background file missing: " + b.file.string());
  for (const auto& o : spec.overlays) {
    if (!fs::is_regular_file(o.file))
      throw std::invalid_argument("make_clip: overlay file missing: " + o.file.string());
    if (!(o.t1 > o.t0)) throw std::invalid_argument("make_clip: overlay needs t1 > t0");
  }
}

// The linear path of one coordinate as an ffmpeg expression of t, held at
// the end points outside [t0, t1].
std::string linear_in_t(double from, double to, double t0, double t1) {
  if (from == to) return num(from);
  return num(from) + "+(" + num(to - from) + ")*clip((t-" + num(t0) + ")/" + num(t1 - t0) + ",0,1)";
}

}  // namespace

std::vector<std::string> clip_ffmpeg_argv(const ClipSpec& spec, const fs::path& output) {
  validate(spec);
  const std::string size = std::to_string(spec.width) + "x" + std::to_string(spec.height);
  const std::string rate = std::to_string(spec.fps);
  const int total_frames = frames_of(spec.duration, spec.fps);
  std::vector<std::string> argv = {"ffmpeg",    "-nostdin", "-hide_banner",
                                   "-loglevel", "error",    "-y"};
  std::string graph;
  int input = 0;

  // Background segments, each normalised to size, rate and an exact frame
  // count, then concatenated: the cuts land on exact frames.
  std::vector<std::string> segment_labels;
  for (size_t i = 0; i < spec.segments.size(); ++i) {
    const Background& b = spec.segments[i];
    double end = i + 1 < spec.segments.size() ? spec.segments[i + 1].start : spec.duration;
    int frames = frames_of(end, spec.fps) - frames_of(b.start, spec.fps);
    std::string seconds = num(double(frames) / spec.fps + 1.0);  // generous; trimmed below
    std::string fill = "scale=" + std::to_string(spec.width) + ":" + std::to_string(spec.height) +
                       ":force_original_aspect_ratio=increase,crop=" + std::to_string(spec.width) +
                       ":" + std::to_string(spec.height) + ",";
    switch (b.kind) {
      case Background::Kind::color:
        argv.insert(argv.end(),
                    {"-f", "lavfi", "-i", "color=c=" + b.color + ":s=" + size + ":r=" + rate});
        fill.clear();
        break;
      case Background::Kind::pattern:
        argv.insert(argv.end(), {"-f", "lavfi", "-i", b.source + "=s=" + size + ":r=" + rate});
        break;
      case Background::Kind::still:
        argv.insert(argv.end(),
                    {"-loop", "1", "-framerate", rate, "-t", seconds, "-i", b.file.string()});
        break;
      case Background::Kind::footage:
        argv.insert(argv.end(),
                    {"-stream_loop", "-1", "-ss", num(b.offset), "-i", b.file.string()});
        break;
    }
    std::string label = "seg" + std::to_string(i);
    graph += "[" + std::to_string(input++) + ":v]" + fill + "fps=" + rate +
             ",setsar=1,format=yuv420p,trim=end_frame=" + std::to_string(frames) +
             ",setpts=PTS-STARTPTS[" + label + "];";
    segment_labels.push_back(label);
  }
  std::string current = "bg";
  if (segment_labels.size() == 1) {
    current = segment_labels.front();
  } else {
    for (const auto& label : segment_labels) graph += "[" + label + "]";
    graph += "concat=n=" + std::to_string(segment_labels.size()) + ":v=1:a=0[bg];";
  }

  // Overlays: a looped still, scaled and rotated, placed by expressions of t
  // and enabled on the frames with t in [t0, t1] (half a frame of slack on
  // either side absorbs timestamp rounding).
  const double half_frame = 0.5 / spec.fps;
  for (size_t k = 0; k < spec.overlays.size(); ++k) {
    const Overlay& o = spec.overlays[k];
    argv.insert(argv.end(), {"-loop", "1", "-framerate", rate, "-t", num(spec.duration + 1.0), "-i",
                             o.file.string()});
    std::string scale = o.height > 0 ? "scale=-2:" + std::to_string(o.height)
                                     : "scale='trunc(iw*" + num(o.scale) + "/2)*2':'trunc(ih*" +
                                           num(o.scale) + "/2)*2'";
    std::string chain = "[" + std::to_string(input++) + ":v]" + scale + ",format=rgba";
    if (o.rotation_deg != 0) {
      std::string angle = num(o.rotation_deg * std::numbers::pi / 180.0);
      chain += ",rotate=a=" + angle + ":c=none:ow='rotw(" + angle + ")':oh='roth(" + angle + ")'";
    }
    std::string overlay_label = "ov" + std::to_string(k);
    std::string out_label = "with" + std::to_string(k);
    graph += chain + "[" + overlay_label + "];";
    graph += "[" + current + "][" + overlay_label + "]overlay=x='" +
             linear_in_t(o.x0, o.x1, o.t0, o.t1) + "':y='" + linear_in_t(o.y0, o.y1, o.t0, o.t1) +
             "':enable='between(t," + num(o.t0 - half_frame) + "," + num(o.t1 + half_frame) +
             ")':eval=frame:format=yuv420[" + out_label + "];";
    current = out_label;
  }
  graph += "[" + current + "]format=yuv420p[out]";

  argv.insert(argv.end(), {"-filter_complex",
                           graph,
                           "-map",
                           "[out]",
                           "-frames:v",
                           std::to_string(total_frames),
                           "-r",
                           rate,
                           "-c:v",
                           "libx264",
                           "-preset",
                           spec.preset,
                           "-crf",
                           std::to_string(spec.crf),
                           "-g",
                           std::to_string(spec.gop),
                           "-keyint_min",
                           std::to_string(spec.gop),
                           "-sc_threshold",
                           "0",
                           "-pix_fmt",
                           "yuv420p",
                           "-an",
                           "-threads",
                           "2"});
  if (spec.faststart) argv.insert(argv.end(), {"-movflags", "+faststart"});
  argv.push_back(output.string());
  return argv;
}

fs::path make_clip(const ClipSpec& spec) {
  // The name covers the exact command and each input file's size and time,
  // so a changed spec or input makes a new clip.
  std::string key = kGeneratorVersion;
  for (const auto& arg : clip_ffmpeg_argv(spec, "OUT")) key += '\0' + arg;
  auto note_file = [&](const fs::path& p) {
    std::error_code ec;
    key += '\0' + std::to_string(fs::file_size(p, ec)) + '@' +
           std::to_string(fs::last_write_time(p, ec).time_since_epoch().count());
  };
  for (const auto& b : spec.segments)
    if (!b.file.empty()) note_file(b.file);
  for (const auto& o : spec.overlays) note_file(o.file);
  char name[32];
  std::snprintf(name, sizeof name, "%016llx.mp4", static_cast<unsigned long long>(fnv1a(key)));

  fs::path dir = fs::path(TW_BINARY_DIR) / "test-clips";
  fs::path clip = dir / name;
  if (fs::exists(clip)) return clip;
  fs::create_directories(dir);

  // Written under a unique temporary name, then renamed: tests running in
  // parallel never see a half-written clip.
  static std::atomic<int> counter{0};
  fs::path temp = dir / (std::string(name, 16) + ".tmp-" + std::to_string(::getpid()) + "-" +
                         std::to_string(counter++) + ".mp4");
  // A 60-s clip took ~170 s of ffmpeg on a shared 2-core machine (load
  // 10): the limit grows with the clip's length.
  const int timeout_seconds = std::max(180, static_cast<int>(10 * spec.duration));
  RunResult result = run_program(clip_ffmpeg_argv(spec, temp), {}, timeout_seconds);
  if (result.exit_code != 0 || !fs::exists(temp)) {
    std::error_code ec;
    fs::remove(temp, ec);
    throw std::runtime_error("make_clip: ffmpeg failed (exit " + std::to_string(result.exit_code) +
                             "): " + result.err);
  }
  fs::rename(temp, clip);
  return clip;
}

}  // namespace tw::test
