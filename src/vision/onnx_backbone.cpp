#include "vision/onnx_backbone.h"

#include <onnx/onnx_pb.h>

#include <opencv2/imgproc.hpp>

#include <fstream>
#include <set>
#include <string>

#include "core/errors.h"

namespace fs = std::filesystem;

namespace tw::vision {
namespace {

std::string one_line(std::string text) {
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

std::string dims_text(const std::vector<std::string>& dims) {
  std::string out;
  for (const auto& d : dims) out += (out.empty() ? "" : "x") + d;
  return out;
}

// The declared shape of the graph's (first real) input: numbers, or the
// symbolic name of a free dimension.  Checks it fits [N, 3, height, width].
void check_declared_input(const fs::path& file, const OnnxBackboneOptions& options) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(file.string(), "cannot be read");
  onnx::ModelProto model;
  if (!model.ParseFromIstream(&in) || !model.has_graph() || model.graph().node_size() == 0 ||
      model.graph().output_size() == 0)
    throw InputError(file.string(), "not an ONNX model (no graph could be read from it)");
  std::set<std::string> constants;
  for (const auto& init : model.graph().initializer()) constants.insert(init.name());
  const onnx::ValueInfoProto* input = nullptr;
  for (const auto& value : model.graph().input())
    if (!constants.count(value.name())) {
      input = &value;
      break;
    }
  if (input == nullptr) throw InputError(file.string(), "the ONNX model has no input");
  if (!input->type().has_tensor_type() || !input->type().tensor_type().has_shape())
    return;  // no declared shape: the dummy forward pass decides
  std::vector<std::string> dims;
  std::vector<long long> fixed;
  for (const auto& d : input->type().tensor_type().shape().dim()) {
    fixed.push_back(d.has_dim_value() ? d.dim_value() : -1);
    dims.push_back(d.has_dim_value() ? std::to_string(d.dim_value())
                                     : (d.dim_param().empty() ? "?" : d.dim_param()));
  }
  std::string configured =
      "3x" + std::to_string(options.input_height) + "x" + std::to_string(options.input_width);
  if (fixed.size() != 4)
    throw InputError(file.string(), "the model's input '" + input->name() + "' has shape " +
                                        dims_text(dims) +
                                        "; an image backbone takes N x 3 x height x width");
  bool fits = (fixed[1] < 0 || fixed[1] == 3) &&
              (fixed[2] < 0 || fixed[2] == options.input_height) &&
              (fixed[3] < 0 || fixed[3] == options.input_width);
  if (!fits)
    throw InputError(file.string(),
                     "the model's input '" + input->name() + "' is " + dims_text(dims) +
                         " (N x C x H x W) but the configured input is " + configured +
                         " (set --input-size WIDTHxHEIGHT to match; 3 colour channels)");
}

}  // namespace

OnnxBackbone::OnnxBackbone(const fs::path& file, OnnxBackboneOptions options)
    : file_(file), options_(options) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) throw InputError(file.string(), "no such model file");
  if (options_.input_width < 8 || options_.input_height < 8 || options_.input_width > 4096 ||
      options_.input_height > 4096)
    throw InputError(file.string(), "the input size must be between 8 and 4096 pixels a side");
  for (float s : options_.std)
    if (!(s > 0)) throw InputError(file.string(), "std must be positive for every channel");
  check_declared_input(file, options_);
  try {
    net_ = cv::dnn::readNetFromONNX(file.string());
  } catch (const cv::Exception& e) {
    throw InputError(file.string(), "OpenCV cannot load this ONNX model: " + one_line(e.err));
  }
  if (net_.empty()) throw InputError(file.string(), "OpenCV loaded an empty network");
  // One pass on a dummy input proves the configured size fits every layer.
  cv::Mat dummy(options_.input_height, options_.input_width, CV_8UC3, cv::Scalar(128, 128, 128));
  try {
    feature_size_ = static_cast<int>(features(dummy).size());
  } catch (const cv::Exception& e) {
    throw InputError(file.string(), "the model cannot run on a 3x" +
                                        std::to_string(options_.input_height) + "x" +
                                        std::to_string(options_.input_width) +
                                        " input (check --input-size): " + one_line(e.err));
  }
  if (feature_size_ <= 0) throw InputError(file.string(), "the model's output is empty");
}

cv::Mat OnnxBackbone::blob_of(const std::vector<cv::Mat>& bgr) const {
  cv::Mat blob =
      cv::dnn::blobFromImages(bgr, 1.0 / 255, cv::Size(options_.input_width, options_.input_height),
                              cv::Scalar(), /*swapRB=*/true, /*crop=*/false, CV_32F);
  const int plane = options_.input_width * options_.input_height;
  for (int n = 0; n < blob.size[0]; ++n)
    for (int c = 0; c < 3; ++c) {
      float* p = blob.ptr<float>(n, c);
      const float mean = options_.mean[c], inv_std = 1.f / options_.std[c];
      for (int i = 0; i < plane; ++i) p[i] = (p[i] - mean) * inv_std;
    }
  return blob;
}

std::vector<float> OnnxBackbone::features(const cv::Mat& bgr) {
  net_.setInput(blob_of({bgr}));
  cv::Mat out = net_.forward();
  const float* p = out.ptr<float>();
  return std::vector<float>(p, p + out.total());
}

std::vector<std::vector<float>> OnnxBackbone::features(const std::vector<cv::Mat>& bgr) {
  // One image per pass: user networks with a Reshape or Flatten are not
  // always batch-safe in cv::dnn 4.6, and the dummy pass checked batch 1.
  std::vector<std::vector<float>> out;
  out.reserve(bgr.size());
  for (const auto& image : bgr) out.push_back(features(image));
  return out;
}

}  // namespace tw::vision
