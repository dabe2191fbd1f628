#pragma once
// The detect stage: face boxes proposed by the SSD at the input size a video
// needs, and the box the reference path's detector draws for one of them.
//
// The optimized path proposes faces at the smallest input that still finds
// faces of `smallest_face_px` (detector_input_for); the reference path
// (`exhaustive`) detects at the configured input (face-api's 512 square).
// A proposal whose decision may differ on the reference's box is re-detected
// on a window of the reference's view around it (reference_box), so that its
// landmarks and descriptor are the reference path's.
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "core/types.h"
#include "models/model_dir.h"
#include "scan/scan_options.h"
#include "vision/face_detector.h"

namespace tw::scan {

// The detector's square input size (a multiple of 32, in [128, max_input])
// at which a face `smallest_face_px` wide in a width x height frame is still
// found.  The frame is padded to a square and resized to the input, so the
// face shrinks by input / max(width, height).
int detector_input_for(int width, int height, float smallest_face_px, int max_input = 1024);

class FaceFinder {
 public:
  // reference: the reference path's detector options (its input size is
  // the reference scale).  Loads the SSD once; other input sizes share it.
  FaceFinder(const models::ModelDir& models, vision::DetectorOptions reference);
  ~FaceFinder();
  FaceFinder(const FaceFinder&) = delete;
  FaceFinder& operator=(const FaceFinder&) = delete;

  int reference_input() const { return reference_options_.input_size; }
  // Faces in `frame` at a square input of `input` pixels (the reference
  // detector itself at reference_input()), highest score first.
  std::vector<FaceDetection> detect(const cv::Mat& frame, int input, StageTimings& timings);
  // The box the reference detector draws for the face proposed at `coarse`:
  // the detector re-run on a window around it, cut from the reference's
  // view of the frame (same scale; window origin on its 32 px grid, so the
  // net's first two feature grids line up with the full-frame run's and the
  // face sees the same features), with 64 px of context.  nullopt: no face
  // there at that scale (the reference would not have one either).
  std::optional<Box> reference_box(const cv::Mat& frame, const Box& coarse, StageTimings& timings);
  // Faces in the square window `kNearWindowWidths` box widths wide around
  // `near`, looked at closely: the window is given the detector at
  // kNearInput, so a face of near's size is ~64 px there, about four times
  // the smallest the detector finds (the proposal input gives it ~16-22 px
  // for a 60-90 px face).  Boxes in frame pixels, highest score first.
  std::vector<FaceDetection> detect_near(const cv::Mat& frame, const Box& near,
                                         StageTimings& timings);
  static constexpr float kNearWindowWidths = 3;
  static constexpr int kNearInput = 192;

 private:
  vision::FaceDetector& detector_at(int input);

  vision::DetectorOptions reference_options_;
  vision::FaceDetector reference_;
  std::map<int, std::unique_ptr<vision::FaceDetector>> sized_;  // by input size
};

}  // namespace tw::scan
