#pragma once
// The match stage: one frame's described faces and pixels against every
// target -> the frame's hits, at most one per target.
//  - face targets: each face goes to its nearest target within that
//    target's threshold (scan/face_matcher.h); of several faces of one
//    target, the best-scoring is the hit;
//  - classifier targets over the face backbone: the faces' descriptors;
//  - image targets: the frame's local features (SIFT + RANSAC);
//  - classifier targets over an ONNX backbone: the whole frame.
#include <opencv2/core.hpp>

#include <optional>
#include <string>
#include <vector>

#include "models/model_dir.h"
#include "scan/aggregate.h"
#include "scan/classifier_matcher.h"
#include "scan/face_describer.h"
#include "scan/face_matcher.h"
#include "scan/scan_options.h"
#include "targets/target.h"
#include "vision/image_matcher.h"

namespace tw::scan {

class TargetMatchers {
 public:
  // Face, image and classifier targets, in one pass.  threshold_override
  // replaces every face target's threshold.  Throws InputError(target,
  // reason) when a classifier's backbone cannot be loaded.
  TargetMatchers(const models::ModelDir& models, const std::vector<targets::Target>& targets,
                 std::optional<float> threshold_override);

  const FaceMatcher& faces() const { return faces_; }
  // The names of the face targets (in FaceMatcher order) and of the
  // classifier targets.
  const std::vector<std::string>& face_target_names() const { return face_target_names_; }
  const std::vector<std::string>& classifier_names() const { return classifier_names_; }
  // Some target needs faces described: a face target, a face-backbone
  // classifier, or no target of another kind either.
  bool scans_faces() const;
  bool classifiers_want_faces() const { return classifiers_.wants_faces(); }

  // The hits of face targets and face-backbone classifiers among `faces`
  // (each hit carries its face's descriptor, and a crop of the frame around
  // the box for evidence).
  std::vector<FrameHit> face_hits(const cv::Mat& frame, const std::vector<DescribedFace>& faces,
                                  StageTimings& timings) const;
  // The hits of whole-frame classifiers and image targets, added to `hits`.
  void add_frame_hits(const cv::Mat& frame, std::vector<FrameHit>& hits,
                      StageTimings& timings) const;

 private:
  struct NamedImageMatcher {
    std::string target;
    vision::ImageMatcher matcher;
  };

  FaceMatcher faces_;
  std::vector<NamedImageMatcher> images_;
  ClassifierMatcher classifiers_;
  std::vector<std::string> face_target_names_, classifier_names_;
};

}  // namespace tw::scan
