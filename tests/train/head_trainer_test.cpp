// The training method without images: the validation split by photo, the
// threshold rule, early stopping, and heads that learn a synthetic problem
// (two clouds of feature vectors, several vectors per "photo").  Plus the
// augmentation: repeatable for a seed, and its transform follows a box.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include <random>
#include <set>

#include "core/errors.h"
#include "train/augment.h"
#include "train/head_trainer.h"

using namespace tw;
using namespace tw::train;

namespace {

// photos_per_class photos per class, samples_per_photo vectors each (the
// first un-augmented).  Positives centre on +shift in the first dimensions.
std::vector<Sample> clouds(int photos_per_class, int samples_per_photo, float shift, unsigned seed,
                           std::vector<bool>& photo_positive) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.f, 1.f);
  std::vector<Sample> out;
  photo_positive.clear();
  for (int p = 0; p < 2 * photos_per_class; ++p) {
    bool positive = p < photos_per_class;
    photo_positive.push_back(positive);
    std::vector<float> centre(16);
    for (int i = 0; i < 16; ++i) centre[i] = normal(rng) * 0.5f + (positive && i < 4 ? shift : 0);
    for (int k = 0; k < samples_per_photo; ++k) {
      Sample s{centre, p, positive, k > 0};
      for (float& v : s.features) v += normal(rng) * 0.3f;
      out.push_back(s);
    }
  }
  return out;
}

}  // namespace

TEST(ValidationSplit, StratifiedByPhotoAndRepeatable) {
  std::vector<bool> positive = {true,  true,  true,  true,  true,  false, false, false,
                                false, false, false, false, false, false, false};
  std::vector<int> samples(positive.size(), 3);
  samples[1] = 0;  // a photo without samples (no face) is never held out
  auto held = choose_validation_photos(positive, samples, 0.2, 9);
  int pos = 0, neg = 0;
  for (std::size_t i = 0; i < held.size(); ++i)
    if (held[i]) (positive[i] ? pos : neg)++;
  EXPECT_EQ(pos, 1);  // round(0.2 * 4 usable)
  EXPECT_EQ(neg, 2);  // round(0.2 * 10)
  EXPECT_FALSE(held[1]);
  EXPECT_EQ(held, choose_validation_photos(positive, samples, 0.2, 9));
  EXPECT_NE(held, choose_validation_photos(positive, samples, 0.2, 10));
  EXPECT_EQ(choose_validation_photos(positive, samples, 0, 9), std::vector<bool>(15, false));
  try {
    choose_validation_photos({true, false, false}, {1, 1, 1}, 0.2, 1);
    FAIL() << "split one positive photo";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("at least 2 positive"), std::string::npos) << e.what();
  }
}

TEST(Threshold, MiddleOfTheBestRange) {
  EXPECT_FLOAT_EQ(choose_threshold({0.1f, 0.2f, 0.8f, 0.9f}, {false, false, true, true}), 0.5f);
  // Overlap: 0.55 between the 0.5 negative and the 0.6 positive gives
  // F1 = 0.8 (2 of 3 positives, no false positive) and so does 0.45... the
  // best here is catching all positives with one false one: 0.4 -> F1 6/7.
  float t = choose_threshold({0.1f, 0.5f, 0.3f, 0.6f, 0.9f}, {false, false, true, true, true});
  auto at = measure({0.1f, 0.5f, 0.3f, 0.6f, 0.9f}, {false, false, true, true, true}, t);
  EXPECT_EQ(at.true_positives, 3);
  EXPECT_EQ(at.false_positives, 1);
  EXPECT_NEAR(at.f1, 6.0 / 7, 1e-9);
  auto counts = measure({0.2f, 0.7f, 0.9f}, {false, true, false}, 0.5f);
  EXPECT_EQ(counts.true_positives, 1);
  EXPECT_EQ(counts.false_positives, 1);
  EXPECT_EQ(counts.true_negatives, 1);
  EXPECT_DOUBLE_EQ(counts.precision, 0.5);
  EXPECT_DOUBLE_EQ(counts.recall, 1.0);
}

TEST(HeadTrainer, LogisticAndMlpLearnSeparableClouds) {
  for (targets::HeadKind kind : {targets::HeadKind::logistic, targets::HeadKind::mlp}) {
    std::vector<bool> photo_positive;
    auto samples = clouds(10, 5, 1.5f, 3, photo_positive);
    std::vector<int> per_photo(photo_positive.size(), 5);
    HeadOptions options;
    options.kind = kind;
    options.validation_fraction = 0.3;
    auto held = choose_validation_photos(photo_positive, per_photo, 0.3, 1);
    TrainedHead trained = train_head(samples, held, options);
    const auto& v = trained.validation;
    std::printf("%s: precision %.3f recall %.3f TP %d FP %d FN %d TN %d, epochs %d kept %d\n",
                targets::to_string(kind).c_str(), v.precision, v.recall, v.true_positives,
                v.false_positives, v.false_negatives, v.true_negatives, trained.summary.epochs_run,
                trained.summary.best_epoch);
    EXPECT_TRUE(v.measured);
    // 3 + 3 held-out photos, one un-augmented sample each.
    EXPECT_EQ(v.true_positives + v.false_negatives, 3);
    EXPECT_EQ(v.false_positives + v.true_negatives, 3);
    EXPECT_GE(v.precision, 0.99);
    EXPECT_GE(v.recall, 0.99);
    EXPECT_EQ(trained.head.kind, kind);
    EXPECT_EQ(trained.head.layers.size(), kind == targets::HeadKind::mlp ? 2u : 1u);
    // Every training sample on its side of the threshold.
    int wrong = 0;
    for (const auto& s : samples)
      if (!held[s.photo])
        wrong += (trained.head.probability(s.features) >= trained.threshold) != s.positive;
    EXPECT_LE(wrong, 2);
    // The same seed gives the same head.
    TrainedHead again = train_head(samples, held, options);
    EXPECT_EQ(targets::head_checksum(again.head), targets::head_checksum(trained.head));
  }
}

TEST(HeadTrainer, EarlyStoppingKeepsTheBestEpoch) {
  std::vector<bool> photo_positive;
  // No signal at all: the training loss keeps falling (memorising) while the
  // validation loss turns.
  auto samples = clouds(8, 6, 0.f, 5, photo_positive);
  std::vector<int> per_photo(photo_positive.size(), 6);
  auto held = choose_validation_photos(photo_positive, per_photo, 0.25, 2);
  HeadOptions options;
  options.kind = targets::HeadKind::mlp;
  options.hidden = 64;
  options.dropout = 0;
  options.l2 = 0;
  options.max_epochs = 3000;
  options.patience = 15;
  std::vector<double> validation_losses;
  TrainedHead trained = train_head(samples, held, options, [&](const EpochReport& e) {
    validation_losses.push_back(e.validation_loss);
  });
  EXPECT_LT(trained.summary.epochs_run, options.max_epochs);
  EXPECT_EQ(trained.summary.epochs_run, trained.summary.best_epoch + options.patience);
  ASSERT_EQ(static_cast<int>(validation_losses.size()), trained.summary.epochs_run);
  double best = *std::min_element(validation_losses.begin(), validation_losses.end());
  EXPECT_DOUBLE_EQ(validation_losses[trained.summary.best_epoch - 1], best);
  EXPECT_DOUBLE_EQ(trained.validation.loss, best);
}

TEST(HeadTrainer, RefusesATrainingPartWithOneClass) {
  std::vector<bool> photo_positive;
  auto samples = clouds(3, 2, 1.f, 1, photo_positive);
  for (auto& s : samples) s.positive = true;
  EXPECT_THROW(train_head(samples, std::vector<bool>(6, false), {}), InputError);
}

TEST(Augment, RepeatableForASeedAndItsTransformFollowsABox) {
  cv::Mat image(240, 320, CV_8UC3, cv::Scalar(0, 0, 0));
  Box square{200, 60, 50, 40};
  cv::rectangle(image, cv::Rect(200, 60, 50, 40), cv::Scalar(255, 255, 255), cv::FILLED);
  const cv::Mat original = image.clone();
  AugmentOptions geometry_only;
  geometry_only.colour = 0;
  geometry_only.blur_chance = 0;
  geometry_only.jpeg_chance = 0;
  geometry_only.min_crop_area = 0.9;  // keeps the square in the crop
  std::mt19937 a(42), b(42);
  int flipped = 0;
  for (int k = 0; k < 12; ++k) {
    Augmented x = augment(image, a, geometry_only);
    Augmented y = augment(image, b, geometry_only);
    ASSERT_EQ(cv::norm(x.image, y.image, cv::NORM_INF), 0);
    flipped += x.transform(0, 0) < 0;
    cv::Mat grey, mask;
    cv::cvtColor(x.image, grey, cv::COLOR_BGR2GRAY);
    cv::threshold(grey, mask, 127, 255, cv::THRESH_BINARY);
    cv::Rect found = cv::boundingRect(mask);
    Box expected = transform_box(square, x.transform);
    if (expected.x < 0 || expected.right() > x.image.cols) continue;  // cropped off
    EXPECT_NEAR(found.x, expected.x, 2.0) << k;
    EXPECT_NEAR(found.y, expected.y, 2.0) << k;
    EXPECT_NEAR(found.width, expected.width, 2.5) << k;
    EXPECT_NEAR(found.height, expected.height, 2.5) << k;
  }
  EXPECT_EQ(cv::norm(image, original, cv::NORM_INF), 0);  // the source is left alone
  EXPECT_GT(flipped, 0);
  EXPECT_LT(flipped, 12);
  // With every effect on, the copies differ from each other.
  std::mt19937 rng(1);
  AugmentOptions all;
  cv::Mat first = augment(image, rng, all).image, second = augment(image, rng, all).image;
  EXPECT_TRUE(first.size() != second.size() || cv::norm(first, second, cv::NORM_L1) > 0);
}

TEST(CrossValidation, EveryPhotoScoredOnceByAHeadThatNeverSawIt) {
  std::vector<bool> photo_positive;
  auto samples = clouds(10, 4, 3.f, 8, photo_positive);
  std::vector<int> per_photo(photo_positive.size(), 4);
  HeadOptions options;
  // Clouds centred at the origin: unit length would throw away the class
  // information (the negatives' directions are random), so raw features.
  options.l2_normalize = false;
  targets::ValidationFigures cv = cross_validate(samples, photo_positive, per_photo, 4, options);
  EXPECT_TRUE(cv.measured);
  // One un-augmented sample per photo, each scored exactly once.
  EXPECT_EQ(cv.true_positives + cv.false_negatives, 10);
  EXPECT_EQ(cv.false_positives + cv.true_negatives, 10);
  EXPECT_EQ(cv.positive_photos, 10);
  EXPECT_GE(cv.precision, 0.9);
  EXPECT_GE(cv.recall, 0.9);
  // No signal: the pooled figures say so (a head cannot beat chance much).
  auto noise = clouds(10, 4, 0.f, 8, photo_positive);
  targets::ValidationFigures chance = cross_validate(noise, photo_positive, per_photo, 4, options);
  EXPECT_LT(chance.f1, 0.9);
  EXPECT_THROW(cross_validate(samples, photo_positive, per_photo, 10, options), InputError);
}
