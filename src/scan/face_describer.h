#pragma once
// The describe stage: a face box -> its 68 landmarks -> an aligned 150x150
// crop -> a 128-d descriptor, for all boxes of a frame in one embedder batch
// (single-face calls scale poorly across threads).
#include <opencv2/core.hpp>

#include <cstddef>
#include <vector>

#include "core/types.h"
#include "models/model_dir.h"
#include "scan/scan_options.h"
#include "vision/face_embedder.h"
#include "vision/landmarker.h"

namespace tw::scan {

// How much one face's descriptor is worth in its track's template
// (scan/face_tracks.h): faces that are small, blurred, turned away or
// weakly detected give noisier descriptors.
struct FaceQuality {
  float width = 0;           // the box's width, frame pixels
  float detector_score = 1;  // the detector's confidence in the box
  float sharpness = 0;       // variance of the Laplacian of the aligned grey crop
  float frontal = 1;         // 1: nose midway between the eyes; 0: at one eye or beyond
  // The weight in a track's template, in (0, 1]: the product of a factor
  // per measure, each floored so that no face counts for nothing.
  float weight() const;
};

// The quality of a face from its 68 landmarks and aligned crop.
FaceQuality face_quality(const Box& box, const std::vector<Point>& landmarks68,
                         const cv::Mat& aligned_crop);

// One face of a frame as described: what the match stage and the face track
// stage (scan/face_tracks.h) take.
struct DescribedFace {
  Box box;  // the box it is reported with
  Descriptor descriptor;
  std::size_t input = 0;  // its index among the boxes the describing step was given
  // The box is the one the reference path's detector draws (so the
  // descriptor is the reference path's too).
  bool at_reference = false;
  // The descriptor is a tracked face's from an earlier frame (not made on
  // this one); quality is then that frame's.
  bool reused = false;
  FaceQuality quality;
};

class FaceDescriber {
 public:
  explicit FaceDescriber(const models::ModelDir& models);

  // The faces of `boxes`, in their order; a face whose landmarks fail (no
  // pixels of it inside the frame) is left out.  at_reference is left false.
  std::vector<DescribedFace> describe(const cv::Mat& frame, const std::vector<Box>& boxes,
                                      StageTimings& timings);

 private:
  vision::Landmarker landmarker_;
  vision::FaceEmbedder embedder_;
};

}  // namespace tw::scan
