// `trendwatch target add|list|show|remove`: enroll and manage targets.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "core/errors.h"
#include "models/model_dir.h"
#include "targets/enroll.h"
#include "targets/enroll_image.h"
#include "targets/target_store.h"
#include "vision/face_analyzer.h"

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

struct TargetArgs {
  std::string name;
  std::vector<std::string> photos;
  bool largest = false;
  std::string kind = "face";  // face | image
  int min_inliers = 0;        // kind image; 0: the default
  bool force = false;
  float threshold = 0;
  std::string format = "text";
};

json summary_json(const tw::targets::Target& t, const fs::path& file) {
  json refs = json::array();
  for (const auto& r : t.references)
    refs.push_back({{"path", r.path},
                    {"sha256", r.sha256},
                    {"box", {r.box.x, r.box.y, r.box.width, r.box.height}}});
  json out = {{"name", t.name},
              {"kind", tw::targets::to_string(t.kind)},
              {"threshold", t.threshold},
              {"descriptors", t.descriptors.size()},
              {"references", refs},
              {"created", t.created},
              {"format_version", t.format_version},
              {"file", file.string()}};
  if (t.kind == tw::targets::TargetKind::image) {
    json features = json::array();
    for (const auto& f : t.image_features) features.push_back(f.points.size());
    out["min_inliers"] = t.min_inliers;
    out["features"] = features;  // per reference image
  }
  return out;
}

std::string fixed(double v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

int run_add(const TargetArgs& args, bool threshold_given) {
  auto store = tw::targets::TargetStore::open_default();
  tw::targets::validate_target_name(args.name);
  if (!args.force && store.exists(args.name))
    throw tw::InputError(args.name, "a target with this name exists (use --force to replace it)");
  std::vector<fs::path> given(args.photos.begin(), args.photos.end());
  std::vector<fs::path> photos = tw::targets::expand_photo_paths(given);

  tw::targets::EnrollResult result;
  if (args.kind == "image") {
    tw::targets::ImageEnrollOptions options;
    if (args.min_inliers > 0) options.min_inliers = args.min_inliers;
    result = tw::targets::enroll_image_target(args.name, photos, options);
  } else {
    tw::targets::EnrollOptions options;
    options.largest = args.largest;
    if (threshold_given) options.threshold = args.threshold;
    tw::vision::FaceAnalyzer analyzer(tw::models::ModelDir::open_default());
    result = tw::targets::enroll_face_target(args.name, photos, analyzer, options);
  }

  for (const auto& w : result.warnings)
    std::cerr << "trendwatch target add: warning: " << w.photo << ": " << w.reason << "\n";
  for (const auto& r : result.refused)
    std::cerr << "trendwatch target add: error: " << r.photo << ": " << r.reason << "\n";
  if (!result.target) {
    std::cerr << "trendwatch target add: target '" << args.name
              << "' was not saved; fix or leave out the photos named above\n";
    return tw::exit_code::error;
  }
  store.save(*result.target, args.force);
  fs::path file = store.file_of(args.name);
  if (args.format == "json") {
    json out = summary_json(*result.target, file);
    json warnings = json::array();
    for (const auto& w : result.warnings)
      warnings.push_back({{"photo", w.photo}, {"reason", w.reason}});
    out["warnings"] = warnings;
    std::cout << out.dump() << "\n";
  } else if (result.target->kind == tw::targets::TargetKind::image) {
    std::cout << "enrolled image target '" << args.name << "' from "
              << result.target->references.size() << " reference image(s), min inliers "
              << result.target->min_inliers << " -> " << file.string() << "\n";
  } else {
    std::cout << "enrolled '" << args.name << "' from " << result.target->descriptors.size()
              << " photo(s), threshold " << fixed(result.target->threshold, 3) << " -> "
              << file.string() << "\n";
  }
  return tw::exit_code::ok;
}

int run_list(const TargetArgs& args) {
  auto store = tw::targets::TargetStore::open_default();
  std::vector<tw::targets::Target> all = store.load_all();
  if (args.format == "json") {
    json out = json::array();
    for (const auto& t : all) out.push_back(summary_json(t, store.file_of(t.name)));
    std::cout << json{{"targets", out}, {"set_version", store.set_version()}}.dump() << "\n";
    return tw::exit_code::ok;
  }
  if (all.empty()) {
    std::cout << "no targets (enroll one with `trendwatch target add NAME --photos PATH...`)\n";
    return tw::exit_code::ok;
  }
  std::printf("%-24s %-6s %7s %9s  %s\n", "NAME", "KIND", "PHOTOS", "THRESHOLD", "CREATED");
  for (const auto& t : all)
    std::printf("%-24s %-6s %7zu %9.3f  %s\n", t.name.c_str(),
                tw::targets::to_string(t.kind).c_str(), t.references.size(), t.threshold,
                t.created.c_str());
  std::fflush(stdout);
  return tw::exit_code::ok;
}

int run_show(const TargetArgs& args) {
  auto store = tw::targets::TargetStore::open_default();
  tw::targets::Target t = store.load(args.name);
  fs::path file = store.file_of(args.name);
  if (args.format == "json") {
    std::cout << summary_json(t, file).dump() << "\n";
    return tw::exit_code::ok;
  }
  if (t.kind == tw::targets::TargetKind::image) {
    std::cout << "name:        " << t.name << "\n"
              << "kind:        image (local features: SIFT, ratio test, RANSAC homography; "
                 "see docs/image_targets.md)\n"
              << "min inliers: " << t.min_inliers
              << " (homography inliers a frame needs for a match)\n"
              << "created:     " << t.created << "\n"
              << "file:        " << file.string() << " (format version " << t.format_version
              << ")\n"
              << "references:  " << t.references.size() << "\n";
    for (std::size_t i = 0; i < t.references.size(); ++i) {
      const auto& r = t.references[i];
      std::size_t features = i < t.image_features.size() ? t.image_features[i].points.size() : 0;
      std::cout << "  " << r.path << "  " << fixed(r.box.width, 0) << "x" << fixed(r.box.height, 0)
                << ", " << features << " features  sha256 " << r.sha256.substr(0, 16) << "...\n";
    }
    return tw::exit_code::ok;
  }
  std::cout << "name:       " << t.name << "\n"
            << "kind:       " << tw::targets::to_string(t.kind) << "\n"
            << "threshold:  " << fixed(t.threshold, 3)
            << " (max descriptor distance; see docs/threshold.md)\n"
            << "created:    " << t.created << "\n"
            << "file:       " << file.string() << " (format version " << t.format_version << ")\n"
            << "references: " << t.references.size() << "\n";
  for (const auto& r : t.references)
    std::cout << "  " << r.path << "  face " << fixed(r.box.width, 0) << "x"
              << fixed(r.box.height, 0) << " at (" << fixed(r.box.x, 0) << "," << fixed(r.box.y, 0)
              << ")  sha256 " << r.sha256.substr(0, 16) << "...\n";
  return tw::exit_code::ok;
}

int run_remove(const TargetArgs& args) {
  auto store = tw::targets::TargetStore::open_default();
  store.remove(args.name);
  if (args.format == "json")
    std::cout << json{{"removed", args.name}}.dump() << "\n";
  else
    std::cout << "removed '" << args.name << "'\n";
  return tw::exit_code::ok;
}

void add_format(CLI::App* sub, TargetArgs& args) {
  sub->add_option("--format", args.format, "Output: text or json")
      ->check(CLI::IsMember({"text", "json"}));
}

const tw::cli::CommandRegistration registration{
    20, [](CLI::App& root, tw::cli::Context& ctx) {
      auto args = std::make_shared<TargetArgs>();
      auto* target = root.add_subcommand("target", "Enroll and manage targets (faces to look for)");
      target->require_subcommand(1);

      auto* add = target->add_subcommand("add", "Enroll a person from reference photos");
      add->add_option("NAME", args->name, "Target name (letters, digits, . _ -)")->required();
      add->add_option("--photos", args->photos, "Photos or folders of photos")->required();
      add->add_flag("--largest", args->largest, "Photos with several faces: take the largest");
      auto* threshold = add->add_option("--threshold", args->threshold,
                                        "Max descriptor distance for a match (default: calibrated)")
                            ->check(CLI::PositiveNumber & CLI::Range(0.0, 2.0));
      add->add_option("--kind", args->kind, "face (a person) or image (a flag, logo, meme)")
          ->check(CLI::IsMember({"face", "image"}));
      add->add_option("--min-inliers", args->min_inliers,
                      "Kind image: homography inliers needed for a match (default 12)")
          ->check(CLI::Range(4, 10000));
      add->add_flag("--force", args->force, "Replace an existing target of that name");
      add_format(add, *args);
      add->callback([args, threshold, &ctx] {
        ctx.exit_code =
            tw::cli::guarded("target add", [&] { return run_add(*args, threshold->count() > 0); });
      });

      auto* list = target->add_subcommand("list", "List enrolled targets");
      add_format(list, *args);
      list->callback([args, &ctx] {
        ctx.exit_code = tw::cli::guarded("target list", [&] { return run_list(*args); });
      });

      auto* show = target->add_subcommand("show", "Show one target");
      show->add_option("NAME", args->name, "Target name")->required();
      add_format(show, *args);
      show->callback([args, &ctx] {
        ctx.exit_code = tw::cli::guarded("target show", [&] { return run_show(*args); });
      });

      auto* remove = target->add_subcommand("remove", "Remove a target");
      remove->add_option("NAME", args->name, "Target name")->required();
      add_format(remove, *args);
      remove->callback([args, &ctx] {
        ctx.exit_code = tw::cli::guarded("target remove", [&] { return run_remove(*args); });
      });
    }};

}  // namespace
