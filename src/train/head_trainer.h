#pragma once
// Training the head over frozen features: a held-out validation split by
// source photo (stratified, so augmented copies of one photo never straddle
// train and validation), class-weighted cross-entropy, mini-batch Adam with
// L2 on the weights, dropout on the MLP's hidden layer, early stopping on
// the validation loss (the best epoch's weights are kept), and a threshold
// chosen on the validation photos (best F1; see choose_threshold).
//
// Hand-written rather than cv::ml: cv::ml::LogisticRegression has no class
// weights and no validation-based stopping, cv::ml::ANN_MLP no dropout; the
// whole method is a few hundred lines here, deterministic for a seed, and
// runs the same forward pass (targets::ClassifierHead) that scanning uses.
#include <functional>
#include <string>
#include <vector>

#include "targets/classifier.h"
#include "train/features.h"

namespace tw::train {

struct HeadOptions {
  targets::HeadKind kind = targets::HeadKind::logistic;
  int hidden = 32;       // mlp: hidden units
  float dropout = 0.3f;  // mlp: dropout on the hidden layer while training
  int max_epochs = 200;
  int batch_size = 32;
  double learning_rate = 0.01;       // Adam
  double l2 = 1e-2;                  // weight decay on weights (not biases)
  int patience = 20;                 // epochs without a better validation loss before stopping
  double validation_fraction = 0.2;  // of each class's photos; 0: no split
  unsigned seed = 1;
  bool l2_normalize = true;  // scale features to unit length first (see ClassifierHead)
};

// Which photos are held out.  samples_per_photo: photos with no samples (no
// face) are never chosen.  Per class, round(fraction * photos) photos, at
// least 1 and leaving at least 1 to train on.  Throws InputError when a
// class has fewer than 2 usable photos and fraction > 0.
std::vector<bool> choose_validation_photos(const std::vector<bool>& photo_positive,
                                           const std::vector<int>& samples_per_photo,
                                           double fraction, unsigned seed);

// The threshold with the best F1 on (probability, label) pairs.  Candidates
// are the midpoints between consecutive distinct probabilities; among equal
// best F1s the middle candidate is taken, i.e. the widest margin on both
// sides rather than a threshold hugging one example.
float choose_threshold(const std::vector<float>& probabilities, const std::vector<bool>& labels);

// Counts and precision/recall/F1 at a threshold (probability >= threshold is
// a positive).  Precision is 0 when nothing is predicted positive.
targets::ValidationFigures measure(const std::vector<float>& probabilities,
                                   const std::vector<bool>& labels, float threshold);

struct EpochReport {
  int epoch = 0;
  int max_epochs = 0;
  double train_loss = 0;
  double validation_loss = 0;  // 0 without a split
};
using EpochProgress = std::function<void(const EpochReport&)>;

struct TrainedHead {
  targets::ClassifierHead head;
  float threshold = 0.5f;
  targets::ValidationFigures validation;
  targets::TrainingSummary summary;
};

// validation_photo[i]: photo i is held out (its un-augmented samples are
// the validation set; its augmented copies are not used at all).  Throws
// InputError when the training part lacks either class.
TrainedHead train_head(const std::vector<Sample>& samples,
                       const std::vector<bool>& validation_photo, const HeadOptions& options,
                       const EpochProgress& progress = {});

// K-fold cross-validation by photo, a steadier estimate than one small
// held-out split: photos are dealt into `folds` groups per class (shuffled
// by the seed); each group is scored by a head trained on the others (with
// its own inner validation split for early stopping and its threshold), on
// the group's un-augmented samples, and the counts of all groups are
// pooled.  Throws InputError("--folds", reason) when a class has fewer
// usable photos than folds + 1.
targets::ValidationFigures cross_validate(const std::vector<Sample>& samples,
                                          const std::vector<bool>& photo_positive,
                                          const std::vector<int>& samples_per_photo, int folds,
                                          const HeadOptions& options);

}  // namespace tw::train
