#include "targets/classifier.h"

#include <cmath>
#include <stdexcept>

#include "core/hash.h"

namespace tw::targets {
namespace {

// out = layer(in), no activation.
std::vector<float> dense_forward(const DenseLayer& layer, const std::vector<float>& in) {
  std::vector<float> out(layer.outputs);
  for (int o = 0; o < layer.outputs; ++o) {
    const float* row = layer.weights.data() + static_cast<std::size_t>(o) * layer.inputs;
    double sum = layer.bias[o];
    for (int i = 0; i < layer.inputs; ++i) sum += static_cast<double>(row[i]) * in[i];
    out[o] = static_cast<float>(sum);
  }
  return out;
}

bool all_finite(const std::vector<float>& values) {
  for (float v : values)
    if (!std::isfinite(v)) return false;
  return true;
}

void append_floats(std::string& bytes, const std::vector<float>& values) {
  bytes += std::to_string(values.size()) + ":";
  bytes.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
}

}  // namespace

std::string to_string(HeadKind kind) {
  return kind == HeadKind::mlp ? "mlp" : "logistic";
}

HeadKind head_kind_from_string(const std::string& text) {
  if (text == "logistic") return HeadKind::logistic;
  if (text == "mlp") return HeadKind::mlp;
  throw std::invalid_argument("unknown head '" + text + "' (known: logistic, mlp)");
}

float sigmoid(float x) {
  return x >= 0 ? 1.f / (1.f + std::exp(-x)) : std::exp(x) / (1.f + std::exp(x));
}

std::vector<float> l2_normalized(const std::vector<float>& x) {
  double sum = 0;
  for (float v : x) sum += static_cast<double>(v) * v;
  if (!(sum > 0)) return x;
  const double inv = 1 / std::sqrt(sum);
  std::vector<float> out(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) out[i] = static_cast<float>(x[i] * inv);
  return out;
}

float ClassifierHead::logit(const std::vector<float>& features) const {
  if (static_cast<int>(features.size()) != input_size())
    throw std::invalid_argument("the head takes " + std::to_string(input_size()) +
                                " features, got " + std::to_string(features.size()));
  std::vector<float> x = l2_normalize ? l2_normalized(features) : features;
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = (x[i] - feature_mean[i]) / feature_scale[i];
  for (std::size_t l = 0; l < layers.size(); ++l) {
    x = dense_forward(layers[l], x);
    if (l + 1 < layers.size())
      for (float& v : x) v = std::max(v, 0.f);  // ReLU between layers
  }
  return x[0];
}

float ClassifierHead::probability(const std::vector<float>& features) const {
  return sigmoid(logit(features));
}

void check_head(const ClassifierHead& head) {
  const int n = head.input_size();
  if (n <= 0) throw std::invalid_argument("the head has no input features");
  if (static_cast<int>(head.feature_scale.size()) != n)
    throw std::invalid_argument("feature_mean and feature_scale differ in length");
  if (!all_finite(head.feature_mean) || !all_finite(head.feature_scale))
    throw std::invalid_argument("the feature statistics hold a non-finite number");
  for (float s : head.feature_scale)
    if (!(s > 0)) throw std::invalid_argument("a feature scale is not positive");
  std::size_t expected_layers = head.kind == HeadKind::logistic ? 1 : 2;
  if (head.layers.size() != expected_layers)
    throw std::invalid_argument("a " + to_string(head.kind) + " head has " +
                                std::to_string(expected_layers) + " layer(s), this one has " +
                                std::to_string(head.layers.size()));
  int inputs = n;
  for (const auto& layer : head.layers) {
    if (layer.inputs != inputs || layer.outputs <= 0)
      throw std::invalid_argument("layer shapes do not chain (" + std::to_string(layer.inputs) +
                                  " inputs where " + std::to_string(inputs) + " were expected)");
    if (layer.weights.size() != static_cast<std::size_t>(layer.inputs) * layer.outputs ||
        layer.bias.size() != static_cast<std::size_t>(layer.outputs))
      throw std::invalid_argument("a layer's weights do not match its shape " +
                                  std::to_string(layer.outputs) + "x" +
                                  std::to_string(layer.inputs));
    if (!all_finite(layer.weights) || !all_finite(layer.bias))
      throw std::invalid_argument("a layer holds a non-finite weight");
    inputs = layer.outputs;
  }
  if (inputs != 1) throw std::invalid_argument("the last layer must have one output");
  if (!(head.dropout >= 0 && head.dropout < 1))
    throw std::invalid_argument("dropout must be in [0, 1)");
}

std::string head_checksum(const ClassifierHead& head) {
  std::string bytes = to_string(head.kind) + (head.l2_normalize ? ";l2;" : ";");
  append_floats(bytes, head.feature_mean);
  append_floats(bytes, head.feature_scale);
  for (const auto& layer : head.layers) {
    bytes += std::to_string(layer.inputs) + "x" + std::to_string(layer.outputs) + ";";
    append_floats(bytes, layer.weights);
    append_floats(bytes, layer.bias);
  }
  return sha256_hex(bytes);
}

}  // namespace tw::targets
