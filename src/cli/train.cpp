// `trendwatch train NAME --positives DIR --negatives DIR`: train a classifier
// target over a frozen backbone (docs/classifiers.md).  Prints the held-out
// validation figures and saves the target for `scan`.
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/command.h"
#include "core/errors.h"
#include "models/model_dir.h"
#include "targets/target_store.h"
#include "train/train.h"

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

struct TrainArgs {
  std::string name;
  std::vector<std::string> positives;
  std::vector<std::string> negatives;
  std::string backbone = "face";
  int epochs = 200;
  std::string head = "logistic";
  int hidden = 32;
  float dropout = 0.3f;
  double validation = 0.2;
  unsigned seed = 1;
  int augment = 4;
  std::string input_size = "224";
  std::string mean = "0.485,0.456,0.406";
  std::string std = "0.229,0.224,0.225";
  double learning_rate = 0.01;
  double l2 = 1e-2;
  int patience = 20;
  int folds = 0;
  bool force = false;
  std::string format = "text";
};

// "224" or "224x160" (width x height).
void parse_input_size(const std::string& text, tw::vision::OnnxBackboneOptions& options) {
  int w = 0, h = 0;
  char x = 0, extra = 0;
  std::istringstream in(text);
  if (in >> w) {
    if (in >> x) {
      if ((x != 'x' && x != 'X') || !(in >> h) || (in >> extra))
        throw tw::InputError("--input-size", "expected N or WIDTHxHEIGHT, got '" + text + "'");
    } else {
      h = w;
    }
  }
  if (w < 8 || h < 8 || w > 4096 || h > 4096)
    throw tw::InputError("--input-size", "expected N or WIDTHxHEIGHT (8-4096), got '" + text + "'");
  options.input_width = w;
  options.input_height = h;
}

std::array<float, 3> parse_triple(const std::string& option, const std::string& text) {
  std::array<float, 3> out{};
  std::istringstream in(text);
  for (int i = 0; i < 3; ++i) {
    char comma = 0;
    if (!(in >> out[i]) || (i < 2 && (!(in >> comma) || comma != ',')))
      throw tw::InputError(option, "expected three numbers R,G,B, got '" + text + "'");
  }
  std::string rest;
  if (in >> rest) throw tw::InputError(option, "expected three numbers R,G,B, got '" + text + "'");
  return out;
}

std::string fixed(double v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// A bar redrawn in place on a terminal; otherwise a plain line now and then.
class Progress {
 public:
  explicit Progress(bool tty, bool quiet) : tty_(tty), quiet_(quiet) {}
  void update(const std::string& label, int done, int total, const std::string& detail) {
    if (quiet_ || total <= 0) return;
    if (tty_) {
      int filled = done * 30 / total;
      std::string bar(filled, '#');
      bar.resize(30, '.');
      std::fprintf(stderr, "\r%-9s [%s] %d/%d %-40.40s", label.c_str(), bar.c_str(), done, total,
                   detail.c_str());
      std::fflush(stderr);
      drawn_ = true;
      return;
    }
    int step = std::max(1, total / 4);
    if (done == total || done % step == 0)
      std::fprintf(stderr, "%s %d/%d %s\n", label.c_str(), done, total, detail.c_str());
  }
  void clear() {
    if (!drawn_) return;
    std::fprintf(stderr, "\r%*s\r", 100, "");
    std::fflush(stderr);
    drawn_ = false;
  }

 private:
  bool tty_, quiet_;
  bool drawn_ = false;
};

json report_json(const tw::train::TrainReport& r, const fs::path& file) {
  const auto& c = r.target.classifier;
  json warnings = json::array();
  for (const auto& w : r.warnings) warnings.push_back(w);
  // The figures exactly as the target file stores them.
  json payload = json::parse(tw::targets::to_json_text(r.target))["classifier"];
  return {{"name", r.target.name},
          {"kind", "classifier"},
          {"file", file.string()},
          {"backbone", c.backbone.kind},
          {"head", tw::targets::to_string(c.head.kind)},
          {"threshold", r.target.threshold},
          {"positive_photos", r.data.positives()},
          {"negative_photos", r.data.negatives()},
          {"samples", r.samples},
          {"epochs_run", c.training.epochs_run},
          {"best_epoch", c.training.best_epoch},
          {"validation", payload["validation"]},
          {"cross_validation", payload.value("cross_validation", json(nullptr))},
          {"warnings", warnings}};
}

int run_train(const TrainArgs& args) {
  auto store = tw::targets::TargetStore::open_default();
  tw::targets::validate_target_name(args.name);
  if (!args.force && store.exists(args.name))
    throw tw::InputError(args.name, "a target with this name exists (use --force to replace it)");

  tw::train::TrainOptions options;
  options.backbone = args.backbone;
  if (!tw::train::is_face_backbone(args.backbone)) {
    parse_input_size(args.input_size, options.onnx);
    options.onnx.mean = parse_triple("--mean", args.mean);
    options.onnx.std = parse_triple("--std", args.std);
  }
  options.extract.augment_copies = args.augment;
  options.extract.seed = args.seed;
  options.head.kind = tw::targets::head_kind_from_string(args.head);
  options.head.hidden = args.hidden;
  options.head.dropout = args.dropout;
  options.head.max_epochs = args.epochs;
  options.head.validation_fraction = args.validation;
  options.head.seed = args.seed;
  options.head.learning_rate = args.learning_rate;
  options.head.l2 = args.l2;
  options.head.patience = args.patience;
  options.folds = args.folds;

  const bool json_out = args.format == "json";
  Progress progress(::isatty(STDERR_FILENO) != 0, json_out);
  tw::train::TrainProgress callbacks;
  callbacks.photos = [&](int done, int total) {
    progress.update("features", done, total, "photos");
  };
  callbacks.epochs = [&](const tw::train::EpochReport& e) {
    std::string detail = "train loss " + fixed(e.train_loss, 4);
    if (e.validation_loss > 0) detail += ", validation loss " + fixed(e.validation_loss, 4);
    progress.update("epoch", e.epoch, e.max_epochs, detail);
  };

  std::vector<fs::path> positives(args.positives.begin(), args.positives.end());
  std::vector<fs::path> negatives(args.negatives.begin(), args.negatives.end());
  std::optional<tw::models::ModelDir> models;
  if (tw::train::is_face_backbone(args.backbone)) models = tw::models::ModelDir::open_default();
  tw::train::TrainReport report;
  try {
    report = tw::train::train_target(args.name, positives, negatives, options,
                                     models ? &*models : nullptr, callbacks);
  } catch (...) {
    progress.clear();
    throw;
  }
  progress.clear();
  store.save(report.target, args.force);
  fs::path file = store.file_of(args.name);

  if (json_out) {
    std::cout << report_json(report, file).dump() << "\n";
    return tw::exit_code::ok;
  }
  for (const auto& w : report.warnings) std::cerr << "trendwatch train: warning: " << w << "\n";
  const auto& c = report.target.classifier;
  const auto& v = c.validation;
  std::cout << "trained '" << args.name << "': " << report.data.positives() << " positive and "
            << report.data.negatives() << " negative photo(s), backbone "
            << (c.backbone.is_face() ? std::string("face") : c.backbone.path) << ", "
            << tw::targets::to_string(c.head.kind) << " head, " << report.samples << " samples ("
            << args.augment << " augmented copies per photo";
  if (report.skipped_copies > 0)
    std::cout << "; " << report.skipped_copies << " copies lost the face";
  std::cout << ")\n"
            << "epochs: " << c.training.epochs_run << " run, weights of epoch "
            << c.training.best_epoch << " kept\n";
  if (v.measured) {
    std::cout << "validation on " << v.positive_photos << " positive and " << v.negative_photos
              << " negative held-out photo(s), " << report.validation_samples << " samples:\n"
              << "  precision " << fixed(v.precision, 3) << " (" << v.true_positives << "/"
              << v.true_positives + v.false_positives << ")  recall " << fixed(v.recall, 3) << " ("
              << v.true_positives << "/" << v.true_positives + v.false_negatives << ")  "
              << "TP " << v.true_positives << " FP " << v.false_positives << " FN "
              << v.false_negatives << " TN " << v.true_negatives << "\n"
              << "threshold " << fixed(report.target.threshold, 3) << " (" << v.threshold_rule
              << ")\n";
  } else {
    std::cout << "no validation split (--validation 0): no figures; threshold "
              << fixed(report.target.threshold, 3) << "\n";
  }
  if (c.folds > 0) {
    const auto& x = c.cross_validation;
    std::cout << c.folds << "-fold cross-validation by photo (" << x.positive_photos << "+"
              << x.negative_photos << " photos, each scored by a head that never saw it):\n"
              << "  precision " << fixed(x.precision, 3) << " (" << x.true_positives << "/"
              << x.true_positives + x.false_positives << ")  recall " << fixed(x.recall, 3) << " ("
              << x.true_positives << "/" << x.true_positives + x.false_negatives << ")  TP "
              << x.true_positives << " FP " << x.false_positives << " FN " << x.false_negatives
              << " TN " << x.true_negatives << "\n";
  }
  std::cout << "saved classifier target '" << args.name << "' -> " << file.string() << "\n";
  return tw::exit_code::ok;
}

const tw::cli::CommandRegistration registration{
    25, [](CLI::App& root, tw::cli::Context& ctx) {
      auto args = std::make_shared<TrainArgs>();
      auto* sub = root.add_subcommand(
          "train", "Train a classifier target from folders of positive and negative photos");
      sub->option_defaults()->always_capture_default();
      sub->add_option("NAME", args->name, "Target name (letters, digits, . _ -)")->required();
      sub->add_option("--positives", args->positives,
                      "Folder of photos showing the target (repeatable)")
          ->required()
          ->allow_extra_args(false);
      sub->add_option("--negatives", args->negatives,
                      "Folder of photos not showing it (repeatable)")
          ->required()
          ->allow_extra_args(false);
      sub->add_option("--backbone", args->backbone,
                      "face (the face embedder on each face) or an ImageNet-style FILE.onnx");
      sub->add_option("--epochs", args->epochs,
                      "Most training epochs (early stopping may end sooner)")
          ->check(CLI::Range(1, 100000));
      sub->add_option("--head", args->head, "logistic or mlp")
          ->check(CLI::IsMember({"logistic", "mlp"}));
      sub->add_option("--hidden", args->hidden, "mlp: hidden units")->check(CLI::Range(1, 4096));
      sub->add_option("--dropout", args->dropout, "mlp: dropout on the hidden layer")
          ->check(CLI::Range(0.0, 0.9));
      sub->add_option("--validation", args->validation,
                      "Share of each class's photos held out for validation (0: none)")
          ->check(CLI::Range(0.0, 0.5));
      sub->add_option("--seed", args->seed, "Seed for augmentation, split and training");
      sub->add_option("--augment", args->augment, "Augmented copies per photo")
          ->check(CLI::Range(0, 100));
      sub->add_option("--input-size", args->input_size,
                      "ONNX backbone: input N or WIDTHxHEIGHT (default 224)");
      sub->add_option("--mean", args->mean,
                      "ONNX backbone: per-channel mean R,G,B of [0,1] pixels");
      sub->add_option("--std", args->std, "ONNX backbone: per-channel std R,G,B");
      sub->add_option("--learning-rate", args->learning_rate, "Adam step size")
          ->check(CLI::Range(1e-6, 1.0));
      sub->add_option("--l2", args->l2, "Weight decay")->check(CLI::Range(0.0, 1.0));
      sub->add_option("--patience", args->patience,
                      "Epochs without a better validation loss before stopping")
          ->check(CLI::Range(1, 100000));
      sub->add_option("--folds", args->folds,
                      "Also report K-fold cross-validated precision/recall (by photo)")
          ->check(CLI::Range(0, 20));
      sub->add_flag("--force", args->force, "Replace an existing target of that name");
      sub->add_option("--format", args->format, "Output: text or json")
          ->check(CLI::IsMember({"text", "json"}));
      sub->callback([args, &ctx] {
        ctx.exit_code = tw::cli::guarded("train", [&] { return run_train(*args); });
      });
    }};

}  // namespace
