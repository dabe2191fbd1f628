// ClassifierMatcher, the scan side of trained targets, with heads whose
// answers are known by construction: a face-backbone head scores the given
// descriptors and reports the best face at or above its threshold; an ONNX
// head scores the whole frame once; a backbone file that is missing or
// changed since training is refused with the target named.
#include <gtest/gtest.h>

#include <fstream>

#include "core/errors.h"
#include "core/hash.h"
#include "scan/classifier_matcher.h"
#include "scan/scan_fixture.h"
#include "scan/scanner.h"
#include "support/clips.h"
#include "train/tiny_backbone.h"

namespace fs = std::filesystem;
using namespace tw;

namespace {

// logit = gain * (unit(x) . direction) + bias, on dims-long features.
targets::ClassifierHead direction_head(const std::vector<float>& direction, float gain,
                                       float bias) {
  targets::ClassifierHead head;
  const int dims = static_cast<int>(direction.size());
  head.feature_mean.assign(dims, 0.f);
  head.feature_scale.assign(dims, 1.f);
  targets::DenseLayer layer{dims, 1, {}, {bias}};
  for (float d : direction) layer.weights.push_back(gain * d);
  head.layers.push_back(layer);
  return head;
}

targets::Target classifier(const std::string& name, targets::ClassifierHead head, float threshold) {
  targets::Target t;
  t.name = name;
  t.kind = targets::TargetKind::classifier;
  t.threshold = threshold;
  t.classifier.backbone.feature_size = head.input_size();
  t.classifier.head = std::move(head);
  return t;
}

Descriptor axis(int i, float value = 1.f) {
  Descriptor d(128, 0.f);
  d[i] = value;
  return d;
}

targets::Target onnx_classifier(const std::string& name, const fs::path& model, float bias) {
  targets::Target t =
      classifier(name, direction_head(std::vector<float>(96, 0.f), 0.f, bias), 0.5f);
  auto& b = t.classifier.backbone;
  b.kind = "onnx";
  b.path = model.string();
  b.sha256 = sha256_file(model);
  b.input_width = b.input_height = 64;
  return t;
}

}  // namespace

TEST(ClassifierScan, FaceHeadReportsTheBestFaceAtOrAboveItsThreshold) {
  // p = sigmoid(10 * cos(x, axis 0) - 5): axis 0 -> 0.993, axis 1 -> 0.007.
  targets::Target t = classifier("clf", direction_head(axis(0), 10.f, -5.f), 0.9f);
  targets::Target face_target;
  face_target.name = "someone";
  face_target.descriptors = {axis(3)};
  scan::ClassifierMatcher matcher(test::test_models(), {face_target, t});
  EXPECT_FALSE(matcher.empty());
  EXPECT_TRUE(matcher.wants_faces());
  cv::Mat frame(240, 320, CV_8UC3, cv::Scalar(40, 80, 120));
  std::vector<Box> boxes = {{10, 10, 40, 40}, {100, 50, 60, 60}, {200, 100, 50, 50}};
  Descriptor near = axis(0, 0.9f);
  near[1] = 0.3f;  // cos 0.95 -> p 0.986
  std::vector<Descriptor> descriptors = {axis(1), near, axis(0, 2.f)};
  auto hits = matcher.match_faces(frame, boxes, descriptors);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].target, "clf");
  EXPECT_NEAR(hits[0].score, 1 / (1 + std::exp(-5.f)), 1e-5);  // the third face, cos 1
  EXPECT_NEAR(hits[0].distance, 1 - hits[0].score, 1e-6);
  EXPECT_EQ(hits[0].box.x, 200.f);
  EXPECT_EQ(hits[0].descriptor, descriptors[2]);
  EXPECT_FALSE(hits[0].crop.empty());
  EXPECT_GT(hits[0].crop.cols, 50);  // the face with a margin
  // Below the threshold: no hit.  No faces: no hit.  No frame classifiers.
  EXPECT_TRUE(matcher.match_faces(frame, {boxes[0]}, {axis(1)}).empty());
  EXPECT_TRUE(matcher.match_faces(frame, {}, {}).empty());
  EXPECT_TRUE(matcher.match_frame(frame).empty());

  scan::ClassifierMatcher none(test::test_models(), {face_target});
  EXPECT_TRUE(none.empty());
  EXPECT_FALSE(none.wants_faces());
}

TEST(ClassifierScan, OnnxHeadScoresTheWholeFrame) {
  fs::path model = test::tiny_backbone(test::fresh_dir("classifier-scan"), 64);
  scan::ClassifierMatcher matcher(test::test_models(), {onnx_classifier("always", model, 5.f),
                                                        onnx_classifier("never", model, -5.f)});
  EXPECT_FALSE(matcher.wants_faces());
  cv::Mat frame(480, 640, CV_8UC3, cv::Scalar(10, 200, 30));
  auto hits = matcher.match_frame(frame);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].target, "always");
  EXPECT_EQ(hits[0].box.width, 640.f);
  EXPECT_EQ(hits[0].box.height, 480.f);
  EXPECT_NEAR(hits[0].score, 1 / (1 + std::exp(-5.f)), 1e-5);

  // Through the Scanner: on screen the whole clip, and no face detection.
  test::ClipSpec spec;
  spec.width = 320;
  spec.height = 240;
  spec.duration = 2;
  fs::path clip = test::make_clip(spec);
  scan::Scanner scanner(test::test_models(), {onnx_classifier("always", model, 5.f)});
  scan::ScanResult r = scanner.scan(clip);
  ASSERT_EQ(r.appearances.size(), 1u);
  EXPECT_LE(r.appearances[0].start, 0.01);
  EXPECT_GE(r.appearances[0].end, 1.9);
  EXPECT_EQ(r.faces, 0);
  EXPECT_GT(r.timings.classify, 0);
}

TEST(ClassifierScan, MissingOrChangedBackboneIsRefusedNamingTheTarget) {
  fs::path dir = test::fresh_dir("classifier-scan-bad");
  fs::path model = test::tiny_backbone(dir, 64);
  targets::Target t = onnx_classifier("flag-clf", model, 1.f);
  fs::path copy = dir / "copy.onnx";
  fs::copy_file(model, copy);
  t.classifier.backbone.path = copy.string();
  EXPECT_NO_THROW(scan::ClassifierMatcher(test::test_models(), {t}));

  { std::ofstream(copy, std::ios::app) << "tampered"; }
  try {
    scan::ClassifierMatcher matcher(test::test_models(), {t});
    FAIL() << "accepted a changed backbone";
  } catch (const InputError& e) {
    EXPECT_EQ(e.input(), "flag-clf");
    EXPECT_NE(std::string(e.what()).find("changed since training"), std::string::npos) << e.what();
  }
  fs::remove(copy);
  try {
    scan::ClassifierMatcher matcher(test::test_models(), {t});
    FAIL() << "accepted a missing backbone";
  } catch (const InputError& e) {
    EXPECT_EQ(e.input(), "flag-clf");
    EXPECT_NE(std::string(e.what()).find("missing"), std::string::npos) << e.what();
  }
}
