#pragma once
// The folder of target files ($TRENDWATCH_HOME/targets/<name>.json).
#include <filesystem>
#include <string>
#include <vector>

#include "targets/target.h"

namespace tw::targets {

class TargetStore {
 public:
  explicit TargetStore(std::filesystem::path dir);
  static TargetStore open_default();  // Home::resolve().targets()

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path file_of(const std::string& name) const;  // validates the name
  bool exists(const std::string& name) const;

  // Writes atomically (temporary file + rename).  Throws InputError when the
  // target exists and overwrite is false.
  void save(const Target& target, bool overwrite);
  // Throws InputError(name, "no such target ...") when missing.
  Target load(const std::string& name) const;
  std::vector<Target> load_all() const;    // sorted by name
  std::vector<std::string> names() const;  // sorted
  void remove(const std::string& name);    // throws InputError when missing

  // A hash of every target (name and content): it changes whenever a
  // target is added, removed or re-enrolled, so that the store can scan a
  // video once per version of the target set.
  std::string set_version() const;
  // The same for a chosen subset (what one scan actually used).
  static std::string set_version_of(const std::vector<Target>& targets);

 private:
  std::filesystem::path dir_;
};

}  // namespace tw::targets
