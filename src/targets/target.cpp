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
