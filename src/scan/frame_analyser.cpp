#include "scan/frame_analyser.h"

#include <algorithm>

namespace tw::scan {

FrameAnalyser::FrameAnalyser(const models::ModelDir& models,
                             const std::vector<targets::Target>& targets,
                             const ScanOptions& options)
    : options_(options),
      matchers_(models, targets, options.threshold),
      finder_(models, options.detector),
      describer_(models),
      decider_(matchers_, finder_, describer_, options.min_face_px, options.approximate) {}

int FrameAnalyser::detector_input(const media::VideoInfo& video) const {
  if (options_.exhaustive || !(options_.smallest_face_px > 0) || video.width <= 0 ||
      video.height <= 0)
    return options_.detector.input_size;
  return detector_input_for(video.width, video.height, options_.smallest_face_px,
                            std::max(1024, options_.detector.input_size));
}

std::vector<DescribedFace> FrameAnalyser::describe_faces(const cv::Mat& frame, int detector_input,
                                                         FaceTracker* tracker,
                                                         FrameAnalysis& analysis,
                                                         FaceDecider::Work& work) {
  const std::vector<FaceDetection> detections = finder_.detect(frame, detector_input, work.timings);
  analysis.faces = static_cast<std::int64_t>(detections.size());
  std::vector<Box> boxes;
  if (tracker) {
    for (const auto& d : detections) boxes.push_back(d.box);
    const bool proposals = detector_input < finder_.reference_input();
    std::vector<DescribedFace> faces = decider_.decide(frame, boxes, *tracker, proposals, work);
    for (DescribedFace& face : faces) face.quality.detector_score = detections[face.input].score;
    return faces;
  }
  std::vector<DescribedFace> faces = describe_detections(frame, detections, work.timings);
  for (DescribedFace& face : faces) face.at_reference = true;
  work.embedded += static_cast<std::int64_t>(faces.size());
  return faces;
}

std::vector<DescribedFace> FrameAnalyser::describe_detections(
    const cv::Mat& frame, const std::vector<FaceDetection>& detections, StageTimings& timings) {
  std::vector<Box> boxes;
  std::vector<float> scores;
  for (const auto& d : detections)
    if (d.box.width >= options_.min_face_px) {
      boxes.push_back(d.box);
      scores.push_back(d.score);
    }
  std::vector<DescribedFace> faces = describer_.describe(frame, boxes, timings);
  for (DescribedFace& face : faces) face.quality.detector_score = scores[face.input];
  return faces;
}

std::vector<DescribedFace> FrameAnalyser::look_again(const cv::Mat& frame, const Box& near,
                                                     StageTimings& timings) {
  return describe_detections(frame, finder_.detect_near(frame, near, timings), timings);
}

FrameAnalysis FrameAnalyser::analyse(const cv::Mat& frame, int detector_input, FaceTracker* tracker,
                                     StageTimings& timings) {
  FrameAnalysis analysis;
  FaceDecider::Work work{timings};
  if (matchers_.scans_faces()) {
    analysis.described = describe_faces(frame, detector_input, tracker, analysis, work);
    analysis.frame.hits = matchers_.face_hits(frame, analysis.described, timings);
  }
  matchers_.add_frame_hits(frame, analysis.frame.hits, timings);
  // Approximate decisions are not the reference's to begin with: no held
  // frame is analysed to follow their flicker.
  if (!options_.approximate) analysis.frame.unsettled = std::move(work.unsettled);
  analysis.faces_embedded = work.embedded;
  analysis.faces_confirmed = work.confirmed;
  return analysis;
}

}  // namespace tw::scan
