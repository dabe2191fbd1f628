#include "scan/face_tracks.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

#include "scan/evidence.h"
#include "targets/threshold.h"
#include "vision/face_embedder.h"

namespace tw::scan {
namespace {

float norm_of(const Descriptor& d) {
  double sum = 0;
  for (float v : d) sum += double(v) * v;
  return static_cast<float>(std::sqrt(sum));
}

float centre_step(const Box& a, const Box& b) {
  const float dx = (a.x + a.width / 2) - (b.x + b.width / 2);
  const float dy = (a.y + a.height / 2) - (b.y + b.height / 2);
  return std::sqrt(dx * dx + dy * dy) / std::max(1.f, std::max(a.width, b.width));
}

}  // namespace

Descriptor track_template(std::span<const TrackSample> samples) {
  Descriptor sum;
  double weights = 0, norms = 0;
  int described = 0;
  for (const TrackSample& s : samples) {
    const float n = norm_of(s.descriptor);
    if (!(n > 0)) continue;
    if (sum.empty()) sum.assign(s.descriptor.size(), 0.f);
    if (sum.size() != s.descriptor.size()) continue;
    const float w = s.quality.weight();
    for (std::size_t k = 0; k < sum.size(); ++k) sum[k] += w * s.descriptor[k] / n;
    weights += w;
    norms += n;
    ++described;
  }
  if (described == 0 || !(weights > 0)) return {};
  // A unit vector, scaled to the samples' mean length so that it compares
  // with the galleries' descriptors as one of the samples would.
  const float length = norm_of(sum);
  if (!(length > 0)) return {};
  const float scale = static_cast<float>(norms / described) / length;
  for (float& v : sum) v *= scale;
  return sum;
}

TrackScore score_track(const FaceMatcher& matcher, std::size_t target,
                       std::span<const TrackSample> samples, const Descriptor& track_template,
                       const TrackRule& rule) {
  TrackScore score;
  const float threshold = matcher.threshold_of(target);
  std::vector<float> distances;
  float best = 1e9f;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    if (samples[i].descriptor.empty()) continue;
    const float d = matcher.distance_to(target, samples[i].descriptor);
    distances.push_back(d);
    if (d <= threshold) ++score.matched_frames;
    if (d < best) {
      best = d;
      score.best_sample = i;
    }
  }
  score.distances = distances;
  if (distances.empty() || track_template.empty()) {
    score.template_distance = score.best_frames_distance = 1e9f;
    return score;
  }
  score.template_distance = matcher.distance_to(target, track_template);
  const std::size_t k =
      std::min(distances.size(), static_cast<std::size_t>(std::max(1, rule.best_frames)));
  std::partial_sort(distances.begin(), distances.begin() + k, distances.end());
  score.best_frames_distance =
      std::accumulate(distances.begin(), distances.begin() + k, 0.f) / static_cast<float>(k);
  score.matches = score.template_distance <= threshold + rule.template_margin &&
                  score.best_frames_distance <= threshold + rule.best_frames_margin &&
                  !matcher.closer_to_a_negative(target, track_template, score.template_distance);
  return score;
}

FaceTracks::FaceTracks(const FaceMatcher& matcher, std::vector<std::string> names,
                       FaceTrackOptions options, bool keep_pixels)
    : matcher_(matcher), names_(std::move(names)), options_(options), keep_pixels_(keep_pixels) {}

std::optional<float> FaceTracks::fit(const DescribedFace& face, const Box& box,
                                     const Descriptor& descriptor) const {
  if (!face.descriptor.empty() && !descriptor.empty() &&
      vision::descriptor_distance(face.descriptor, descriptor) > options_.max_descriptor_step)
    return std::nullopt;
  const float overlap = iou(face.box, box);
  const float ratio = face.box.width / std::max(1.f, box.width);
  const bool near =
      centre_step(face.box, box) <= options_.max_centre_step && ratio > 1 / 1.5f && ratio < 1.5f;
  if (overlap < options_.min_iou && !near) return std::nullopt;
  // Overlap first; a near face without overlap ranks below any overlap.
  return overlap >= options_.min_iou ? 1.f + overlap : 1.f - centre_step(face.box, box);
}

int FaceTracks::continued_by(const DescribedFace& face, const std::vector<bool>& taken) const {
  int best = -1;
  float best_fit = 0;
  for (std::size_t k = 0; k < open_.size(); ++k) {
    if (taken[k]) continue;
    const std::optional<float> f = fit(face, open_[k].last_box, open_[k].last_descriptor);
    if (f && (best < 0 || *f > best_fit)) {
      best = static_cast<int>(k);
      best_fit = *f;
    }
  }
  return best;
}

bool FaceTracks::may_match(const Descriptor& descriptor) const {
  for (std::size_t t = 0; t < names_.size(); ++t)
    if (matcher_.distance_to(t, descriptor) <= matcher_.threshold_of(t) + options_.look_back_reach)
      return true;
  return false;
}

// Walks back from the track's first frame while the same face is found
// (through up to max_missed frames without it, as inside a track), each
// step compared with the face found after it.
void FaceTracks::look_back(Track& track) {
  Box box = track.first_box;
  Descriptor descriptor = track.samples.front().descriptor;
  for (auto it = earlier_.rbegin(); it != earlier_.rend(); ++it) {
    if (track.first_index - it->index > options_.max_missed + 1) break;
    std::optional<float> best_fit;
    const DescribedFace* best = nullptr;
    const std::vector<DescribedFace> found = look_again_(it->frame, box);
    for (const DescribedFace& face : found) {
      const std::optional<float> f = fit(face, box, descriptor);
      if (f && (!best_fit || *f > *best_fit)) {
        best_fit = f;
        best = &face;
      }
    }
    if (!best) continue;
    track.first_index = it->index;
    track.first_time = it->time;
    track.first_box = box = best->box;
    track.frames += 1;
    descriptor = best->descriptor;
  }
}

void FaceTracks::sample(Track& track, std::int64_t index, double time, const DescribedFace& face,
                        const cv::Mat& frame) {
  TrackSample s{index, time, face.box, face.descriptor, face.quality};
  track.samples.push_back(s);
  track.last_descriptor = face.descriptor;
  if (track.best.empty()) track.best.resize(names_.size());
  // The face closest to each target, with its pixels when it could decide a
  // match (within the rule's reach of the threshold).
  for (std::size_t t = 0; t < names_.size(); ++t) {
    const float d = matcher_.distance_to(t, face.descriptor);
    Best& best = track.best[t];
    if (!(d < best.distance)) continue;
    best.distance = d;
    best.time = time;
    const float threshold = matcher_.threshold_of(t);
    best.hit =
        FrameHit{names_[t],      targets::face_match_score(d, threshold), d, face.box, cv::Mat(),
                 face.descriptor};
    const float reach = std::max(options_.rule.template_margin, options_.rule.best_frames_margin);
    if (keep_pixels_ && d <= threshold + reach + 0.1f) {
      best.hit.crop = region_around(frame, face.box, 0.25f).clone();
      best.frame = frame.clone();
    }
  }
}

void FaceTracks::look_back_with(LookAgain look_again) {
  look_again_ = std::move(look_again);
}

void FaceTracks::add_frame(std::int64_t index, double time, const std::vector<DescribedFace>& faces,
                           bool reused, const cv::Mat& frame) {
  // Tracks unseen for too long end first: a face now cannot continue them.
  for (auto it = open_.begin(); it != open_.end();) {
    if (index - it->last_index > options_.max_missed + 1) {
      end(*it);
      it = open_.erase(it);
    } else {
      ++it;
    }
  }
  std::vector<bool> taken(open_.size(), false);
  std::vector<Track> started;
  for (const DescribedFace& face : faces) {
    const int k = continued_by(face, taken);
    Track* track = nullptr;
    if (k >= 0) {
      taken[k] = true;
      track = &open_[k];
    } else {
      started.emplace_back();
      track = &started.back();
      track->first_index = index;
      track->first_time = time;
      track->first_box = face.box;
    }
    track->last_box = face.box;
    track->last_index = index;
    track->last_time = time;
    track->frames += 1;
    // A re-used descriptor adds nothing new, unless the track has none yet.
    if (!face.descriptor.empty() && ((!reused && !face.reused) || track->samples.empty()))
      sample(*track, index, time, face, frame);
  }
  for (Track& t : started) {
    if (look_again_ && !t.samples.empty() && may_match(t.samples.front().descriptor)) look_back(t);
    open_.push_back(std::move(t));
  }
  if (look_again_ && options_.look_back > 0) {
    earlier_.push_back({index, time, frame});
    while (earlier_.size() > static_cast<std::size_t>(options_.look_back)) earlier_.pop_front();
  }
}

std::optional<TrackOutcome> FaceTracks::decide(Track& track) {
  const Descriptor templ = track_template(track.samples);
  DecidedTrack record{static_cast<int>(track.samples.size()),
                      track.frames,
                      track.first_time,
                      track.last_time,
                      track.first_box,
                      {}};
  std::optional<TrackOutcome> out;
  for (std::size_t t = 0; t < names_.size(); ++t) {
    TrackScore score = score_track(matcher_, t, track.samples, templ, options_.rule);
    record.scores.push_back(score);
    if (!score.matches) continue;
    // A face is one person: the target whose gallery the template is
    // closest to.
    if (out && out->score.template_distance <= score.template_distance) continue;
    TrackOutcome o;
    o.score = score;
    HitSpan& span = o.span;
    span.first_index = track.first_index;
    span.last_index = track.last_index;
    span.first_time = track.first_time;
    span.last_time = track.last_time;
    span.frames = track.frames;
    span.matched_frames = score.matched_frames;
    span.template_distance = score.template_distance;
    span.template_score =
        targets::face_match_score(score.template_distance, matcher_.threshold_of(t));
    if (t < track.best.size()) {
      span.best = track.best[t].hit;
      span.best_time = track.best[t].time;
      span.best_frame = track.best[t].frame;
    }
    span.best.target = names_[t];
    out = std::move(o);
  }
  if (out)
    for (const TrackSample& s : track.samples) out->span.descriptors.push_back(s.descriptor);
  history_.push_back(std::move(record));
  return out;
}

void FaceTracks::end(Track& track) {
  if (std::optional<TrackOutcome> outcome = decide(track)) decided_.push_back(std::move(*outcome));
}

std::vector<TrackOutcome> FaceTracks::take_decided() {
  return std::exchange(decided_, {});
}

bool FaceTracks::has_open_match(int min_frames) const {
  for (const Track& track : open_) {
    if (track.frames < min_frames) continue;
    const Descriptor templ = track_template(track.samples);
    for (std::size_t t = 0; t < names_.size(); ++t)
      if (score_track(matcher_, t, track.samples, templ, options_.rule).matches) return true;
  }
  return false;
}

void FaceTracks::finish() {
  for (Track& track : open_) end(track);
  open_.clear();
}

}  // namespace tw::scan
