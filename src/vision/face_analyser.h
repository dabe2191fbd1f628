#pragma once
// The whole face path for one image: detect, landmarks, align, embed.
#include <opencv2/core.hpp>

#include <vector>

#include "core/types.h"
#include "vision/face_detector.h"
#include "vision/face_embedder.h"
#include "vision/landmarker.h"

namespace tw::vision {

struct AnalysedFace {
  FaceDetection detection;  // with landmarks
  Descriptor descriptor;
  cv::Mat aligned;  // 150x150 BGR
};

class FaceAnalyser {
 public:
  explicit FaceAnalyser(const models::ModelDir& models, DetectorOptions options = {});
  std::vector<AnalysedFace> analyse(const cv::Mat& bgr);
  FaceDetector& detector() { return detector_; }
  Landmarker& landmarker() { return landmarker_; }
  FaceEmbedder& embedder() { return embedder_; }

 private:
  FaceDetector detector_;
  Landmarker landmarker_;
  FaceEmbedder embedder_;
};

}  // namespace tw::vision
