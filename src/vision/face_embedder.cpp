#include "vision/face_embedder.h"

#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace tw::vision {
namespace {

constexpr int kCropSize = 150;
constexpr int kDescriptorSize = 128;
// face-api's FaceRecognitionNet: (rgb - mean) / 255.
const cv::Scalar kMeanRgb(122.782, 117.001, 104.298);
constexpr double kInputScale = 1.0 / 255.0;

}  // namespace

struct FaceEmbedder::Impl {
  cv::dnn::Net net;
  int max_batch = 8;
};

FaceEmbedder::FaceEmbedder(const models::ModelDir& models, int max_batch)
    : impl_(std::make_unique<Impl>()) {
  impl_->net = models.load_net(models::kFaceRecognition);
  impl_->max_batch = std::max(1, max_batch);
}

FaceEmbedder::~FaceEmbedder() = default;
FaceEmbedder::FaceEmbedder(FaceEmbedder&&) noexcept = default;
FaceEmbedder& FaceEmbedder::operator=(FaceEmbedder&&) noexcept = default;

std::vector<Descriptor> FaceEmbedder::embed(const std::vector<cv::Mat>& crops) {
  std::vector<Descriptor> descriptors;
  descriptors.reserve(crops.size());
  for (size_t first = 0; first < crops.size(); first += static_cast<size_t>(impl_->max_batch)) {
    const size_t last = std::min(crops.size(), first + static_cast<size_t>(impl_->max_batch));
    std::vector<cv::Mat> batch;
    for (size_t i = first; i < last; ++i) {
      const cv::Mat& crop = crops[i];
      if (crop.empty() || crop.type() != CV_8UC3)
        throw std::invalid_argument("FaceEmbedder::embed: crops must be non-empty CV_8UC3 images");
      if (crop.cols == kCropSize && crop.rows == kCropSize) {
        batch.push_back(crop);
      } else {
        cv::Mat resized;
        cv::resize(crop, resized, cv::Size(kCropSize, kCropSize), 0, 0, cv::INTER_LINEAR);
        batch.push_back(resized);
      }
    }
    // BGR -> RGB, minus the mean (given in RGB order, as swapRB expects),
    // times 1/255: NCHW float.
    const cv::Mat blob = cv::dnn::blobFromImages(batch, kInputScale, cv::Size(kCropSize, kCropSize),
                                                 kMeanRgb, /*swapRB=*/true, /*crop=*/false);
    impl_->net.setInput(blob);
    const cv::Mat out = impl_->net.forward();
    if (out.dims != 2 || out.size[0] != static_cast<int>(batch.size()) ||
        out.size[1] != kDescriptorSize)
      throw std::runtime_error("face_recognition net returned an unexpected shape");
    for (int row = 0; row < out.size[0]; ++row) {
      const float* values = out.ptr<float>(row);
      descriptors.emplace_back(values, values + kDescriptorSize);
    }
  }
  return descriptors;
}

float descriptor_distance(const Descriptor& a, const Descriptor& b) {
  if (a.size() != b.size())
    throw std::invalid_argument("descriptor_distance: descriptors differ in length");
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = double(a[i]) - double(b[i]);
    sum += d * d;
  }
  return static_cast<float>(std::sqrt(sum));
}

}  // namespace tw::vision
