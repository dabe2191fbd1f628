#include "vision/tf_image.h"

#include <opencv2/imgproc.hpp>

#include <cmath>
#include <stdexcept>
#include <vector>

namespace tw::vision {

namespace {

// One axis of tfjs's resizeBilinear: for each output index the two source
// indices and the weight of the second (computed in double, as tfjs does).
struct Taps {
  std::vector<int> lo, hi;
  std::vector<double> frac;
};

Taps make_taps(int in_size, int out_size) {
  Taps taps;
  taps.lo.resize(out_size);
  taps.hi.resize(out_size);
  taps.frac.resize(out_size);
  const double ratio = static_cast<double>(in_size) / out_size;
  for (int i = 0; i < out_size; ++i) {
    const double source = ratio * i;
    const int lo = static_cast<int>(std::floor(source));
    taps.lo[i] = lo;
    taps.hi[i] = std::min(in_size - 1, static_cast<int>(std::ceil(source)));
    taps.frac[i] = source - lo;
  }
  return taps;
}

}  // namespace

cv::Mat padded_resize_rgb(const cv::Mat& bgr, int side, int left, int top, int out_size) {
  CV_Assert(bgr.type() == CV_8UC3 && side > 0 && out_size > 0);
  const Taps rows = make_taps(side, out_size);
  const Taps cols = make_taps(side, out_size);
  cv::Mat out(out_size, out_size, CV_32FC3);
  // Canvas pixel (y, x), channel c (BGR), zero outside the pasted image.
  auto pixel = [&](int y, int x, int c) -> double {
    const int sy = y - top, sx = x - left;
    if (sy < 0 || sx < 0 || sy >= bgr.rows || sx >= bgr.cols) return 0.0;
    return bgr.ptr<cv::Vec3b>(sy)[sx][c];
  };
  for (int r = 0; r < out_size; ++r) {
    auto* dst = out.ptr<cv::Vec3f>(r);
    const int y0 = rows.lo[r], y1 = rows.hi[r];
    const double fy = rows.frac[r];
    for (int k = 0; k < out_size; ++k) {
      const int x0 = cols.lo[k], x1 = cols.hi[k];
      const double fx = cols.frac[k];
      for (int c = 0; c < 3; ++c) {
        const double top_left = pixel(y0, x0, c), top_right = pixel(y0, x1, c);
        const double bottom_left = pixel(y1, x0, c), bottom_right = pixel(y1, x1, c);
        const double upper = top_left + (top_right - top_left) * fx;
        const double lower = bottom_left + (bottom_right - bottom_left) * fx;
        dst[k][2 - c] = static_cast<float>(upper + (lower - upper) * fy);
      }
    }
  }
  return out;
}

void write_blob_plane(const cv::Mat& rgb, cv::Mat& blob, int n, const std::array<float, 3>& mean,
                      float scale) {
  CV_Assert(rgb.type() == CV_32FC3 && blob.dims == 4 && blob.size[1] == 3 &&
            blob.size[2] == rgb.rows && blob.size[3] == rgb.cols);
  const size_t plane = static_cast<size_t>(rgb.rows) * rgb.cols;
  float* base = blob.ptr<float>(n);
  for (int y = 0; y < rgb.rows; ++y) {
    const auto* src = rgb.ptr<cv::Vec3f>(y);
    const size_t row = static_cast<size_t>(y) * rgb.cols;
    for (int x = 0; x < rgb.cols; ++x)
      for (int c = 0; c < 3; ++c) base[c * plane + row + x] = (src[x][c] - mean[c]) * scale;
  }
}

cv::Mat as_bgr8(const cv::Mat& image) {
  if (image.empty()) throw std::invalid_argument("empty image");
  if (image.depth() != CV_8U) throw std::invalid_argument("not an 8-bit image");
  if (image.channels() == 3) return image;
  cv::Mat bgr;
  if (image.channels() == 1)
    cv::cvtColor(image, bgr, cv::COLOR_GRAY2BGR);
  else if (image.channels() == 4)
    cv::cvtColor(image, bgr, cv::COLOR_BGRA2BGR);
  else
    throw std::invalid_argument("unsupported channel count");
  return bgr;
}

}  // namespace tw::vision
