// Decode-only speed of a 720x1280 30 fps H.264 clip: reading every frame
// with OpenCV (read(), the baseline) against FrameSampler at 5 fps (libav,
// skipping the non-reference frames that are not sampled, converting only
// the kept ones).  Prints one JSON object with the ratio.
//
//   bench_decode [--seconds 30] [--repeat 2] [--clip FILE]
//
// Without --clip, a clip is generated once with ffmpeg (Megamind.avi from
// opencv-doc, looped and scaled to fill 720x1280, libx264 veryfast) and kept
// in the system temp directory.
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/videoio.hpp>

#include "bench_options.h"
#include "media/video.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

bool run(const std::vector<std::string>& argv) {
  pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

fs::path generated_clip(int seconds) {
  fs::path clip =
      fs::temp_directory_path() / ("trendwatch-bench-decode-" + std::to_string(seconds) + "s.mp4");
  if (fs::exists(clip)) return clip;
  fs::path footage =
      fs::path(TW_CACHE_DIR) / "testdata/usr/share/doc/opencv-doc/examples/data/Megamind.avi";
  fs::path temp = clip;
  temp += ".tmp-" + std::to_string(::getpid()) + ".mp4";
  std::vector<std::string> argv = {
      "ffmpeg",
      "-nostdin",
      "-loglevel",
      "error",
      "-y",
      "-stream_loop",
      "-1",
      "-i",
      footage.string(),
      "-vf",
      "scale=720:1280:force_original_aspect_ratio=increase,crop=720:1280,fps=30,setsar=1",
      "-t",
      std::to_string(seconds),
      "-c:v",
      "libx264",
      "-preset",
      "veryfast",
      "-crf",
      "23",
      "-g",
      "60",
      "-pix_fmt",
      "yuv420p",
      "-an",
      temp.string()};
  if (!run(argv)) {
    std::cerr << "bench_decode: ffmpeg could not make the clip from " << footage << "\n";
    std::exit(2);
  }
  fs::rename(temp, clip);
  return clip;
}

// CPU seconds of the whole process (all threads): OpenCV decodes on
// several threads, FrameSampler on one.
double process_cpu_s() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + t.tv_nsec / 1e9;
}

struct Measure {
  double wall = 0, cpu = 0;
  std::int64_t decoded = 0, kept = 0;
  double video_seconds = 0;
};

Measure read_every_frame(const fs::path& clip) {
  Measure m;
  auto start = Clock::now();
  const double cpu_start = process_cpu_s();
  cv::VideoCapture capture(clip.string(), cv::CAP_FFMPEG);
  double fps = capture.get(cv::CAP_PROP_FPS);
  cv::Mat frame;
  while (capture.read(frame)) ++m.decoded;
  m.wall = std::chrono::duration<double>(Clock::now() - start).count();
  m.cpu = process_cpu_s() - cpu_start;
  m.kept = m.decoded;
  m.video_seconds = double(m.decoded) / fps;
  return m;
}

Measure sample_at(const fs::path& clip, double sample_fps) {
  Measure m;
  auto start = Clock::now();
  const double cpu_start = process_cpu_s();
  tw::media::FrameSampler sampler(clip, sample_fps);
  tw::media::SampledFrame frame;
  while (sampler.next(frame)) ++m.kept;
  m.wall = std::chrono::duration<double>(Clock::now() - start).count();
  m.cpu = process_cpu_s() - cpu_start;
  m.decoded = sampler.frames_decoded();
  m.video_seconds = double(m.decoded) / sampler.info().fps;
  return m;
}

nlohmann::json to_json(const Measure& m) {
  return {{"wall_s", m.wall},
          {"cpu_s", m.cpu},
          {"frames_decoded", m.decoded},
          {"frames_kept", m.kept},
          {"decoded_frames_per_s", double(m.decoded) / m.wall},
          {"video_s_per_wall_s", m.video_seconds / m.wall}};
}

}  // namespace

int main(int argc, char** argv) {
  tw::bench::BenchOptions args(
      "bench_decode",
      "Decode-only speed: OpenCV read() of every frame against FrameSampler at 5 fps.",
      {{"--seconds", "S", "length of the generated clip (default 30)"},
       {"--repeat", "N", "runs of each, best kept (default 2)"},
       {"--clip", "FILE", "a clip of your own instead of the generated one"}});
  args.parse(argc, argv);
  const int seconds = args.integer("--seconds", 30, 1);
  const int repeat = args.integer("--repeat", 2, 1);
  fs::path clip = args.text("--clip", "");
  if (!clip.empty() && !fs::is_regular_file(clip)) {
    std::cerr << "bench_decode: " << clip.string() << ": no such file\n";
    return 2;
  }
  if (clip.empty()) clip = generated_clip(seconds);

  // Best of `repeat` runs each, interleaved so both see the same machine load.
  Measure best_read, best_sampled;
  for (int r = 0; r < repeat; ++r) {
    Measure a = read_every_frame(clip);
    Measure b = sample_at(clip, 5);
    if (r == 0 || a.wall < best_read.wall) best_read = a;
    if (r == 0 || b.wall < best_sampled.wall) best_sampled = b;
  }
  nlohmann::json out = {{"benchmark", "decode"},
                        {"clip", clip.string()},
                        {"opencv", CV_VERSION},
                        {"cpus", cv::getNumberOfCPUs()},
                        {"read_every_frame", to_json(best_read)},
                        {"sampler_5fps", to_json(best_sampled)},
                        {"ratio_sampled_over_read", best_read.wall / best_sampled.wall},
                        {"cpu_ratio_read_over_sampled", best_read.cpu / best_sampled.cpu},
                        {"repeat", repeat}};
  std::cout << out.dump(2) << "\n";
  return 0;
}
