#include "train/dataset.h"

#include <algorithm>
#include <map>

#include "core/errors.h"
#include "core/hash.h"
#include "media/image.h"

namespace fs = std::filesystem;

namespace tw::train {
namespace {

std::vector<fs::path> image_files_in(const fs::path& dir, const std::string& role) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) throw InputError(dir.string(), "no such folder (" + role + ")");
  if (!fs::is_directory(dir, ec))
    throw InputError(dir.string(), "not a folder (" + role + " takes a folder of photos)");
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.is_regular_file() && media::looks_like_image_file(entry.path()))
      found.push_back(entry.path());
  if (ec) throw InputError(dir.string(), "cannot list the folder: " + ec.message());
  if (found.empty()) throw InputError(dir.string(), "the " + role + " folder holds no image files");
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace

int Dataset::positives() const {
  return static_cast<int>(
      std::count_if(photos.begin(), photos.end(), [](const auto& p) { return p.positive; }));
}

int Dataset::negatives() const {
  return static_cast<int>(photos.size()) - positives();
}

Dataset read_dataset(const std::vector<fs::path>& positive_dirs,
                     const std::vector<fs::path>& negative_dirs) {
  if (positive_dirs.empty()) throw InputError("--positives", "no positives folder given");
  if (negative_dirs.empty()) throw InputError("--negatives", "no negatives folder given");
  Dataset data;
  std::map<std::string, std::size_t> by_hash;  // sha256 -> index in photos
  auto add_all = [&](const std::vector<fs::path>& dirs, bool positive) {
    const std::string role = positive ? "--positives" : "--negatives";
    for (const auto& dir : dirs)
      for (const auto& file : image_files_in(dir, role)) {
        std::string hash = sha256_file(file);
        if (auto it = by_hash.find(hash); it != by_hash.end()) {
          const LabelledPhoto& first = data.photos[it->second];
          if (first.positive != positive)
            throw InputError(file.string(), "the same photo as " + first.path.string() +
                                                " is labelled both positive and negative");
          data.warnings.push_back(file.string() + ": same file as " + first.path.string() +
                                  "; used once");
          continue;
        }
        by_hash[hash] = data.photos.size();
        data.photos.push_back({file, hash, positive});
      }
  };
  add_all(positive_dirs, true);
  add_all(negative_dirs, false);
  return data;
}

}  // namespace tw::train
