#pragma once
// Data augmentation for training: random crop, horizontal flip, scale,
// colour (brightness, contrast, per-channel gain), blur and JPEG re-encoding,
// drawn from a caller-seeded generator so that a training run is repeatable.
// The geometric part is returned as a transform so that a face box found in
// the original can be followed into the augmented copy.
#include <opencv2/core.hpp>

#include <random>

#include "core/types.h"

namespace tw::train {

struct AugmentOptions {
  double min_crop_area = 0.7;  // share of the image a random crop keeps, at least
  bool flip = true;            // mirror half of the copies
  double min_scale = 0.35;     // resize factor range (smaller = lower resolution)
  double max_scale = 1.0;
  double colour = 0.25;       // brightness/contrast/gain jitter, +- this share
  double blur_chance = 0.35;  // Gaussian blur, sigma 0.6-1.8
  double jpeg_chance = 0.5;   // re-encode at quality 25-85
};

struct Augmented {
  cv::Mat image;
  cv::Matx23d transform;  // original pixel (x, y, 1) -> augmented pixel
};

Augmented augment(const cv::Mat& bgr, std::mt19937& rng, const AugmentOptions& options = {});

// The axis-aligned box around a box's transformed corners.
Box transform_box(const Box& box, const cv::Matx23d& transform);

}  // namespace tw::train
