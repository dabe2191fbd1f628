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
  return padded_resize_rgb(bgr, side, left, top, out_size, cv::Size(out_size, out_size));
}

cv::Mat padded_resize_rgb(const cv::Mat& bgr, int side, int left, int top, int out_size,
                          cv::Size keep) {
  CV_Assert(bgr.type() == CV_8UC3 && side > 0 && out_size > 0 && keep.width > 0 &&
            keep.height > 0 && keep.width <= out_size && keep.height <= out_size);
  const Taps rows = make_taps(side, out_size);
  const Taps cols = make_taps(side, out_size);
  // Canvas column -> pixel offset in a source row, or -1 in the zero padding.
  auto source_col = [&](int x) { return x - left >= 0 && x - left < bgr.cols ? x - left : -1; };
  std::vector<int> col_lo(out_size), col_hi(out_size);
  for (int k = 0; k < out_size; ++k) {
    col_lo[k] = source_col(cols.lo[k]);
    col_hi[k] = source_col(cols.hi[k]);
  }
  auto source_row = [&](int y) -> const cv::Vec3b* {
    return y - top >= 0 && y - top < bgr.rows ? bgr.ptr<cv::Vec3b>(y - top) : nullptr;
  };
  auto value = [](const cv::Vec3b* row, int col, int c) -> double {
    return row && col >= 0 ? row[col][c] : 0.0;
  };
  cv::Mat out(keep, CV_32FC3);
  for (int r = 0; r < keep.height; ++r) {
    auto* dst = out.ptr<cv::Vec3f>(r);
    const cv::Vec3b* upper_row = source_row(rows.lo[r]);
    const cv::Vec3b* lower_row = source_row(rows.hi[r]);
    const double fy = rows.frac[r];
    for (int k = 0; k < keep.width; ++k) {
      const int x0 = col_lo[k], x1 = col_hi[k];
      const double fx = cols.frac[k];
      for (int c = 0; c < 3; ++c) {
        // Same operation order as tfjs's CPU kernel.
        const double top_left = value(upper_row, x0, c), top_right = value(upper_row, x1, c);
        const double bottom_left = value(lower_row, x0, c), bottom_right = value(lower_row, x1, c);
        const double upper = top_left + (top_right - top_left) * fx;
        const double lower = bottom_left + (bottom_right - bottom_left) * fx;
        dst[k][2 - c] = static_cast<float>(upper + (lower - upper) * fy);
      }
    }
  }
  return out;
}

void write_nhwc(const cv::Mat& rgb, float* out, const std::array<float, 3>& mean, float scale) {
  CV_Assert(rgb.type() == CV_32FC3);
  for (int y = 0; y < rgb.rows; ++y) {
    const auto* src = rgb.ptr<cv::Vec3f>(y);
    for (int x = 0; x < rgb.cols; ++x, out += 3)
      for (int c = 0; c < 3; ++c) out[c] = (src[x][c] - mean[c]) * scale;
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
