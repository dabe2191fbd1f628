#pragma once
// A small ImageNet-style backbone written by the test itself (no download):
// three 3x3 conv + ReLU stages (the first two max-pooled) with fixed-seed
// random filters, then global average and global max pooling, so each image
// becomes 96 colour and texture statistics (max pooling: "is this pattern
// anywhere").  Input 1 x 3 x size x size, output 1 x 96.
#include <filesystem>
#include <random>
#include <string>

#include "models/onnx_graph.h"

namespace tw::test {

inline models::ConvParams random_conv(int out, int in, std::mt19937& rng) {
  models::ConvParams p;
  p.filter.shape = {out, in, 3, 3};
  std::normal_distribution<float> normal(0.f, std::sqrt(2.f / (in * 9)));
  for (int i = 0; i < out * in * 9; ++i) p.filter.data.push_back(normal(rng));
  std::uniform_real_distribution<float> bias(-0.1f, 0.1f);
  for (int o = 0; o < out; ++o) p.bias.push_back(bias(rng));
  return p;
}

inline std::filesystem::path tiny_backbone(const std::filesystem::path& dir, int size = 64) {
  std::mt19937 rng(2024);
  models::OnnxGraph g("tiny_backbone");
  std::string x = g.add_input("image", {1, 3, size, size});
  x = g.relu(g.conv(x, random_conv(16, 3, rng), {.pads = {1, 1, 1, 1}}));
  x = g.max_pool(x, {});
  x = g.relu(g.conv(x, random_conv(32, 16, rng), {.pads = {1, 1, 1, 1}}));
  x = g.max_pool(x, {});
  x = g.relu(g.conv(x, random_conv(48, 32, rng), {.pads = {1, 1, 1, 1}}));
  std::string average = g.global_average_pool(x);
  std::string peak = g.node("GlobalMaxPool", {x});
  x = g.flatten(g.concat({average, peak}, 1), 1, "features");
  g.add_output(x, {1, 96});
  std::filesystem::path out = dir / ("tiny_backbone_" + std::to_string(size) + ".onnx");
  g.save(out);
  return out;
}

}  // namespace tw::test
