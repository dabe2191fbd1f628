#pragma once
// `trendwatch models install` as a library call: imports face-api's three
// face models into a model directory and writes its manifest.json.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "models/model_dir.h"

namespace tw::models {

struct FaceModelSpec {
  const char* name;           // model name and .onnx stem (kFaceDetector, ...)
  const char* tfjs_manifest;  // file in face-api's model/ folder
  void (*import)(const std::filesystem::path& from_dir, const std::filesystem::path& out);
};
// The three face models, in install order.
const std::vector<FaceModelSpec>& face_model_specs();

struct InstallOutcome {
  std::string name;
  bool ok = false;
  std::string error;  // one line naming the input, when !ok
  ModelEntry entry;   // when ok
};

// Imports every face model from from_dir into dir (atomic per file), then
// writes dir/manifest.json listing the models imported now plus, for those
// that failed, a previous entry whose file still matches its checksum.
// Every model is attempted; failures are reported, not thrown.  progress
// (may be empty) gets one line per step.
std::vector<InstallOutcome> install_face_models(
    const std::filesystem::path& from_dir, const std::filesystem::path& dir,
    const std::function<void(const std::string&)>& progress = {});

}  // namespace tw::models
