// `trendwatch target add|list|show|remove`: enroll and manage targets.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "core/errors.h"
#include "core/hash.h"
#include "models/model_dir.h"
#include "targets/enroll.h"
#include "targets/enroll_image.h"
#include "targets/target_store.h"
#include "vision/face_analyser.h"

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
  if (t.kind == tw::targets::TargetKind::classifier) {
    const auto& c = t.classifier;
    json backbone = {{"kind", c.backbone.kind}, {"features", c.backbone.feature_size}};
    if (!c.backbone.is_face())
      backbone.update({{"path", c.backbone.path},
                       {"sha256", c.backbone.sha256},
                       {"input_size", {c.backbone.input_width, c.backbone.input_height}},
                       {"mean", c.backbone.mean},
                       {"std", c.backbone.std}});
    int positives = 0, negatives = 0;
    for (const auto& p : c.photos) (p.positive ? positives : negatives)++;
    out["backbone"] = backbone;
    out["head"] = tw::targets::to_string(c.head.kind);
    out["training_photos"] = {{"positive", positives}, {"negative", negatives}};
    // The figures exactly as the target file stores them.
    json payload = json::parse(tw::targets::to_json_text(t))["classifier"];
    out["validation"] = payload["validation"];
    if (payload.contains("cross_validation")) out["cross_validation"] = payload["cross_validation"];
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
    tw::vision::FaceAnalyser analyser(tw::models::ModelDir::open_default());
    result = tw::targets::enroll_face_target(args.name, photos, analyser, options);
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
  std::printf("%-24s %-10s %7s %9s  %s\n", "NAME", "KIND", "PHOTOS", "THRESHOLD", "CREATED");
  for (const auto& t : all) {
    // PHOTOS: references; a classifier's training photos (positive + negative).
    std::size_t photos = t.kind == tw::targets::TargetKind::classifier ? t.classifier.photos.size()
                                                                       : t.references.size();
    // THRESHOLD: max distance (face), min inliers (image), min probability (classifier).
    double threshold = t.kind == tw::targets::TargetKind::image ? t.min_inliers : t.threshold;
    std::printf("%-24s %-10s %7zu %9.3f  %s\n", t.name.c_str(),
                tw::targets::to_string(t.kind).c_str(), photos, threshold, t.created.c_str());
  }
  std::fflush(stdout);
  return tw::exit_code::ok;
}

std::string count_of(int part, int whole) {
  return "(" + std::to_string(part) + "/" + std::to_string(whole) + ")";
}

// Whether scan can still use an ONNX backbone (it refuses a missing or
// changed file).
std::string backbone_state(const tw::targets::BackboneSpec& b) {
  std::error_code ec;
  if (!fs::is_regular_file(b.path, ec)) return " (FILE MISSING: scan refuses this target)";
  try {
    if (tw::sha256_file(b.path) != b.sha256)
      return " (FILE CHANGED since training: scan refuses this target)";
  } catch (const tw::InputError&) {
    return " (FILE UNREADABLE: scan refuses this target)";
  }
  return "";
}

void show_classifier(const tw::targets::Target& t, const fs::path& file) {
  const auto& c = t.classifier;
  const auto& v = c.validation;
  const auto& b = c.backbone;
  int positives = 0, negatives = 0, held_out = 0;
  for (const auto& p : c.photos) {
    (p.positive ? positives : negatives)++;
    held_out += p.validation;
  }
  std::cout << "name:       " << t.name << "\n"
            << "kind:       classifier (a trained head over a frozen backbone; see "
               "docs/classifiers.md)\n";
  if (b.is_face())
    std::cout << "backbone:   face (the face embedder's 128-d descriptor of each detected face)\n";
  else
    std::cout << "backbone:   onnx " << b.path << " (sha256 " << b.sha256.substr(0, 16)
              << "...), input " << b.input_width << "x" << b.input_height << ", mean "
              << fixed(b.mean[0], 3) << "," << fixed(b.mean[1], 3) << "," << fixed(b.mean[2], 3)
              << ", std " << fixed(b.std[0], 3) << "," << fixed(b.std[1], 3) << ","
              << fixed(b.std[2], 3) << ", " << b.feature_size << " features from the whole frame"
              << backbone_state(b) << "\n";
  std::cout << "head:       " << tw::targets::to_string(c.head.kind);
  if (c.head.kind == tw::targets::HeadKind::mlp)
    std::cout << " (" << c.head.layers.front().outputs << " hidden units, dropout "
              << fixed(c.head.dropout, 2) << ")";
  std::cout << " on " << c.head.input_size() << " features"
            << (c.head.l2_normalize ? " scaled to unit length" : "") << "\n"
            << "threshold:  " << fixed(t.threshold, 3) << " (min probability for a match"
            << (v.threshold_rule.empty() ? "" : "; " + v.threshold_rule) << ")\n";
  if (v.measured)
    std::cout << "validation: precision " << fixed(v.precision, 3) << " "
              << count_of(v.true_positives, v.true_positives + v.false_positives) << ", recall "
              << fixed(v.recall, 3) << " "
              << count_of(v.true_positives, v.true_positives + v.false_negatives) << "; TP "
              << v.true_positives << " FP " << v.false_positives << " FN " << v.false_negatives
              << " TN " << v.true_negatives << " on " << v.positive_photos << " positive and "
              << v.negative_photos << " negative held-out photo(s)\n";
  else
    std::cout << "validation: none (trained with --validation 0)\n";
  if (c.folds > 0) {
    const auto& x = c.cross_validation;
    std::cout << "cross-val:  precision " << fixed(x.precision, 3) << " "
              << count_of(x.true_positives, x.true_positives + x.false_positives) << ", recall "
              << fixed(x.recall, 3) << " "
              << count_of(x.true_positives, x.true_positives + x.false_negatives) << "; " << c.folds
              << " folds by photo over " << x.positive_photos << "+" << x.negative_photos
              << " photos\n";
  }
  std::cout << "training:   " << positives << " positive and " << negatives
            << " negative photo(s) (" << held_out << " held out), " << c.training.augment_copies
            << " augmented copies each, " << c.training.train_positive_samples << "+"
            << c.training.train_negative_samples << " training samples, epoch "
            << c.training.best_epoch << " of " << c.training.epochs_run << " kept, seed "
            << c.training.seed << "\n"
            << "created:    " << t.created << "\n"
            << "file:       " << file.string() << " (format version " << t.format_version << ")\n"
            << "references: " << t.references.size() << " positive photo(s)\n";
  for (const auto& r : t.references) {
    std::cout << "  " << r.path;
    if (r.box.area() > 0)
      std::cout << "  face " << fixed(r.box.width, 0) << "x" << fixed(r.box.height, 0);
    std::cout << "  sha256 " << r.sha256.substr(0, 16) << "...\n";
  }
}

int run_show(const TargetArgs& args) {
  auto store = tw::targets::TargetStore::open_default();
  tw::targets::Target t = store.load(args.name);
  fs::path file = store.file_of(args.name);
  if (args.format == "json") {
    std::cout << summary_json(t, file).dump() << "\n";
    return tw::exit_code::ok;
  }
  if (t.kind == tw::targets::TargetKind::classifier) {
    show_classifier(t, file);
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
            << "kind:       face (one 128-d descriptor per reference face; a face in a frame "
               "matches when its distance to the nearest is within the threshold)\n"
            << "threshold:  " << fixed(t.threshold, 3)
            << " (max descriptor distance; see docs/threshold.md)\n";
  if (!t.negatives.empty())
    std::cout << "dismissed:  " << t.negatives.size()
              << " face(s) a reviewer dismissed; faces closer to one of them do not match\n";
  std::cout << "created:    " << t.created << "\n"
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
