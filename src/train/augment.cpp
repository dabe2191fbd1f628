#include "train/augment.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace tw::train {
namespace {

double uniform(std::mt19937& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}

bool chance(std::mt19937& rng, double p) {
  return uniform(rng, 0, 1) < p;
}

}  // namespace

Augmented augment(const cv::Mat& bgr, std::mt19937& rng, const AugmentOptions& options) {
  // Crop: a random share of the area with a slightly changed aspect ratio.
  const double area = uniform(rng, options.min_crop_area, 1.0);
  const double aspect = uniform(rng, 0.85, 1.15);
  int w =
      std::clamp(static_cast<int>(std::lround(bgr.cols * std::sqrt(area * aspect))), 1, bgr.cols);
  int h =
      std::clamp(static_cast<int>(std::lround(bgr.rows * std::sqrt(area / aspect))), 1, bgr.rows);
  int x = std::uniform_int_distribution<int>(0, bgr.cols - w)(rng);
  int y = std::uniform_int_distribution<int>(0, bgr.rows - h)(rng);
  const bool flip = options.flip && chance(rng, 0.5);
  const double scale = uniform(rng, options.min_scale, options.max_scale);

  // Copies (never flips in place: the crop is a view into the caller's image).
  cv::Mat out;
  if (flip)
    cv::flip(bgr(cv::Rect(x, y, w, h)), out, 1);
  else
    out = bgr(cv::Rect(x, y, w, h)).clone();
  cv::Size size(std::max(1, static_cast<int>(std::lround(w * scale))),
                std::max(1, static_cast<int>(std::lround(h * scale))));
  cv::resize(out, out, size, 0, 0, scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
  const double sx = static_cast<double>(size.width) / w, sy = static_cast<double>(size.height) / h;
  // x' = sx * (x - cx) (or sx * (w - (x - cx)) mirrored); y' = sy * (y - cy).
  cv::Matx23d transform = flip ? cv::Matx23d(-sx, 0, sx * (w + x), 0, sy, -sy * y)
                               : cv::Matx23d(sx, 0, -sx * x, 0, sy, -sy * y);

  // Colour: contrast and brightness, then a per-channel gain (a colour cast).
  const double c = options.colour;
  const double contrast = uniform(rng, 1 - c, 1 + c);
  const double brightness = uniform(rng, -c, c) * 100;
  out.convertTo(out, -1, contrast, brightness);
  cv::Scalar gain(uniform(rng, 1 - c / 2, 1 + c / 2), uniform(rng, 1 - c / 2, 1 + c / 2),
                  uniform(rng, 1 - c / 2, 1 + c / 2));
  cv::multiply(out, gain, out);

  if (chance(rng, options.blur_chance)) {
    double sigma = uniform(rng, 0.6, 1.8);
    cv::GaussianBlur(out, out, cv::Size(), sigma);
  }
  if (chance(rng, options.jpeg_chance)) {
    int quality = std::uniform_int_distribution<int>(25, 85)(rng);
    std::vector<uchar> bytes;
    cv::imencode(".jpg", out, bytes, {cv::IMWRITE_JPEG_QUALITY, quality});
    out = cv::imdecode(bytes, cv::IMREAD_COLOR);
  }
  return {out, transform};
}

Box transform_box(const Box& box, const cv::Matx23d& t) {
  float xs[4], ys[4];
  const float cx[4] = {box.x, box.right(), box.x, box.right()};
  const float cy[4] = {box.y, box.y, box.bottom(), box.bottom()};
  for (int i = 0; i < 4; ++i) {
    xs[i] = static_cast<float>(t(0, 0) * cx[i] + t(0, 1) * cy[i] + t(0, 2));
    ys[i] = static_cast<float>(t(1, 0) * cx[i] + t(1, 1) * cy[i] + t(1, 2));
  }
  auto [x0, x1] = std::minmax_element(xs, xs + 4);
  auto [y0, y1] = std::minmax_element(ys, ys + 4);
  return {*x0, *y0, *x1 - *x0, *y1 - *y0};
}

}  // namespace tw::train
