#include "scan/scan_job.h"

#include <nlohmann/json.hpp>
#include <opencv2/core/utility.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include "core/errors.h"
#include "targets/target_store.h"

namespace tw::scan {

ScanOptions scan_options_from(const ScanConfig& config) {
  ScanOptions o;
  o.fps = config.fps;
  if (config.threshold) o.threshold = static_cast<float>(*config.threshold);
  if (config.min_frames) {
    o.aggregation.min_frames = *config.min_frames;
  } else if (config.min_duration) {
    const double seconds = std::chrono::duration<double>(*config.min_duration).count();
    o.aggregation.min_frames = std::max(1, static_cast<int>(std::ceil(seconds * o.fps)));
  }
  if (config.min_face) o.smallest_face_px = static_cast<float>(*config.min_face);
  o.approximate = config.approximate;
  return o;
}

std::vector<targets::Target> chosen_targets(const std::filesystem::path& targets_dir,
                                            const std::vector<std::string>& names) {
  targets::TargetStore folder(targets_dir);
  std::vector<targets::Target> chosen;
  if (names.empty()) {
    chosen = folder.load_all();
  } else {
    for (const auto& name : names) chosen.push_back(folder.load(name));
  }
  if (chosen.empty())
    throw InputError(targets_dir.string(),
                     "no targets enrolled (use `trendwatch target add NAME --photos PATH...`)");
  return chosen;
}

int default_jobs() {
  return std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, 8);
}

int share_cores(int jobs, int threads_per_job) {
  if (jobs <= 1) return threads_per_job;
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  cv::setNumThreads(threads_per_job > 0 ? threads_per_job : std::max(1, cores / jobs));
  return 0;
}

nlohmann::ordered_json timings_json(const StageTimings& t) {
  auto ms = [](double seconds) { return std::round(seconds * 1000) / 1000; };
  return {{"decode", ms(t.decode)},     {"detect", ms(t.detect)}, {"align", ms(t.align)},
          {"embed", ms(t.embed)},       {"match", ms(t.match)},   {"images", ms(t.images)},
          {"classify", ms(t.classify)}, {"wall", ms(t.wall)}};
}

}  // namespace tw::scan
