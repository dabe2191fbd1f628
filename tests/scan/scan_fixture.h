#pragma once
// Shared by the scan tests: models, enrollment from kphotoalbum photos, and
// head-and-shoulders crops of photos to show in generated clips.
#include <gtest/gtest.h>
#include <unistd.h>

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "media/image.h"
#include "models/model_dir.h"
#include "support/kphotoalbum.h"
#include "support/test_support.h"
#include "targets/enroll.h"
#include "vision/face_analyser.h"

namespace tw::test {

inline models::ModelDir test_models() {
  return models::ModelDir::open(home_dir() / "models");
}

inline vision::FaceAnalyser& shared_analyser() {
  static vision::FaceAnalyser analyser(test_models());
  return analyser;
}

inline std::filesystem::path demo_photo(const std::string& file) {
  return kphotoalbum_dir() / file;
}

inline targets::Target enroll_from(const std::string& name,
                                   const std::vector<std::filesystem::path>& photos) {
  targets::EnrollOptions options;
  options.largest = true;
  auto result = targets::enroll_face_target(name, photos, shared_analyser(), options);
  for (const auto& r : result.refused) ADD_FAILURE() << r.photo << ": " << r.reason;
  if (!result.target) throw std::runtime_error("enrollment of " + name + " failed");
  return *result.target;
}

// The largest face of a photo with 1.2 face-widths of margin around it,
// written once to a stable path (so make_clip's cache, which keys on the
// file's path and time, keeps hitting).
inline std::filesystem::path face_crop(const std::filesystem::path& photo) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(TW_BINARY_DIR) / "test-clips" / "crops";
  fs::path out = dir / (photo.stem().string() + "-face.jpg");
  if (fs::exists(out)) return out;
  fs::create_directories(dir);
  cv::Mat image = media::load_image(photo);
  auto faces = shared_analyser().analyse(image);
  if (faces.empty()) throw std::runtime_error("no face in " + photo.string());
  auto largest = std::max_element(faces.begin(), faces.end(), [](const auto& a, const auto& b) {
    return a.detection.box.area() < b.detection.box.area();
  });
  const Box& b = largest->detection.box;
  float margin = 1.2f * std::max(b.width, b.height);
  cv::Rect r(cvRound(b.x - margin), cvRound(b.y - margin), cvRound(b.width + 2 * margin),
             cvRound(b.height + 2 * margin));
  r &= cv::Rect(0, 0, image.cols, image.rows);
  fs::path tmp = dir / (photo.stem().string() + ".tmp" + std::to_string(::getpid()) + ".jpg");
  cv::imwrite(tmp.string(), image(r));
  fs::rename(tmp, out);
  return out;
}

}  // namespace tw::test
