#include "train/train.h"

#include <algorithm>

#include "core/errors.h"
#include "core/hash.h"

namespace fs = std::filesystem;

namespace tw::train {

bool is_face_backbone(const std::string& backbone) {
  return backbone == "face";
}

TrainReport train_target(const std::string& name, const std::vector<fs::path>& positive_dirs,
                         const std::vector<fs::path>& negative_dirs, const TrainOptions& options,
                         const models::ModelDir* models, const TrainProgress& progress) {
  targets::validate_target_name(name);
  TrainReport report;
  report.data = read_dataset(positive_dirs, negative_dirs);
  report.warnings = report.data.warnings;

  targets::Target& target = report.target;
  target.name = name;
  target.kind = targets::TargetKind::classifier;
  target.created = targets::utc_now_iso8601();
  targets::BackboneSpec& spec = target.classifier.backbone;

  Extraction extraction;
  if (is_face_backbone(options.backbone)) {
    if (models == nullptr)
      throw InputError("--backbone", "the face backbone needs the face models");
    vision::FaceAnalyser analyser(*models);
    extraction = extract_face_features(report.data, analyser, options.extract, progress.photos);
    spec.kind = "face";
    spec.feature_size = 128;
  } else {
    std::error_code ec;
    if (!fs::exists(options.backbone, ec))
      throw InputError(options.backbone,
                       "no such file (--backbone takes 'face' or the path of an .onnx file)");
    fs::path file = fs::absolute(options.backbone).lexically_normal();
    vision::OnnxBackbone backbone(file, options.onnx);
    extraction = extract_image_features(report.data, backbone, options.extract, progress.photos);
    spec.kind = "onnx";
    spec.path = file.string();
    spec.sha256 = sha256_file(file);
    spec.input_width = options.onnx.input_width;
    spec.input_height = options.onnx.input_height;
    spec.mean = options.onnx.mean;
    spec.std = options.onnx.std;
    spec.feature_size = backbone.feature_size();
  }
  report.warnings.insert(report.warnings.end(), extraction.warnings.begin(),
                         extraction.warnings.end());
  report.samples = static_cast<int>(extraction.samples.size());
  report.skipped_copies = extraction.skipped_copies;

  std::vector<bool> positive;
  for (const auto& p : report.data.photos) positive.push_back(p.positive);
  std::vector<bool> held_out = choose_validation_photos(
      positive, extraction.samples_per_photo, options.head.validation_fraction, options.head.seed);
  TrainedHead trained = train_head(extraction.samples, held_out, options.head, progress.epochs);
  if (options.folds > 0) {
    target.classifier.folds = options.folds;
    target.classifier.cross_validation = cross_validate(
        extraction.samples, positive, extraction.samples_per_photo, options.folds, options.head);
  }

  target.threshold = std::clamp(trained.threshold, 1e-4f, 1 - 1e-4f);
  target.classifier.head = std::move(trained.head);
  target.classifier.validation = trained.validation;
  target.classifier.training = trained.summary;
  target.classifier.training.augment_copies = options.extract.augment_copies;
  for (std::size_t i = 0; i < report.data.photos.size(); ++i) {
    const LabelledPhoto& p = report.data.photos[i];
    std::error_code ec;
    fs::path absolute = fs::absolute(p.path, ec).lexically_normal();
    std::string path = ec ? p.path.string() : absolute.string();
    target.classifier.photos.push_back(
        {path, p.sha256, p.positive, held_out[i], extraction.samples_per_photo[i]});
    if (held_out[i]) {
      (p.positive ? target.classifier.validation.positive_photos
                  : target.classifier.validation.negative_photos)++;
    }
    if (p.positive && extraction.samples_per_photo[i] > 0)
      target.references.push_back({path, p.sha256, extraction.positive_face[i]});
  }
  auto& v = target.classifier.validation;
  report.validation_samples =
      v.true_positives + v.false_positives + v.false_negatives + v.true_negatives;
  return report;
}

}  // namespace tw::train
