// `trendwatch scan VIDEO_OR_URL...`: find enrolled targets in videos.
// Output: a table (text), JSON Lines (one object per input, printed as each
// input finishes, so a long run streams), or CSV (one row per appearance).
// Exit 0 when any target was found, 1 when none, 2 when any input failed
// (the other inputs are still scanned and reported).
//
// Settings come from the config's [scan] section (--config FILE, else
// $TRENDWATCH_HOME/trendwatch.toml when present), and a flag given on the
// command line overrides its key; without either, the flags' defaults.
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "cli/command.h"
#include "core/config.h"
#include "core/errors.h"
#include "core/home.h"
#include "models/model_dir.h"
#include "scan/scan_job.h"
#include "scan/scanner.h"
#include "sources/fetch.h"

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// Unset optionals leave the config's [scan] key (or its default) alone.
struct ScanArgs {
  std::vector<std::string> inputs;
  std::vector<std::string> targets;
  std::optional<std::string> config;
  std::optional<double> fps;
  std::string format = "text";
  std::string evidence;
  std::optional<float> threshold;
  std::optional<int> min_frames;
  int max_gap = 2;
  bool exhaustive = false;
  int threads = 0;
  std::optional<float> min_face;
  bool first_hit = false;
  bool approximate = false;
  int jobs = 0;  // 0: one per core (at most 8)
  std::optional<std::string> download_timeout;
  std::optional<double> max_download_mb;
  std::optional<std::string> max_download;
};

double rounded(double v, int digits = 3) {
  double f = std::pow(10.0, digits);
  return std::round(v * f) / f;
}

bool is_url(const std::string& s) {
  return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0;
}

json appearance_json(const tw::Appearance& a) {
  json evidence = nullptr;
  if (!a.evidence_frame.empty() || !a.evidence_crop.empty())
    evidence = {{"frame", a.evidence_frame}, {"crop", a.evidence_crop}};
  return {{"target", a.target},
          {"start", rounded(a.start)},
          {"end", rounded(a.end)},
          {"best_time", rounded(a.best_time)},
          {"score", rounded(a.best_score)},
          {"distance", rounded(a.best_distance)},
          {"box",
           {{"x", rounded(a.box.x, 1)},
            {"y", rounded(a.box.y, 1)},
            {"width", rounded(a.box.width, 1)},
            {"height", rounded(a.box.height, 1)}}},
          {"frames", a.frames},
          {"evidence", evidence}};
}

json result_json(const tw::scan::ScanResult& r) {
  json appearances = json::array();
  for (const auto& a : r.appearances) appearances.push_back(appearance_json(a));
  json out = {{"input", r.input},
              {"duration", rounded(r.duration)},
              {"frames_sampled", r.frames_sampled},
              {"faces", r.faces},
              {"frames_analyzed", r.frames_analysed},
              {"faces_embedded", r.faces_embedded},
              {"faces_confirmed", r.faces_confirmed},
              {"detector_input", r.detector_input},
              {"stopped_early", r.stopped_early},
              {"appearances", appearances},
              {"timings", tw::scan::timings_json(r.timings)}};
  if (!r.error.empty()) out["error"] = r.error;
  return out;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

void print_csv_rows(const tw::scan::ScanResult& r) {
  for (const auto& a : r.appearances)
    std::printf("%s,%s,%.3f,%.3f,%.3f,%.3f,%.3f,%.1f,%.1f,%.1f,%.1f,%d,%s,%s\n",
                csv_field(r.input).c_str(), csv_field(a.target).c_str(), a.start, a.end,
                a.best_time, a.best_score, a.best_distance, a.box.x, a.box.y, a.box.width,
                a.box.height, a.frames, csv_field(a.evidence_frame).c_str(),
                csv_field(a.evidence_crop).c_str());
  std::fflush(stdout);
}

void print_table(const tw::scan::ScanResult& r) {
  std::printf("%s: %.1f s, %lld frames sampled, %zu appearance%s\n", r.input.c_str(), r.duration,
              static_cast<long long>(r.frames_sampled), r.appearances.size(),
              r.appearances.size() == 1 ? "" : "s");
  if (!r.appearances.empty()) {
    std::printf("  %-20s %8s %8s %8s %6s %6s %6s  %s\n", "TARGET", "START", "END", "BEST AT",
                "SCORE", "DIST", "FRAMES", "BOX (x,y w x h)");
    for (const auto& a : r.appearances) {
      std::printf("  %-20s %8.2f %8.2f %8.2f %6.2f %6.3f %6d  %.0f,%.0f %.0fx%.0f\n",
                  a.target.c_str(), a.start, a.end, a.best_time, a.best_score, a.best_distance,
                  a.frames, a.box.x, a.box.y, a.box.width, a.box.height);
      if (!a.evidence_frame.empty()) std::printf("    evidence: %s\n", a.evidence_frame.c_str());
      if (!a.evidence_crop.empty()) std::printf("    crop:     %s\n", a.evidence_crop.c_str());
    }
  }
  std::fflush(stdout);
}

// A one-line bar on stderr, redrawn in place; only on a terminal.
class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled) {}
  void update(const std::string& label, double done, double total) {
    if (!enabled_) return;
    double fraction = total > 0 ? std::min(1.0, done / total) : 0;
    int filled = static_cast<int>(fraction * 30);
    std::string bar(filled, '#');
    bar.resize(30, '.');
    std::fprintf(stderr, "\r[%s] %3.0f%% %.50s", bar.c_str(), fraction * 100, label.c_str());
    std::fflush(stderr);
    drawn_ = true;
  }
  void clear() {
    if (!enabled_ || !drawn_) return;
    std::fprintf(stderr, "\r%*s\r", 90, "");
    std::fflush(stderr);
    drawn_ = false;
  }

 private:
  bool enabled_;
  bool drawn_ = false;
};

// One input's outcome, kept until it is its turn to be printed.
struct Outcome {
  std::optional<tw::scan::ScanResult> result;
  std::string error;  // the input failed as a whole
};

// The flags' own checks (the config's keys are checked when it is read).
void check_flags(const ScanArgs& args) {
  if (args.fps && !(*args.fps > 0 && *args.fps <= 60))
    throw tw::InputError("--fps", "must be in (0, 60]");
  if (args.min_frames && *args.min_frames < 1)
    throw tw::InputError("--min-frames", "must be at least 1");
  if (args.min_face && !(*args.min_face >= 0))
    throw tw::InputError("--min-face", "must be 0 or more pixels");
  if (args.jobs < 0) throw tw::InputError("--jobs", "must be at least 1");
  if (args.exhaustive && args.approximate)
    throw tw::InputError("--approximate",
                         "applies to the optimized path; --exhaustive is the reference path");
  if (args.max_download_mb && !(*args.max_download_mb > 0))
    throw tw::InputError("--max-download-mb", "must be more than 0");
}

// A size as [scan] max_video_bytes takes it: bytes, or with a unit
// ("200MB", "2GiB").
std::uint64_t size_flag(const std::string& flag, const std::string& text) {
  std::optional<std::uint64_t> bytes = tw::parse_size(text);
  if (!bytes || *bytes == 0)
    throw tw::InputError(flag, "\"" + text + "\" is not a size (bytes, or e.g. 200MB, 2GiB)");
  return *bytes;
}

// Seconds, or a duration as [scan] download_timeout takes it ("90s", "10m").
tw::Duration duration_flag(const std::string& flag, const std::string& text) {
  std::optional<tw::Duration> duration;
  char* end = nullptr;
  const double seconds = std::strtod(text.c_str(), &end);
  if (!text.empty() && end && *end == '\0' && seconds > 0 && seconds < 1e9)
    duration = std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
  else
    duration = tw::parse_duration(text);
  if (!duration || duration->count() <= 0)
    throw tw::InputError(flag, "\"" + text + "\" is not a duration (seconds, or e.g. 90s, 10m)");
  return *duration;
}

// The config's [scan] with the flags that were given put over it.
tw::ScanConfig scan_config_with_flags(tw::ScanConfig scan, const ScanArgs& args) {
  if (args.fps) scan.fps = *args.fps;
  if (!args.targets.empty()) scan.targets = args.targets;
  if (args.threshold) scan.threshold = *args.threshold;
  if (args.min_frames) scan.min_frames = *args.min_frames;  // wins over min_duration
  if (args.min_face) scan.min_face = *args.min_face;
  if (args.approximate) scan.approximate = true;
  if (args.max_download_mb)
    scan.max_video_bytes = static_cast<std::uint64_t>(*args.max_download_mb * 1e6);
  if (args.max_download) scan.max_video_bytes = size_flag("--max-download", *args.max_download);
  if (args.download_timeout)
    scan.download_timeout = duration_flag("--download-timeout", *args.download_timeout);
  return scan;
}

int run_scan(const ScanArgs& args) {
  check_flags(args);
  const tw::Home home = tw::Home::resolve();
  const tw::ScanConfig config =
      scan_config_with_flags(tw::find_config(args.config, home).scan, args);
  // The reference path is one thread by definition.
  const int jobs = args.exhaustive
                       ? 1
                       : std::min<int>(args.jobs > 0 ? args.jobs : tw::scan::default_jobs(),
                                       static_cast<int>(args.inputs.size()));
  tw::scan::ScanOptions options = tw::scan::scan_options_from(config);
  options.aggregation.max_gap = std::max(0, args.max_gap);
  options.exhaustive = args.exhaustive;
  options.first_hit = args.first_hit;
  options.threads = tw::scan::share_cores(jobs, args.threads);
  if (!args.evidence.empty()) options.evidence_dir = args.evidence;

  ProgressBar progress(jobs == 1 && ::isatty(STDERR_FILENO) && args.format != "json");
  std::string current;
  if (jobs == 1)
    options.progress = [&](double time, double duration) {
      progress.update(current, time, duration);
    };

  const std::vector<tw::targets::Target> targets =
      tw::scan::chosen_targets(home.targets(), config.targets);
  const tw::models::ModelDir models = tw::models::ModelDir::open(home.models());
  std::vector<std::unique_ptr<tw::scan::Scanner>> scanners;
  for (int i = 0; i < jobs; ++i)
    scanners.push_back(std::make_unique<tw::scan::Scanner>(models, targets, options));

  tw::sources::FetchLimits limits = tw::sources::FetchLimits::from(config);
  limits.connect_timeout = std::min(limits.connect_timeout, limits.total_timeout);
  const fs::path download_dir = home.cache() / "downloads";

  auto scan_one = [&](tw::scan::Scanner& scanner, const std::string& input) {
    Outcome outcome;
    try {
      fs::path path =
          is_url(input) ? tw::sources::download_url(input, download_dir, limits) : fs::path(input);
      outcome.result = scanner.scan(path, input);
    } catch (const tw::InputError& e) {
      outcome.error = e.input().empty() || e.input() == input ? e.reason() : e.what();
    } catch (const std::exception& e) {
      // Not bad input but a failure inside (e.g. OpenCV): still one input's
      // error, so the other inputs go on.
      outcome.error = e.what();
    }
    return outcome;
  };

  if (args.format == "csv")
    std::printf(
        "input,target,start,end,best_time,score,distance,box_x,box_y,box_width,box_height,frames,"
        "evidence_frame,evidence_crop\n");
  bool any_error = false, any_found = false;
  auto report = [&](const std::string& input, const Outcome& outcome) {
    progress.clear();
    if (!outcome.result) {
      any_error = true;
      std::cerr << "trendwatch scan: error: " << input << ": " << outcome.error << "\n";
      if (args.format == "json")
        std::cout << json{{"input", input},
                          {"error", outcome.error},
                          {"appearances", json::array()}}
                         .dump()
                  << std::endl;
      return;
    }
    const tw::scan::ScanResult& result = *outcome.result;
    if (!result.appearances.empty()) any_found = true;
    if (!result.error.empty()) {
      any_error = true;
      std::cerr << "trendwatch scan: error: " << input << ": " << result.error << "\n";
    }
    if (args.format == "json")
      std::cout << result_json(result).dump() << std::endl;
    else if (args.format == "csv")
      print_csv_rows(result);
    else
      print_table(result);
  };

  if (jobs == 1) {
    for (const auto& input : args.inputs) {
      current = input;
      report(input, scan_one(*scanners.front(), input));
    }
  } else {
    // Several inputs in flight; each is printed once it and every input
    // before it are done, so the output keeps the inputs' order.
    std::vector<std::optional<Outcome>> outcomes(args.inputs.size());
    std::mutex mutex;
    std::condition_variable done;
    std::atomic<std::size_t> next{0};
    std::vector<std::thread> workers;
    for (int j = 0; j < jobs; ++j)
      workers.emplace_back([&, j] {
        for (std::size_t i = next++; i < args.inputs.size(); i = next++) {
          Outcome outcome = scan_one(*scanners[j], args.inputs[i]);
          std::lock_guard lock(mutex);
          outcomes[i] = std::move(outcome);
          done.notify_all();
        }
      });
    for (std::size_t i = 0; i < args.inputs.size(); ++i) {
      Outcome outcome;
      {
        std::unique_lock lock(mutex);
        done.wait(lock, [&] { return outcomes[i].has_value(); });
        outcome = std::move(*outcomes[i]);
        outcomes[i].reset();
      }
      report(args.inputs[i], outcome);
    }
    for (auto& w : workers) w.join();
  }
  if (any_error) return tw::exit_code::error;
  return any_found ? tw::exit_code::found : tw::exit_code::not_found;
}

const tw::cli::CommandRegistration registration{
    30, [](CLI::App& root, tw::cli::Context& ctx) {
      auto args = std::make_shared<ScanArgs>();
      auto* sub =
          root.add_subcommand("scan", "Find enrolled targets in videos (files or http(s) URLs)");
      sub->footer(
          "Settings: the config's [scan] section (--config, else $TRENDWATCH_HOME/trendwatch.toml "
          "if present);\na flag given here overrides its key.  --max-download-mb N is "
          "--max-download NMB.");
      sub->add_option("VIDEO_OR_URL", args->inputs, "Video files or http(s) URLs")->required();
      sub->add_option("--config", args->config,
                      "trendwatch.toml (default: $TRENDWATCH_HOME/trendwatch.toml if present)");
      sub->add_option("--target", args->targets,
                      "Target to look for (repeatable; default: [scan] targets, else all)")
          ->allow_extra_args(false);
      sub->add_option("--fps", args->fps, "Sampled frames per second of video (default: 5)");
      sub->add_option("--format", args->format,
                      "text (table), json (JSON Lines, one object per input) or csv")
          ->check(CLI::IsMember({"text", "json", "csv"}))
          ->capture_default_str();
      sub->add_option("--evidence", args->evidence,
                      "Write the best frame and face crop of each appearance here");
      sub->add_option("--threshold", args->threshold,
                      "Max descriptor distance (overrides the targets')")
          ->check(CLI::PositiveNumber & CLI::Range(0.0, 2.0));
      sub->add_option("--min-frames", args->min_frames,
                      "Sampled frames an appearance needs (default: 2)");
      sub->add_option("--max-gap", args->max_gap,
                      "Sampled frames without a hit inside one appearance")
          ->capture_default_str();
      sub->add_flag("--exhaustive", args->exhaustive,
                    "Reference path: every sampled frame fully processed on one thread");
      sub->add_option("--threads", args->threads,
                      "Inference threads per video (0: all cores for one video, an equal "
                      "share of them per job with --jobs)");
      sub->add_option("--min-face", args->min_face,
                      "Smallest face (pixels) that must be found; larger is faster, smaller "
                      "faces may be missed (0: the detector's full input; default: 64)");
      sub->add_flag("--first-hit", args->first_hit,
                    "Stop each video at its first confident appearance (alert-only scans)");
      sub->add_flag("--approximate", args->approximate,
                    "About 40% faster: faces that narrowly miss are not re-checked at the "
                    "reference scale and tracked faces keep their decision for a few frames "
                    "(frame-by-frame decisions then differ from --exhaustive)");
      sub->add_option(
          "--jobs", args->jobs,
          "Videos scanned at once (0 or unset: one per core, at most 8; --exhaustive: 1)");
      sub->add_option("--download-timeout", args->download_timeout,
                      "Time allowed for downloading a URL: seconds, or e.g. 90s, 10m (default: "
                      "10m)");
      auto* mb = sub->add_option("--max-download-mb", args->max_download_mb,
                                 "Size limit of a downloaded video in MB (default: 500)");
      sub->add_option("--max-download", args->max_download,
                      "Size limit of a downloaded video: bytes, or e.g. 200MB, 2GiB")
          ->excludes(mb);
      sub->callback([args, &ctx] {
        ctx.exit_code = tw::cli::guarded("scan", [&] { return run_scan(*args); });
      });
    }};

}  // namespace
