#pragma once
// Face boxes with SSD MobileNetV1 (face-api's ssd_mobilenetv1 weights, as
// ONNX, run on XNNPACK by vision::ConvRuntime).  Any image size and aspect ratio: padded
// bottom/right to a square, resized to input_size (optionally with the padding cut off), boxes
// mapped back to image pixels.
#include <opencv2/core.hpp>

#include <array>
#include <memory>
#include <vector>

#include "core/types.h"
#include "models/model_dir.h"

namespace tw::vision {

struct DetectorOptions {
  int input_size = 512;    // the network's square input; smaller is faster
  float min_score = 0.5f;  // face-api's default minConfidence
  float nms_iou = 0.5f;
  int max_faces = 100;
  // Feed the net only the part of the padded square that holds the image
  // (each side rounded up to 32 px): on a 720x1280 frame that is 60% of the
  // work for the same faces.  Off by default: face-api (and the exhaustive
  // reference path) run the whole square.
  bool crop_padding = false;
};

class FaceDetector {
 public:
  explicit FaceDetector(const models::ModelDir& models, DetectorOptions options = {});
  // Another input size or option set on `sharing_net`'s net, which is read
  // and packed once (XNNPACK takes any input size).  The two share buffers:
  // use them from one thread.
  FaceDetector(const FaceDetector& sharing_net, DetectorOptions options);
  ~FaceDetector();
  FaceDetector(FaceDetector&&) noexcept;
  FaceDetector& operator=(FaceDetector&&) noexcept;

  // bgr: CV_8UC3.  Faces sorted by score, highest first; landmarks empty.
  std::vector<FaceDetection> detect(const cv::Mat& bgr);
  const DetectorOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The input size face-api's SSD was trained and shipped at.
inline constexpr int kSsdTrainedInput = 512;

// The SSD's anchor boxes for a square input of input_size pixels, in the order
// of the net's outputs: [ymin, xmin, ymax, xmax] relative to the input (TF
// object detection's multiple-grid generator; at 512 they equal the
// "Output/extra_dim" tensor of face-api's weights).
//
// At other input sizes the anchor centres follow the feature grids, and the
// anchor sizes stay what they were in pixels at trained_input: the net's box
// regression is learnt in pixels (a face 32 px high in the input gets the
// same encodings whatever the input size), so relative anchors would shrink
// every box by input_size / trained_input.  trained_input 0: relative
// anchors (TF's generator at input_size).
std::vector<std::array<float, 4>> ssd_anchors(int input_size, int trained_input = 0);

// The anchors for an input of rows x cols pixels (a part of the square net
// input), relative to that input, sized as at trained_input (> 0).
std::vector<std::array<float, 4>> ssd_anchors(int rows, int cols, int trained_input);

}  // namespace tw::vision
