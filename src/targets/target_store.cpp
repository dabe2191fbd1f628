#include "targets/target_store.h"

#include <unistd.h>
#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>

#include "core/errors.h"
#include "core/hash.h"
#include "core/home.h"

namespace fs = std::filesystem;

namespace tw::targets {
namespace {

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string(), "cannot be read");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TargetStore::TargetStore(fs::path dir) : dir_(std::move(dir)) {}

TargetStore TargetStore::open_default() {
  return TargetStore(Home::resolve().targets());
}

fs::path TargetStore::file_of(const std::string& name) const {
  validate_target_name(name);
  return dir_ / (name + ".json");
}

bool TargetStore::exists(const std::string& name) const {
  return fs::exists(file_of(name));
}

void TargetStore::save(const Target& target, bool overwrite) {
  fs::path file = file_of(target.name);
  if (!overwrite && fs::exists(file))
    throw InputError(target.name, "a target with this name exists (use --force to replace it)");
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) throw InputError(dir_.string(), "cannot create the targets folder: " + ec.message());
  // Made before the file is opened: a target that cannot be written (a
  // number JSON cannot hold) leaves nothing behind.
  const std::string text = to_json_text(target);
  fs::path tmp = dir_ / ("." + target.name + ".json.tmp" + std::to_string(::getpid()));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      fs::remove(tmp, ec);
      throw InputError(file.string(), "cannot be written (disk full or read-only?)");
    }
  }
  fs::rename(tmp, file, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw InputError(file.string(), "cannot be written: " + ec.message());
  }
}

Target TargetStore::load(const std::string& name) const {
  fs::path file = file_of(name);
  if (!fs::exists(file)) throw InputError(name, "no such target (see `trendwatch target list`)");
  Target t = target_from_json_text(read_text(file), file.string());
  if (t.name != name)
    throw InputError(file.string(), "holds target '" + t.name + "', not '" + name + "'");
  return t;
}

std::vector<std::string> TargetStore::names() const {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::is_directory(dir_, ec)) return out;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const fs::path& p = entry.path();
    if (p.extension() != ".json" || p.filename().string().front() == '.') continue;
    out.push_back(p.stem().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<Target> TargetStore::load_all() const {
  std::vector<Target> out;
  for (const auto& name : names()) out.push_back(load(name));
  return out;
}

void TargetStore::remove(const std::string& name) {
  fs::path file = file_of(name);
  std::error_code ec;
  if (!fs::remove(file, ec))
    throw InputError(name, ec ? "cannot be removed: " + ec.message()
                              : "no such target (see `trendwatch target list`)");
}

std::string TargetStore::set_version() const {
  return set_version_of(load_all());
}

std::string TargetStore::set_version_of(const std::vector<Target>& targets) {
  std::vector<std::string> parts;
  for (const auto& t : targets) parts.push_back(t.name + "\n" + sha256_hex(to_json_text(t)) + "\n");
  std::sort(parts.begin(), parts.end());
  std::string all;
  for (const auto& p : parts) all += p;
  return sha256_hex(all);
}

}  // namespace tw::targets
