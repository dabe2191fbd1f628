#pragma once
// A 720x1280 frame with one face on a still, for the per-frame stage tests
// (detect, describe, decide): the face of `photo` (head and shoulders,
// 360 px high, so the face is ~100 px wide) pasted at (200, 400), cut off
// at the frame's right edge.
#include <opencv2/imgproc.hpp>

#include <optional>
#include <string>
#include <vector>

#include "media/image.h"
#include "scan/scan_fixture.h"

namespace tw::test {

inline cv::Mat frame_with_face(const std::string& photo) {
  cv::Mat still = media::load_image(demo_photo("skagen.jpg")), frame;
  cv::resize(still, frame, cv::Size(720, 1280), 0, 0, cv::INTER_AREA);
  cv::Mat face = media::load_image(face_crop(demo_photo(photo))), scaled;
  const double scale = 360.0 / face.rows;
  cv::resize(face, scaled, cv::Size(), scale, scale, cv::INTER_AREA);
  const cv::Rect pasted = cv::Rect(200, 400, scaled.cols, scaled.rows) & cv::Rect(0, 0, 720, 1280);
  scaled(cv::Rect(0, 0, pasted.width, pasted.height)).copyTo(frame(pasted));
  return frame;
}

// Where frame_with_face pastes the picture (the face is inside it).
inline constexpr Box kPastedPicture{200, 400, 520, 360};

// The detection that overlaps `area` most, if any does.
inline std::optional<Box> found_in(const std::vector<FaceDetection>& found, const Box& area) {
  std::optional<Box> best;
  float best_overlap = 0;
  for (const auto& d : found)
    if (iou(d.box, area) > best_overlap) {
      best_overlap = iou(d.box, area);
      best = d.box;
    }
  return best;
}

}  // namespace tw::test
