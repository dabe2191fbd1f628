#pragma once
// Reader for TensorFlow.js weight files: a manifest JSON (an array of groups,
// each naming its .bin shards and the weights stored in them, in order) and
// the shards beside it.  Quantized weights are dequantized the way tfjs does
// it, value = min + scale * q, computed in double and stored as float.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace tw::models {

// A dense tensor of floats in row-major order (tfjs layout: filters are HWIO).
struct Tensor {
  std::vector<int64_t> shape;
  std::vector<float> data;

  // Product of the dimensions (1 for a scalar, whose shape is empty).
  int64_t element_count() const;
  // shape[i], with negative i counting from the end.
  int64_t dim(int i) const;
};

class TfjsWeights {
 public:
  // Reads the manifest and every shard it names (paths relative to the
  // manifest's folder).  Throws InputError naming the manifest or the shard
  // that is missing, malformed or too short.
  static TfjsWeights load(const std::filesystem::path& manifest);
  // The manifest followed by the shards it names, without reading the
  // weights; throws InputError naming the manifest or a shard that is missing.
  static std::vector<std::filesystem::path> input_files(const std::filesystem::path& manifest);

  bool contains(const std::string& name) const { return tensors_.count(name) != 0; }
  // Throws InputError naming the manifest and the missing weight.
  const Tensor& at(const std::string& name) const;
  // at() plus a check of the shape; throws InputError when it differs.
  const Tensor& at(const std::string& name, const std::vector<int64_t>& expected_shape) const;

  const std::map<std::string, Tensor>& tensors() const { return tensors_; }
  const std::filesystem::path& manifest() const { return manifest_; }
  // The manifest followed by every shard, in the order read: the inputs whose
  // checksums a model manifest records.
  const std::vector<std::filesystem::path>& files() const { return files_; }

 private:
  std::filesystem::path manifest_;
  std::vector<std::filesystem::path> files_;
  std::map<std::string, Tensor> tensors_;
};

}  // namespace tw::models
