#pragma once
// The payload of a trained target (kind "classifier", `trendwatch train`):
// which frozen backbone turns pixels into features, the small head that
// turns features into a probability, the threshold chosen on held-out
// photos, and what that validation measured.  The head's forward pass lives
// here so that training (src/train) and scanning (src/scan) run exactly the
// same arithmetic.
#include <array>
#include <string>
#include <vector>

namespace tw::targets {

// One fully connected layer: out = weights * in + bias, weights row-major
// [outputs x inputs].
struct DenseLayer {
  int inputs = 0;
  int outputs = 0;
  std::vector<float> weights;
  std::vector<float> bias;
};

enum class HeadKind { logistic, mlp };
std::string to_string(HeadKind kind);
HeadKind head_kind_from_string(const std::string& text);  // throws std::invalid_argument

// Features are first scaled to unit length (l2_normalize; on the unit sphere
// a linear head's positive region is a cap around one direction, so a face
// or image far from everything seen in training does not land on the
// positive side by extrapolation), then standardised ((x - mean) / scale,
// statistics of the training set), then go through the layers: logistic = one layer with one
// output; mlp = a hidden layer with ReLU, then one output.  The output is a logit; probability =
// sigmoid(logit).  Dropout only acts while training.
struct ClassifierHead {
  HeadKind kind = HeadKind::logistic;
  std::vector<float> feature_mean;
  std::vector<float> feature_scale;
  std::vector<DenseLayer> layers;
  float dropout = 0;  // mlp: the hidden layer's dropout rate used in training
  bool l2_normalize = true;

  int input_size() const { return static_cast<int>(feature_mean.size()); }
  float logit(const std::vector<float>& features) const;
  float probability(const std::vector<float>& features) const;
};

float sigmoid(float x);
// x / |x| (x unchanged when it is all zeros).
std::vector<float> l2_normalized(const std::vector<float>& x);

// Where features come from.  "face": the face embedder's 128-d descriptor
// of each detected face (the scanner's own).  "onnx": the flattened output
// of a user's network on the whole image, resized to input_width x
// input_height, RGB in [0,1], then (x - mean) / std per channel.
struct BackboneSpec {
  std::string kind = "face";  // face | onnx
  std::string path;           // onnx: absolute path of the model file
  std::string sha256;         // onnx: of the model file at training time
  int input_width = 0;
  int input_height = 0;
  std::array<float, 3> mean{0.485f, 0.456f, 0.406f};  // RGB
  std::array<float, 3> std{0.229f, 0.224f, 0.225f};   // RGB
  int feature_size = 0;

  bool is_face() const { return kind == "face"; }
};

// What the held-out photos said about the trained head at its threshold.
struct ValidationFigures {
  bool measured = false;  // false: trained without a validation split
  double precision = 0;
  double recall = 0;
  double f1 = 0;
  double loss = 0;  // mean (class-weighted) cross-entropy at the kept epoch
  int true_positives = 0;
  int false_positives = 0;
  int false_negatives = 0;
  int true_negatives = 0;
  int positive_photos = 0;  // held-out photos
  int negative_photos = 0;
  std::string threshold_rule;  // how the threshold was chosen
};

// One photo the head learnt from (or was validated on).
struct TrainingPhoto {
  std::string path;
  std::string sha256;
  bool positive = false;
  bool validation = false;  // held out
  int samples = 0;          // feature vectors taken from it, augmented copies included
};

struct TrainingSummary {
  int epochs_run = 0;
  int best_epoch = 0;  // the epoch whose weights were kept
  int max_epochs = 0;
  int augment_copies = 0;
  unsigned seed = 0;
  double learning_rate = 0;
  double l2 = 0;
  int train_positive_samples = 0;
  int train_negative_samples = 0;
};

struct ClassifierPayload {
  BackboneSpec backbone;
  ClassifierHead head;
  ValidationFigures validation;
  // `train --folds K`: pooled K-fold figures (measured = false when not run).
  ValidationFigures cross_validation;
  int folds = 0;
  TrainingSummary training;
  std::vector<TrainingPhoto> photos;
};

// Checks shapes and finite values; throws std::invalid_argument with the
// reason.  A head that passes can be run without bounds surprises.
void check_head(const ClassifierHead& head);

// A SHA-256 over the head's numbers, stored beside them in the target file so
// that a damaged or hand-edited head is refused rather than silently scoring
// differently.
std::string head_checksum(const ClassifierHead& head);

}  // namespace tw::targets
