#include "models/model_dir.h"

#include <nlohmann/json.hpp>
#include <opencv2/dnn.hpp>

#include <fstream>
#include <mutex>
#include <sstream>
#include <tuple>

#include "core/errors.h"
#include "core/hash.h"
#include "core/home.h"

namespace tw::models {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const char* const kRepair = "run `trendwatch models install` to repair";

// Files already hashed in this process, keyed by path, size and mtime so that
// a file rewritten since is hashed again.
struct HashCacheKey {
  std::string path;
  uintmax_t size;
  fs::file_time_type::rep mtime;
  bool operator<(const HashCacheKey& o) const {
    return std::tie(path, size, mtime) < std::tie(o.path, o.size, o.mtime);
  }
};

std::string cached_sha256(const fs::path& file) {
  static std::mutex mutex;
  static std::map<HashCacheKey, std::string> cache;
  std::error_code ec;
  const HashCacheKey key{fs::absolute(file, ec).string(), fs::file_size(file, ec),
                         fs::last_write_time(file, ec).time_since_epoch().count()};
  {
    std::lock_guard lock(mutex);
    if (auto it = cache.find(key); it != cache.end()) return it->second;
  }
  std::string digest = sha256_file(file);
  std::lock_guard lock(mutex);
  cache[key] = digest;
  return digest;
}

}  // namespace

ModelDir ModelDir::open(const fs::path& dir) {
  const fs::path manifest = dir / kManifestName;
  std::error_code ec;
  if (!fs::exists(manifest, ec))
    throw InputError(manifest.string(),
                     "is missing (models not installed); run `trendwatch models install`");
  std::ifstream in(manifest, std::ios::binary);
  if (!in) throw InputError(manifest.string(), std::string("cannot be read; ") + kRepair);
  std::ostringstream text;
  text << in.rdbuf();

  ModelDir result;
  result.dir_ = dir;
  try {
    const json doc = json::parse(text.str());
    for (const auto& [name, entry] : doc.at("models").items()) {
      ModelEntry model;
      model.name = name;
      model.file = entry.at("file").get<std::string>();
      model.sha256 = entry.at("sha256").get<std::string>();
      if (entry.contains("sources"))
        model.sources = entry.at("sources").get<std::map<std::string, std::string>>();
      if (model.file.empty() || model.file.is_absolute() || model.file.has_parent_path())
        throw InputError(manifest.string(), "model " + name + " names a file outside the folder");
      result.entries_[name] = std::move(model);
    }
  } catch (const json::exception& e) {
    throw InputError(manifest.string(), std::string("is damaged (") + e.what() + "); " + kRepair);
  }
  return result;
}

ModelDir ModelDir::open_default() {
  return open(Home::resolve().models());
}

void ModelDir::write_manifest(const fs::path& dir,
                              const std::map<std::string, ModelEntry>& entries) {
  json models = json::object();
  for (const auto& [name, entry] : entries)
    models[name] = {
        {"file", entry.file.string()}, {"sha256", entry.sha256}, {"sources", entry.sources}};
  const json doc = {{"format", 1}, {"models", models}};
  const std::string text = doc.dump(2) + "\n";

  std::error_code ec;
  fs::create_directories(dir, ec);
  const fs::path manifest = dir / kManifestName;
  const fs::path tmp = manifest.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      fs::remove(tmp, ec);
      throw InputError(manifest.string(), "cannot be written (disk full or no permission?)");
    }
  }
  fs::rename(tmp, manifest, ec);
  if (ec) throw InputError(manifest.string(), "cannot be written: " + ec.message());
}

fs::path ModelDir::verified_path(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end())
    throw InputError((dir_ / kManifestName).string(),
                     "lists no model '" + name + "'; run `trendwatch models install`");
  const fs::path path = dir_ / it->second.file;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    throw InputError(path.string(), std::string("is missing; ") + kRepair);
  std::string actual;
  try {
    actual = cached_sha256(path);
  } catch (const InputError&) {
    throw InputError(path.string(), std::string("cannot be read; ") + kRepair);
  }
  if (actual != it->second.sha256)
    throw InputError(path.string(),
                     std::string("is damaged (SHA-256 differs from manifest.json); ") + kRepair);
  return path;
}

cv::dnn::Net ModelDir::load_net(const std::string& name) const {
  const fs::path path = verified_path(name);
  try {
    cv::dnn::Net net = cv::dnn::readNetFromONNX(path.string());
    if (net.empty()) throw InputError(path.string(), std::string("holds no network; ") + kRepair);
    return net;
  } catch (const cv::Exception& e) {
    throw InputError(path.string(), "cannot be loaded by OpenCV (" + e.msg + "); " + kRepair);
  }
}

ConvNet ModelDir::load_conv_net(const std::string& name) const {
  const fs::path path = verified_path(name);
  try {
    return read_conv_net(path);
  } catch (const InputError& e) {
    throw InputError(path.string(), e.reason() + "; " + kRepair);
  }
}

}  // namespace tw::models
