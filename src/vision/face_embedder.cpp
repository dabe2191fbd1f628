#include "vision/face_embedder.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "vision/conv_runtime.h"

namespace tw::vision {
namespace {

constexpr int kCropSize = 150;
constexpr int kDescriptorSize = 128;
// face-api's FaceRecognitionNet: (rgb - mean) / 255.
constexpr float kMeanRgb[3] = {122.782f, 117.001f, 104.298f};
constexpr float kInputScale = 1.f / 255.f;

}  // namespace

struct FaceEmbedder::Impl {
  ConvRuntime net;
  int max_batch = 8;
  std::vector<float> input;
};

FaceEmbedder::FaceEmbedder(const models::ModelDir& models, int max_batch)
    : impl_(std::make_unique<Impl>(Impl{ConvRuntime(models.load_conv_net(models::kFaceRecognition)),
                                        std::max(1, max_batch),
                                        {}})) {}

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
    // BGR -> RGB, minus the mean, times 1/255: NHWC floats.
    const size_t pixels = static_cast<size_t>(kCropSize) * kCropSize;
    impl_->input.resize(pixels * 3 * batch.size());
    float* out = impl_->input.data();
    for (const cv::Mat& crop : batch)
      for (int y = 0; y < kCropSize; ++y) {
        const auto* row = crop.ptr<cv::Vec3b>(y);
        for (int x = 0; x < kCropSize; ++x, out += 3)
          for (int c = 0; c < 3; ++c) out[c] = (row[x][2 - c] - kMeanRgb[c]) * kInputScale;
      }
    const auto& outputs =
        impl_->net.run(impl_->input.data(), static_cast<int>(batch.size()), kCropSize, kCropSize);
    const std::vector<float>& values = outputs.at(0);
    if (outputs.size() != 1 || values.size() != batch.size() * kDescriptorSize)
      throw std::runtime_error("face_recognition net returned an unexpected shape");
    for (size_t row = 0; row < batch.size(); ++row)
      descriptors.emplace_back(values.begin() + row * kDescriptorSize,
                               values.begin() + (row + 1) * kDescriptorSize);
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
