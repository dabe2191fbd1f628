#pragma once
// A small builder for ONNX graphs that OpenCV 4.6's cv::dnn reads, used by
// the importers that turn face-api's tfjs weights into .onnx files.
//
// Conventions (measured against cv::dnn 4.6, see DESIGN.md):
// - opset 10; Clip takes min/max as attributes (the opset-11 input form is
//   rejected by cv::dnn 4.6);
// - tensors are NCHW; filters OIHW (tfjs stores HWIO: convert with
//   hwio_to_oihw / depthwise_to_oihw);
// - fold per-channel scale, shift and batch norm into the conv (fold_*):
//   unfolded Mul/Add nodes break batch > 1 in cv::dnn and are slower.  When a
//   per-channel constant cannot be folded, shape it [1,C,1,1];
// - the batch dimension of inputs and outputs is symbolic ("batch").
//
// Every layer method takes the name of its input value(s) and returns the
// name of the value it produces, so a network reads like the tfjs code:
//   auto x = g.add_input("input", {-1, 3, 150, 150});
//   x = g.relu(g.conv(x, params, {.strides = {2, 2}}));
#include <onnx/onnx_pb.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "models/tfjs_weights.h"

namespace tw::models {

// Weights of one Conv node in ONNX layout.
struct ConvParams {
  Tensor filter;            // OIHW
  std::vector<float> bias;  // one per output channel, or empty for none
};

// tfjs conv2d filter [H,W,I,O] -> ONNX [O,I,H,W].
Tensor hwio_to_oihw(const Tensor& hwio);
// tfjs depthwise filter [H,W,C,M] (M = channel multiplier) -> ONNX
// [C*M,1,H,W], for a Conv with group = C.
Tensor depthwise_to_oihw(const Tensor& hwcm);

// Folds y = conv(x) * scale + shift (per output channel) into the conv:
// w[o] *= scale[o], b[o] = b[o] * scale[o] + shift[o].  An empty bias counts
// as zeros; an empty scale as ones; an empty shift as zeros.
void fold_scale_shift(ConvParams& conv, const std::vector<float>& scale,
                      const std::vector<float>& shift);
// Folds tf.batchNorm(conv(x), mean, variance, offset, gamma, epsilon):
// scale = gamma / sqrt(variance + epsilon), shift = offset - mean * scale
// (computed in double).  An empty gamma counts as ones, an empty offset as
// zeros.
void fold_batch_norm(ConvParams& conv, const std::vector<float>& mean,
                     const std::vector<float>& variance, const std::vector<float>& offset,
                     const std::vector<float>& gamma, double epsilon);

// TensorFlow "SAME" padding for a known input size, as ONNX pads
// [top, left, bottom, right] (the odd pixel goes bottom/right, as TF does).
std::array<int64_t, 4> tf_same_pads(int64_t in_h, int64_t in_w, int64_t kernel_h, int64_t kernel_w,
                                    int64_t stride_h, int64_t stride_w);

struct ConvOptions {
  std::array<int64_t, 2> strides{1, 1};
  std::array<int64_t, 4> pads{0, 0, 0, 0};  // top, left, bottom, right
  int64_t group = 1;                        // = channels for a depthwise conv
};

struct PoolOptions {
  std::array<int64_t, 2> kernel{2, 2};
  std::array<int64_t, 2> strides{2, 2};
  std::array<int64_t, 4> pads{0, 0, 0, 0};  // top, left, bottom, right
  // AveragePool only: TF "SAME" averages over the valid pixels only (0).
  bool count_include_pad = false;
};

class OnnxGraph {
 public:
  static constexpr int64_t kOpset = 10;

  explicit OnnxGraph(const std::string& graph_name);

  // Graph inputs and outputs are float tensors; a dimension <= 0 is the
  // symbolic "batch".
  std::string add_input(const std::string& name, const std::vector<int64_t>& shape);
  void add_output(const std::string& value, const std::vector<int64_t>& shape);

  // Constant tensors (float, or int64 for shapes); return the value name,
  // made unique from name_hint.
  std::string add_initializer(const std::string& name_hint, const Tensor& tensor);
  std::string add_int64_initializer(const std::string& name_hint,
                                    const std::vector<int64_t>& values);

  // Layers.  name_hint names the produced value (made unique); empty = op name.
  std::string conv(const std::string& x, const ConvParams& params, const ConvOptions& options = {},
                   const std::string& name_hint = "");
  std::string relu(const std::string& x, const std::string& name_hint = "");
  std::string clip(const std::string& x, float min, float max, const std::string& name_hint = "");
  std::string sigmoid(const std::string& x, const std::string& name_hint = "");
  std::string add(const std::string& a, const std::string& b, const std::string& name_hint = "");
  std::string mul(const std::string& a, const std::string& b, const std::string& name_hint = "");
  std::string max_pool(const std::string& x, const PoolOptions& options,
                       const std::string& name_hint = "");
  std::string average_pool(const std::string& x, const PoolOptions& options,
                           const std::string& name_hint = "");
  std::string global_average_pool(const std::string& x, const std::string& name_hint = "");
  // Constant padding.  pads: begin of every axis, then end of every axis
  // (NCHW: [n0, c0, h0, w0, n1, c1, h1, w1]), as ONNX Pad-2 takes them.
  std::string pad(const std::string& x, const std::vector<int64_t>& pads, float value = 0.f,
                  const std::string& name_hint = "");
  std::string concat(const std::vector<std::string>& inputs, int64_t axis,
                     const std::string& name_hint = "");
  // shape: ONNX Reshape semantics (0 copies the input dim, -1 is inferred).
  std::string reshape(const std::string& x, const std::vector<int64_t>& shape,
                      const std::string& name_hint = "");
  std::string transpose(const std::string& x, const std::vector<int64_t>& perm,
                        const std::string& name_hint = "");
  std::string flatten(const std::string& x, int64_t axis = 1, const std::string& name_hint = "");
  // y = x * weight + bias with a tfjs-layout weight [K,N] (x is [batch,K]);
  // empty bias = zeros.
  std::string gemm(const std::string& x, const Tensor& weight, const std::vector<float>& bias = {},
                   const std::string& name_hint = "");

  // Any other node: attributes set by the callback.  Returns its first output.
  std::string node(const std::string& op_type, const std::vector<std::string>& inputs,
                   const std::function<void(onnx::NodeProto&)>& set_attributes = {},
                   const std::string& name_hint = "");

  const onnx::ModelProto& proto() const { return model_; }

  // Runs onnx::checker, then writes out atomically (a temporary file beside
  // it, renamed).  A checker failure is a bug in the importer (runtime_error);
  // a write failure is an InputError naming out.
  void save(const std::filesystem::path& out) const;

 private:
  std::string unique_name(const std::string& hint);
  onnx::GraphProto& graph() { return *model_.mutable_graph(); }

  onnx::ModelProto model_;
  std::map<std::string, int> name_uses_;
};

// Attribute helpers for OnnxGraph::node callbacks.
void set_attribute(onnx::NodeProto& node, const std::string& name, int64_t value);
void set_attribute(onnx::NodeProto& node, const std::string& name, float value);
void set_attribute(onnx::NodeProto& node, const std::string& name,
                   const std::vector<int64_t>& values);
void set_attribute(onnx::NodeProto& node, const std::string& name, const std::string& value);

}  // namespace tw::models
