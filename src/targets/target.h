#pragma once
// A target is what scan looks for.  It lives in one versioned JSON file,
// $TRENDWATCH_HOME/targets/<name>.json, so that it can be inspected, copied
// and diffed.  Kinds: "face" (descriptors of reference faces), "image"
// (local features of reference images) and "classifier" (a trained head over
// a frozen backbone's features); each has its own payload under the same
// envelope.
#include <filesystem>
#include <string>
#include <vector>

#include "core/types.h"
#include "targets/classifier.h"
#include "vision/image_matcher.h"

namespace tw::targets {

// Bumped when the file layout changes incompatibly; older files are refused
// with a message instead of being misread.
inline constexpr int kTargetFormatVersion = 1;

enum class TargetKind { face, image, classifier };
std::string to_string(TargetKind kind);
TargetKind target_kind_from_string(const std::string& text);  // throws std::invalid_argument

// One reference photo and what enrollment took from it.
struct Reference {
  std::string path;    // absolute path at enrollment time
  std::string sha256;  // of the file's bytes
  Box box;             // the face used, in the upright photo's pixels
};

struct Target {
  int format_version = kTargetFormatVersion;
  std::string name;
  TargetKind kind = TargetKind::face;
  std::vector<Descriptor> descriptors;  // kind face: one per reference face
  // kind face: faces a reviewer dismissed as false matches of this target
  // (`target learn`).  A face closer to one of these than to the target's
  // own descriptors is not a match, so the same false match does not return.
  std::vector<Descriptor> negatives;
  float threshold = 0;  // kind face: max descriptor distance for a match
  std::vector<Reference> references;
  std::string created;  // ISO 8601 UTC
  // kind image: each reference image's local features (same order as
  // references; Reference::box is the whole image) and the RANSAC inliers a
  // frame needs (docs/image_targets.md).
  std::vector<vision::ImageFeatures> image_features;
  int min_inliers = 0;
  // kind classifier: backbone, head, validation figures and training photos
  // (docs/classifiers.md).  `threshold` is then the probability a face or
  // frame needs; `references` are the positive training photos.
  ClassifierPayload classifier;
};

// Names are file stems: 1-64 of [A-Za-z0-9._-], not starting with '.'.
// Throws InputError(name, reason) otherwise (path separators, "..", empty).
void validate_target_name(const std::string& name);

std::string to_json_text(const Target& target);
// Throws InputError(source, reason) for malformed JSON, a wrong format
// version, or missing fields.  `source` names the file in messages.
Target target_from_json_text(const std::string& text, const std::string& source);

std::string utc_now_iso8601();

}  // namespace tw::targets
