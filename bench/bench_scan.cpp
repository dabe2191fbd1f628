// Scan throughput: video-seconds scanned per wall-second for a 60 s
// 720x1280 30 fps H.264 clip sampled at 5 fps, against the decode-only rate
// of the same clip measured in the same run (the floor a scan cannot beat).
// Prints one JSON object with both rates, their ratio and the per-stage
// split.  --with-exhaustive also times the naive one-thread reference path.
//
//   TRENDWATCH_HOME=build/test-home build/bench_scan [--threads 2] [--with-exhaustive]
//
// The clip is made once with ffmpeg under $TRENDWATCH_HOME/cache/bench/:
// test pattern background, kphotoalbum's jesper_2.jpg (a photo the target
// was not enrolled from) on screen (moving, scaled) from 10 s to 30 s and face-api's group photo
// sample1 from 35 s to 50 s, so detect and embed have faces to work on.
#include <spawn.h>
#include <sys/wait.h>
#include <nlohmann/json.hpp>
#include <opencv2/core/utility.hpp>
#include "bench_options.h"

#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "core/home.h"
#include "media/video.h"
#include "models/model_dir.h"
#include "scan/scanner.h"
#include "targets/enroll.h"

extern char** environ;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

int run(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ) != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

fs::path make_clip(const fs::path& dir) {
  fs::path clip = dir / "scan-60s-720x1280-v2.mp4";
  if (fs::exists(clip)) return clip;
  fs::create_directories(dir);
  const fs::path demo = fs::path(TW_CACHE_DIR) / "testdata/usr/share/kphotoalbum/demo";
  const fs::path group = fs::path(TW_CACHE_DIR) / "face-api/package/demo/sample1.jpg";
  const std::string filter =
      "[1:v]scale=520:-2[p];[2:v]scale=700:-2[g];"
      "[0:v][p]overlay=x='60+100*sin(t)':y='300+200*cos(t/2)':enable='between(t,10,30)'[a];"
      "[a][g]overlay=x=10:y='200+100*sin(t)':enable='between(t,35,50)'[v]";
  fs::path tmp = dir / "scan-60s-720x1280-v2.tmp.mp4";
  int rc = run({"ffmpeg",
                "-hide_banner",
                "-loglevel",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                "testsrc2=size=720x1280:rate=30:duration=60",
                "-loop",
                "1",
                "-i",
                (demo / "jesper_2.jpg").string(),
                "-loop",
                "1",
                "-i",
                group.string(),
                "-filter_complex",
                filter,
                "-map",
                "[v]",
                "-t",
                "60",
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-pix_fmt",
                "yuv420p",
                tmp.string()});
  if (rc != 0) throw std::runtime_error("ffmpeg failed to make the bench clip");
  fs::rename(tmp, clip);
  return clip;
}

double decode_only_seconds(const fs::path& clip, double fps, std::int64_t& frames) {
  auto start = Clock::now();
  tw::media::FrameSampler sampler(clip, fps);
  tw::media::SampledFrame frame;
  frames = 0;
  while (sampler.next(frame)) ++frames;
  return std::chrono::duration<double>(Clock::now() - start).count();
}

json intervals(const std::vector<tw::Appearance>& appearances) {
  json out = json::array();
  for (const auto& a : appearances)
    out.push_back({{"target", a.target}, {"start", a.start}, {"end", a.end}, {"frames", a.frames}});
  return out;
}

json stages(const tw::scan::StageTimings& t) {
  return {{"decode", t.decode}, {"detect", t.detect}, {"align", t.align},
          {"embed", t.embed},   {"match", t.match},   {"wall", t.wall}};
}

}  // namespace

int main(int argc, char** argv) {
  tw::bench::BenchOptions args(
      "bench_scan", "Scan throughput of one 60 s clip against its decode-only rate.",
      {{"--threads", "N", "OpenCV threads for inference (default 2)"},
       {"--with-exhaustive", "", "also time the naive one-thread reference path"}});
  args.parse(argc, argv);
  const int threads = args.integer("--threads", 2, 1);
  const bool with_exhaustive = args.has("--with-exhaustive");
  const double fps = 5;
  try {
    tw::Home home = tw::Home::resolve();
    fs::path clip = make_clip(home.cache() / "bench");
    auto models = tw::models::ModelDir::open(home.models());
    cv::setNumThreads(threads);

    tw::vision::FaceAnalyser analyser(models);
    const fs::path demo = fs::path(TW_CACHE_DIR) / "testdata/usr/share/kphotoalbum/demo";
    tw::targets::EnrollOptions enroll;
    enroll.largest = true;
    auto enrolled = tw::targets::enroll_face_target(
        "jesper",
        {demo / "jesper.jpg", demo / "cold_water.jpg", demo / "pool.jpg",
         demo / "grand_canyon_2.jpg", demo / "new_wave_2.jpg"},
        analyser, enroll);
    if (!enrolled.target) throw std::runtime_error("enrollment failed");

    std::int64_t decoded_frames = 0;
    double decode_wall = decode_only_seconds(clip, fps, decoded_frames);

    tw::scan::ScanOptions options;
    options.fps = fps;
    options.threads = threads;
    tw::scan::Scanner scanner(models, {*enrolled.target}, options);
    tw::scan::ScanResult result = scanner.scan(clip);

    double duration = result.duration;
    json out = {{"clip", clip.string()},
                {"duration", duration},
                {"sample_fps", fps},
                {"threads", threads},
                {"decode_only",
                 {{"wall", decode_wall},
                  {"frames", decoded_frames},
                  {"video_s_per_wall_s", duration / decode_wall}}},
                {"scan",
                 {{"wall", result.timings.wall},
                  {"frames_sampled", result.frames_sampled},
                  {"faces", result.faces},
                  {"appearances", intervals(result.appearances)},
                  {"video_s_per_wall_s", duration / result.timings.wall},
                  {"stages", stages(result.timings)}}},
                {"ratio_scan_to_decode", decode_wall / result.timings.wall}};
    if (with_exhaustive) {
      options.exhaustive = true;
      tw::scan::Scanner naive(models, {*enrolled.target}, options);
      tw::scan::ScanResult reference = naive.scan(clip);
      out["exhaustive"] = {{"wall", reference.timings.wall},
                           {"appearances", intervals(reference.appearances)},
                           {"video_s_per_wall_s", duration / reference.timings.wall},
                           {"stages", stages(reference.timings)}};
      out["ratio_scan_to_exhaustive"] = reference.timings.wall / result.timings.wall;
    }
    std::cout << out.dump(2) << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "bench_scan: " << e.what() << "\n";
    return 2;
  }
}
