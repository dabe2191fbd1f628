#pragma once
// Enrollment: reference photos -> a face target.  Every photo must show
// exactly one face (or, with `largest`, the largest face is taken).  Photos
// that are refused are all reported, and then no target is made.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "targets/target.h"
#include "vision/face_analyser.h"

namespace tw::targets {

struct EnrollOptions {
  bool largest = false;              // several faces: take the largest instead of refusing
  std::optional<float> threshold;    // default: kDefaultFaceThreshold
  float tiny_face_px = 60;           // warn below this face box side
  double blurry_laplacian_var = 60;  // warn below this variance of the Laplacian (aligned crop)
  float duplicate_distance = 0.1f;   // warn when two references are closer than this
};

struct PhotoProblem {
  std::string photo;
  std::string reason;
};

struct EnrollResult {
  std::optional<Target> target;        // empty when any photo was refused
  std::vector<PhotoProblem> refused;   // errors: no target is made
  std::vector<PhotoProblem> warnings;  // kept, but worth a look
};

// Files as given; folders expanded to their image files (sorted, not
// recursive).  Throws InputError for a missing path or a folder without images.
std::vector<std::filesystem::path> expand_photo_paths(
    const std::vector<std::filesystem::path>& paths);

EnrollResult enroll_face_target(const std::string& name,
                                const std::vector<std::filesystem::path>& photos,
                                vision::FaceAnalyser& analyser, const EnrollOptions& options = {});

// Sharpness of a face crop: variance of its Laplacian (grey).  Low = blurry.
double laplacian_variance(const cv::Mat& bgr);

}  // namespace tw::targets
