// 68 landmarks the way face-api computes them (extractFaceTensors +
// FaceLandmark68Net.detectLandmarks + extendWithFaceLandmarks), batched, and
// the aligned crop for the embedder.
#include "vision/landmarker.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>

#include "vision/conv_runtime.h"
#include "vision/tf_image.h"

namespace tw::vision {

namespace {

constexpr int kNetSize = 112;
constexpr int kMaxBatch = 16;  // bounds the blob's memory on crowded frames
constexpr int kPoints = 68;

// The crop face-api slices for a box: clipped to the image, then each of
// x, y, width, height floored (Box.clipAtImageBorders).
cv::Rect face_crop(const Box& box, int image_width, int image_height) {
  const double x = std::max<double>(box.x, 0), y = std::max<double>(box.y, 0);
  const double w = std::min<double>(box.right() - x, image_width - x);
  const double h = std::min<double>(box.bottom() - y, image_height - y);
  return {static_cast<int>(std::floor(x)), static_cast<int>(std::floor(y)),
          static_cast<int>(std::floor(w)), static_cast<int>(std::floor(h))};
}

// JavaScript's Math.round for non-negative values.
int js_round(double v) {
  return static_cast<int>(std::floor(v + 0.5));
}

// The canonical layout of landmarks 17..67 (brows, nose, eyes, mouth),
// dlib-style: x and y in [0,1] across the points' extent.  It is the mean
// shape of the faces our landmarker finds on face-api's demo photos
// (similarity-normalised, averaged, made left-right symmetric), fitted
// isotropically into the unit square.  align_face maps it into the crop
// with dlib's face-chip rule (padding 0.25 of the extent on every side), the
// framing the recognition net (dlib's ResNet) was trained on.  (Of paddings
// 0.15, 0.25, 0.35 and 0.5, 0.25 gave the widest gap between same- and
// different-person medians in tests/vision/real_people_test.cpp.)
constexpr int kFirstAligned = 17;
constexpr double kChipPadding = 0.25;
constexpr std::array<std::array<double, 2>, 51> kMeanShape = {{
    {0.0000, 0.0828}, {0.0758, 0.0252}, {0.1704, 0.0158}, {0.2625, 0.0344}, {0.3418, 0.0656},
    {0.6582, 0.0656}, {0.7375, 0.0344}, {0.8296, 0.0158}, {0.9242, 0.0252}, {1.0000, 0.0828},
    {0.5000, 0.2744}, {0.5000, 0.3988}, {0.5000, 0.5097}, {0.5000, 0.6124}, {0.3963, 0.6601},
    {0.4412, 0.6789}, {0.5000, 0.6956}, {0.5588, 0.6789}, {0.6037, 0.6601}, {0.1236, 0.2337},
    {0.1788, 0.2098}, {0.2614, 0.2096}, {0.3359, 0.2533}, {0.2692, 0.2774}, {0.1830, 0.2756},
    {0.6641, 0.2533}, {0.7386, 0.2096}, {0.8212, 0.2098}, {0.8764, 0.2337}, {0.8170, 0.2756},
    {0.7308, 0.2774}, {0.2693, 0.8366}, {0.3499, 0.8154}, {0.4496, 0.7930}, {0.5000, 0.8028},
    {0.5504, 0.7930}, {0.6501, 0.8154}, {0.7307, 0.8366}, {0.6505, 0.9272}, {0.5735, 0.9722},
    {0.5000, 0.9842}, {0.4265, 0.9722}, {0.3495, 0.9272}, {0.2870, 0.8400}, {0.4297, 0.8434},
    {0.5000, 0.8470}, {0.5703, 0.8434}, {0.7130, 0.8400}, {0.5679, 0.8943}, {0.5000, 0.9042},
    {0.4321, 0.8943},
}};

}  // namespace

struct Landmarker::Impl {
  ConvRuntime net;
  std::vector<float> input;
};

Landmarker::Landmarker(const models::ModelDir& models)
    : impl_(std::make_unique<Impl>(
          Impl{ConvRuntime(models.load_conv_net(models::kFaceLandmarks)), {}})) {}

Landmarker::~Landmarker() = default;
Landmarker::Landmarker(Landmarker&&) noexcept = default;
Landmarker& Landmarker::operator=(Landmarker&&) noexcept = default;

std::vector<std::vector<Point>> Landmarker::landmarks(const cv::Mat& image,
                                                      const std::vector<Box>& faces) {
  std::vector<std::vector<Point>> result(faces.size());
  if (faces.empty()) return result;
  const cv::Mat bgr = as_bgr8(image);

  std::vector<size_t> order;  // faces whose crop is not empty
  std::vector<cv::Rect> crops;
  for (size_t i = 0; i < faces.size(); ++i) {
    const cv::Rect crop = face_crop(faces[i], bgr.cols, bgr.rows);
    if (crop.width <= 0 || crop.height <= 0) continue;
    order.push_back(i);
    crops.push_back(crop);
  }

  for (size_t start = 0; start < order.size(); start += kMaxBatch) {
    const int batch = static_cast<int>(std::min<size_t>(kMaxBatch, order.size() - start));
    const size_t floats_per_crop = static_cast<size_t>(kNetSize) * kNetSize * 3;
    impl_->input.resize(floats_per_crop * batch);
    for (int n = 0; n < batch; ++n) {
      const cv::Rect& crop = crops[start + n];
      // padToSquare(centered): the larger half of the padding goes after.
      const int side = std::max(crop.width, crop.height);
      const int diff = std::abs(crop.width - crop.height);
      const int before = diff - js_round(diff * 0.5);
      const int left = crop.height > crop.width ? before : 0;
      const int top = crop.width > crop.height ? before : 0;
      const cv::Mat rgb = padded_resize_rgb(bgr(crop), side, left, top, kNetSize);
      write_nhwc(rgb, impl_->input.data() + floats_per_crop * n, {122.782f, 117.001f, 104.298f},
                 1.f / 255.f);
    }
    const auto& outputs = impl_->net.run(impl_->input.data(), batch, kNetSize, kNetSize);
    const std::vector<float>& out = outputs.at(0);
    if (outputs.size() != 1 || out.size() != static_cast<size_t>(batch) * kPoints * 2)
      throw std::runtime_error("landmarker: unexpected output size from the model");

    for (int n = 0; n < batch; ++n) {
      const size_t face = order[start + n];
      const cv::Rect& crop = crops[start + n];
      // FaceLandmark68NetBase.postProcess: undo the centred padding in the
      // 112-pixel frame, relative to the crop, then crop pixels shifted by
      // the detection box's unfloored corner (as extendWithFaceLandmarks does).
      const double scale = static_cast<double>(kNetSize) / std::max(crop.width, crop.height);
      const double w = crop.width * scale, h = crop.height * scale;
      const double pad_x = w < h ? std::abs(w - h) / 2 : 0;
      const double pad_y = h < w ? std::abs(w - h) / 2 : 0;
      const float* values = out.data() + static_cast<size_t>(n) * kPoints * 2;
      auto& points = result[face];
      points.resize(kPoints);
      for (int p = 0; p < kPoints; ++p) {
        const double rx = (values[2 * p] * kNetSize - pad_x) / w;
        const double ry = (values[2 * p + 1] * kNetSize - pad_y) / h;
        points[p].x = static_cast<float>(rx * crop.width + std::max(faces[face].x, 0.f));
        points[p].y = static_cast<float>(ry * crop.height + std::max(faces[face].y, 0.f));
      }
    }
  }
  return result;
}

Point aligned_position(int index, int size) {
  if (index < kFirstAligned || index >= kPoints)
    throw std::out_of_range("aligned_position: landmark index must be 17..67");
  const auto& p = kMeanShape[index - kFirstAligned];
  const double scale = size / (1 + 2 * kChipPadding);
  return {static_cast<float>((p[0] + kChipPadding) * scale),
          static_cast<float>((p[1] + kChipPadding) * scale)};
}

cv::Mat similarity_transform(const std::vector<cv::Point2d>& from,
                             const std::vector<cv::Point2d>& to) {
  if (from.size() != to.size() || from.size() < 2)
    throw std::invalid_argument("similarity_transform needs two equal sets of >= 2 points");
  // Least-squares similarity (Umeyama).
  const double n = static_cast<double>(from.size());
  cv::Point2d mean_src(0, 0), mean_dst(0, 0);
  for (size_t i = 0; i < from.size(); ++i) mean_src += from[i], mean_dst += to[i];
  mean_src *= 1.0 / n;
  mean_dst *= 1.0 / n;
  cv::Matx22d cov = cv::Matx22d::zeros();
  double var_src = 0;
  for (size_t i = 0; i < from.size(); ++i) {
    const cv::Point2d s = from[i] - mean_src, d = to[i] - mean_dst;
    cov += cv::Matx22d(d.x * s.x, d.x * s.y, d.y * s.x, d.y * s.y);
    var_src += s.dot(s);
  }
  cov *= 1.0 / n;
  var_src /= n;
  if (var_src <= 1e-12) throw std::invalid_argument("align_face: degenerate landmarks");
  cv::Matx21d w;
  cv::Matx22d u, vt;
  cv::SVD::compute(cov, w, u, vt);
  // A reflection is never the answer: flip the weakest axis if needed.
  const double sign = cv::determinant(u) * cv::determinant(vt) < 0 ? -1.0 : 1.0;
  const cv::Matx22d fix(1, 0, 0, sign);
  const cv::Matx22d rotation = u * fix * vt;
  const double scale = (w(0) + sign * w(1)) / var_src;
  const cv::Matx21d shift =
      cv::Matx21d(mean_dst.x, mean_dst.y) - scale * rotation * cv::Matx21d(mean_src.x, mean_src.y);
  cv::Mat m(2, 3, CV_64F);
  for (int r = 0; r < 2; ++r) {
    m.at<double>(r, 0) = scale * rotation(r, 0);
    m.at<double>(r, 1) = scale * rotation(r, 1);
    m.at<double>(r, 2) = shift(r);
  }
  return m;
}

cv::Mat alignment_transform(const std::vector<Point>& landmarks68, int size) {
  if (landmarks68.size() != static_cast<size_t>(kPoints))
    throw std::invalid_argument("align_face needs the 68 landmarks");
  std::vector<cv::Point2d> src, dst;
  for (int i = kFirstAligned; i < kPoints; ++i) {
    src.emplace_back(landmarks68[i].x, landmarks68[i].y);
    const Point d = aligned_position(i, size);
    dst.emplace_back(d.x, d.y);
  }
  return similarity_transform(src, dst);
}

cv::Mat align_with(const cv::Mat& image, const cv::Mat& transform, int size) {
  const cv::Mat bgr = as_bgr8(image);
  cv::Mat aligned;
  // Outside the photo stays black, as in dlib's face chips.
  cv::warpAffine(bgr, aligned, transform, cv::Size(size, size), cv::INTER_LINEAR,
                 cv::BORDER_CONSTANT, cv::Scalar::all(0));
  return aligned;
}

cv::Mat align_face(const cv::Mat& image, const std::vector<Point>& landmarks68, int size) {
  return align_with(image, alignment_transform(landmarks68, size), size);
}

}  // namespace tw::vision
