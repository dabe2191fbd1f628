#pragma once
// `trendwatch train` as a library call: folders of positive and negative
// photos -> features through a frozen backbone (with augmented copies) ->
// a trained head -> a target of kind "classifier" that scan uses
// (docs/classifiers.md).
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "models/model_dir.h"
#include "targets/target.h"
#include "train/dataset.h"
#include "train/features.h"
#include "train/head_trainer.h"
#include "vision/onnx_backbone.h"

namespace tw::train {

struct TrainOptions {
  std::string backbone = "face";     // "face", or the path of an ONNX file
  vision::OnnxBackboneOptions onnx;  // input size, mean, std for an ONNX backbone
  ExtractOptions extract;            // augmentation copies and seed
  HeadOptions head;
  int folds = 0;  // > 0: also report K-fold cross-validated figures
};

// Progress of the two long stages, for a terminal bar or plain lines.
struct TrainProgress {
  ExtractProgress photos;  // (done, total)
  EpochProgress epochs;
};

struct TrainReport {
  targets::Target target;
  Dataset data;
  std::vector<std::string> warnings;  // "<path>: <reason>", in order
  int samples = 0;
  int validation_samples = 0;
  int skipped_copies = 0;
};

bool is_face_backbone(const std::string& backbone);

// models: needed for the face backbone only (may be null for ONNX).  Throws
// InputError naming the folder, photo or model file at fault.
TrainReport train_target(const std::string& name,
                         const std::vector<std::filesystem::path>& positive_dirs,
                         const std::vector<std::filesystem::path>& negative_dirs,
                         const TrainOptions& options, const models::ModelDir* models,
                         const TrainProgress& progress = {});

}  // namespace tw::train
