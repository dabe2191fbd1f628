#pragma once
// A user's ImageNet-style ONNX network used as a frozen feature extractor
// (trained targets, docs/classifiers.md).  The whole image is resized to the
// configured input size (squashed, not cropped, so nothing at the edges is
// lost), converted to RGB in [0,1], normalised per channel with (x - mean) /
// std, and run through cv::dnn; the features are the network's output,
// flattened.
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include <array>
#include <filesystem>
#include <vector>

namespace tw::vision {

struct OnnxBackboneOptions {
  int input_width = 224;
  int input_height = 224;
  std::array<float, 3> mean{0.485f, 0.456f, 0.406f};  // RGB, of pixels in [0,1]
  std::array<float, 3> std{0.229f, 0.224f, 0.225f};
};

class OnnxBackbone {
 public:
  // Loads the file and runs one forward pass on a dummy input of the
  // configured size.  Throws InputError(file, reason) when the file is
  // missing, is not an ONNX model, declares an input shape that does not fit
  // the configured size (or 3 channels), or cannot run on it.
  OnnxBackbone(const std::filesystem::path& file, OnnxBackboneOptions options);

  const OnnxBackboneOptions& options() const { return options_; }
  int feature_size() const { return feature_size_; }
  // One feature vector per BGR image.
  std::vector<float> features(const cv::Mat& bgr);
  std::vector<std::vector<float>> features(const std::vector<cv::Mat>& bgr);

 private:
  cv::Mat blob_of(const std::vector<cv::Mat>& bgr) const;

  std::filesystem::path file_;
  OnnxBackboneOptions options_;
  cv::dnn::Net net_;
  int feature_size_ = 0;
};

}  // namespace tw::vision
