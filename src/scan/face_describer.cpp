#include "scan/face_describer.h"

#include <algorithm>

namespace tw::scan {

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
      faces.push_back({boxes[i], {}, i, false});
      crops.push_back(vision::align_face(frame, points[i]));
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
