#include "targets/target.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "core/errors.h"

namespace tw::targets {

using nlohmann::json;

namespace {

// Every number of a target file is read into a float (or is a figure no
// larger than one): one beyond a float's range became infinity when read,
// was written back as JSON's null and made the file unreadable.  Returns the
// JSON pointer of the first such number (also NaN and infinity, which a
// computed value could hold when written), and the number in `value`.
std::optional<std::string> first_number_beyond_float(const json& node, const std::string& at,
                                                     double& value) {
  if (node.is_number_float()) {
    const double v = node.get<double>();
    if (!std::isfinite(v) || std::abs(v) > std::numeric_limits<float>::max()) {
      value = v;
      return at.empty() ? "/" : at;
    }
    return std::nullopt;
  }
  if (node.is_array()) {
    for (std::size_t i = 0; i < node.size(); ++i)
      if (auto found = first_number_beyond_float(node[i], at + "/" + std::to_string(i), value))
        return found;
  } else if (node.is_object()) {
    for (const auto& [key, item] : node.items())
      if (auto found = first_number_beyond_float(item, at + "/" + key, value)) return found;
  }
  return std::nullopt;
}

// A count or a size: nlohmann casts a float to an integer type, and 1e30
// as an int is undefined behaviour (and 2^32 + 1 would wrap round to 1).
template <typename Int>
Int whole(const json& object, const char* key) {
  const json& v = object.at(key);
  const double low = static_cast<double>(std::numeric_limits<Int>::min());
  const double high = static_cast<double>(std::numeric_limits<Int>::max());
  bool fits = true;
  if (v.is_number_float()) fits = v.get<double>() >= low && v.get<double>() <= high;
  if (v.is_number_integer() && !v.is_number_unsigned())
    fits = v.get<std::int64_t>() >= std::numeric_limits<Int>::min() &&
           v.get<std::int64_t>() <= static_cast<std::int64_t>(std::numeric_limits<Int>::max());
  if (v.is_number_unsigned())
    fits = v.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<Int>::max());
  if (!fits)
    throw std::invalid_argument(std::string(key) + " is " + v.dump() +
                                ": out of range for a whole number");
  return v.get<Int>();
}

template <typename Int>
Int whole_or(const json& object, const char* key, Int fallback) {
  return object.contains(key) ? whole<Int>(object, key) : fallback;
}

std::string number_text(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "infinity" : "-infinity";
  std::ostringstream out;
  out << v;
  return out.str();
}

// Rounded to hundredths of a pixel so that files stay small; a coordinate
// whose hundredfold would overflow a float is kept as it is (its float
// spacing is far coarser than a hundredth anyway).
float round_to_hundredths(float x) {
  return std::abs(x) < 1e6f ? std::round(x * 100) / 100 : x;
}

// kind image: {"min_inliers": N, "features": [{"width", "height", "points":
// [x0, y0, ...], "descriptors": base64 of N x 128 bytes}, ...]}.
json image_payload_json(const Target& target) {
  json features = json::array();
  for (const auto& f : target.image_features) {
    std::vector<float> points;
    for (const auto& p : f.points) {
      points.push_back(round_to_hundredths(p.x));
      points.push_back(round_to_hundredths(p.y));
    }
    features.push_back({{"width", f.width},
                        {"height", f.height},
                        {"points", points},
                        {"descriptors", vision::descriptors_to_base64(f.descriptors)}});
  }
  return {{"min_inliers", target.min_inliers}, {"features", features}};
}

void read_image_payload(const json& payload, Target& t, const std::string& source) {
  t.min_inliers = whole<int>(payload, "min_inliers");
  if (t.min_inliers < 4) throw InputError(source, "min_inliers must be at least 4");
  for (const auto& f : payload.at("features")) {
    vision::ImageFeatures features;
    features.width = whole<int>(f, "width");
    features.height = whole<int>(f, "height");
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
  f.true_positives = whole<int>(v, "true_positives");
  f.false_positives = whole<int>(v, "false_positives");
  f.false_negatives = whole<int>(v, "false_negatives");
  f.true_negatives = whole<int>(v, "true_negatives");
  f.positive_photos = whole_or(v, "positive_photos", 0);
  f.negative_photos = whole_or(v, "negative_photos", 0);
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
  c.backbone.feature_size = whole<int>(b, "feature_size");
  if (c.backbone.kind == "onnx") {
    c.backbone.path = b.at("path").get<std::string>();
    c.backbone.sha256 = b.at("sha256").get<std::string>();
    c.backbone.input_width = whole<int>(b, "input_width");
    c.backbone.input_height = whole<int>(b, "input_height");
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
    layer.inputs = whole<int>(l, "inputs");
    layer.outputs = whole<int>(l, "outputs");
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
    c.folds = whole<int>(payload.at("cross_validation"), "folds");
  }

  const json& tr = payload.at("training");
  c.training.epochs_run = whole_or(tr, "epochs_run", 0);
  c.training.best_epoch = whole_or(tr, "best_epoch", 0);
  c.training.max_epochs = whole_or(tr, "max_epochs", 0);
  c.training.augment_copies = whole_or(tr, "augment_copies", 0);
  c.training.seed = whole_or(tr, "seed", 0u);
  c.training.learning_rate = tr.value("learning_rate", 0.0);
  c.training.l2 = tr.value("l2", 0.0);
  c.training.train_positive_samples = whole_or(tr, "train_positive_samples", 0);
  c.training.train_negative_samples = whole_or(tr, "train_negative_samples", 0);

  for (const auto& p : payload.at("photos"))
    c.photos.push_back({p.at("path").get<std::string>(), p.at("sha256").get<std::string>(),
                        p.at("positive").get<bool>(), p.at("validation").get<bool>(),
                        whole_or(p, "samples", 0)});
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
  // JSON has no infinity or NaN: nlohmann writes them as null, and the file
  // could not be read again.  A computed value gone wrong stops the write.
  double bad = 0;
  if (auto field = first_number_beyond_float(doc, "", bad))
    throw std::invalid_argument("target '" + target.name + "': " + *field + " is " +
                                number_text(bad) +
                                ", not a finite number; the target is not written");
  return doc.dump(1) + "\n";
}

Target target_from_json_text(const std::string& text, const std::string& source) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) throw InputError(source, "not a JSON target file");
  double bad = 0;
  if (auto field = first_number_beyond_float(doc, "", bad))
    throw InputError(source, *field + " is " + number_text(bad) +
                                 ": out of range (a target's numbers are 32-bit floats, at most "
                                 "±3.4e38)");
  try {
    if (doc.value("format", "") != "trendwatch-target")
      throw InputError(source, "not a trendwatch target file (\"format\" is missing)");
    Target t;
    t.format_version = whole<int>(doc, "format_version");
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
