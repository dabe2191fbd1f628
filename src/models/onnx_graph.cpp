#include "models/onnx_graph.h"

#include <onnx/checker.h>

#include <unistd.h>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <stdexcept>

#include "core/errors.h"

namespace tw::models {
namespace fs = std::filesystem;

namespace {

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? "," : "") + std::to_string(shape[i]);
  return out + "]";
}

void require(bool condition, const std::string& what) {
  if (!condition) throw std::invalid_argument("OnnxGraph: " + what);
}

void set_value_info(onnx::ValueInfoProto& info, const std::string& name,
                    const std::vector<int64_t>& shape) {
  info.set_name(name);
  auto* tensor_type = info.mutable_type()->mutable_tensor_type();
  tensor_type->set_elem_type(onnx::TensorProto::FLOAT);
  auto* dims = tensor_type->mutable_shape();
  for (int64_t d : shape) {
    auto* dim = dims->add_dim();
    if (d > 0)
      dim->set_dim_value(d);
    else
      dim->set_dim_param("batch");
  }
}

std::vector<int64_t> as_vector(const std::array<int64_t, 2>& a) {
  return {a[0], a[1]};
}
std::vector<int64_t> as_vector(const std::array<int64_t, 4>& a) {
  return {a[0], a[1], a[2], a[3]};
}

}  // namespace

Tensor hwio_to_oihw(const Tensor& hwio) {
  require(hwio.shape.size() == 4, "conv filter must be 4-d HWIO, got " + shape_text(hwio.shape));
  const int64_t H = hwio.shape[0], W = hwio.shape[1], I = hwio.shape[2], O = hwio.shape[3];
  Tensor oihw;
  oihw.shape = {O, I, H, W};
  oihw.data.resize(hwio.data.size());
  for (int64_t h = 0; h < H; ++h)
    for (int64_t w = 0; w < W; ++w)
      for (int64_t i = 0; i < I; ++i)
        for (int64_t o = 0; o < O; ++o)
          oihw.data[((o * I + i) * H + h) * W + w] = hwio.data[((h * W + w) * I + i) * O + o];
  return oihw;
}

Tensor depthwise_to_oihw(const Tensor& hwcm) {
  require(hwcm.shape.size() == 4,
          "depthwise filter must be 4-d [H,W,C,M], got " + shape_text(hwcm.shape));
  const int64_t H = hwcm.shape[0], W = hwcm.shape[1], C = hwcm.shape[2], M = hwcm.shape[3];
  Tensor out;
  out.shape = {C * M, 1, H, W};
  out.data.resize(hwcm.data.size());
  // Output channel c*M + m of a grouped conv reads input channel c, as in TF.
  for (int64_t h = 0; h < H; ++h)
    for (int64_t w = 0; w < W; ++w)
      for (int64_t c = 0; c < C; ++c)
        for (int64_t m = 0; m < M; ++m)
          out.data[((c * M + m) * H + h) * W + w] = hwcm.data[((h * W + w) * C + c) * M + m];
  return out;
}

void fold_scale_shift(ConvParams& conv, const std::vector<float>& scale,
                      const std::vector<float>& shift) {
  const int64_t out_channels = conv.filter.dim(0);
  require(conv.filter.shape.size() == 4, "fold needs an OIHW filter");
  require(scale.empty() || static_cast<int64_t>(scale.size()) == out_channels,
          "scale has " + std::to_string(scale.size()) + " values for " +
              std::to_string(out_channels) + " channels");
  require(shift.empty() || static_cast<int64_t>(shift.size()) == out_channels,
          "shift has " + std::to_string(shift.size()) + " values for " +
              std::to_string(out_channels) + " channels");
  require(conv.bias.empty() || static_cast<int64_t>(conv.bias.size()) == out_channels,
          "bias size does not match the filter");
  if (conv.bias.empty()) conv.bias.assign(static_cast<size_t>(out_channels), 0.f);
  const size_t per_channel = conv.filter.data.size() / static_cast<size_t>(out_channels);
  for (size_t o = 0; o < static_cast<size_t>(out_channels); ++o) {
    const double s = scale.empty() ? 1.0 : scale[o];
    const double t = shift.empty() ? 0.0 : shift[o];
    for (size_t k = 0; k < per_channel; ++k) {
      float& w = conv.filter.data[o * per_channel + k];
      w = static_cast<float>(w * s);
    }
    conv.bias[o] = static_cast<float>(conv.bias[o] * s + t);
  }
}

void fold_batch_norm(ConvParams& conv, const std::vector<float>& mean,
                     const std::vector<float>& variance, const std::vector<float>& offset,
                     const std::vector<float>& gamma, double epsilon) {
  const size_t n = mean.size();
  require(variance.size() == n && (offset.empty() || offset.size() == n) &&
              (gamma.empty() || gamma.size() == n),
          "batch norm parameters differ in length");
  std::vector<float> scale(n), shift(n);
  for (size_t c = 0; c < n; ++c) {
    const double s = (gamma.empty() ? 1.0 : gamma[c]) / std::sqrt(double(variance[c]) + epsilon);
    scale[c] = static_cast<float>(s);
    shift[c] = static_cast<float>((offset.empty() ? 0.0 : offset[c]) - mean[c] * s);
  }
  fold_scale_shift(conv, scale, shift);
}

std::array<int64_t, 4> tf_same_pads(int64_t in_h, int64_t in_w, int64_t kernel_h, int64_t kernel_w,
                                    int64_t stride_h, int64_t stride_w) {
  auto total = [](int64_t in, int64_t k, int64_t s) {
    const int64_t out = (in + s - 1) / s;
    return std::max<int64_t>(0, (out - 1) * s + k - in);
  };
  const int64_t ph = total(in_h, kernel_h, stride_h), pw = total(in_w, kernel_w, stride_w);
  return {ph / 2, pw / 2, ph - ph / 2, pw - pw / 2};
}

OnnxGraph::OnnxGraph(const std::string& graph_name) {
  model_.set_ir_version(onnx::IR_VERSION);
  model_.set_producer_name("trendwatch");
  auto* opset = model_.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOpset);
  graph().set_name(graph_name);
}

std::string OnnxGraph::unique_name(const std::string& hint) {
  const int uses = name_uses_[hint]++;
  return uses == 0 ? hint : hint + "_" + std::to_string(uses);
}

std::string OnnxGraph::add_input(const std::string& name, const std::vector<int64_t>& shape) {
  const std::string value = unique_name(name);
  set_value_info(*graph().add_input(), value, shape);
  return value;
}

void OnnxGraph::add_output(const std::string& value, const std::vector<int64_t>& shape) {
  set_value_info(*graph().add_output(), value, shape);
}

std::string OnnxGraph::add_initializer(const std::string& name_hint, const Tensor& tensor) {
  require(static_cast<int64_t>(tensor.data.size()) == tensor.element_count(),
          "initializer " + name_hint + " has " + std::to_string(tensor.data.size()) +
              " values for shape " + shape_text(tensor.shape));
  const std::string name = unique_name(name_hint);
  auto* init = graph().add_initializer();
  init->set_name(name);
  init->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : tensor.shape) init->add_dims(d);
  // raw_data is little-endian, like this machine.
  init->set_raw_data(std::string(reinterpret_cast<const char*>(tensor.data.data()),
                                 tensor.data.size() * sizeof(float)));
  return name;
}

std::string OnnxGraph::add_int64_initializer(const std::string& name_hint,
                                             const std::vector<int64_t>& values) {
  const std::string name = unique_name(name_hint);
  auto* init = graph().add_initializer();
  init->set_name(name);
  init->set_data_type(onnx::TensorProto::INT64);
  init->add_dims(static_cast<int64_t>(values.size()));
  for (int64_t v : values) init->add_int64_data(v);
  return name;
}

std::string OnnxGraph::node(const std::string& op_type, const std::vector<std::string>& inputs,
                            const std::function<void(onnx::NodeProto&)>& set_attributes,
                            const std::string& name_hint) {
  const std::string output = unique_name(name_hint.empty() ? op_type : name_hint);
  auto* n = graph().add_node();
  n->set_op_type(op_type);
  n->set_name(output);
  for (const auto& in : inputs) n->add_input(in);
  n->add_output(output);
  if (set_attributes) set_attributes(*n);
  return output;
}

std::string OnnxGraph::conv(const std::string& x, const ConvParams& params,
                            const ConvOptions& options, const std::string& name_hint) {
  require(params.filter.shape.size() == 4,
          "conv filter must be OIHW, got " + shape_text(params.filter.shape));
  const std::string base = name_hint.empty() ? "conv" : name_hint;
  std::vector<std::string> inputs{x, add_initializer(base + "/W", params.filter)};
  if (!params.bias.empty()) {
    require(static_cast<int64_t>(params.bias.size()) == params.filter.shape[0],
            "conv bias does not match the filter's output channels");
    inputs.push_back(add_initializer(
        base + "/B", Tensor{{static_cast<int64_t>(params.bias.size())}, params.bias}));
  }
  const std::vector<int64_t> kernel{params.filter.shape[2], params.filter.shape[3]};
  return node(
      "Conv", inputs,
      [&](onnx::NodeProto& n) {
        set_attribute(n, "kernel_shape", kernel);
        set_attribute(n, "strides", as_vector(options.strides));
        set_attribute(n, "pads", as_vector(options.pads));
        set_attribute(n, "dilations", std::vector<int64_t>{1, 1});
        set_attribute(n, "group", options.group);
      },
      base);
}

std::string OnnxGraph::relu(const std::string& x, const std::string& name_hint) {
  return node("Relu", {x}, {}, name_hint);
}

std::string OnnxGraph::clip(const std::string& x, float min, float max,
                            const std::string& name_hint) {
  return node(
      "Clip", {x},
      [&](onnx::NodeProto& n) {
        set_attribute(n, "min", min);
        set_attribute(n, "max", max);
      },
      name_hint);
}

std::string OnnxGraph::sigmoid(const std::string& x, const std::string& name_hint) {
  return node("Sigmoid", {x}, {}, name_hint);
}

std::string OnnxGraph::add(const std::string& a, const std::string& b,
                           const std::string& name_hint) {
  return node("Add", {a, b}, {}, name_hint);
}

std::string OnnxGraph::mul(const std::string& a, const std::string& b,
                           const std::string& name_hint) {
  return node("Mul", {a, b}, {}, name_hint);
}

std::string OnnxGraph::max_pool(const std::string& x, const PoolOptions& options,
                                const std::string& name_hint) {
  return node(
      "MaxPool", {x},
      [&](onnx::NodeProto& n) {
        set_attribute(n, "kernel_shape", as_vector(options.kernel));
        set_attribute(n, "strides", as_vector(options.strides));
        set_attribute(n, "pads", as_vector(options.pads));
      },
      name_hint);
}

std::string OnnxGraph::average_pool(const std::string& x, const PoolOptions& options,
                                    const std::string& name_hint) {
  return node(
      "AveragePool", {x},
      [&](onnx::NodeProto& n) {
        set_attribute(n, "kernel_shape", as_vector(options.kernel));
        set_attribute(n, "strides", as_vector(options.strides));
        set_attribute(n, "pads", as_vector(options.pads));
        set_attribute(n, "count_include_pad", int64_t{options.count_include_pad ? 1 : 0});
      },
      name_hint);
}

std::string OnnxGraph::global_average_pool(const std::string& x, const std::string& name_hint) {
  return node("GlobalAveragePool", {x}, {}, name_hint);
}

std::string OnnxGraph::pad(const std::string& x, const std::vector<int64_t>& pads, float value,
                           const std::string& name_hint) {
  require(pads.size() % 2 == 0, "pad needs begin and end values for every axis");
  return node(
      "Pad", {x},
      [&](onnx::NodeProto& n) {
        set_attribute(n, "mode", std::string("constant"));
        set_attribute(n, "pads", pads);
        set_attribute(n, "value", value);
      },
      name_hint);
}

std::string OnnxGraph::concat(const std::vector<std::string>& inputs, int64_t axis,
                              const std::string& name_hint) {
  return node(
      "Concat", inputs, [&](onnx::NodeProto& n) { set_attribute(n, "axis", axis); }, name_hint);
}

std::string OnnxGraph::reshape(const std::string& x, const std::vector<int64_t>& shape,
                               const std::string& name_hint) {
  const std::string base = name_hint.empty() ? "reshape" : name_hint;
  return node("Reshape", {x, add_int64_initializer(base + "/shape", shape)}, {}, base);
}

std::string OnnxGraph::transpose(const std::string& x, const std::vector<int64_t>& perm,
                                 const std::string& name_hint) {
  return node(
      "Transpose", {x}, [&](onnx::NodeProto& n) { set_attribute(n, "perm", perm); }, name_hint);
}

std::string OnnxGraph::flatten(const std::string& x, int64_t axis, const std::string& name_hint) {
  return node(
      "Flatten", {x}, [&](onnx::NodeProto& n) { set_attribute(n, "axis", axis); }, name_hint);
}

std::string OnnxGraph::gemm(const std::string& x, const Tensor& weight,
                            const std::vector<float>& bias, const std::string& name_hint) {
  require(weight.shape.size() == 2, "gemm weight must be [K,N], got " + shape_text(weight.shape));
  const int64_t n_out = weight.shape[1];
  require(bias.empty() || static_cast<int64_t>(bias.size()) == n_out,
          "gemm bias does not match the weight's columns");
  const std::string base = name_hint.empty() ? "gemm" : name_hint;
  // Stored as [N,K] with transB = 1: cv::dnn 4.6 reads the output count from
  // the weight's first dimension before applying transB = 0.
  const int64_t k_in = weight.shape[0];
  Tensor transposed{{n_out, k_in}, std::vector<float>(weight.data.size())};
  for (int64_t k = 0; k < k_in; ++k)
    for (int64_t n = 0; n < n_out; ++n) transposed.data[n * k_in + k] = weight.data[k * n_out + n];
  const std::string w = add_initializer(base + "/W", transposed);
  const std::string b = add_initializer(
      base + "/B",
      Tensor{{n_out}, bias.empty() ? std::vector<float>(static_cast<size_t>(n_out), 0.f) : bias});
  return node(
      "Gemm", {x, w, b},
      [](onnx::NodeProto& n) {
        set_attribute(n, "alpha", 1.f);
        set_attribute(n, "beta", 1.f);
        set_attribute(n, "transA", int64_t{0});
        set_attribute(n, "transB", int64_t{1});
      },
      base);
}

void OnnxGraph::save(const fs::path& out) const {
  try {
    onnx::checker::check_model(model_);
  } catch (const std::exception& e) {
    throw std::runtime_error("the ONNX graph for " + out.string() +
                             " fails onnx::checker: " + e.what());
  }
  std::string bytes;
  if (!model_.SerializeToString(&bytes))
    throw std::runtime_error("cannot serialize the ONNX graph for " + out.string());

  std::error_code ec;
  if (!out.parent_path().empty()) fs::create_directories(out.parent_path(), ec);
  const fs::path tmp = out.string() + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream file(tmp, std::ios::binary | std::ios::trunc);
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    file.flush();
    if (!file) {
      fs::remove(tmp, ec);
      throw InputError(out.string(), "cannot be written (disk full or no permission?)");
    }
  }
  fs::rename(tmp, out, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw InputError(out.string(), "cannot be written: " + ec.message());
  }
}

void set_attribute(onnx::NodeProto& node, const std::string& name, int64_t value) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

void set_attribute(onnx::NodeProto& node, const std::string& name, float value) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(value);
}

void set_attribute(onnx::NodeProto& node, const std::string& name,
                   const std::vector<int64_t>& values) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values) a->add_ints(v);
}

void set_attribute(onnx::NodeProto& node, const std::string& name, const std::string& value) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(value);
}

}  // namespace tw::models
