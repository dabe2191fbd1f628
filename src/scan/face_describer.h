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

// One face of a frame as described: what the match stage (and a face track
// stage, docs/DESIGN.md) takes.
struct DescribedFace {
  Box box;  // the box it is reported with
  Descriptor descriptor;
  std::size_t input = 0;  // its index among the boxes the describing step was given
  // The box is the one the reference path's detector draws (so the
  // descriptor is the reference path's too).
  bool at_reference = false;
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
