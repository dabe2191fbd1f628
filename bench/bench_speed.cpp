// Scan speed against its floor and its reference, on TikTok-like clips:
// 60 s, 720x1280, 30 fps H.264, shots cut every 6-10 s (stills and moving
// footage), faces entering and leaving (the enrolled Jesper and Anne Helene,
// groups of strangers), static and moving, one 0.6 s cameo per clip.  In one
// run it measures, over the same clips:
//   (a) decode only: the sampler alone (grab every frame, retrieve 5 per s);
//   (b) naive: the exhaustive reference path, one video on one thread;
//   (c) optimized: the default scan path, as `trendwatch scan` runs it (one
//       video per core, one inference thread each: 2 threads on 2 cores);
// (a) decodes and (c) scans --jobs clips at a time.  It prints video-seconds per
// wall-second for each, the ratios (c)/(a) and (c)/(b), whether (b) and (c)
// found the same appearances (same targets, interval ends within 0.4 s),
// and how each path's appearances compare with when the enrolled faces are
// really on screen (the clips' overlays), as one JSON object.
//
//   build/bench/bench_speed [--clips 4] [--jobs CORES] [--threads 1] [--min-face 64] [--no-naive]
//                           [--approximate]
//   build/bench/bench_speed --face-sizes   the smallest face found per detector input
//
// Needs the test models (build/test-home, installed by ctest's models
// fixture); the clips are generated once into build/test-clips/.
#include <nlohmann/json.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <future>
#include <iostream>
#include <string>
#include <vector>

#include "bench_options.h"
#include "media/image.h"
#include "media/video.h"
#include "scan/scan_clips.h"
#include "scan/scanner.h"
#include "vision/face_detector.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace tw;
using test::Background;
using test::Overlay;

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

fs::path opencv_data(const std::string& file) {
  return test::testdata_dir() / "usr/share/doc/opencv-doc/examples/data" / file;
}

// One shot: a background from `start` on, with faces shown in it.
struct Shot {
  double start;
  Background background;
};

// Clip `k` of the set: the same kinds of shots in a different order and
// with the faces at other times, so the set is not one clip three times.
test::ClipSpec tiktok_clip(int k) {
  const std::vector<Background> backgrounds = {Background::still(test::demo_photo("sunset.jpg")),
                                               Background::footage(test::megamind_avi()),
                                               Background::still(test::demo_photo("skagen.jpg")),
                                               Background::footage(opencv_data("vtest.avi")),
                                               Background::still(test::demo_photo("snow.jpg")),
                                               Background::footage(opencv_data("tree.avi")),
                                               Background::still(opencv_data("building.jpg")),
                                               Background::solid("0x283040")};
  const std::vector<double> cuts = {0, 8, 16, 26, 34, 44, 52};
  test::ClipSpec spec;
  spec.duration = 60;
  spec.gop = 60;
  spec.crf = 23;
  spec.preset = "veryfast";
  spec.segments.clear();
  for (std::size_t i = 0; i < cuts.size(); ++i)
    spec.segments.push_back(backgrounds[(i + 3 * k) % backgrounds.size()].from(cuts[i]));

  const fs::path jesper = test::face_crop(test::demo_photo("jesper_2.jpg"));
  const fs::path anne = test::face_crop(test::demo_photo("anne_helene.jpg"));
  const double shift = 1.0 * k;  // faces at other moments in each clip
  auto& o = spec.overlays;
  o.push_back(Overlay::image(jesper, 2 + shift, 7 + shift).scaled_to_height(360).at(100, 300));
  o.push_back(
      Overlay::image(test::stranger_group(1), 9, 15).scaled_to_height(420).moving(0, 200, 40, 500));
  o.push_back(Overlay::image(anne, 18, 24 + shift).scaled_to_height(380).at(200, 520));
  o.push_back(Overlay::image(jesper, 27, 33).scaled_to_height(320).moving(40, 200, 320, 800));
  o.push_back(
      Overlay::image(test::stranger_group(3), 35 + shift, 42).scaled_to_height(420).at(0, 700));
  o.push_back(Overlay::image(jesper, 46.0, 46.6).scaled_to_height(340).at(300, 200));
  o.push_back(Overlay::image(anne, 53 - shift, 59).scaled_to_height(360).moving(300, 100, 60, 600));
  o.push_back(Overlay::image(test::stranger_group(6), 56, 60).scaled_to_height(360).at(0, 900));
  return spec;
}

// When an enrolled face is on screen in a clip of the set: the overlays of
// the Jesper and Anne crops.
struct OnScreen {
  std::string target;
  double start, end;
};

std::vector<OnScreen> ground_truth(const test::ClipSpec& spec) {
  const fs::path jesper = test::face_crop(test::demo_photo("jesper_2.jpg"));
  const fs::path anne = test::face_crop(test::demo_photo("anne_helene.jpg"));
  std::vector<OnScreen> out;
  for (const auto& o : spec.overlays) {
    if (o.file == jesper) out.push_back({"jesper", o.t0, o.t1});
    if (o.file == anne) out.push_back({"anne", o.t0, o.t1});
  }
  return out;
}

bool overlaps(const Appearance& a, const OnScreen& s) {
  return a.target == s.target && a.start < s.end && a.end > s.start;
}

// A path's appearances against the ground truth: how many on-screen
// intervals some appearance covers, in how many pieces, the share of
// on-screen time covered, and appearances with the target not on screen.
json against_truth(const std::vector<Appearance>& appearances, const std::vector<OnScreen>& truth) {
  int found = 0, pieces = 0, false_appearances = 0;
  double on_screen = 0, covered = 0;
  for (const auto& s : truth) {
    on_screen += s.end - s.start;
    int n = 0;
    for (const auto& a : appearances) {
      if (!overlaps(a, s)) continue;
      ++n;
      covered += std::min(a.end, s.end) - std::max(a.start, s.start);
    }
    found += n > 0;
    pieces += n;
  }
  for (const auto& a : appearances)
    if (std::none_of(truth.begin(), truth.end(), [&](const OnScreen& s) { return overlaps(a, s); }))
      ++false_appearances;
  return {{"on_screen", truth.size()},
          {"found", found},
          {"pieces", pieces},
          {"false_appearances", false_appearances},
          {"time_covered", on_screen > 0 ? covered / on_screen : 1.0}};
}

// Adds one clip's against_truth figures to the whole set's (time_covered
// kept per clip).
void add_truth(json& sum, const json& clip) {
  if (sum.is_null()) {
    sum = clip;
    sum["time_covered_per_clip"] = json::array({clip["time_covered"]});
    sum.erase("time_covered");
    return;
  }
  for (const char* key : {"on_screen", "found", "pieces", "false_appearances"})
    sum[key] = sum[key].get<int>() + clip[key].get<int>();
  sum["time_covered_per_clip"].push_back(clip["time_covered"]);
}

json intervals(const std::vector<Appearance>& appearances) {
  json out = json::array();
  for (const auto& a : appearances)
    out.push_back({{"target", a.target}, {"start", a.start}, {"end", a.end}, {"frames", a.frames}});
  return out;
}

bool same_appearances(const std::vector<Appearance>& a, const std::vector<Appearance>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].target != b[i].target || std::abs(a[i].start - b[i].start) > 0.4 + 1e-9 ||
        std::abs(a[i].end - b[i].end) > 0.4 + 1e-9)
      return false;
  return true;
}

json stage_json(const scan::StageTimings& t) {
  return {{"decode", t.decode}, {"detect", t.detect}, {"align", t.align},      {"embed", t.embed},
          {"match", t.match},   {"images", t.images}, {"classify", t.classify}};
}

void add_stages(scan::StageTimings& sum, const scan::StageTimings& t) {
  sum.decode += t.decode;
  sum.detect += t.detect;
  sum.align += t.align;
  sum.embed += t.embed;
  sum.match += t.match;
  sum.images += t.images;
  sum.classify += t.classify;
}

struct PathRun {
  double wall = 0;
  double video = 0;
  std::int64_t sampled = 0, analysed = 0, embedded = 0, confirmed = 0;
  scan::StageTimings stages;
  std::vector<scan::ScanResult> results;

  json to_json() const {
    return {{"wall", wall},
            {"video_s_per_wall_s", video / wall},
            {"frames_sampled", sampled},
            {"frames_analyzed", analysed},
            {"faces_embedded", embedded},
            {"faces_confirmed", confirmed},
            {"stages", stage_json(stages)}};
  }
};

// Scans every clip with one scanner per job, `jobs` clips at a time.
PathRun scan_all(const std::vector<fs::path>& clips, const std::vector<targets::Target>& targets,
                 const scan::ScanOptions& options, int jobs) {
  std::vector<std::unique_ptr<scan::Scanner>> scanners;
  for (int j = 0; j < jobs; ++j)
    scanners.push_back(std::make_unique<scan::Scanner>(test::test_models(), targets, options));
  PathRun run;
  run.results.resize(clips.size());
  auto start = Clock::now();
  std::vector<std::future<void>> workers;
  std::atomic<std::size_t> next{0};
  for (int j = 0; j < jobs; ++j)
    workers.push_back(std::async(std::launch::async, [&, j] {
      for (std::size_t i = next++; i < clips.size(); i = next++)
        run.results[i] = scanners[j]->scan(clips[i]);
    }));
  for (auto& w : workers) w.get();
  run.wall = since(start);
  for (const auto& r : run.results) {
    run.video += r.duration;
    run.sampled += r.frames_sampled;
    run.analysed += r.frames_analysed;
    run.embedded += r.faces_embedded;
    run.confirmed += r.faces_confirmed;
    add_stages(run.stages, r.timings);
  }
  return run;
}

// Which face sizes the detector finds at each input size: faces of the
// scan clips scaled to a given width on a 720x1280 still, found when a
// detection overlaps the placed face.  Prints, per input, the smallest
// width from which every larger one was found, in frame and input pixels.
int face_sizes() {
  vision::FaceDetector reference(test::test_models());
  cv::Mat background = media::load_image(test::demo_photo("skagen.jpg"));
  cv::Mat frame0;
  cv::resize(background, frame0, cv::Size(720, 1280));
  std::vector<fs::path> photos = {test::demo_photo("jesper_2.jpg"),
                                  test::demo_photo("anne_helene.jpg"),
                                  test::demo_photo("jesper.jpg"), test::demo_photo("pool.jpg")};
  struct Face {
    cv::Mat crop;
    Box box;  // the face inside the crop
  };
  std::vector<Face> faces;
  for (const auto& p : photos) {
    cv::Mat crop = media::load_image(test::face_crop(p));
    auto found = reference.detect(crop);
    if (found.empty()) continue;
    faces.push_back({crop, found.front().box});
  }
  json out = json::array();
  for (int input : {128, 160, 192, 224, 256, 288, 320, 384, 448, 512}) {
    vision::DetectorOptions o;
    o.input_size = input;
    vision::FaceDetector detector(test::test_models(), o);
    json row = {{"input", input}};
    for (int width : {32, 40, 48, 56, 64, 72, 80, 96, 112, 128, 160, 200, 260}) {
      int found = 0;
      double iou_sum = 0;
      for (const Face& f : faces) {
        double scale = width / f.box.width;
        cv::Mat scaled;
        cv::resize(f.crop, scaled, cv::Size(), scale, scale, cv::INTER_AREA);
        // The face's top-left corner at (260, 500); the rest of the crop
        // around it as far as the frame goes.
        cv::Mat frame = frame0.clone();
        const cv::Point face_at(260, 500);
        const cv::Point offset(face_at.x - cvRound(f.box.x * scale),
                               face_at.y - cvRound(f.box.y * scale));
        cv::Rect target = cv::Rect(offset, scaled.size()) & cv::Rect(0, 0, frame.cols, frame.rows);
        scaled(target - offset).copyTo(frame(target));
        Box placed{static_cast<float>(face_at.x), static_cast<float>(face_at.y),
                   static_cast<float>(width), static_cast<float>(f.box.height * scale)};
        // The full-input detector's box for this face is the reference: the
        // one the naive path would landmark and embed.
        for (const auto& d : reference.detect(frame))
          if (iou(d.box, placed) > 0.2f) placed = d.box;
        float best = 0;
        for (const auto& d : detector.detect(frame)) best = std::max(best, iou(d.box, placed));
        if (best > 0.7f) ++found;
        iou_sum += best;
      }
      row[std::to_string(width)] = {{"found", found},
                                    {"mean_iou", std::round(iou_sum / faces.size() * 100) / 100}};
    }
    out.push_back(row);
  }
  std::cout << out.dump(2) << std::endl;
  return 0;
}

// Milliseconds per detection of a 720x1280 frame at each input size, on
// the current OpenCV thread count.
int detector_timing() {
  cv::Mat frame;
  cv::resize(media::load_image(test::demo_photo("skagen.jpg")), frame, cv::Size(720, 1280));
  json out = json::object();
  for (int input : {512, 448, 384, 320, 256, 192, 128, 96}) {
    vision::DetectorOptions o;
    o.input_size = input;
    vision::FaceDetector detector(test::test_models(), o);
    detector.detect(frame);  // first run allocates
    const int rounds = 10;
    auto start = Clock::now();
    for (int i = 0; i < rounds; ++i) detector.detect(frame);
    out[std::to_string(input)] = since(start) / rounds * 1000;
  }
  std::cout << out.dump(2) << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  tw::bench::BenchOptions args(
      "bench_speed",
      "Prints decode-only, naive and optimized video-seconds per wall-second over\n"
      "generated 60 s clips, their ratios, whether the appearances agree, and each\n"
      "path's appearances against when the faces are really on screen (JSON).\n"
      "Run from the source tree after ctest's models fixture (build/test-home).",
      {{"--clips", "N", "clips in the set (default 4)"},
       {"--jobs", "N",
        "videos decoded or scanned at a time (default: one per core, at most 8, as `trendwatch "
        "scan`); the naive path: 1"},
       {"--threads", "N", "inference threads per job (default 1); the naive path: 1"},
       {"--min-face", "PX", "the optimized path's smallest face (default 64)"},
       {"--no-naive", "", "skip the naive path (no agreement check)"},
       {"--approximate", "", "the optimized path with `scan --approximate`"},
       {"--face-sizes", "", "instead: the smallest face found per detector input"},
       {"--detector-timing", "", "instead: ms per detection at each input size"}});
  args.parse(argc, argv);
  // As `trendwatch scan` runs by default: one video per core, one inference
  // thread each (src/cli/scan.cpp).
  const int clip_count = args.integer("--clips", 4, 1);
  const int threads = args.integer("--threads", 1, 1);
  int jobs = args.integer(
      "--jobs", std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, 8), 1);
  const float min_face = static_cast<float>(
      args.integer("--min-face", static_cast<int>(scan::kDefaultSmallestFacePx), 0));
  const bool naive = !args.has("--no-naive");
  if (args.has("--face-sizes")) return face_sizes();
  if (args.has("--detector-timing")) {
    cv::setNumThreads(threads);
    return detector_timing();
  }
  try {
    std::vector<fs::path> clips;
    std::vector<std::vector<OnScreen>> truth;
    for (int k = 0; k < clip_count; ++k) {
      const test::ClipSpec spec = tiktok_clip(k);
      clips.push_back(test::make_clip(spec));
      truth.push_back(ground_truth(spec));
    }
    jobs = std::min(jobs, clip_count);
    std::vector<targets::Target> targets = {test::jesper(), test::anne()};
    const double fps = 5;

    // (a) decode only, `jobs` clips at a time as the scans below.
    cv::setNumThreads(threads);
    auto start = Clock::now();
    std::vector<double> durations(clips.size());
    std::vector<std::future<void>> decoders;
    std::atomic<std::size_t> next{0};
    for (int j = 0; j < jobs; ++j)
      decoders.push_back(std::async(std::launch::async, [&] {
        for (std::size_t i = next++; i < clips.size(); i = next++) {
          media::FrameSampler sampler(clips[i], fps);
          media::SampledFrame frame;
          while (sampler.next(frame)) {
          }
          durations[i] = sampler.info().duration;
        }
      }));
    for (auto& d : decoders) d.get();
    double decode_wall = since(start);
    double video = 0;
    for (double d : durations) video += d;
    double decode_rate = video / decode_wall;

    // (c) optimized, the default path.
    scan::ScanOptions fast_options;
    fast_options.fps = fps;
    fast_options.threads = threads;
    fast_options.smallest_face_px = min_face;
    fast_options.approximate = args.has("--approximate");
    PathRun fast = scan_all(clips, targets, fast_options, jobs);

    json out = {{"clips", json::array()},
                {"video_seconds", video},
                {"sample_fps", fps},
                {"threads", threads},
                {"jobs", jobs},
                {"min_face", min_face},
                {"approximate", fast_options.approximate},
                {"hardware_threads", std::thread::hardware_concurrency()},
                {"decode_only", {{"wall", decode_wall}, {"video_s_per_wall_s", decode_rate}}},
                {"optimized", fast.to_json()},
                {"ratio_optimized_to_decode", fast.video / fast.wall / decode_rate}};
    PathRun slow;
    if (naive) {
      scan::ScanOptions naive_options = fast_options;
      naive_options.exhaustive = true;
      slow = scan_all(clips, targets, naive_options, 1);
      out["naive"] = slow.to_json();
      out["ratio_optimized_to_naive"] = (fast.video / fast.wall) / (slow.video / slow.wall);
    }
    bool all_same = true;
    json fast_truth, slow_truth;
    for (std::size_t i = 0; i < clips.size(); ++i) {
      json c = {{"file", clips[i].string()},
                {"detector_input", fast.results[i].detector_input},
                {"optimized", intervals(fast.results[i].appearances)},
                {"optimized_vs_truth", against_truth(fast.results[i].appearances, truth[i])}};
      add_truth(fast_truth, c["optimized_vs_truth"]);
      if (naive) {
        bool same = same_appearances(slow.results[i].appearances, fast.results[i].appearances);
        all_same = all_same && same;
        c["naive"] = intervals(slow.results[i].appearances);
        c["naive_vs_truth"] = against_truth(slow.results[i].appearances, truth[i]);
        add_truth(slow_truth, c["naive_vs_truth"]);
        c["same_appearances"] = same;
      }
      out["clips"].push_back(c);
    }
    out["optimized_vs_truth"] = fast_truth;
    if (naive) {
      out["same_appearances"] = all_same;
      out["naive_vs_truth"] = slow_truth;
    }
    std::cout << out.dump(2) << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "bench_speed: " << e.what() << "\n";
    return 2;
  }
}
