#pragma once
// A cheap scene-change gate for the optimized scan path.  Each sampled frame
// is reduced to a small grayscale thumbnail (1/8 of each side, made on the
// decode thread); a frame is analysed when its thumbnail differs from the
// last analysed frame's anywhere, not only on average: the thumbnail
// difference is averaged over cells of ~80x80 frame pixels and the largest
// cell decides, so one 60 px face entering a still frame is a change.  Frames
// that pass unchanged re-use the last analysed frame's hits, and at most
// `max_skipped` frames in a row are skipped.
#include <opencv2/core.hpp>

namespace tw::scan {

struct SceneGateOptions {
  bool enabled = true;
  // Mean absolute gray-level difference (0-255) over one cell above which
  // the cell, and so the frame, has changed.  H.264 noise on a still shot
  // stays under ~2; a face entering a cell moves it by tens.
  float cell_change = 6.f;
  // A mean difference over the whole frame above this is a cut: faces
  // tracked across it are not trusted.
  float cut_change = 20.f;
  int cell_px = 80;     // cell side in frame pixels
  int max_skipped = 9;  // force an analysis at least every max_skipped + 1 frames
};

struct SceneChange {
  float largest_cell = 0;  // the largest per-cell mean difference
  float whole_frame = 0;   // the mean difference over the frame
};

// The gate's thumbnail of a BGR frame (CV_8UC1, 1/8 of each side).
cv::Mat scene_thumbnail(const cv::Mat& bgr);

// How much `thumbnail` differs from `reference` (same size; a size change
// counts as a cut).  cell_px: cell side in frame pixels.
SceneChange scene_change(const cv::Mat& reference, const cv::Mat& thumbnail, int cell_px);

class SceneGate {
 public:
  explicit SceneGate(SceneGateOptions options) : options_(options) {}
  // True when the frame must be analysed: the gate is off, there is no
  // reference yet, the frame changed, or too many frames were skipped.
  // After a true answer, call analysed() with the same thumbnail.
  bool must_analyse(const cv::Mat& thumbnail);
  void analysed(const cv::Mat& thumbnail);
  // The last must_analyse() call saw a cut (or had no reference).
  bool cut() const { return cut_; }

 private:
  SceneGateOptions options_;
  cv::Mat reference_;
  int skipped_ = 0;
  bool cut_ = true;
};

}  // namespace tw::scan
