#include "train/features.h"

#include <algorithm>

#include "core/errors.h"
#include "media/image.h"

namespace tw::train {
namespace {

// Each photo gets its own generator, seeded from the run's seed and the
// photo's position, so a photo's copies do not depend on the others.
std::mt19937 photo_rng(unsigned seed, std::size_t photo) {
  std::seed_seq seq{seed, static_cast<unsigned>(photo), 0x7477u};
  return std::mt19937(seq);
}

const vision::AnalysedFace* largest_face(const std::vector<vision::AnalysedFace>& faces) {
  if (faces.empty()) return nullptr;
  return &*std::max_element(faces.begin(), faces.end(), [](const auto& a, const auto& b) {
    return a.detection.box.area() < b.detection.box.area();
  });
}

// The face that best overlaps `expected` (IoU >= 0.3), if any.
const vision::AnalysedFace* face_at(const std::vector<vision::AnalysedFace>& faces,
                                    const Box& expected) {
  const vision::AnalysedFace* best = nullptr;
  float best_iou = 0.3f;
  for (const auto& f : faces)
    if (float overlap = iou(f.detection.box, expected); overlap >= best_iou) {
      best_iou = overlap;
      best = &f;
    }
  return best;
}

}  // namespace

Extraction extract_face_features(const Dataset& data, vision::FaceAnalyser& analyser,
                                 const ExtractOptions& options, const ExtractProgress& progress) {
  Extraction out;
  out.samples_per_photo.assign(data.photos.size(), 0);
  out.positive_face.assign(data.photos.size(), Box{});
  int positives_with_face = 0;
  auto refuse_without_faces = [&] {
    auto first = std::find_if(data.photos.begin(), data.photos.end(),
                              [](const auto& p) { return p.positive; });
    std::string where = first != data.photos.end() ? first->path.parent_path().string() : "";
    throw InputError(where, "no face found in any positive photo (" +
                                std::to_string(data.positives()) +
                                " photos); the face backbone learns from faces");
  };
  for (std::size_t i = 0; i < data.photos.size(); ++i) {
    const LabelledPhoto& photo = data.photos[i];
    // Positives come first: refuse before spending time on the negatives.
    if (!photo.positive && positives_with_face == 0) refuse_without_faces();
    const std::string label = photo.path.string();
    cv::Mat image = media::load_image(photo.path);
    std::mt19937 rng = photo_rng(options.seed, i);
    auto add = [&](const vision::AnalysedFace& face, bool augmented) {
      out.samples.push_back({face.descriptor, static_cast<int>(i), photo.positive, augmented});
      ++out.samples_per_photo[i];
    };

    std::vector<vision::AnalysedFace> faces = analyser.analyse(image);
    if (photo.positive) {
      const vision::AnalysedFace* face = largest_face(faces);
      if (face == nullptr) {
        out.warnings.push_back(label + ": no face found; photo skipped");
        if (progress) progress(static_cast<int>(i) + 1, static_cast<int>(data.photos.size()));
        continue;
      }
      if (faces.size() > 1)
        out.warnings.push_back(label + ": " + std::to_string(faces.size()) +
                               " faces found; the largest is taken as the positive");
      ++positives_with_face;
      out.positive_face[i] = face->detection.box;
      add(*face, false);
      for (int k = 0; k < options.augment_copies; ++k) {
        Augmented copy = augment(image, rng, options.augment);
        std::vector<vision::AnalysedFace> copy_faces = analyser.analyse(copy.image);
        const vision::AnalysedFace* same =
            face_at(copy_faces, transform_box(face->detection.box, copy.transform));
        if (same == nullptr) {
          ++out.skipped_copies;
          continue;
        }
        add(*same, true);
      }
    } else {
      for (const auto& face : faces) add(face, false);
      for (int k = 0; k < options.augment_copies; ++k) {
        Augmented copy = augment(image, rng, options.augment);
        for (const auto& face : analyser.analyse(copy.image)) add(face, true);
      }
      if (faces.empty())
        out.warnings.push_back(label +
                               ": no face found; a negative photo without faces adds "
                               "nothing with the face backbone");
    }
    if (progress) progress(static_cast<int>(i) + 1, static_cast<int>(data.photos.size()));
  }
  if (positives_with_face == 0) refuse_without_faces();
  return out;
}

Extraction extract_image_features(const Dataset& data, vision::OnnxBackbone& backbone,
                                  const ExtractOptions& options, const ExtractProgress& progress) {
  Extraction out;
  out.samples_per_photo.assign(data.photos.size(), 0);
  out.positive_face.assign(data.photos.size(), Box{});
  for (std::size_t i = 0; i < data.photos.size(); ++i) {
    const LabelledPhoto& photo = data.photos[i];
    cv::Mat image = media::load_image(photo.path);
    std::mt19937 rng = photo_rng(options.seed, i);
    std::vector<cv::Mat> images = {image};
    for (int k = 0; k < options.augment_copies; ++k)
      images.push_back(augment(image, rng, options.augment).image);
    std::vector<std::vector<float>> features = backbone.features(images);
    for (std::size_t k = 0; k < features.size(); ++k)
      out.samples.push_back({std::move(features[k]), static_cast<int>(i), photo.positive, k > 0});
    out.samples_per_photo[i] = static_cast<int>(features.size());
    if (progress) progress(static_cast<int>(i) + 1, static_cast<int>(data.photos.size()));
  }
  return out;
}

}  // namespace tw::train
