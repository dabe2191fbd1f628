#include "models/conv_net.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>

#include "core/errors.h"

namespace tw::models {
namespace {

using Initializers = std::map<std::string, const onnx::TensorProto*>;

std::vector<int64_t> dims_of(const onnx::TensorProto& t) {
  return {t.dims().begin(), t.dims().end()};
}

// A float tensor's values, from raw_data (little-endian) or float_data.
std::optional<std::vector<float>> floats_of(const onnx::TensorProto& t) {
  if (t.data_type() != onnx::TensorProto::FLOAT) return std::nullopt;
  std::vector<float> values;
  if (!t.raw_data().empty()) {
    if (t.raw_data().size() % sizeof(float)) return std::nullopt;
    values.resize(t.raw_data().size() / sizeof(float));
    std::memcpy(values.data(), t.raw_data().data(), t.raw_data().size());
  } else {
    values.assign(t.float_data().begin(), t.float_data().end());
  }
  int64_t expected = 1;
  for (int64_t d : t.dims()) expected *= d;
  if (static_cast<int64_t>(values.size()) != expected) return std::nullopt;
  return values;
}

std::vector<int64_t> int64s_of(const onnx::TensorProto& t) {
  if (!t.raw_data().empty()) {
    std::vector<int64_t> values(t.raw_data().size() / sizeof(int64_t));
    std::memcpy(values.data(), t.raw_data().data(), values.size() * sizeof(int64_t));
    return values;
  }
  return {t.int64_data().begin(), t.int64_data().end()};
}

const onnx::AttributeProto* attribute(const onnx::NodeProto& node, const std::string& name) {
  for (const auto& a : node.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

std::vector<int64_t> ints_or(const onnx::NodeProto& node, const std::string& name,
                             std::vector<int64_t> fallback) {
  const auto* a = attribute(node, name);
  return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : fallback;
}

class Reader {
 public:
  Reader(const std::filesystem::path& path, const onnx::GraphProto& graph)
      : path_(path), graph_(graph) {
    for (const auto& init : graph.initializer()) initializers_[init.name()] = &init;
    for (const auto& node : graph.node())
      for (const auto& in : node.input()) ++consumers_[in];
  }

  ConvNet read() {
    for (const auto& in : graph_.input()) {
      if (initializers_.count(in.name())) continue;
      const auto& shape = in.type().tensor_type().shape();
      if (!net_.input.empty() || shape.dim_size() != 4) fail("has an input other than one image");
      net_.input = in.name();
      // NCHW, or NHWC turned into NCHW by its only reader.
      const onnx::NodeProto* to_nchw = nhwc_transpose_of(in.name());
      const int channel_axis = to_nchw ? 3 : 1, row_axis = to_nchw ? 1 : 2;
      if (shape.dim(channel_axis).dim_value() < 1)
        fail("has an input other than one NCHW (or transposed NHWC) image");
      net_.input_channels = static_cast<int>(shape.dim(channel_axis).dim_value());
      net_.input_rows = static_cast<int>(shape.dim(row_axis).dim_value());
      net_.input_cols = static_cast<int>(shape.dim(row_axis + 1).dim_value());
      if (to_nchw) aliases_[to_nchw->output(0)] = in.name();
    }
    if (net_.input.empty()) fail("has no input");
    made_[net_.input] = -1;
    channels_[net_.input] = net_.input_channels;
    for (const auto& node : graph_.node()) {
      // The runtime's input is NHWC already: readers of the transposed
      // input read the input itself.
      if (node.op_type() == "Transpose" && aliases_.count(node.output_size() ? node.output(0) : ""))
        continue;
      onnx::NodeProto resolved = node;
      for (auto& in : *resolved.mutable_input())
        if (auto it = aliases_.find(in); it != aliases_.end()) in = it->second;
      read_node(resolved);
    }
    for (const auto& out : graph_.output()) {
      auto rows = outputs_.find(out.name());
      auto made = made_.find(out.name());
      if (rows != outputs_.end()) {
        net_.outputs.push_back(rows->second);
      } else if (made != made_.end() && made->second >= 0) {
        net_.outputs.push_back({out.name(), channels_.at(out.name()), {out.name()}});
      } else {
        fail("output " + out.name() + " is not a layer's value or rows of conv outputs");
      }
    }
    if (net_.outputs.empty()) fail("has no output");
    return std::move(net_);
  }

 private:
  [[noreturn]] void fail(const std::string& reason) const {
    throw InputError(path_.string(), reason + " (the fast runner reads only conv nets)");
  }

  // The Transpose(perm 0,3,1,2) that is the only reader of `input`, if any.
  const onnx::NodeProto* nhwc_transpose_of(const std::string& input) const {
    const onnx::NodeProto* reader = nullptr;
    for (const auto& node : graph_.node()) {
      for (const auto& in : node.input()) {
        if (in != input) continue;
        if (reader) return nullptr;
        reader = &node;
      }
    }
    if (!reader || reader->op_type() != "Transpose" || reader->output_size() != 1 ||
        ints_or(*reader, "perm", {}) != std::vector<int64_t>{0, 3, 1, 2})
      return nullptr;
    return reader;
  }

  std::string where(const onnx::NodeProto& node) const {
    return node.op_type() + " node " + node.name();
  }

  const onnx::TensorProto& initializer(const onnx::NodeProto& node, int input) const {
    if (node.input_size() <= input) fail(where(node) + " lacks inputs");
    auto it = initializers_.find(node.input(input));
    if (it == initializers_.end()) fail(where(node) + " has a computed weight");
    return *it->second;
  }

  // Channels of a value made by the input or a layer, or fail.
  int channels_of(const onnx::NodeProto& node, const std::string& value) const {
    if (!made_.count(value)) fail(where(node) + " reads " + value + ", which no layer makes");
    return channels_.at(value);
  }

  // The layer that makes the node's first input, or fail.
  NetLayer& layer_making(const onnx::NodeProto& node) {
    auto it = made_.find(node.input(0));
    if (it == made_.end() || it->second < 0) fail(where(node) + " does not follow a layer");
    return net_.layers[it->second];
  }

  // A layer of `kind` reading the node's first input and making its output.
  NetLayer layer_for(const onnx::NodeProto& node, LayerKind kind) const {
    NetLayer layer;
    layer.kind = kind;
    layer.inputs = {node.input(0)};
    layer.output = node.output(0);
    layer.input_channels = channels_of(node, node.input(0));
    return layer;
  }

  void add_layer(NetLayer layer) {
    made_[layer.output] = static_cast<int>(net_.layers.size());
    channels_[layer.output] = layer.output_channels;
    net_.layers.push_back(std::move(layer));
  }

  // A Clip or Relu becomes the output range of the layer before it when
  // nothing else reads that layer's output.
  void fuse_range(const onnx::NodeProto& node, float low, float high) {
    NetLayer& layer = layer_making(node);
    if (consumers_[layer.output] != 1) fail(where(node) + " shares its input with other nodes");
    made_.erase(layer.output);
    layer.output = node.output(0);
    made_[layer.output] = static_cast<int>(&layer - net_.layers.data());
    channels_[layer.output] = layer.output_channels;
    layer.output_min = std::max(layer.output_min, low);
    layer.output_max = std::min(layer.output_max, high);
  }

  void read_node(const onnx::NodeProto& node) {
    if (node.input_size() < 1 || node.output_size() < 1)
      fail(where(node) + " has no input or output");
    const std::string& op = node.op_type();
    if (op == "Conv") return read_conv(node);
    if (op == "Gemm") return read_gemm(node);
    if (op == "MaxPool" || op == "AveragePool") return read_pool(node);
    if (op == "Pad") return read_pad(node);
    if (op == "Relu") return fuse_range(node, 0.f, std::numeric_limits<float>::infinity());
    if (op == "Clip") return read_clip(node);
    if (op == "Add" || op == "GlobalAveragePool" || op == "Flatten") {
      NetLayer layer = layer_for(node, op == "Add"                 ? LayerKind::add
                                       : op == "GlobalAveragePool" ? LayerKind::global_average_pool
                                                                   : LayerKind::flatten);
      layer.inputs.assign(node.input().begin(), node.input().end());
      if (layer.inputs.size() != (op == "Add" ? 2u : 1u))
        fail(where(node) + " has " + std::to_string(layer.inputs.size()) + " inputs");
      for (const auto& in : layer.inputs)
        if (channels_of(node, in) != layer.input_channels)
          fail(where(node) + " adds values of different channels");
      if (op == "Flatten") {
        const auto* axis = attribute(node, "axis");
        if (axis && axis->i() != 1) fail(where(node) + " does not keep the batch axis");
      }
      layer.output_channels = layer.input_channels;
      return add_layer(std::move(layer));
    }
    if (op == "ConstantOfShape") return read_zeros(node);
    if (op == "Concat" && std::any_of(node.input().begin(), node.input().end(),
                                      [&](const std::string& in) { return zeros_.count(in); }))
      return read_channel_padding(node);
    if (op == "Transpose") {
      if (layer_making(node).kind != LayerKind::conv ||
          ints_or(node, "perm", {}) != std::vector<int64_t>{0, 2, 3, 1})
        fail(where(node) + " is not a conv output from NCHW to NHWC");
      transposed_[node.output(0)] = node.input(0);
      return;
    }
    if (op == "Reshape") {
      auto it = transposed_.find(node.input(0));
      const auto shape = int64s_of(initializer(node, 1));
      // [0, -1, width], or [1, rows, width] as tf2onnx fixes it.
      if (it == transposed_.end() || shape.size() != 3 || (shape[0] != 0 && shape[0] != 1) ||
          (shape[1] != -1 && shape[1] < 1) || shape[2] < 1)
        fail(where(node) + " does not make rows of an NHWC conv output");
      if (channels_.at(it->second) % shape[2])
        fail(where(node) + " splits a pixel's channels unevenly");
      outputs_[node.output(0)] = {node.output(0), static_cast<int>(shape[2]), {it->second}};
      return;
    }
    if (op == "Concat") {
      const auto* axis = attribute(node, "axis");
      if (!axis || axis->i() != 1) fail(where(node) + " is not along rows");
      ConvNetOutput joined{node.output(0), 0, {}};
      for (const auto& in : node.input()) {
        auto it = outputs_.find(in);
        if (it == outputs_.end() || (joined.width && it->second.width != joined.width))
          fail(where(node) + " joins values other than rows of one width");
        joined.width = it->second.width;
        joined.parts.insert(joined.parts.end(), it->second.parts.begin(), it->second.parts.end());
      }
      outputs_[node.output(0)] = std::move(joined);
      return;
    }
    fail("has a " + op + " node (" + node.name() + ")");
  }

  // ConstantOfShape of zeros shaped [n, channels, h, w]: only the channel
  // count matters (it becomes a pad layer's).
  void read_zeros(const onnx::NodeProto& node) {
    if (const auto* value = attribute(node, "value")) {
      const auto values = floats_of(value->t());
      if (!values || std::any_of(values->begin(), values->end(), [](float v) { return v != 0; }))
        fail(where(node) + " is not zeros");
    }
    const auto shape = int64s_of(initializer(node, 0));
    if (shape.size() != 4 || shape[1] < 1) fail(where(node) + " is not an NCHW shape");
    zeros_[node.output(0)] = static_cast<int>(shape[1]);
  }

  // Concat(axis 1) of a value and zeros: the value with zero channels added.
  void read_channel_padding(const onnx::NodeProto& node) {
    const auto* axis = attribute(node, "axis");
    if (!axis || axis->i() != 1 || node.input_size() != 2 ||
        zeros_.count(node.input(0)) == zeros_.count(node.input(1)))
      fail(where(node) + " is not one value and zeros along channels");
    const bool zeros_first = zeros_.count(node.input(0)) > 0;
    const std::string& value = node.input(zeros_first ? 1 : 0);
    NetLayer layer;
    layer.kind = LayerKind::pad;
    layer.inputs = {value};
    layer.output = node.output(0);
    layer.input_channels = channels_of(node, value);
    const int added = zeros_.at(node.input(zeros_first ? 0 : 1));
    (zeros_first ? layer.pad_before : layer.pad_after)[3] = added;
    layer.output_channels = layer.input_channels + added;
    add_layer(std::move(layer));
  }

  void read_clip(const onnx::NodeProto& node) {
    float low = -std::numeric_limits<float>::infinity();
    float high = std::numeric_limits<float>::infinity();
    if (const auto* a = attribute(node, "min")) low = a->f();
    if (const auto* a = attribute(node, "max")) high = a->f();
    for (int i = 1; i < node.input_size() && i < 3; ++i) {
      if (node.input(i).empty()) continue;
      const auto v = floats_of(initializer(node, i));
      if (!v || v->size() != 1) fail(where(node) + " has a non-scalar bound");
      (i == 1 ? low : high) = v->front();
    }
    fuse_range(node, low, high);
  }

  void read_conv(const onnx::NodeProto& node) {
    NetLayer layer = layer_for(node, LayerKind::conv);
    const onnx::TensorProto& weight = initializer(node, 1);
    const auto shape = dims_of(weight);
    const auto values = floats_of(weight);
    if (shape.size() != 4 || !values) fail(where(node) + " has a bad filter");
    const auto* group = attribute(node, "group");
    layer.groups = group ? static_cast<int>(group->i()) : 1;
    if (layer.groups < 1 || shape[0] % layer.groups ||
        shape[1] * layer.groups != layer.input_channels)
      fail(where(node) + " has a filter or group that does not fit its input");
    layer.output_channels = static_cast<int>(shape[0]);
    layer.kernel_h = static_cast<int>(shape[2]);
    layer.kernel_w = static_cast<int>(shape[3]);
    read_window(node, layer);
    const auto* auto_pad = attribute(node, "auto_pad");
    const std::string pad_mode = auto_pad ? auto_pad->s() : "NOTSET";
    if (pad_mode == "SAME_UPPER") {
      layer.same_padding = true;
    } else if (pad_mode == "NOTSET" || pad_mode == "VALID") {
      const auto pads = ints_or(node, "pads", {0, 0, 0, 0});
      if (pads.size() != 4) fail(where(node) + " has pads of another rank");
      for (int i = 0; i < 4; ++i) layer.pads[i] = static_cast<int>(pads[i]);
    } else {
      fail(where(node) + " pads " + pad_mode);
    }

    // OIHW -> OHWI.
    const int64_t o = shape[0], in = shape[1], kh = shape[2], kw = shape[3];
    layer.weights.resize(values->size());
    for (int64_t a = 0; a < o; ++a)
      for (int64_t b = 0; b < in; ++b)
        for (int64_t y = 0; y < kh; ++y)
          for (int64_t x = 0; x < kw; ++x)
            layer.weights[((a * kh + y) * kw + x) * in + b] =
                (*values)[((a * in + b) * kh + y) * kw + x];
    read_bias(node, 2, layer);
    add_layer(std::move(layer));
  }

  // Strides (and dilations, which must be 1) of a conv or pool.
  void read_window(const onnx::NodeProto& node, NetLayer& layer) const {
    const auto strides = ints_or(node, "strides", {1, 1});
    if (strides.size() != 2 || ints_or(node, "dilations", {1, 1}) != std::vector<int64_t>{1, 1})
      fail(where(node) + " has dilations or strides of another rank");
    layer.stride_h = static_cast<int>(strides[0]);
    layer.stride_w = static_cast<int>(strides[1]);
  }

  void read_bias(const onnx::NodeProto& node, int input, NetLayer& layer) const {
    layer.bias.assign(static_cast<size_t>(layer.output_channels), 0.f);
    if (node.input_size() > input && !node.input(input).empty()) {
      const auto bias = floats_of(initializer(node, input));
      if (!bias || static_cast<int>(bias->size()) != layer.output_channels)
        fail(where(node) + " has a bias that does not fit its outputs");
      layer.bias = *bias;
    }
  }

  void read_gemm(const onnx::NodeProto& node) {
    const auto* trans_a = attribute(node, "transA");
    const auto* trans_b = attribute(node, "transB");
    const auto* alpha = attribute(node, "alpha");
    const auto* beta = attribute(node, "beta");
    if ((trans_a && trans_a->i()) || !trans_b || trans_b->i() != 1 || (alpha && alpha->f() != 1) ||
        (beta && beta->f() != 1))
      fail(where(node) + " is not x * W^T + b");
    NetLayer layer = layer_for(node, LayerKind::fully_connected);
    const onnx::TensorProto& weight = initializer(node, 1);
    const auto shape = dims_of(weight);
    auto values = floats_of(weight);
    if (shape.size() != 2 || !values || shape[1] != layer.input_channels)
      fail(where(node) + " has weights that do not fit its input");
    layer.output_channels = static_cast<int>(shape[0]);
    layer.weights = std::move(*values);
    read_bias(node, 2, layer);
    add_layer(std::move(layer));
  }

  void read_pool(const onnx::NodeProto& node) {
    NetLayer layer = layer_for(
        node, node.op_type() == "MaxPool" ? LayerKind::max_pool : LayerKind::average_pool);
    layer.output_channels = layer.input_channels;
    const auto kernel = ints_or(node, "kernel_shape", {});
    if (kernel.size() != 2) fail(where(node) + " has no 2-D kernel");
    layer.kernel_h = static_cast<int>(kernel[0]);
    layer.kernel_w = static_cast<int>(kernel[1]);
    read_window(node, layer);
    const auto pads = ints_or(node, "pads", {0, 0, 0, 0});
    const auto* auto_pad = attribute(node, "auto_pad");
    const auto* ceil_mode = attribute(node, "ceil_mode");
    if (std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p != 0; }) ||
        (auto_pad && auto_pad->s() != "NOTSET" && auto_pad->s() != "VALID") ||
        (ceil_mode && ceil_mode->i()))
      fail(where(node) + " pads or rounds up");
    add_layer(std::move(layer));
  }

  void read_pad(const onnx::NodeProto& node) {
    const auto* mode = attribute(node, "mode");
    const auto* value = attribute(node, "value");
    const auto pads = ints_or(node, "pads", {});
    if ((mode && mode->s() != "constant") || (value && value->f() != 0) || pads.size() != 8 ||
        std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p < 0; }))
      fail(where(node) + " is not zero padding of an NCHW value");
    NetLayer layer = layer_for(node, LayerKind::pad);
    // NCHW begin/end -> NHWC.
    layer.pad_before = {static_cast<int>(pads[0]), static_cast<int>(pads[2]),
                        static_cast<int>(pads[3]), static_cast<int>(pads[1])};
    layer.pad_after = {static_cast<int>(pads[4]), static_cast<int>(pads[6]),
                       static_cast<int>(pads[7]), static_cast<int>(pads[5])};
    if (layer.pad_before[0] || layer.pad_after[0]) fail(where(node) + " pads the batch");
    layer.output_channels = layer.input_channels + layer.pad_before[3] + layer.pad_after[3];
    add_layer(std::move(layer));
  }

  const std::filesystem::path& path_;
  const onnx::GraphProto& graph_;
  Initializers initializers_;
  std::map<std::string, int> consumers_;
  std::map<std::string, int> made_;      // value -> index of the layer making it (-1: the input)
  std::map<std::string, int> channels_;  // value -> channels
  std::map<std::string, std::string> transposed_;  // NHWC value -> conv output
  std::map<std::string, ConvNetOutput> outputs_;
  std::map<std::string, int> zeros_;            // ConstantOfShape value -> channels
  std::map<std::string, std::string> aliases_;  // transposed input -> the input
  ConvNet net_;
};

}  // namespace

ConvNet read_conv_net(const std::filesystem::path& onnx_file) {
  std::ifstream in(onnx_file, std::ios::binary);
  onnx::ModelProto model;
  if (!in || !model.ParseFromIstream(&in))
    throw InputError(onnx_file.string(), "cannot be read as an ONNX model");
  return Reader(onnx_file, model.graph()).read();
}

}  // namespace tw::models
