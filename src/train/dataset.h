#pragma once
// Training photos from folders: every image file in the positives folders is
// labelled positive, every one in the negatives folders negative.  Folders
// are read flat (not recursively), in sorted order, so a run is repeatable.
#include <filesystem>
#include <string>
#include <vector>

namespace tw::train {

struct LabelledPhoto {
  std::filesystem::path path;
  std::string sha256;  // of the file's bytes
  bool positive = false;
};

struct Dataset {
  std::vector<LabelledPhoto> photos;  // positives first, then negatives
  std::vector<std::string> warnings;  // "<path>: <reason>" lines (skipped duplicates)
  int positives() const;
  int negatives() const;
};

// Throws InputError(folder, reason) for a missing path, a path that is not a
// folder, or a folder without image files; InputError(photo, reason) when
// the same bytes are labelled both positive and negative.  Identical files
// within one label are kept once (warned).
Dataset read_dataset(const std::vector<std::filesystem::path>& positive_dirs,
                     const std::vector<std::filesystem::path>& negative_dirs);

}  // namespace tw::train
