#include "scan/classifier_matcher.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <tuple>

#include "core/errors.h"
#include "core/hash.h"
#include "scan/evidence.h"
#include "vision/onnx_backbone.h"

namespace fs = std::filesystem;

namespace tw::scan {
namespace {

struct ScoredTarget {
  std::string name;
  targets::ClassifierHead head;
  float threshold = 0.5f;
};

// Classifiers that share one ONNX backbone (same file, size, mean, std) run
// it once per frame.
struct BackboneGroup {
  std::unique_ptr<vision::OnnxBackbone> backbone;
  std::vector<ScoredTarget> targets;
};

using BackboneKey = std::tuple<std::string, int, int, std::array<float, 3>, std::array<float, 3>>;

std::unique_ptr<vision::OnnxBackbone> load_backbone(const targets::Target& t) {
  const targets::BackboneSpec& spec = t.classifier.backbone;
  std::error_code ec;
  if (!fs::is_regular_file(spec.path, ec))
    throw InputError(t.name, "its backbone " + spec.path + " is missing");
  if (sha256_file(spec.path) != spec.sha256)
    throw InputError(t.name, "its backbone " + spec.path +
                                 " changed since training (SHA-256 differs); train it again");
  vision::OnnxBackboneOptions options;
  options.input_width = spec.input_width;
  options.input_height = spec.input_height;
  options.mean = spec.mean;
  options.std = spec.std;
  try {
    auto backbone = std::make_unique<vision::OnnxBackbone>(spec.path, options);
    if (backbone->feature_size() != spec.feature_size)
      throw InputError(t.name, "its backbone now gives " +
                                   std::to_string(backbone->feature_size()) + " features, not " +
                                   std::to_string(spec.feature_size));
    return backbone;
  } catch (const InputError& e) {
    if (e.input() == t.name) throw;
    throw InputError(t.name, "its backbone cannot be used: " + std::string(e.what()));
  }
}

}  // namespace

struct ClassifierMatcher::Impl {
  std::vector<ScoredTarget> face_targets;
  std::vector<BackboneGroup> frame_groups;
};

ClassifierMatcher::ClassifierMatcher(const models::ModelDir&,
                                     const std::vector<targets::Target>& all)
    : impl_(std::make_unique<Impl>()) {
  std::map<BackboneKey, std::size_t> group_of;
  for (const auto& t : all) {
    if (t.kind != targets::TargetKind::classifier) continue;
    const targets::BackboneSpec& spec = t.classifier.backbone;
    ScoredTarget scored{t.name, t.classifier.head, t.threshold};
    if (spec.is_face()) {
      impl_->face_targets.push_back(std::move(scored));
      continue;
    }
    BackboneKey key{spec.sha256, spec.input_width, spec.input_height, spec.mean, spec.std};
    auto it = group_of.find(key);
    if (it == group_of.end()) {
      it = group_of.emplace(key, impl_->frame_groups.size()).first;
      impl_->frame_groups.push_back({load_backbone(t), {}});
    }
    impl_->frame_groups[it->second].targets.push_back(std::move(scored));
  }
}

ClassifierMatcher::~ClassifierMatcher() = default;
ClassifierMatcher::ClassifierMatcher(ClassifierMatcher&&) noexcept = default;
ClassifierMatcher& ClassifierMatcher::operator=(ClassifierMatcher&&) noexcept = default;

bool ClassifierMatcher::empty() const {
  return impl_->face_targets.empty() && impl_->frame_groups.empty();
}

bool ClassifierMatcher::wants_faces() const {
  return !impl_->face_targets.empty();
}

std::vector<FrameHit> ClassifierMatcher::match_faces(
    const cv::Mat& frame, const std::vector<Box>& boxes,
    const std::vector<Descriptor>& descriptors) const {
  std::vector<FrameHit> hits;
  const std::size_t faces = std::min(boxes.size(), descriptors.size());
  for (const auto& t : impl_->face_targets) {
    std::size_t best = faces;
    float best_p = 0;
    for (std::size_t i = 0; i < faces; ++i) {
      if (static_cast<int>(descriptors[i].size()) != t.head.input_size()) continue;
      float p = t.head.probability(descriptors[i]);
      if (p >= t.threshold && p > best_p) {
        best_p = p;
        best = i;
      }
    }
    if (best == faces) continue;
    hits.push_back({t.name, best_p, 1.f - best_p, boxes[best],
                    region_around(frame, boxes[best], 0.25f), descriptors[best]});
  }
  return hits;
}

std::vector<FrameHit> ClassifierMatcher::match_frame(const cv::Mat& frame) const {
  std::vector<FrameHit> hits;
  if (impl_->frame_groups.empty() || frame.empty()) return hits;
  const Box whole{0, 0, static_cast<float>(frame.cols), static_cast<float>(frame.rows)};
  for (auto& group : impl_->frame_groups) {
    std::vector<float> features = group.backbone->features(frame);
    for (const auto& t : group.targets) {
      float p = t.head.probability(features);
      if (p >= t.threshold) hits.push_back({t.name, p, 1.f - p, whole, frame, {}});
    }
  }
  return hits;
}

}  // namespace tw::scan
