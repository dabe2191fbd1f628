#include "models/tfjs_weights.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>
#include <sstream>

#include "core/errors.h"

namespace tw::models {
namespace fs = std::filesystem;
using nlohmann::json;

int64_t Tensor::element_count() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

int64_t Tensor::dim(int i) const {
  const int rank = static_cast<int>(shape.size());
  const int index = i < 0 ? rank + i : i;
  if (index < 0 || index >= rank) return 0;
  return shape[static_cast<size_t>(index)];
}

namespace {

std::string read_file_bytes(const fs::path& path, const std::string& what) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw InputError(path.string(), what + " is missing");
  if (fs::is_directory(path, ec)) throw InputError(path.string(), what + " is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string(), what + " cannot be read");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// How one stored element is encoded in the shard.
struct Encoding {
  size_t bytes_per_element = 4;
  bool quantized = false;
  std::string stored_dtype;  // "float32", "int32", "uint8", "uint16"
  double min = 0, scale = 1;
};

Encoding encoding_of(const json& weight, const std::string& manifest_name,
                     const std::string& name) {
  Encoding e;
  const std::string dtype = weight.value("dtype", "float32");
  if (weight.contains("quantization")) {
    const json& q = weight.at("quantization");
    e.stored_dtype = q.value("dtype", "");
    if (e.stored_dtype != "uint8" && e.stored_dtype != "uint16")
      throw InputError(manifest_name, "weight " + name + ": unsupported quantization dtype '" +
                                          e.stored_dtype + "'");
    if (!q.contains("min") || !q.contains("scale"))
      throw InputError(manifest_name, "weight " + name + ": quantization lacks min or scale");
    e.quantized = true;
    e.bytes_per_element = e.stored_dtype == "uint8" ? 1 : 2;
    e.min = q.at("min").get<double>();
    e.scale = q.at("scale").get<double>();
    return e;
  }
  if (dtype != "float32" && dtype != "int32")
    throw InputError(manifest_name, "weight " + name + ": unsupported dtype '" + dtype + "'");
  e.stored_dtype = dtype;
  return e;
}

float decode_element(const Encoding& e, const unsigned char* p) {
  if (e.quantized) {
    // tfjs writes little-endian, as this machine reads.
    const unsigned q = e.bytes_per_element == 1 ? p[0] : p[0] | (unsigned(p[1]) << 8);
    return static_cast<float>(e.min + e.scale * static_cast<double>(q));
  }
  if (e.stored_dtype == "int32") {
    int32_t v;
    std::memcpy(&v, p, 4);
    return static_cast<float>(v);
  }
  float v;
  std::memcpy(&v, p, 4);
  return v;
}

}  // namespace

TfjsWeights TfjsWeights::load(const fs::path& manifest) {
  TfjsWeights result;
  result.manifest_ = manifest;
  result.files_.push_back(manifest);
  const std::string manifest_name = manifest.string();
  const std::string text = read_file_bytes(manifest, "weights manifest");

  json groups;
  try {
    groups = json::parse(text);
  } catch (const json::exception& e) {
    throw InputError(manifest_name, std::string("not valid JSON (") + e.what() + ")");
  }
  if (!groups.is_array() || groups.empty())
    throw InputError(manifest_name, "not a tfjs weights manifest (expected a non-empty array)");

  try {
    for (const json& group : groups) {
      // A group's shards are one buffer cut into files; its weights follow
      // each other in that buffer.
      std::string buffer;
      std::vector<std::pair<fs::path, size_t>> shard_ends;
      for (const json& relative : group.at("paths")) {
        const fs::path shard = manifest.parent_path() / relative.get<std::string>();
        buffer += read_file_bytes(shard, "weights file");
        shard_ends.emplace_back(shard, buffer.size());
        result.files_.push_back(shard);
      }
      const fs::path last_shard = shard_ends.empty() ? manifest : shard_ends.back().first;

      size_t offset = 0;
      for (const json& weight : group.at("weights")) {
        const std::string name = weight.at("name").get<std::string>();
        Tensor tensor;
        for (const json& d : weight.at("shape")) {
          const int64_t dim = d.get<int64_t>();
          if (dim < 0) throw InputError(manifest_name, "weight " + name + ": negative dimension");
          tensor.shape.push_back(dim);
        }
        const Encoding encoding = encoding_of(weight, manifest_name, name);
        const size_t count = static_cast<size_t>(tensor.element_count());
        const size_t bytes = count * encoding.bytes_per_element;
        if (offset + bytes > buffer.size())
          throw InputError(last_shard.string(),
                           "too short: weight " + name + " needs bytes " + std::to_string(offset) +
                               ".." + std::to_string(offset + bytes) + " but the weights end at " +
                               std::to_string(buffer.size()) + " (truncated file?)");
        tensor.data.resize(count);
        const auto* base = reinterpret_cast<const unsigned char*>(buffer.data()) + offset;
        for (size_t i = 0; i < count; ++i)
          tensor.data[i] = decode_element(encoding, base + i * encoding.bytes_per_element);
        offset += bytes;
        result.tensors_[name] = std::move(tensor);
      }
      if (offset != buffer.size())
        throw InputError(last_shard.string(), "has " + std::to_string(buffer.size() - offset) +
                                                  " bytes more than its manifest describes");
    }
  } catch (const json::exception& e) {
    throw InputError(manifest_name, std::string("malformed weights manifest (") + e.what() + ")");
  }
  return result;
}

std::vector<fs::path> TfjsWeights::input_files(const fs::path& manifest) {
  json groups;
  try {
    groups = json::parse(read_file_bytes(manifest, "weights manifest"));
  } catch (const json::exception& e) {
    throw InputError(manifest.string(), std::string("not valid JSON (") + e.what() + ")");
  }
  std::vector<fs::path> files{manifest};
  try {
    if (!groups.is_array()) throw InputError(manifest.string(), "not a tfjs weights manifest");
    for (const json& group : groups)
      for (const json& relative : group.at("paths")) {
        const fs::path shard = manifest.parent_path() / relative.get<std::string>();
        std::error_code ec;
        if (!fs::is_regular_file(shard, ec))
          throw InputError(shard.string(), "weights file is missing");
        files.push_back(shard);
      }
  } catch (const json::exception& e) {
    throw InputError(manifest.string(),
                     std::string("malformed weights manifest (") + e.what() + ")");
  }
  return files;
}

const Tensor& TfjsWeights::at(const std::string& name) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end())
    throw InputError(manifest_.string(), "has no weight named '" + name + "'");
  return it->second;
}

const Tensor& TfjsWeights::at(const std::string& name,
                              const std::vector<int64_t>& expected_shape) const {
  const Tensor& t = at(name);
  if (t.shape != expected_shape) {
    auto show = [](const std::vector<int64_t>& s) {
      std::string out = "[";
      for (size_t i = 0; i < s.size(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
      return out + "]";
    };
    throw InputError(manifest_.string(), "weight '" + name + "' has shape " + show(t.shape) +
                                             ", expected " + show(expected_shape));
  }
  return t;
}

}  // namespace tw::models
