#include "scan/aggregate.h"

#include <algorithm>

namespace tw::scan {

AppearanceAggregator::AppearanceAggregator(AggregationOptions options, double sample_period,
                                           bool keep_pixels)
    : options_(options), sample_period_(sample_period), keep_pixels_(keep_pixels) {}

void AppearanceAggregator::add_frame(std::int64_t sample_index, double time,
                                     const std::vector<FrameHit>& hits, const cv::Mat& frame) {
  // Close appearances whose gap has grown too long.
  for (auto it = open_.begin(); it != open_.end();) {
    if (sample_index - it->second.last_hit_index > options_.max_gap + 1) {
      close(it->second);
      it = open_.erase(it);
    } else {
      ++it;
    }
  }
  for (const FrameHit& hit : hits) {
    auto it = open_.find(hit.target);
    if (it == open_.end()) {
      Open fresh;
      fresh.evidence.appearance.target = hit.target;
      fresh.evidence.appearance.start = time;
      it = open_.emplace(hit.target, std::move(fresh)).first;
    }
    Open& open = it->second;
    Appearance& a = open.evidence.appearance;
    a.frames += 1;
    open.last_hit_index = sample_index;
    open.last_hit_time = time;
    if (!hit.descriptor.empty()) open.evidence.descriptors.push_back(hit.descriptor);
    if (a.frames == 1 || hit.score > a.best_score) {
      a.best_score = hit.score;
      a.best_distance = hit.distance;
      a.best_time = time;
      a.box = hit.box;
      open.evidence.best_descriptor = hit.descriptor;
      if (keep_pixels_) {
        open.evidence.best_frame = frame.clone();
        open.evidence.best_crop = hit.crop.clone();
      }
    }
  }
}

bool AppearanceAggregator::has_confirmed() const {
  if (!closed_.empty()) return true;
  for (const auto& [name, open] : open_)
    if (open.evidence.appearance.frames >= std::max(1, options_.min_frames)) return true;
  return false;
}

void AppearanceAggregator::close(Open& open) {
  Appearance& a = open.evidence.appearance;
  if (a.frames < std::max(1, options_.min_frames)) return;
  a.end = open.last_hit_time + sample_period_;
  closed_.push_back(std::move(open.evidence));
}

std::vector<AppearanceEvidence> AppearanceAggregator::finish(double duration) {
  for (auto& [name, open] : open_) close(open);
  open_.clear();
  std::vector<AppearanceEvidence> out = std::move(closed_);
  closed_.clear();
  for (auto& e : out) {
    Appearance& a = e.appearance;
    if (duration > 0) a.end = std::min(a.end, duration);
    a.end = std::max(a.end, a.start);
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& x, const auto& y) {
    return x.appearance.start != y.appearance.start ? x.appearance.start < y.appearance.start
                                                    : x.appearance.target < y.appearance.target;
  });
  return out;
}

}  // namespace tw::scan
