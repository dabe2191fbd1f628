#include "scan/scene_gate.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>

namespace tw::scan {

namespace {
constexpr int kThumbnailDivisor = 8;
}

cv::Mat scene_thumbnail(const cv::Mat& bgr) {
  if (bgr.empty()) return {};
  cv::Size size(std::max(1, bgr.cols / kThumbnailDivisor),
                std::max(1, bgr.rows / kThumbnailDivisor));
  cv::Mat small, gray;
  cv::resize(bgr, small, size, 0, 0, cv::INTER_AREA);
  if (small.channels() == 1) return small;
  cv::cvtColor(small, gray, small.channels() == 4 ? cv::COLOR_BGRA2GRAY : cv::COLOR_BGR2GRAY);
  return gray;
}

SceneChange scene_change(const cv::Mat& reference, const cv::Mat& thumbnail, int cell_px) {
  if (reference.empty() || reference.size() != thumbnail.size() ||
      reference.type() != thumbnail.type())
    return {255.f, 255.f};
  cv::Mat diff;
  cv::absdiff(reference, thumbnail, diff);
  const int cell = std::max(1, cell_px / kThumbnailDivisor);
  cv::Mat cells;
  cv::resize(diff, cells, cv::Size(std::max(1, diff.cols / cell), std::max(1, diff.rows / cell)), 0,
             0, cv::INTER_AREA);
  double largest = 0;
  cv::minMaxLoc(cells, nullptr, &largest);
  return {static_cast<float>(largest), static_cast<float>(cv::mean(diff)[0])};
}

bool SceneGate::must_analyse(const cv::Mat& thumbnail) {
  if (reference_.empty() || thumbnail.empty()) {
    cut_ = true;
    return true;
  }
  SceneChange change = scene_change(reference_, thumbnail, options_.cell_px);
  cut_ = change.whole_frame > options_.cut_change;
  if (!options_.enabled || change.largest_cell > options_.cell_change ||
      skipped_ >= options_.max_skipped)
    return true;
  ++skipped_;
  return false;
}

void SceneGate::analysed(const cv::Mat& thumbnail) {
  reference_ = thumbnail;
  skipped_ = 0;
}

}  // namespace tw::scan
