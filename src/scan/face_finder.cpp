#include "scan/face_finder.h"

#include <algorithm>
#include <cmath>

namespace tw::scan {
namespace {

// The smallest face, in pixels of the detector's input, that the SSD still
// finds reliably (measured: bench/bench_speed.cpp --face-sizes).
constexpr double kDetectableFaceNetPx = 16;

}  // namespace

int detector_input_for(int width, int height, float smallest_face_px, int max_input) {
  const int side = std::max(width, height);
  max_input = std::max(128, max_input);
  if (side <= 0 || !(smallest_face_px > 0)) return max_input;
  const double needed = kDetectableFaceNetPx * side / smallest_face_px;
  const int rounded_up = static_cast<int>(std::ceil(needed / 32.0)) * 32;
  return std::clamp(rounded_up, 128, max_input);
}

FaceFinder::FaceFinder(const models::ModelDir& models, vision::DetectorOptions reference)
    : reference_options_(reference), reference_(models, reference) {}

FaceFinder::~FaceFinder() = default;

vision::FaceDetector& FaceFinder::detector_at(int input) {
  if (input == reference_options_.input_size) return reference_;
  auto& sized = sized_[input];
  if (!sized) {
    vision::DetectorOptions o = reference_options_;
    o.input_size = input;
    o.crop_padding = true;  // the same faces for less work on non-square frames
    sized = std::make_unique<vision::FaceDetector>(reference_, o);  // the same net
  }
  return *sized;
}

std::vector<FaceDetection> FaceFinder::detect(const cv::Mat& frame, int input,
                                              StageTimings& timings) {
  StageTimer timer(timings.detect);
  return detector_at(input).detect(frame);
}

std::optional<Box> FaceFinder::reference_box(const cv::Mat& frame, const Box& coarse,
                                             StageTimings& timings) {
  StageTimer timer(timings.detect);
  const int full = reference_options_.input_size;
  const double scale = static_cast<double>(full) / std::max(frame.cols, frame.rows);
  constexpr int kGrid = 32, kContext = 64;
  auto down = [](double v) { return static_cast<int>(std::floor(v / kGrid)) * kGrid; };
  auto up = [](double v) { return static_cast<int>(std::ceil(v / kGrid)) * kGrid; };
  const int x0 = std::max(0, down(coarse.x * scale - kContext));
  const int y0 = std::max(0, down(coarse.y * scale - kContext));
  const int x1 = up((coarse.x + coarse.width) * scale + kContext);
  const int y1 = up((coarse.y + coarse.height) * scale + kContext);
  const int input = std::min(full, std::max(x1 - x0, y1 - y0));
  // The window in frame pixels; beyond the frame it is black, as in the
  // full-frame run's padding.
  const cv::Rect window(cvRound(x0 / scale), cvRound(y0 / scale), cvRound(input / scale),
                        cvRound(input / scale));
  const cv::Rect inside = window & cv::Rect(0, 0, frame.cols, frame.rows);
  if (inside.area() <= 0) return std::nullopt;
  cv::Mat canvas(window.height, window.width, frame.type(), cv::Scalar::all(0));
  frame(inside).copyTo(canvas(inside - window.tl()));
  std::optional<Box> best;
  float best_overlap = 0.3f;
  for (const FaceDetection& d : detector_at(input).detect(canvas)) {
    Box box = d.box;
    box.x += static_cast<float>(window.x);
    box.y += static_cast<float>(window.y);
    const float overlap = iou(box, coarse);
    if (overlap > best_overlap) {
      best_overlap = overlap;
      best = box;
    }
  }
  return best;
}

std::vector<FaceDetection> FaceFinder::detect_near(const cv::Mat& frame, const Box& near,
                                                   StageTimings& timings) {
  StageTimer timer(timings.detect);
  const float side = kNearWindowWidths * std::max(near.width, near.height);
  const cv::Rect window(cvRound(near.x + near.width / 2 - side / 2),
                        cvRound(near.y + near.height / 2 - side / 2), cvRound(side), cvRound(side));
  const cv::Rect inside = window & cv::Rect(0, 0, frame.cols, frame.rows);
  if (inside.area() <= 0) return {};
  std::vector<FaceDetection> found = detector_at(kNearInput).detect(frame(inside));
  for (FaceDetection& d : found) {
    d.box.x += static_cast<float>(inside.x);
    d.box.y += static_cast<float>(inside.y);
  }
  return found;
}

}  // namespace tw::scan
