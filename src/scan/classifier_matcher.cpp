#include "scan/classifier_matcher.h"

#include "core/errors.h"

namespace tw::scan {

// Scaffolding until the classifier payload exists: refuses classifier
// targets instead of silently finding nothing.
struct ClassifierMatcher::Impl {};

ClassifierMatcher::ClassifierMatcher(const models::ModelDir&,
                                     const std::vector<targets::Target>& all) {
  for (const auto& t : all)
    if (t.kind == targets::TargetKind::classifier)
      throw InputError(t.name, "classifier targets cannot be scanned yet");
}

ClassifierMatcher::~ClassifierMatcher() = default;
ClassifierMatcher::ClassifierMatcher(ClassifierMatcher&&) noexcept = default;
ClassifierMatcher& ClassifierMatcher::operator=(ClassifierMatcher&&) noexcept = default;

bool ClassifierMatcher::empty() const {
  return true;
}
bool ClassifierMatcher::wants_faces() const {
  return false;
}
std::vector<FrameHit> ClassifierMatcher::match_faces(const cv::Mat&, const std::vector<Box>&,
                                                     const std::vector<Descriptor>&) const {
  return {};
}
std::vector<FrameHit> ClassifierMatcher::match_frame(const cv::Mat&) const {
  return {};
}

}  // namespace tw::scan
