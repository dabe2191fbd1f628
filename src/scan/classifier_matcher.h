#pragma once
// Trained classifier targets (kind "classifier", `trendwatch train`) inside
// the scan pass.  A classifier over the face backbone scores the descriptors
// the scanner already computed for each face; one over an ONNX backbone
// scores the whole frame.  Either way a frame hit is the best-scoring face
// (or the frame) whose probability reaches the target's threshold.
#include <opencv2/core.hpp>

#include <memory>
#include <vector>

#include "core/types.h"
#include "models/model_dir.h"
#include "scan/aggregate.h"
#include "targets/target.h"

namespace tw::scan {

class ClassifierMatcher {
 public:
  // Takes the classifier targets among `all` (others are ignored).  Throws
  // InputError(target name, reason) when a target's backbone cannot be
  // loaded.
  ClassifierMatcher(const models::ModelDir& models, const std::vector<targets::Target>& all);
  ~ClassifierMatcher();
  ClassifierMatcher(ClassifierMatcher&&) noexcept;
  ClassifierMatcher& operator=(ClassifierMatcher&&) noexcept;

  bool empty() const;
  // True when a classifier uses the face backbone: the scanner must detect
  // and embed faces even when no face target is scanned.
  bool wants_faces() const;
  // Face-backbone classifiers; boxes[i] is the face whose descriptor is
  // descriptors[i].  At most one hit per target (its best face).
  std::vector<FrameHit> match_faces(const cv::Mat& frame, const std::vector<Box>& boxes,
                                    const std::vector<Descriptor>& descriptors) const;
  // Whole-frame (ONNX backbone) classifiers.
  std::vector<FrameHit> match_frame(const cv::Mat& frame) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tw::scan
