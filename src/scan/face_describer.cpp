#include "scan/face_describer.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace tw::scan {
namespace {

float clamped(float v, float lo, float hi) {
  return std::min(hi, std::max(lo, v));
}

}  // namespace

float FaceQuality::weight() const {
  // Full weight from 100 px wide (the recognition net sees 150 px crops);
  // faces under 40 px are never matched (docs/threshold.md).
  const float size = clamped((width - 30.f) / 70.f, 0.1f, 1.f);
  const float score = clamped(detector_score, 0.1f, 1.f);
  // An aligned crop of a sharp face has a Laplacian variance of a few
  // hundred; a blurred or heavily compressed one tens.
  const float sharp = clamped(sharpness / 150.f, 0.2f, 1.f);
  const float turned = clamped(frontal, 0.2f, 1.f);
  return size * score * sharp * turned;
}

FaceQuality face_quality(const Box& box, const std::vector<Point>& landmarks68,
                         const cv::Mat& aligned_crop) {
  FaceQuality q;
  q.width = box.width;
  if (!aligned_crop.empty()) {
    cv::Mat grey, laplacian;
    cv::cvtColor(aligned_crop, grey, cv::COLOR_BGR2GRAY);
    cv::Laplacian(grey, laplacian, CV_32F);
    cv::Scalar mean, deviation;
    cv::meanStdDev(laplacian, mean, deviation);
    q.sharpness = static_cast<float>(deviation[0] * deviation[0]);
  }
  if (landmarks68.size() == 68) {
    // The nose tip (30) projected on the line between the eyes' outer
    // corners (36, 45): at 0.5 of the way for a frontal face.
    const Point& left = landmarks68[36];
    const Point& right = landmarks68[45];
    const Point& nose = landmarks68[30];
    const float ex = right.x - left.x, ey = right.y - left.y;
    const float span = ex * ex + ey * ey;
    if (span > 0) {
      const float along = ((nose.x - left.x) * ex + (nose.y - left.y) * ey) / span;
      q.frontal = clamped(1.f - 2.f * std::abs(along - 0.5f), 0.f, 1.f);
    }
  }
  return q;
}

FaceDescriber::FaceDescriber(const models::ModelDir& models)
    : landmarker_(models), embedder_(models) {}

std::vector<DescribedFace> FaceDescriber::describe(const cv::Mat& frame,
                                                   const std::vector<Box>& boxes,
                                                   StageTimings& timings) {
  std::vector<DescribedFace> faces;
  if (boxes.empty()) return faces;
  std::vector<cv::Mat> crops;
  {
    StageTimer timer(timings.align);
    std::vector<std::vector<Point>> points = landmarker_.landmarks(frame, boxes);
    for (std::size_t i = 0; i < points.size() && i < boxes.size(); ++i) {
      if (points[i].empty()) continue;
      cv::Mat crop = vision::align_face(frame, points[i]);
      DescribedFace face;
      face.box = boxes[i];
      face.input = i;
      face.quality = face_quality(boxes[i], points[i], crop);
      faces.push_back(std::move(face));
      crops.push_back(std::move(crop));
    }
  }
  if (crops.empty()) return faces;
  std::vector<Descriptor> descriptors;
  {
    StageTimer timer(timings.embed);
    descriptors = embedder_.embed(crops);
  }
  faces.resize(std::min(faces.size(), descriptors.size()));
  for (std::size_t k = 0; k < faces.size(); ++k) faces[k].descriptor = std::move(descriptors[k]);
  return faces;
}

}  // namespace tw::scan
