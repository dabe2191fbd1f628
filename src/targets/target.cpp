#include "targets/target.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <ctime>
#include <stdexcept>

#include "core/errors.h"

namespace tw::targets {

using nlohmann::json;

namespace {

// kind image: {"min_inliers": N, "features": [{"width", "height", "points":
// [x0, y0, ...], "descriptors": base64 of N x 128 bytes}, ...]}.
json image_payload_json(const Target& target) {
  json features = json::array();
  for (const auto& f : target.image_features) {
    std::vector<float> points;
    for (const auto& p : f.points) {
      points.push_back(std::round(p.x * 100) / 100);
      points.push_back(std::round(p.y * 100) / 100);
    }
    features.push_back({{"width", f.width},
                        {"height", f.height},
                        {"points", points},
                        {"descriptors", vision::descriptors_to_base64(f.descriptors)}});
  }
  return {{"min_inliers", target.min_inliers}, {"features", features}};
}

void read_image_payload(const json& payload, Target& t, const std::string& source) {
  t.min_inliers = payload.at("min_inliers").get<int>();
  if (t.min_inliers < 4) throw InputError(source, "min_inliers must be at least 4");
  for (const auto& f : payload.at("features")) {
    vision::ImageFeatures features;
    features.width = f.at("width").get<int>();
    features.height = f.at("height").get<int>();
    auto points = f.at("points").get<std::vector<float>>();
    if (points.size() % 2 != 0) throw InputError(source, "image feature points must be x, y pairs");
    for (std::size_t i = 0; i < points.size(); i += 2)
      features.points.push_back({points[i], points[i + 1]});
    features.descriptors = vision::descriptors_from_base64(f.at("descriptors").get<std::string>(),
                                                           features.points.size());
    t.image_features.push_back(std::move(features));
  }
  if (t.image_features.empty()) throw InputError(source, "an image target without features");
}

json figures_json(const ValidationFigures& v) {
  return {{"measured", v.measured},
          {"precision", v.precision},
          {"recall", v.recall},
          {"f1", v.f1},
          {"loss", v.loss},
          {"true_positives", v.true_positives},
          {"false_positives", v.false_positives},
          {"false_negatives", v.false_negatives},
          {"true_negatives", v.true_negatives},
          {"positive_photos", v.positive_photos},
          {"negative_photos", v.negative_photos},
          {"threshold_rule", v.threshold_rule}};
}

ValidationFigures figures_from_json(const json& v) {
  ValidationFigures f;
  f.measured = v.at("measured").get<bool>();
  f.precision = v.at("precision").get<double>();
  f.recall = v.at("recall").get<double>();
  f.f1 = v.value("f1", 0.0);
  f.loss = v.value("loss", 0.0);
  f.true_positives = v.at("true_positives").get<int>();
  f.false_positives = v.at("false_positives").get<int>();
  f.false_negatives = v.at("false_negatives").get<int>();
  f.true_negatives = v.at("true_negatives").get<int>();
  f.positive_photos = v.value("positive_photos", 0);
  f.negative_photos = v.value("negative_photos", 0);
  f.threshold_rule = v.value("threshold_rule", "");
  return f;
}

// kind classifier: {"backbone": {...}, "head": {"kind", "feature_mean",
// "feature_scale", "layers": [{"inputs", "outputs", "weights", "bias"}],
// "dropout", "sha256"}, "validation": {...}, "training": {...}, "photos":
// [...]}.  Weights are plain JSON numbers (float round trip is exact).
json classifier_payload_json(const ClassifierPayload& c) {
  const BackboneSpec& b = c.backbone;
  json backbone = {{"kind", b.kind}, {"feature_size", b.feature_size}};
  if (!b.is_face())
    backbone.update({{"path", b.path},
                     {"sha256", b.sha256},
                     {"input_width", b.input_width},
                     {"input_height", b.input_height},
                     {"mean", b.mean},
                     {"std", b.std}});
  json layers = json::array();
  for (const auto& l : c.head.layers)
    layers.push_back(
        {{"inputs", l.inputs}, {"outputs", l.outputs}, {"weights", l.weights}, {"bias", l.bias}});
  json head = {{"kind", to_string(c.head.kind)},
               {"feature_mean", c.head.feature_mean},
               {"feature_scale", c.head.feature_scale},
               {"layers", layers},
               {"dropout", c.head.dropout},
               {"l2_normalize", c.head.l2_normalize},
               {"sha256", head_checksum(c.head)}};
  json validation = figures_json(c.validation);
  const TrainingSummary& t = c.training;
  json training = {{"epochs_run", t.epochs_run},
                   {"best_epoch", t.best_epoch},
                   {"max_epochs", t.max_epochs},
                   {"augment_copies", t.augment_copies},
                   {"seed", t.seed},
                   {"learning_rate", t.learning_rate},
                   {"l2", t.l2},
                   {"train_positive_samples", t.train_positive_samples},
                   {"train_negative_samples", t.train_negative_samples}};
  json photos = json::array();
  for (const auto& p : c.photos)
    photos.push_back({{"path", p.path},
                      {"sha256", p.sha256},
                      {"positive", p.positive},
                      {"validation", p.validation},
                      {"samples", p.samples}});
  json out = {{"backbone", backbone},
              {"head", head},
              {"validation", validation},
              {"training", training},
              {"photos", photos}};
  if (c.folds > 0) {
    out["cross_validation"] = figures_json(c.cross_validation);
    out["cross_validation"]["folds"] = c.folds;
  }
  return out;
}

void read_classifier_payload(const json& payload, Target& t, const std::string& source) {
  ClassifierPayload& c = t.classifier;
  const json& b = payload.at("backbone");
  c.backbone.kind = b.at("kind").get<std::string>();
  c.backbone.feature_size = b.at("feature_size").get<int>();
  if (c.backbone.kind == "onnx") {
    c.backbone.path = b.at("path").get<std::string>();
    c.backbone.sha256 = b.at("sha256").get<std::string>();
    c.backbone.input_width = b.at("input_width").get<int>();
    c.backbone.input_height = b.at("input_height").get<int>();
    c.backbone.mean = b.at("mean").get<std::array<float, 3>>();
    c.backbone.std = b.at("std").get<std::array<float, 3>>();
    if (c.backbone.input_width <= 0 || c.backbone.input_height <= 0)
      throw InputError(source, "the backbone's input size must be positive");
    for (float s : c.backbone.std)
      if (!(s > 0)) throw InputError(source, "the backbone's std must be positive");
  } else if (c.backbone.kind != "face") {
    throw InputError(source, "unknown backbone '" + c.backbone.kind + "' (known: face, onnx)");
  }

  const json& h = payload.at("head");
  c.head.kind = head_kind_from_string(h.at("kind").get<std::string>());
  c.head.feature_mean = h.at("feature_mean").get<std::vector<float>>();
  c.head.feature_scale = h.at("feature_scale").get<std::vector<float>>();
  c.head.dropout = h.value("dropout", 0.f);
  c.head.l2_normalize = h.at("l2_normalize").get<bool>();
  for (const auto& l : h.at("layers")) {
    DenseLayer layer;
    layer.inputs = l.at("inputs").get<int>();
    layer.outputs = l.at("outputs").get<int>();
    layer.weights = l.at("weights").get<std::vector<float>>();
    layer.bias = l.at("bias").get<std::vector<float>>();
    c.head.layers.push_back(std::move(layer));
  }
  check_head(c.head);
  if (c.head.input_size() != c.backbone.feature_size)
    throw InputError(source, "the head takes " + std::to_string(c.head.input_size()) +
                                 " features but the backbone gives " +
                                 std::to_string(c.backbone.feature_size));
  if (h.at("sha256").get<std::string>() != head_checksum(c.head))
    throw InputError(source,
                     "the classifier head's checksum does not match its weights "
                     "(damaged or edited by hand; train it again)");

  c.validation = figures_from_json(payload.at("validation"));
  if (payload.contains("cross_validation")) {
    c.cross_validation = figures_from_json(payload.at("cross_validation"));
    c.folds = payload.at("cross_validation").at("folds").get<int>();
  }

  const json& tr = payload.at("training");
  c.training.epochs_run = tr.value("epochs_run", 0);
  c.training.best_epoch = tr.value("best_epoch", 0);
  c.training.max_epochs = tr.value("max_epochs", 0);
  c.training.augment_copies = tr.value("augment_copies", 0);
  c.training.seed = tr.value("seed", 0u);
  c.training.learning_rate = tr.value("learning_rate", 0.0);
  c.training.l2 = tr.value("l2", 0.0);
  c.training.train_positive_samples = tr.value("train_positive_samples", 0);
  c.training.train_negative_samples = tr.value("train_negative_samples", 0);

  for (const auto& p : payload.at("photos"))
    c.photos.push_back({p.at("path").get<std::string>(), p.at("sha256").get<std::string>(),
                        p.at("positive").get<bool>(), p.at("validation").get<bool>(),
                        p.value("samples", 0)});
  if (!(t.threshold > 0 && t.threshold < 1))
    throw InputError(source, "a classifier's threshold is a probability in (0, 1)");
}

}  // namespace

std::string to_string(TargetKind kind) {
  switch (kind) {
    case TargetKind::face:
      return "face";
    case TargetKind::image:
      return "image";
    case TargetKind::classifier:
      return "classifier";
  }
  return "unknown";
}

TargetKind target_kind_from_string(const std::string& text) {
  if (text == "face") return TargetKind::face;
  if (text == "image") return TargetKind::image;
  if (text == "classifier") return TargetKind::classifier;
  throw std::invalid_argument("unknown target kind '" + text +
                              "' (known: face, image, classifier)");
}

void validate_target_name(const std::string& name) {
  if (name.empty()) throw InputError(name, "a target name cannot be empty");
  if (name.size() > 64) throw InputError(name, "a target name has at most 64 characters");
  if (name.front() == '.') throw InputError(name, "a target name cannot start with '.'");
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok)
      throw InputError(name,
                       "a target name may only hold letters, digits, '.', '_' and '-' "
                       "(no path separators or spaces)");
  }
}

std::string to_json_text(const Target& target) {
  json references = json::array();
  for (const auto& r : target.references)
    references.push_back({{"path", r.path},
                          {"sha256", r.sha256},
                          {"box", {r.box.x, r.box.y, r.box.width, r.box.height}}});
  json doc = {{"format", "trendwatch-target"}, {"format_version", target.format_version},
              {"name", target.name},           {"kind", to_string(target.kind)},
              {"threshold", target.threshold}, {"created", target.created},
              {"references", references},      {"descriptors", target.descriptors}};
  // Written only when present, so that older targets keep their bytes (and
  // the target-set version) unchanged.
  if (!target.negatives.empty()) doc["negatives"] = target.negatives;
  if (target.kind == TargetKind::image) doc["image"] = image_payload_json(target);
  if (target.kind == TargetKind::classifier)
    doc["classifier"] = classifier_payload_json(target.classifier);
  return doc.dump(1) + "\n";
}

Target target_from_json_text(const std::string& text, const std::string& source) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) throw InputError(source, "not a JSON target file");
  try {
    if (doc.value("format", "") != "trendwatch-target")
      throw InputError(source, "not a trendwatch target file (\"format\" is missing)");
    Target t;
    t.format_version = doc.at("format_version").get<int>();
    if (t.format_version != kTargetFormatVersion)
      throw InputError(source, "target format version " + std::to_string(t.format_version) +
                                   " is not supported (this build reads version " +
                                   std::to_string(kTargetFormatVersion) + ")");
    t.name = doc.at("name").get<std::string>();
    t.kind = target_kind_from_string(doc.at("kind").get<std::string>());
    t.threshold = doc.at("threshold").get<float>();
    t.created = doc.value("created", "");
    for (const auto& r : doc.at("references")) {
      Reference ref;
      ref.path = r.at("path").get<std::string>();
      ref.sha256 = r.at("sha256").get<std::string>();
      auto box = r.at("box").get<std::vector<float>>();
      if (box.size() == 4) ref.box = {box[0], box[1], box[2], box[3]};
      t.references.push_back(std::move(ref));
    }
    t.descriptors = doc.at("descriptors").get<std::vector<Descriptor>>();
    if (t.kind == TargetKind::face) {
      if (t.descriptors.empty()) throw InputError(source, "a face target without descriptors");
      for (const auto& d : t.descriptors)
        if (d.size() != 128) throw InputError(source, "a face descriptor must have 128 values");
      if (!(t.threshold > 0)) throw InputError(source, "the threshold must be positive");
      if (doc.contains("negatives"))
        t.negatives = doc.at("negatives").get<std::vector<Descriptor>>();
      for (const auto& d : t.negatives)
        if (d.size() != 128) throw InputError(source, "a negative descriptor must have 128 values");
    }
    if (t.kind == TargetKind::image) read_image_payload(doc.at("image"), t, source);
    if (t.kind == TargetKind::classifier) read_classifier_payload(doc.at("classifier"), t, source);
    return t;
  } catch (const json::exception& e) {
    throw InputError(source, std::string("malformed target file: ") + e.what());
  } catch (const std::invalid_argument& e) {
    throw InputError(source, e.what());
  }
}

std::string utc_now_iso8601() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace tw::targets
