#include "scan/aggregate.h"

#include <algorithm>

namespace tw::scan {

AppearanceAggregator::AppearanceAggregator(AggregationOptions options, double sample_period,
                                           bool keep_pixels)
    : options_(options), sample_period_(sample_period), keep_pixels_(keep_pixels) {}

void AppearanceAggregator::add_frame(std::int64_t sample_index, double time,
                                     const std::vector<FrameHit>& hits, const cv::Mat& frame) {
  // Close runs whose gap has grown too long.
  for (auto it = open_.begin(); it != open_.end();) {
    if (sample_index - it->second.last_hit_index > options_.max_gap + 1) {
      pieces_.push_back(std::move(it->second));
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
      fresh.first_hit_index = sample_index;
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

void AppearanceAggregator::add_span(HitSpan span) {
  Open piece;
  Appearance& a = piece.evidence.appearance;
  a.target = span.best.target;
  a.start = span.first_time;
  a.frames = span.frames;
  a.best_score = span.best.score;
  a.best_distance = span.best.distance;
  a.best_time = span.best_time;
  a.box = span.best.box;
  a.tracks = 1;
  a.track_frames = span.frames;
  a.matched_frames = span.matched_frames;
  a.template_score = span.template_score;
  a.template_distance = span.template_distance;
  piece.evidence.best_descriptor = span.best.descriptor;
  piece.evidence.descriptors = std::move(span.descriptors);
  if (keep_pixels_) {
    piece.evidence.best_frame = std::move(span.best_frame);
    piece.evidence.best_crop = std::move(span.best.crop);
  }
  piece.first_hit_index = span.first_index;
  piece.last_hit_index = span.last_index;
  piece.last_hit_time = span.last_time;
  pieces_.push_back(std::move(piece));
}

bool AppearanceAggregator::enough(const Open& open) const {
  return open.evidence.appearance.frames >= std::max(1, options_.min_frames);
}

bool AppearanceAggregator::has_confirmed() const {
  for (const Open& piece : pieces_)
    if (enough(piece)) return true;
  for (const auto& [name, open] : open_)
    if (enough(open)) return true;
  return false;
}

std::vector<AppearanceEvidence> AppearanceAggregator::finish(double duration) {
  for (auto& [name, open] : open_) pieces_.push_back(std::move(open));
  open_.clear();
  // Pieces of one target, in time order, merge while the gap between them
  // is within max_gap sampled frames (runs of frame hits never do: a run
  // closes only at a longer gap).
  std::stable_sort(pieces_.begin(), pieces_.end(), [](const Open& x, const Open& y) {
    const Appearance &a = x.evidence.appearance, &b = y.evidence.appearance;
    return a.target != b.target ? a.target < b.target : x.first_hit_index < y.first_hit_index;
  });
  std::vector<Open> merged;
  for (Open& piece : pieces_) {
    Open* last = merged.empty() ? nullptr : &merged.back();
    if (!last || last->evidence.appearance.target != piece.evidence.appearance.target ||
        piece.first_hit_index - last->last_hit_index > options_.max_gap + 1) {
      merged.push_back(std::move(piece));
      continue;
    }
    Appearance& into = last->evidence.appearance;
    const Appearance& from = piece.evidence.appearance;
    into.frames += from.frames;
    into.tracks += from.tracks;
    into.track_frames += from.track_frames;
    into.matched_frames += from.matched_frames;
    if (from.template_score > into.template_score) {
      into.template_score = from.template_score;
      into.template_distance = from.template_distance;
    }
    if (from.best_score > into.best_score) {
      into.best_score = from.best_score;
      into.best_distance = from.best_distance;
      into.best_time = from.best_time;
      into.box = from.box;
      last->evidence.best_descriptor = std::move(piece.evidence.best_descriptor);
      last->evidence.best_frame = std::move(piece.evidence.best_frame);
      last->evidence.best_crop = std::move(piece.evidence.best_crop);
    }
    for (auto& d : piece.evidence.descriptors) last->evidence.descriptors.push_back(std::move(d));
    if (piece.last_hit_index > last->last_hit_index) {
      last->last_hit_index = piece.last_hit_index;
      last->last_hit_time = piece.last_hit_time;
    }
  }
  pieces_.clear();

  std::vector<AppearanceEvidence> out;
  for (Open& open : merged) {
    if (!enough(open)) continue;
    Appearance& a = open.evidence.appearance;
    a.end = open.last_hit_time + sample_period_;
    if (duration > 0) a.end = std::min(a.end, duration);
    a.end = std::max(a.end, a.start);
    out.push_back(std::move(open.evidence));
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& x, const auto& y) {
    return x.appearance.start != y.appearance.start ? x.appearance.start < y.appearance.start
                                                    : x.appearance.target < y.appearance.target;
  });
  return out;
}

}  // namespace tw::scan
