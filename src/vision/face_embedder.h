#pragma once
// 128-d face descriptors (face-api's face_recognition net, a dlib-style
// ResNet, as ONNX).  Batched: pass all faces of a frame (or several frames)
// at once; single-face calls scale poorly across threads.
#include <opencv2/core.hpp>

#include <memory>
#include <vector>

#include "core/types.h"
#include "models/model_dir.h"

namespace tw::vision {

class FaceEmbedder {
 public:
  explicit FaceEmbedder(const models::ModelDir& models, int max_batch = 8);
  ~FaceEmbedder();
  FaceEmbedder(FaceEmbedder&&) noexcept;
  FaceEmbedder& operator=(FaceEmbedder&&) noexcept;

  // crops: BGR CV_8UC3, ideally 150x150 from align_face; other sizes are
  // resized (squashed) to 150x150.  One descriptor per crop, same order.
  std::vector<Descriptor> embed(const std::vector<cv::Mat>& crops);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Euclidean distance, as dlib and face-api use.
float descriptor_distance(const Descriptor& a, const Descriptor& b);

}  // namespace tw::vision
