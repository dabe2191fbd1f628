#pragma once
// Feature extraction through a frozen backbone, original photo plus its
// augmented copies.
//
// face backbone: positives give the largest face of each photo (a warning
// names photos with no face or with several); in an augmented copy the face
// that overlaps the original's face after the copy's crop/flip/scale is
// taken (so a background face never becomes a positive).  Negatives give
// every face of every copy.
// onnx backbone: one feature vector per image (the whole image).
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/types.h"
#include "train/augment.h"
#include "train/dataset.h"
#include "vision/face_analyser.h"
#include "vision/onnx_backbone.h"

namespace tw::train {

struct Sample {
  std::vector<float> features;
  int photo = 0;  // index into Dataset::photos
  bool positive = false;
  bool augmented = false;  // from a copy, not the photo itself
};

struct ExtractOptions {
  int augment_copies = 4;  // augmented copies per photo, besides the photo itself
  unsigned seed = 1;
  AugmentOptions augment;
};

struct Extraction {
  std::vector<Sample> samples;
  std::vector<int> samples_per_photo;  // same order as Dataset::photos
  std::vector<Box> positive_face;      // face backbone: the face used per photo (empty box: none)
  std::vector<std::string> warnings;   // "<path>: <reason>"
  int skipped_copies = 0;              // augmented copies in which the face was lost
};

// Called after each photo: (photos done, photos total).
using ExtractProgress = std::function<void(int done, int total)>;

// Throws InputError(photo, reason) for an unreadable photo, and
// InputError(first positives folder, reason) when no positive photo gives a
// face (face backbone).
Extraction extract_face_features(const Dataset& data, vision::FaceAnalyser& analyser,
                                 const ExtractOptions& options,
                                 const ExtractProgress& progress = {});
Extraction extract_image_features(const Dataset& data, vision::OnnxBackbone& backbone,
                                  const ExtractOptions& options,
                                  const ExtractProgress& progress = {});

}  // namespace tw::train
