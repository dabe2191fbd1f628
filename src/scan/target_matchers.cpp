#include "scan/target_matchers.h"

#include <algorithm>

#include "scan/evidence.h"

namespace tw::scan {
namespace {

// Targets of one kind, in their given order.
std::vector<targets::Target> of_kind(const std::vector<targets::Target>& all,
                                     targets::TargetKind kind) {
  std::vector<targets::Target> out;
  for (const auto& t : all)
    if (t.kind == kind) out.push_back(t);
  return out;
}

std::vector<std::string> names_of(const std::vector<targets::Target>& targets) {
  std::vector<std::string> out;
  for (const auto& t : targets) out.push_back(t.name);
  return out;
}

}  // namespace

TargetMatchers::TargetMatchers(const models::ModelDir& models,
                               const std::vector<targets::Target>& targets,
                               std::optional<float> threshold_override)
    : faces_(of_kind(targets, targets::TargetKind::face), threshold_override),
      classifiers_(models, targets),
      face_target_names_(names_of(faces_.targets())),
      classifier_names_(names_of(of_kind(targets, targets::TargetKind::classifier))) {
  for (auto& t : of_kind(targets, targets::TargetKind::image)) {
    vision::ImageMatchOptions options;
    options.min_inliers = t.min_inliers;
    images_.push_back({t.name, vision::ImageMatcher(std::move(t.image_features), options)});
  }
}

bool TargetMatchers::scans_faces() const {
  const bool only_other_kinds = !images_.empty() || !classifiers_.empty();
  return !faces_.targets().empty() || classifiers_.wants_faces() || !only_other_kinds;
}

std::vector<FrameHit> TargetMatchers::face_hits(const cv::Mat& frame,
                                                const std::vector<DescribedFace>& faces,
                                                StageTimings& timings) const {
  std::vector<FrameHit> hits;
  if (faces.empty()) return hits;
  {
    StageTimer timer(timings.match);
    for (const DescribedFace& face : faces) {
      std::optional<FaceMatch> m = faces_.match(face.descriptor);
      if (!m) continue;
      const std::string& name = face_target_names_[m->target_index];
      auto same = std::find_if(hits.begin(), hits.end(),
                               [&](const FrameHit& h) { return h.target == name; });
      FrameHit hit{
          name,           m->score, m->distance, face.box, region_around(frame, face.box, 0.25f),
          face.descriptor};
      if (same == hits.end())
        hits.push_back(std::move(hit));
      else if (hit.score > same->score)
        *same = std::move(hit);
    }
  }
  if (classifiers_.wants_faces()) {
    StageTimer timer(timings.classify);
    std::vector<Box> boxes;
    std::vector<Descriptor> descriptors;
    for (const DescribedFace& face : faces) {
      boxes.push_back(face.box);
      descriptors.push_back(face.descriptor);
    }
    for (auto& hit : classifiers_.match_faces(frame, boxes, descriptors))
      hits.push_back(std::move(hit));
  }
  return hits;
}

void TargetMatchers::add_frame_hits(const cv::Mat& frame, std::vector<FrameHit>& hits,
                                    StageTimings& timings) const {
  if (!classifiers_.empty()) {
    StageTimer timer(timings.classify);
    for (auto& hit : classifiers_.match_frame(frame)) hits.push_back(std::move(hit));
  }
  if (images_.empty()) return;
  StageTimer timer(timings.images);
  vision::FrameFeatures features = vision::frame_features(frame);
  for (const auto& named : images_) {
    std::optional<vision::ImageMatch> m = named.matcher.match(features);
    if (!m) continue;
    // distance: the share of ratio-test matches RANSAC rejected.
    const float distance = 1.f - static_cast<float>(m->inliers) / std::max(1, m->good_matches);
    hits.push_back(
        {named.target, m->score, distance, m->box, region_around(frame, m->box, 0.05f), {}});
  }
}

}  // namespace tw::scan
