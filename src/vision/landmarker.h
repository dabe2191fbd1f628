#pragma once
// 68 face landmarks (face-api's face_landmark_68 net, as ONNX) and the
// aligned 150x150 crop that the embedder wants.
#include <opencv2/core.hpp>

#include <memory>
#include <vector>

#include "core/types.h"
#include "models/model_dir.h"

namespace tw::vision {

class Landmarker {
 public:
  explicit Landmarker(const models::ModelDir& models);
  ~Landmarker();
  Landmarker(Landmarker&&) noexcept;
  Landmarker& operator=(Landmarker&&) noexcept;

  // The 68 points (image pixels) of each face box in bgr; one net call for
  // all boxes.
  std::vector<std::vector<Point>> landmarks(const cv::Mat& bgr, const std::vector<Box>& faces);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A size x size BGR crop with the face upright and centred (similarity
// transform from the 68 landmarks), the embedder's input.
cv::Mat align_face(const cv::Mat& bgr, const std::vector<Point>& landmarks68, int size = 150);

// The 2x3 similarity transform align_face applies (image -> crop pixels).
cv::Mat alignment_transform(const std::vector<Point>& landmarks68, int size = 150);

// The least-squares similarity (rotation, uniform scale, shift; never a
// reflection) taking `from` onto `to` (Umeyama), as a 2x3 CV_64F matrix.
// Throws std::invalid_argument for unequal sets, fewer than 2 points or
// points that all coincide.
cv::Mat similarity_transform(const std::vector<cv::Point2d>& from,
                             const std::vector<cv::Point2d>& to);

// The size x size crop of bgr under a 2x3 transform (image -> crop pixels),
// black outside the image, as align_face makes it.
cv::Mat align_with(const cv::Mat& bgr, const cv::Mat& transform, int size = 150);

// Where align_face puts landmark `index` (17..67: brows, nose, eyes, mouth)
// in a size x size crop.
Point aligned_position(int index, int size = 150);

}  // namespace tw::vision
