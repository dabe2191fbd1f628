// `trendwatch models install|list`: import face-api's weights into ONNX files
// in $TRENDWATCH_HOME/models and show what is installed.
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "cli/command.h"
#include "core/errors.h"
#include "core/hash.h"
#include "core/home.h"
#include "models/install.h"
#include "models/model_dir.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char* const kFromHelp =
    "face-api's model/ folder (or the package folder holding it). Default: the first of "
    "$TRENDWATCH_FACE_API_DIR, <exe dir>/../.cache/face-api/package/model, "
    "<exe dir>/../../.cache/face-api/package/model, /usr/share/trendwatch/face-api/model "
    "that holds the weights";

// A folder holds face-api's weights when the recognition manifest is in it.
bool holds_weights(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "face_recognition_model-weights_manifest.json", ec);
}

// Accepts face-api's model/ folder or the package folder above it.
fs::path model_folder(const fs::path& dir) {
  return !holds_weights(dir) && holds_weights(dir / "model") ? dir / "model" : dir;
}

fs::path executable_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

std::vector<fs::path> default_sources() {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("TRENDWATCH_FACE_API_DIR"); env && *env)
    candidates.emplace_back(env);
  if (const fs::path exe_dir = executable_dir(); !exe_dir.empty()) {
    candidates.push_back(exe_dir / ".." / ".cache" / "face-api" / "package" / "model");
    candidates.push_back(exe_dir / ".." / ".." / ".cache" / "face-api" / "package" / "model");
  }
  candidates.emplace_back("/usr/share/trendwatch/face-api/model");
  return candidates;
}

fs::path resolve_source(const std::string& from) {
  if (!from.empty()) {
    std::error_code ec;
    if (!fs::exists(from, ec)) throw tw::InputError(from, "does not exist");
    if (!fs::is_directory(from, ec)) throw tw::InputError(from, "is not a folder");
    return model_folder(from);
  }
  const auto candidates = default_sources();
  for (const fs::path& candidate : candidates)
    if (holds_weights(model_folder(candidate))) return model_folder(candidate).lexically_normal();
  std::string tried;
  for (const fs::path& candidate : candidates)
    tried += (tried.empty() ? "" : ", ") + candidate.lexically_normal().string();
  throw tw::InputError("--from", "not given and face-api's weights are in none of: " + tried +
                                     " (run scripts/fetch-data.sh, or pass --from DIR)");
}

int install(const std::string& from) {
  const fs::path source = resolve_source(from);
  const fs::path dir = tw::Home::resolve().models();
  const bool tty = ::isatty(STDOUT_FILENO);
  std::cout << "importing face-api weights from " << source.string() << " into " << dir.string()
            << "\n";
  const auto outcomes =
      tw::models::install_face_models(source, dir, [tty](const std::string& line) {
        std::cout << (tty ? "  " : "") << line << "\n" << std::flush;
      });
  int failed = 0;
  for (const auto& outcome : outcomes)
    if (!outcome.ok) {
      std::cerr << "trendwatch models install: error: " << outcome.error << "\n";
      ++failed;
    }
  std::cout << (outcomes.size() - failed) << " of " << outcomes.size() << " models installed; "
            << (dir / tw::models::ModelDir::kManifestName).string() << " written\n";
  return failed ? tw::exit_code::error : tw::exit_code::ok;
}

struct ListedModel {
  std::string name, file, sha256, status;
  uintmax_t size = 0;
};

std::string human_size(uintmax_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MB", bytes / 1e6);
  return text;
}

int list(const std::string& format) {
  if (format != "text" && format != "json")
    throw tw::InputError("--format", "must be text or json, not '" + format + "'");
  const fs::path dir = tw::Home::resolve().models();
  std::map<std::string, tw::models::ModelEntry> entries;
  std::string manifest_problem;
  try {
    entries = tw::models::ModelDir::open(dir).entries();
  } catch (const tw::InputError& e) {
    manifest_problem = e.what();
  }

  std::vector<ListedModel> rows;
  std::vector<std::string> problems;
  if (!manifest_problem.empty()) problems.push_back(manifest_problem);
  std::vector<std::string> names;
  for (const auto& spec : tw::models::face_model_specs()) names.push_back(spec.name);
  for (const auto& [name, entry] : entries)
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);

  for (const std::string& name : names) {
    ListedModel row{name, name + ".onnx", "", "not installed"};
    auto it = entries.find(name);
    if (it != entries.end()) {
      const fs::path path = dir / it->second.file;
      row.file = it->second.file.string();
      row.sha256 = it->second.sha256;
      std::error_code ec;
      if (!fs::is_regular_file(path, ec)) {
        row.status = "missing";
        problems.push_back(path.string() + ": is missing; run `trendwatch models install`");
      } else {
        row.size = fs::file_size(path, ec);
        row.status = tw::sha256_file(path) == it->second.sha256 ? "ok" : "damaged";
        if (row.status == "damaged")
          problems.push_back(path.string() +
                             ": is damaged (SHA-256 differs from manifest.json); run `trendwatch "
                             "models install`");
      }
    } else if (manifest_problem.empty()) {
      problems.push_back((dir / tw::models::ModelDir::kManifestName).string() +
                         ": lists no model '" + name + "'; run `trendwatch models install`");
    }
    rows.push_back(row);
  }

  if (format == "json") {
    json models = json::array();
    for (const auto& r : rows)
      models.push_back({{"name", r.name},
                        {"file", r.file},
                        {"size", r.size},
                        {"sha256", r.sha256},
                        {"status", r.status}});
    std::cout << json{{"dir", dir.string()}, {"models", models}}.dump(2) << "\n";
  } else {
    std::cout << "models in " << dir.string() << "\n";
    std::printf("%-18s %-22s %9s  %-12s  %s\n", "NAME", "FILE", "SIZE", "SHA256", "STATUS");
    for (const auto& r : rows)
      std::printf("%-18s %-22s %9s  %-12s  %s\n", r.name.c_str(), r.file.c_str(),
                  r.size ? human_size(r.size).c_str() : "-",
                  r.sha256.empty() ? "-" : r.sha256.substr(0, 12).c_str(), r.status.c_str());
    std::fflush(stdout);
  }
  for (const auto& p : problems) std::cerr << "trendwatch models list: error: " << p << "\n";
  return problems.empty() ? tw::exit_code::ok : tw::exit_code::error;
}

struct ModelsArgs {
  std::string from;
  std::string format = "text";
};

const tw::cli::CommandRegistration registration{
    10, [](CLI::App& root, tw::cli::Context& ctx) {
      auto args = std::make_shared<ModelsArgs>();
      auto* models = root.add_subcommand("models", "Install and list the face models (ONNX)");
      models->require_subcommand(1);

      auto* install_cmd = models->add_subcommand(
          "install",
          "Import face-api's ssd_mobilenetv1, face_landmark_68 and face_recognition weights into "
          "ONNX files in $TRENDWATCH_HOME/models and write manifest.json with the SHA-256 of every "
          "input and output");
      install_cmd->add_option("--from", args->from, kFromHelp);
      install_cmd->callback([args, &ctx] {
        ctx.exit_code = tw::cli::guarded("models install", [&] { return install(args->from); });
      });

      auto* list_cmd = models->add_subcommand(
          "list",
          "Show the installed models: name, file, size, SHA-256 prefix, status "
          "(ok, missing, damaged, not installed); exit 2 unless all are ok");
      list_cmd->add_option("--format", args->format, "text or json")
          ->check(CLI::IsMember({"text", "json"}));
      list_cmd->callback([args, &ctx] {
        ctx.exit_code = tw::cli::guarded("models list", [&] { return list(args->format); });
      });
    }};

}  // namespace
