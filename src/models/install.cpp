#include "models/install.h"

#include <opencv2/dnn.hpp>

#include <chrono>

#include "core/errors.h"
#include "core/hash.h"
#include "models/importers.h"
#include "models/tfjs_weights.h"

namespace tw::models {
namespace fs = std::filesystem;

const std::vector<FaceModelSpec>& face_model_specs() {
  static const std::vector<FaceModelSpec> specs{
      {kFaceDetector, "ssd_mobilenetv1_model-weights_manifest.json", &import_ssd_mobilenetv1},
      {kFaceLandmarks, "face_landmark_68_model-weights_manifest.json", &import_face_landmark_68},
      {kFaceRecognition, "face_recognition_model-weights_manifest.json", &import_face_recognition},
  };
  return specs;
}

namespace {

InstallOutcome install_one(const FaceModelSpec& spec, const fs::path& from_dir,
                           const fs::path& dir) {
  InstallOutcome outcome;
  outcome.name = spec.name;
  try {
    // Check and hash the inputs before the (slower) import, so that a missing
    // or unreadable file is reported by name first.
    ModelEntry entry;
    entry.name = spec.name;
    entry.file = std::string(spec.name) + ".onnx";
    for (const fs::path& input : TfjsWeights::input_files(from_dir / spec.tfjs_manifest))
      entry.sources[input.filename().string()] = sha256_file(input);
    const fs::path out = dir / entry.file;
    spec.import(from_dir, out);
    // A graph cv::dnn cannot read is an importer bug; better found now than
    // at the first scan.
    try {
      cv::dnn::readNetFromONNX(out.string());
    } catch (const cv::Exception& e) {
      std::error_code ec;
      fs::remove(out, ec);
      throw std::runtime_error("OpenCV cannot read the imported graph: " + e.msg);
    }
    entry.sha256 = sha256_file(out);
    outcome.entry = std::move(entry);
    outcome.ok = true;
  } catch (const InputError& e) {
    outcome.error = e.what();
  } catch (const std::exception& e) {
    outcome.error = std::string(spec.name) + ": import failed: " + e.what();
  }
  return outcome;
}

}  // namespace

std::vector<InstallOutcome> install_face_models(
    const fs::path& from_dir, const fs::path& dir,
    const std::function<void(const std::string&)>& progress) {
  std::error_code ec;
  if (!fs::is_directory(from_dir, ec))
    throw InputError(from_dir.string(), "is not a folder (expected face-api's model/ folder)");
  fs::create_directories(dir, ec);
  if (!fs::is_directory(dir, ec))
    throw InputError(dir.string(), "cannot be created: " + ec.message());

  std::map<std::string, ModelEntry> previous;
  if (fs::exists(dir / ModelDir::kManifestName)) {
    try {
      previous = ModelDir::open(dir).entries();
    } catch (const InputError&) {
      // A damaged manifest is what install repairs.
    }
  }

  std::vector<InstallOutcome> outcomes;
  std::map<std::string, ModelEntry> entries;
  for (const FaceModelSpec& spec : face_model_specs()) {
    const auto start = std::chrono::steady_clock::now();
    InstallOutcome outcome = install_one(spec, from_dir, dir);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (outcome.ok) {
      entries[outcome.name] = outcome.entry;
      if (progress)
        progress(outcome.name + ": " + outcome.entry.file.string() + " written in " +
                 std::to_string(static_cast<int>(seconds * 1000)) + " ms");
    } else if (auto old = previous.find(outcome.name); old != previous.end()) {
      // Keep a previous, still intact model rather than lose it.
      const fs::path old_file = dir / old->second.file;
      if (fs::is_regular_file(old_file, ec) && sha256_file(old_file) == old->second.sha256)
        entries[outcome.name] = old->second;
    }
    outcomes.push_back(std::move(outcome));
  }
  ModelDir::write_manifest(dir, entries);
  return outcomes;
}

}  // namespace tw::models
