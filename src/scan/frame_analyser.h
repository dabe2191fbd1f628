#pragma once
// Analysing one sampled frame: detect -> describe -> match (docs/DESIGN.md,
// "The way data flows").  The frame schedule (scan/frame_schedule.h)
// decides which frames are analysed; this is what analysing one means.
//
//   detect    scan/face_finder.h      face boxes at the video's detector input
//   describe  scan/face_describer.h   landmarks, aligned crop, descriptor
//             scan/face_decisions.h   (optimized path) re-use, confirmation, doubt
//   match     scan/target_matchers.h  faces and pixels -> the frame's hits
//
// The face track stage (scan/face_tracks.h) takes the described faces
// (FrameAnalysis::described) and hands its decisions to the aggregator in
// place of match's per-frame face hits.
#include <opencv2/core.hpp>

#include <vector>

#include "media/video.h"
#include "models/model_dir.h"
#include "scan/face_decisions.h"
#include "scan/face_describer.h"
#include "scan/face_finder.h"
#include "scan/face_tracker.h"
#include "scan/frame_schedule.h"
#include "scan/scan_options.h"
#include "scan/target_matchers.h"
#include "targets/target.h"

namespace tw::scan {

class FrameAnalyser {
 public:
  // Loads the face models and every target's matcher; throws InputError
  // when the models are missing or damaged, or a classifier's backbone
  // cannot be loaded.
  FrameAnalyser(const models::ModelDir& models, const std::vector<targets::Target>& targets,
                const ScanOptions& options);

  const TargetMatchers& matchers() const { return matchers_; }

  // The detector input for a video: the reference's on the exhaustive
  // path, else the smallest that still finds options.smallest_face_px.
  int detector_input(const media::VideoInfo& video) const;

  // One frame's hits, the targets it leaves in doubt, and its counts.
  // tracker: the optimized path's (faces decided by scan/face_decisions.h);
  // null: every face of the frame described (the reference path).
  FrameAnalysis analyse(const cv::Mat& frame, int detector_input, FaceTracker* tracker,
                        StageTimings& timings);

  // The matchable faces near `near` on `frame`, looked at closely
  // (FaceFinder::detect_near) and described: the face track stage's
  // look-back (FaceTracks::look_back_with).
  std::vector<DescribedFace> look_again(const cv::Mat& frame, const Box& near,
                                        StageTimings& timings);

 private:
  // detect + describe: the frame's matchable faces.
  std::vector<DescribedFace> describe_faces(const cv::Mat& frame, int detector_input,
                                            FaceTracker* tracker, FrameAnalysis& analysis,
                                            FaceDecider::Work& work);
  // Every detection at least min_face_px wide, described on its own box.
  std::vector<DescribedFace> describe_detections(const cv::Mat& frame,
                                                 const std::vector<FaceDetection>& detections,
                                                 StageTimings& timings);

  ScanOptions options_;
  TargetMatchers matchers_;
  FaceFinder finder_;
  FaceDescriber describer_;
  FaceDecider decider_;
};

}  // namespace tw::scan
