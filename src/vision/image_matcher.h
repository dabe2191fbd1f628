#pragma once
// Finding a known picture (a flag, a logo, a meme) in a frame by local
// features: SIFT keypoints of the reference images, matched to the frame's
// with Lowe's ratio test, then a RANSAC homography.  A match needs enough
// inliers and a sane homography (convex, not mirrored, plausible size and
// aspect), so that pictures that only share colours or stripes are not found.
// Its box is the bounding box of the reference's projected outline.
#include <opencv2/core.hpp>

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "core/types.h"

namespace tw::vision {

// The features of one image.  Descriptors are SIFT's 128 values stored as
// bytes (SIFT saturates them to 0..255 anyway), one row per point.
struct ImageFeatures {
  int width = 0, height = 0;  // of the image the points refer to
  std::vector<Point> points;
  cv::Mat descriptors;  // CV_8U, points.size() x 128
};

struct ImageMatchOptions {
  float ratio = 0.75f;        // Lowe's ratio test
  int min_inliers = 12;       // RANSAC inliers needed for a match
  double ransac_px = 5.0;     // reprojection error (working-frame pixels)
  int max_frame_side = 1280;  // larger frames are downscaled to this long side
  int max_frame_features = 2500;
  int max_reference_side = 640;  // larger references are downscaled
  int max_reference_features = 1200;
  int min_reference_features = 40;  // fewer: the reference is refused
  float max_aspect_change = 3.0f;   // projected sides vs the reference's
  float min_outline_px = 20;        // shorter projected sides are noise
};

// Features of a reference image.  Throws InputError(source, reason) when the
// image has too few features (a flat colour, a tiny image).
ImageFeatures reference_features(const cv::Mat& bgr, const std::string& source,
                                 const ImageMatchOptions& options = {});

// Features of a frame, in the frame's own pixels (after downscaling they are
// mapped back).  Computed once per frame and shared by every image target.
struct FrameFeatures {
  double scale = 1;  // working pixels per frame pixel
  cv::Size frame_size;
  std::vector<Point> points;  // working-frame pixels
  cv::Mat descriptors;        // CV_32F
};
FrameFeatures frame_features(const cv::Mat& bgr, const ImageMatchOptions& options = {});

struct ImageMatch {
  std::size_t reference_index = 0;  // which reference of the target matched
  int good_matches = 0;             // after the ratio test
  int inliers = 0;                  // RANSAC inliers
  float score = 0;                  // in [0, 1]: inliers / (inliers + min_inliers)
  Box box;                          // frame pixels, clipped to the frame
  std::array<Point, 4> outline;     // the reference's corners, projected (frame pixels)
};

// One target's references (any of them may match).
class ImageMatcher {
 public:
  explicit ImageMatcher(std::vector<ImageFeatures> references, ImageMatchOptions options = {});
  const ImageMatchOptions& options() const { return options_; }
  // The best sane match of any reference, if one has enough inliers.
  std::optional<ImageMatch> match(const FrameFeatures& frame) const;

 private:
  std::optional<ImageMatch> match_one(std::size_t index, const FrameFeatures& frame) const;
  std::vector<ImageFeatures> references_;
  std::vector<cv::Mat> float_descriptors_;
  ImageMatchOptions options_;
};

// Compact text forms for target files: descriptors as base64 bytes, points
// as a flat [x0, y0, x1, y1, ...] list (rounded to 1/100 px).
std::string descriptors_to_base64(const cv::Mat& descriptors);
// Throws std::invalid_argument for bad base64 or a size that is not rows x 128.
cv::Mat descriptors_from_base64(const std::string& text, std::size_t rows);

}  // namespace tw::vision
