#pragma once
// The model directory ($TRENDWATCH_HOME/models): ONNX files written by
// `models install` and manifest.json with the SHA-256 of every input and
// output.  Loading verifies the checksum; a missing or damaged file is an
// InputError that names it and says to run `trendwatch models install`.
#include <opencv2/core/cvdef.h>
#include <opencv2/dnn/version.hpp>

#include <filesystem>
#include <map>
#include <string>

#include "models/conv_net.h"

// Declared only: opencv2/dnn.hpp costs every includer ~2 s of parsing, and
// only the few that call load_net include it.
namespace cv::dnn {
CV__DNN_INLINE_NS_BEGIN
class Net;
CV__DNN_INLINE_NS_END
}  // namespace cv::dnn

namespace tw::models {

// Names of the face models, also their file stems (<name>.onnx).
inline constexpr const char* kFaceDetector = "ssd_mobilenetv1";
inline constexpr const char* kFaceLandmarks = "face_landmark_68";
inline constexpr const char* kFaceRecognition = "face_recognition";

struct ModelEntry {
  std::string name;
  std::filesystem::path file;  // relative to the model directory
  std::string sha256;
  std::map<std::string, std::string> sources;  // input file name -> sha256
};

class ModelDir {
 public:
  static constexpr const char* kManifestName = "manifest.json";

  // Reads dir/manifest.json; throws InputError when it is missing or bad.
  static ModelDir open(const std::filesystem::path& dir);
  // The default: Home::resolve().models().
  static ModelDir open_default();

  const std::filesystem::path& dir() const { return dir_; }
  const std::map<std::string, ModelEntry>& entries() const { return entries_; }
  // Path of a model after checking its SHA-256 against the manifest.
  std::filesystem::path verified_path(const std::string& name) const;
  // verified_path + cv::dnn::readNetFromONNX; wraps OpenCV errors.
  cv::dnn::Net load_net(const std::string& name) const;
  // verified_path + read_conv_net (for vision::ConvRuntime).
  ConvNet load_conv_net(const std::string& name) const;

  // Writes dir/manifest.json atomically (a temporary file, renamed).
  static void write_manifest(const std::filesystem::path& dir,
                             const std::map<std::string, ModelEntry>& entries);

 private:
  std::filesystem::path dir_;
  std::map<std::string, ModelEntry> entries_;
};

}  // namespace tw::models
