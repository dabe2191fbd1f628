#pragma once
// Image preprocessing exactly as face-api does it with tfjs tensors, so that
// our nets see the same numbers face-api's do: padToSquare (zeros) followed by
// tf.image.resizeBilinear(alignCorners = false, halfPixelCenters = false),
// whose source coordinate is dst * in / out (cv::resize uses half-pixel
// centres and fixed-point weights, which shifts boxes and landmarks a little).
#include <opencv2/core.hpp>

#include <array>

namespace tw::vision {

// A side x side zero canvas with `bgr` (CV_8UC3) pasted at (left, top),
// resized to out_size x out_size the tfjs way.  Returns CV_32FC3 in RGB order
// (the channel order face-api's nets take), values 0..255.
cv::Mat padded_resize_rgb(const cv::Mat& bgr, int side, int left, int top, int out_size);

// The same, but only the top-left `keep` part of the out_size square is
// computed (keep.width, keep.height <= out_size).
cv::Mat padded_resize_rgb(const cv::Mat& bgr, int side, int left, int top, int out_size,
                          cv::Size keep);

// Writes (rgb - mean[c]) * scale of a CV_32FC3 image to out, pixels
// interleaved (NHWC, as vision::ConvRuntime takes them): rows * cols * 3
// floats.
void write_nhwc(const cv::Mat& rgb, float* out, const std::array<float, 3>& mean, float scale);

// Any 8-bit image (grey, BGR, BGRA) as CV_8UC3 BGR; throws std::invalid_argument
// for an empty image or another depth.
cv::Mat as_bgr8(const cv::Mat& image);

}  // namespace tw::vision
