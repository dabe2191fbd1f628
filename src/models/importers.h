#pragma once
// Importers: face-api's tfjs weights (manifest JSON + uint8-quantized .bin,
// HWIO filters) -> ONNX graphs (opset 10, OIHW, folded constants) that
// OpenCV 4.6's cv::dnn reads.  Each throws InputError naming the input file
// that is missing or malformed.
#include <filesystem>

namespace tw::models {

// from_dir: face-api's model/ folder; out: the .onnx file to write.
void import_face_recognition(const std::filesystem::path& from_dir,
                             const std::filesystem::path& out);
void import_ssd_mobilenetv1(const std::filesystem::path& from_dir,
                            const std::filesystem::path& out);
void import_face_landmark_68(const std::filesystem::path& from_dir,
                             const std::filesystem::path& out);

}  // namespace tw::models
