// The tutorial's method on real photos: a classifier over the face backbone,
// trained on kphotoalbum photos of Jesper against photos of other people,
// finds Jesper in kphotoalbum's movie.avi (over most of the clip, as the
// face target does) and finds nobody in a generated clip of other people
// from the kphotoalbum and face-api photos.  (Megamind.avi is not used: its
// animated face sits close to Jesper in the embedder's space and a head
// trained on these few photos inherits that; see docs/classifiers.md.)
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "media/video.h"
#include "scan/scan_fixture.h"
#include "scan/scanner.h"
#include "support/clips.h"
#include "train/train.h"
#include "train/train_fixture.h"

namespace fs = std::filesystem;
using namespace tw;

namespace {

void print_validation(const train::TrainReport& r) {
  const auto& v = r.target.classifier.validation;
  std::printf(
      "jesper classifier: %d positive / %d negative photos, %d samples; validation on %d+%d "
      "photos: precision %.3f (%d/%d) recall %.3f (%d/%d), TN %d, threshold %.3f, epochs %d "
      "(kept %d)\n",
      r.data.positives(), r.data.negatives(), r.samples, v.positive_photos, v.negative_photos,
      v.precision, v.true_positives, v.true_positives + v.false_positives, v.recall,
      v.true_positives, v.true_positives + v.false_negatives, v.true_negatives, r.target.threshold,
      r.target.classifier.training.epochs_run, r.target.classifier.training.best_epoch);
}

// Per sampled frame, the best probability any face gets (for the log).
void print_frame_probabilities(const targets::Target& target, const fs::path& video) {
  media::FrameSampler sampler(video, 5);
  media::SampledFrame frame;
  std::vector<float> best;
  while (sampler.next(frame)) {
    float p = 0;
    for (const auto& face : test::shared_analyser().analyse(frame.bgr))
      p = std::max(p, target.classifier.head.probability(face.descriptor));
    best.push_back(p);
  }
  std::printf("  %s:", video.filename().c_str());
  for (float p : best) std::printf(" %.2f", p);
  std::printf("\n");
}

void check_training(const train::TrainReport& r) {
  print_validation(r);
  const auto& c = r.target.classifier;
  EXPECT_EQ(r.target.kind, targets::TargetKind::classifier);
  EXPECT_EQ(c.backbone.kind, "face");
  EXPECT_GE(r.data.positives(), 6);
  EXPECT_TRUE(c.validation.measured);
  EXPECT_GE(c.validation.positive_photos, 1);
  EXPECT_GE(c.validation.negative_photos, 1);
  EXPECT_GT(r.target.threshold, 0.f);
  EXPECT_LT(r.target.threshold, 1.f);
  // Augmented copies of a held-out photo never train the head.
  for (const auto& p : c.photos) EXPECT_TRUE(!p.validation || p.samples >= 1) << p.path;
  for (const auto& w : r.warnings) std::printf("  warning: %s\n", w.c_str());
  // Every usable photo scored once by a head that never saw it.
  const auto& x = c.cross_validation;
  std::printf("4-fold cross-validation: precision %.3f (%d/%d) recall %.3f (%d/%d) TN %d\n",
              x.precision, x.true_positives, x.true_positives + x.false_positives, x.recall,
              x.true_positives, x.true_positives + x.false_negatives, x.true_negatives);
  EXPECT_EQ(c.folds, 4);
  EXPECT_EQ(x.true_positives + x.false_negatives, x.positive_photos);
  EXPECT_GE(x.recall, 0.75);
  EXPECT_GE(x.precision, 0.5);
}

// A classifier target and a face target in one scan pass: both found.
void check_same_pass_as_a_face_target(const targets::Target& classifier) {
  targets::Target face;
  {
    std::vector<fs::path> photos;
    for (const auto& p : test::photos_of_only("Jesper"))
      if (p.angle == 0) photos.push_back(p.file);
    face = test::enroll_from("jesper-face", photos);
  }
  scan::Scanner scanner(test::test_models(), {face, classifier});
  scan::ScanResult r = scanner.scan(test::kphotoalbum_dir() / "movie.avi");
  std::map<std::string, const Appearance*> by_target;
  for (const auto& a : r.appearances) by_target[a.target] = &a;
  ASSERT_EQ(by_target.count("jesper-face"), 1u);
  ASSERT_EQ(by_target.count("jesper-clf"), 1u);
  EXPECT_EQ(r.appearances.size(), 2u);
  // The same face: the boxes of the two best frames overlap when they are
  // the same frame.
  const Appearance& a = *by_target["jesper-clf"];
  const Appearance& b = *by_target["jesper-face"];
  if (std::abs(a.best_time - b.best_time) < 1e-6) {
    EXPECT_GT(iou(a.box, b.box), 0.9f);
  }
  EXPECT_GT(r.timings.classify, 0);
}

void check_finds_jesper_in_movie_avi(const targets::Target& jesper) {
  print_frame_probabilities(jesper, test::kphotoalbum_dir() / "movie.avi");
  scan::Scanner scanner(test::test_models(), {jesper});
  scan::ScanResult r = scanner.scan(test::kphotoalbum_dir() / "movie.avi");
  for (const auto& a : r.appearances)
    std::printf("  %s [%.2f, %.2f] frames %d/%lld best p %.3f\n", a.target.c_str(), a.start, a.end,
                a.frames, static_cast<long long>(r.frames_sampled), a.best_score);
  ASSERT_EQ(r.appearances.size(), 1u);
  const Appearance& a = r.appearances[0];
  EXPECT_EQ(a.target, "jesper-clf");
  EXPECT_LE(a.start, 0.5);
  EXPECT_GE(a.end, r.duration - 0.5);
  EXPECT_GE(a.frames, r.frames_sampled * 7 / 10);
  EXPECT_GE(a.best_score, jesper.threshold);
  EXPECT_NEAR(a.best_distance, 1 - a.best_score, 1e-6);
  EXPECT_GT(a.box.width, 10.f);
}

void check_finds_nobody_in_a_clip_of_others(const targets::Target& jesper) {
  test::ClipSpec spec;
  spec.width = 480;
  spec.height = 640;
  spec.duration = 4;
  spec.segments = {test::Background::pattern("testsrc2")};
  spec.overlays = {
      test::Overlay::image(test::face_crop(test::demo_photo("anne_helene.jpg")), 0.0, 2.0)
          .scaled_to_height(360)
          .moving(40, 60, 80, 200),
      test::Overlay::image(test::face_crop(test::face_api_dir() / "demo/sample2.jpg"), 2.0, 4.0)
          .scaled_to_height(360)
          .at(60, 120)};
  fs::path clip = test::make_clip(spec);
  print_frame_probabilities(jesper, clip);
  scan::Scanner scanner(test::test_models(), {jesper});
  scan::ScanResult r = scanner.scan(clip);
  EXPECT_GT(r.faces, 10);
  for (const auto& a : r.appearances)
    ADD_FAILURE() << "false match [" << a.start << ", " << a.end << "] p " << a.best_score;
}

}  // namespace

// One test: training takes ~20 s, and ctest runs every test in its own
// process, so the checks share one trained target.
TEST(JesperClassifier, TrainedOnPhotosFindsJesperInMovieAviAndNobodyElse) {
  test::TrainingFolders folders = test::jesper_training_folders();
  train::TrainOptions options;
  options.folds = 4;
  auto models = test::test_models();
  train::TrainReport report =
      train::train_target("jesper-clf", {folders.positives}, {folders.negatives}, options, &models);
  {
    SCOPED_TRACE("training");
    check_training(report);
  }
  {
    SCOPED_TRACE("movie.avi");
    check_finds_jesper_in_movie_avi(report.target);
  }
  {
    SCOPED_TRACE("other people");
    check_finds_nobody_in_a_clip_of_others(report.target);
  }
  {
    SCOPED_TRACE("same pass as a face target");
    check_same_pass_as_a_face_target(report.target);
  }
}
