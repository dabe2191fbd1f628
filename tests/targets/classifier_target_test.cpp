// The classifier payload of a target file: it round-trips exactly (a
// reloaded target gives every input the same probability), and a damaged
// payload (changed weights, wrong shapes, non-finite numbers, an unknown
// backbone, a threshold outside (0,1)) is refused with a reason.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <random>

#include "core/errors.h"
#include "support/test_support.h"
#include "targets/target.h"
#include "targets/target_store.h"

using namespace tw::targets;
using nlohmann::json;

namespace {

DenseLayer random_layer(int inputs, int outputs, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.f, 0.3f);
  DenseLayer l{inputs, outputs, {}, {}};
  for (int i = 0; i < inputs * outputs; ++i) l.weights.push_back(normal(rng));
  for (int o = 0; o < outputs; ++o) l.bias.push_back(normal(rng));
  return l;
}

Target classifier_target(HeadKind kind, const std::string& backbone) {
  std::mt19937 rng(7);
  Target t;
  t.name = "clf";
  t.kind = TargetKind::classifier;
  t.threshold = 0.62f;
  t.created = "2026-01-02T03:04:05Z";
  const int dims = backbone == "face" ? 128 : 40;
  ClassifierPayload& c = t.classifier;
  c.backbone.kind = backbone;
  c.backbone.feature_size = dims;
  if (backbone == "onnx") {
    c.backbone.path = "/models/net.onnx";
    c.backbone.sha256 = std::string(64, 'b');
    c.backbone.input_width = 64;
    c.backbone.input_height = 48;
  }
  c.head.kind = kind;
  std::uniform_real_distribution<float> uniform(0.5f, 2.f);
  for (int i = 0; i < dims; ++i) {
    c.head.feature_mean.push_back(uniform(rng) - 1.25f);
    c.head.feature_scale.push_back(uniform(rng));
  }
  if (kind == HeadKind::logistic) {
    c.head.layers.push_back(random_layer(dims, 1, rng));
  } else {
    c.head.dropout = 0.3f;
    c.head.layers.push_back(random_layer(dims, 16, rng));
    c.head.layers.push_back(random_layer(16, 1, rng));
  }
  c.validation = {true, 0.9, 0.8, 0.847, 0.21, 8, 1, 2, 30, 2, 3, "best F1"};
  c.training.epochs_run = 40;
  c.training.best_epoch = 20;
  c.photos.push_back({"/p/a.jpg", std::string(64, 'c'), true, false, 5});
  c.photos.push_back({"/p/b.jpg", std::string(64, 'd'), false, true, 1});
  t.references.push_back({"/p/a.jpg", std::string(64, 'c'), {1, 2, 3, 4}});
  return t;
}

std::vector<std::vector<float>> probe_inputs(int dims) {
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0.f, 1.f);
  std::vector<std::vector<float>> out(50, std::vector<float>(dims));
  for (auto& v : out)
    for (float& x : v) x = normal(rng);
  return out;
}

json as_json(const Target& t) {
  return json::parse(to_json_text(t));
}

void expect_refused(const json& doc, const std::string& reason_part) {
  try {
    target_from_json_text(doc.dump(), "damaged.json");
    ADD_FAILURE() << "accepted a damaged payload (expected: " << reason_part << ")";
  } catch (const tw::InputError& e) {
    EXPECT_EQ(e.input(), "damaged.json");
    EXPECT_NE(std::string(e.what()).find(reason_part), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(ClassifierTarget, ReloadedTargetScoresTheSame) {
  for (HeadKind kind : {HeadKind::logistic, HeadKind::mlp})
    for (std::string backbone : {"face", "onnx"}) {
      Target t = classifier_target(kind, backbone);
      TargetStore store(tw::test::fresh_dir("classifier-store"));
      store.save(t, false);
      Target back = store.load("clf");
      EXPECT_EQ(back.kind, TargetKind::classifier);
      EXPECT_EQ(back.classifier.head.kind, kind);
      EXPECT_EQ(back.classifier.backbone.kind, backbone);
      EXPECT_EQ(back.classifier.backbone.path, t.classifier.backbone.path);
      EXPECT_EQ(back.classifier.backbone.input_width, t.classifier.backbone.input_width);
      EXPECT_FLOAT_EQ(back.threshold, 0.62f);
      EXPECT_EQ(back.classifier.validation.true_positives, 8);
      EXPECT_DOUBLE_EQ(back.classifier.validation.precision, 0.9);
      EXPECT_EQ(back.classifier.photos.size(), 2u);
      EXPECT_TRUE(back.classifier.photos[1].validation);
      EXPECT_EQ(head_checksum(back.classifier.head), head_checksum(t.classifier.head));
      int distinct = 0;
      float first = -1;
      for (const auto& x : probe_inputs(t.classifier.head.input_size())) {
        float p = t.classifier.head.probability(x);
        EXPECT_EQ(back.classifier.head.probability(x), p);  // bit for bit
        if (first < 0) first = p;
        distinct += p != first;
      }
      EXPECT_GT(distinct, 10);  // the probe really exercises the head
      // Saving the reloaded target gives the same bytes.
      EXPECT_EQ(to_json_text(back), to_json_text(t));
    }
}

TEST(ClassifierTarget, DamagedPayloadIsRefused) {
  const Target t = classifier_target(HeadKind::mlp, "face");
  json doc = as_json(t);

  json changed = doc;
  changed["classifier"]["head"]["layers"][0]["weights"][5] = 0.123456;
  expect_refused(changed, "checksum");

  json short_weights = doc;
  short_weights["classifier"]["head"]["layers"][0]["weights"].erase(0);
  expect_refused(short_weights, "do not match its shape");

  json chain = doc;
  chain["classifier"]["head"]["layers"][1]["inputs"] = 17;
  expect_refused(chain, "do not chain");

  json zero_scale = doc;
  zero_scale["classifier"]["head"]["feature_scale"][3] = 0;
  expect_refused(zero_scale, "not positive");

  json missing_head = doc;
  missing_head["classifier"].erase("head");
  expect_refused(missing_head, "malformed");

  json no_payload = doc;
  no_payload.erase("classifier");
  expect_refused(no_payload, "malformed");

  json backbone = doc;
  backbone["classifier"]["backbone"]["kind"] = "resnet";
  expect_refused(backbone, "unknown backbone");

  json features = doc;
  features["classifier"]["backbone"]["feature_size"] = 512;
  expect_refused(features, "features");

  json head_kind = doc;
  head_kind["classifier"]["head"]["kind"] = "forest";
  expect_refused(head_kind, "unknown head");

  json threshold = doc;
  threshold["threshold"] = 1.5;
  expect_refused(threshold, "probability");

  // The same document undamaged loads.
  EXPECT_NO_THROW(target_from_json_text(doc.dump(), "fine.json"));
}
