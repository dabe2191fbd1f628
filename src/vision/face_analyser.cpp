#include "vision/face_analyser.h"

namespace tw::vision {

FaceAnalyser::FaceAnalyser(const models::ModelDir& models, DetectorOptions options)
    : detector_(models, options), landmarker_(models), embedder_(models) {}

std::vector<AnalysedFace> FaceAnalyser::analyse(const cv::Mat& bgr) {
  std::vector<AnalysedFace> result;
  const std::vector<FaceDetection> detections = detector_.detect(bgr);
  if (detections.empty()) return result;

  std::vector<Box> boxes;
  for (const FaceDetection& d : detections) boxes.push_back(d.box);
  std::vector<std::vector<Point>> landmarks = landmarker_.landmarks(bgr, boxes);

  std::vector<cv::Mat> crops;
  for (size_t i = 0; i < detections.size(); ++i) {
    if (landmarks[i].empty()) continue;  // a box with no pixels inside the image
    AnalysedFace face;
    face.detection = detections[i];
    face.detection.landmarks = std::move(landmarks[i]);
    face.aligned = align_face(bgr, face.detection.landmarks);
    crops.push_back(face.aligned);
    result.push_back(std::move(face));
  }
  std::vector<Descriptor> descriptors = embedder_.embed(crops);
  for (size_t i = 0; i < result.size(); ++i) result[i].descriptor = std::move(descriptors.at(i));
  return result;
}

}  // namespace tw::vision
