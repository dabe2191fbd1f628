// The importer toolkit: tfjs weight reading (dequantization, errors),
// filter layout conversion, folding, and graphs that cv::dnn runs.
#include <gtest/gtest.h>
#include <opencv2/dnn.hpp>

#include <cstring>
#include <fstream>

#include "core/errors.h"
#include "models/onnx_graph.h"
#include "models/tfjs_weights.h"
#include "support/test_support.h"

namespace fs = std::filesystem;
using namespace tw::models;
using tw::test::write_file;

namespace {

std::string float_bytes(const std::vector<float>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
}

// A manifest with one quantized and one float weight in two shards.
fs::path make_small_weights(const fs::path& dir) {
  write_file(dir / "tiny-weights_manifest.json", R"([{
    "paths": ["tiny.bin.1", "tiny.bin.2"],
    "weights": [
      {"name": "q", "shape": [2, 2], "dtype": "float32",
       "quantization": {"dtype": "uint8", "min": -0.5, "scale": 0.1}},
      {"name": "f", "shape": [3], "dtype": "float32"}
    ]}])");
  // The 4 uint8 codes 0, 5, 200, 255, then 3 floats, split across shards.
  std::string bytes = std::string("\x00\x05\xc8\xff", 4) + float_bytes({1.5f, -2.25f, 1e-7f});
  write_file(dir / "tiny.bin.1", bytes.substr(0, 6));
  write_file(dir / "tiny.bin.2", bytes.substr(6));
  return dir / "tiny-weights_manifest.json";
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const tw::InputError& e) {
    return e.what();
  }
  return "(no InputError)";
}

}  // namespace

TEST(TfjsWeights, DequantizesAsMinPlusScaleTimesCodeAcrossShards) {
  const fs::path dir = tw::test::fresh_dir("tfjs-small");
  const TfjsWeights w = TfjsWeights::load(make_small_weights(dir));
  const Tensor& q = w.at("q");
  EXPECT_EQ(q.shape, (std::vector<int64_t>{2, 2}));
  ASSERT_EQ(q.data.size(), 4u);
  EXPECT_EQ(q.data[0], static_cast<float>(-0.5));
  EXPECT_EQ(q.data[1], static_cast<float>(-0.5 + 0.1 * 5));
  EXPECT_EQ(q.data[2], static_cast<float>(-0.5 + 0.1 * 200));
  EXPECT_EQ(q.data[3], static_cast<float>(-0.5 + 0.1 * 255));
  EXPECT_EQ(w.at("f").data, (std::vector<float>{1.5f, -2.25f, 1e-7f}));
  ASSERT_EQ(w.files().size(), 3u);
  EXPECT_EQ(w.files()[2].filename(), "tiny.bin.2");
  EXPECT_EQ(TfjsWeights::input_files(dir / "tiny-weights_manifest.json"), w.files());
}

TEST(TfjsWeights, ErrorsNameTheFileOrWeight) {
  const fs::path dir = tw::test::fresh_dir("tfjs-errors");
  const fs::path manifest = make_small_weights(dir);
  const TfjsWeights w = TfjsWeights::load(manifest);
  EXPECT_NE(error_of([&] { w.at("nope"); }).find("'nope'"), std::string::npos);
  EXPECT_NE(error_of([&] { w.at("f", {4}); }).find("expected [4]"), std::string::npos);

  EXPECT_NE(error_of([&] { TfjsWeights::load(dir / "absent.json"); }).find("absent.json"),
            std::string::npos);

  write_file(dir / "tiny.bin.2", "abc");  // short shard
  const std::string short_error = error_of([&] { TfjsWeights::load(manifest); });
  EXPECT_NE(short_error.find("tiny.bin.2"), std::string::npos) << short_error;
  EXPECT_NE(short_error.find("too short"), std::string::npos) << short_error;

  fs::remove(dir / "tiny.bin.2");
  EXPECT_NE(
      error_of([&] { TfjsWeights::load(manifest); }).find("tiny.bin.2: weights file is missing"),
      std::string::npos);
  EXPECT_NE(error_of([&] { TfjsWeights::input_files(manifest); }).find("tiny.bin.2"),
            std::string::npos);

  write_file(manifest, "[{\"paths\": [");
  EXPECT_NE(error_of([&] { TfjsWeights::load(manifest); }).find("not valid JSON"),
            std::string::npos);
}

TEST(TfjsWeights, ReadsFaceApiRecognitionWeights) {
  const TfjsWeights w = TfjsWeights::load(tw::test::face_api_dir() / "model" /
                                          "face_recognition_model-weights_manifest.json");
  EXPECT_EQ(w.at("conv32_down/conv/filters").shape, (std::vector<int64_t>{7, 7, 3, 32}));
  EXPECT_EQ(w.at("fc").shape, (std::vector<int64_t>{256, 128}));
  // Unquantized float32 filters sit between quantized ones in the same shard.
  EXPECT_EQ(w.at("conv64_down/conv1/conv/filters").shape, (std::vector<int64_t>{3, 3, 32, 64}));
}

TEST(OnnxGraphHelpers, HwioToOihwMovesEveryElement) {
  Tensor hwio{{2, 3, 4, 5}, {}};
  for (int i = 0; i < 120; ++i) hwio.data.push_back(static_cast<float>(i));
  const Tensor oihw = hwio_to_oihw(hwio);
  EXPECT_EQ(oihw.shape, (std::vector<int64_t>{5, 4, 2, 3}));
  for (int h = 0; h < 2; ++h)
    for (int w = 0; w < 3; ++w)
      for (int i = 0; i < 4; ++i)
        for (int o = 0; o < 5; ++o)
          ASSERT_EQ(oihw.data[((o * 4 + i) * 2 + h) * 3 + w],
                    hwio.data[((h * 3 + w) * 4 + i) * 5 + o]);

  Tensor hwcm{{1, 2, 3, 2}, {}};
  for (int i = 0; i < 12; ++i) hwcm.data.push_back(static_cast<float>(i));
  const Tensor dw = depthwise_to_oihw(hwcm);
  EXPECT_EQ(dw.shape, (std::vector<int64_t>{6, 1, 1, 2}));
  // Output channel c*M+m, column w  <-  hwcm[0][w][c][m].
  EXPECT_EQ(dw.data[(1 * 2 + 1) * 2 + 1], hwcm.data[(1 * 3 + 1) * 2 + 1]);
  EXPECT_EQ(dw.data[(2 * 2 + 0) * 2 + 0], hwcm.data[(0 * 3 + 2) * 2 + 0]);
}

TEST(OnnxGraphHelpers, FoldsScaleShiftAndBatchNorm) {
  ConvParams conv{{{2, 1, 1, 2}, {1, 2, 3, 4}}, {0.5f, -1.f}};
  fold_scale_shift(conv, {2.f, -1.f}, {10.f, 0.f});
  EXPECT_EQ(conv.filter.data, (std::vector<float>{2, 4, -3, -4}));
  EXPECT_EQ(conv.bias, (std::vector<float>{11.f, 1.f}));

  ConvParams bn{{{1, 1, 1, 1}, {2.f}}, {}};
  fold_batch_norm(bn, {1.f}, {3.f}, {0.5f}, {4.f}, 1.0);  // scale 4/2 = 2
  EXPECT_FLOAT_EQ(bn.filter.data[0], 4.f);
  EXPECT_FLOAT_EQ(bn.bias[0], 0.5f - 1.f * 2.f);

  EXPECT_EQ(tf_same_pads(512, 512, 3, 3, 2, 2), (std::array<int64_t, 4>{0, 0, 1, 1}));
  EXPECT_EQ(tf_same_pads(7, 7, 3, 3, 1, 1), (std::array<int64_t, 4>{1, 1, 1, 1}));
}

// A small graph with every common layer, run by cv::dnn on a batch of 2,
// against the same arithmetic done by hand.
TEST(OnnxGraphHelpers, BuiltGraphRunsInOpenCvWithBatchTwo) {
  OnnxGraph g("tiny");
  std::string x = g.add_input("input", {-1, 2, 4, 4});
  // 1x1 conv: out0 = in0 + in1 + 1, out1 = 2*in0 - in1.
  ConvParams mix{{{2, 2, 1, 1}, {1, 1, 2, -1}}, {1.f, 0.f}};
  std::string y = g.relu(g.conv(x, mix, {}, "mix"));
  y = g.clip(y, 0.f, 6.f);
  // Shortcut: 2x2 average pool, channels zero-padded from 2 to 3.
  std::string shortcut = g.average_pool(y, {.kernel = {2, 2}, .strides = {2, 2}});
  shortcut = g.pad(shortcut, {0, 0, 0, 0, 0, 1, 0, 0});
  // Branch: 3x3 stride-2 valid conv of ones (depthwise per channel, then
  // summed by a 1x1), padded bottom-right from 1x1 to 2x2.
  ConvParams box{{{2, 1, 3, 3}, std::vector<float>(18, 1.f)}, {}};
  std::string branch = g.conv(y, box, {.strides = {2, 2}, .group = 2}, "box");
  ConvParams to3{{{3, 2, 1, 1}, {1, 0, 0, 1, 1, 1}}, {0.f, 0.f, 0.f}};
  branch = g.pad(g.conv(branch, to3), {0, 0, 0, 0, 0, 0, 1, 1});
  std::string out = g.global_average_pool(g.add(branch, shortcut));
  out = g.gemm(g.flatten(out), Tensor{{3, 2}, {1, 0, 0, 1, 1, 1}}, {0.f, -0.5f}, "head");
  out = g.sigmoid(out, "output");
  g.add_output(out, {-1, 2});
  const fs::path file = tw::test::fresh_dir("tiny-onnx") / "tiny.onnx";
  g.save(file);
  ASSERT_TRUE(fs::exists(file));

  // Reference computation in plain loops.
  const int sizes[] = {2, 2, 4, 4};
  cv::Mat input(4, sizes, CV_32F);
  cv::RNG rng(7);
  rng.fill(input, cv::RNG::UNIFORM, -3.0, 3.0);
  std::vector<std::vector<float>> expected(2);
  for (int n = 0; n < 2; ++n) {
    auto in = [&](int c, int r, int k) { return input.at<float>(cv::Vec4i(n, c, r, k).val); };
    float act[2][4][4];
    for (int r = 0; r < 4; ++r)
      for (int k = 0; k < 4; ++k) {
        act[0][r][k] = std::min(6.f, std::max(0.f, in(0, r, k) + in(1, r, k) + 1.f));
        act[1][r][k] = std::min(6.f, std::max(0.f, 2.f * in(0, r, k) - in(1, r, k)));
      }
    float sum_feature[3] = {0, 0, 0};  // sum over the 2x2 output of branch + shortcut
    float box_sum[2] = {0, 0};
    for (int c = 0; c < 2; ++c)
      for (int r = 0; r < 3; ++r)
        for (int k = 0; k < 3; ++k) box_sum[c] += act[c][r][k];
    const float branch_values[3] = {box_sum[0], box_sum[1], box_sum[0] + box_sum[1]};
    for (int c = 0; c < 3; ++c) {
      sum_feature[c] += branch_values[c];  // only the top-left pixel is non-zero
      if (c < 2)
        for (int r = 0; r < 4; ++r)
          for (int k = 0; k < 4; ++k) sum_feature[c] += act[c][r][k] / 4.f;
    }
    const float avg[3] = {sum_feature[0] / 4, sum_feature[1] / 4, sum_feature[2] / 4};
    const float logits[2] = {avg[0] + avg[2], avg[1] + avg[2] - 0.5f};
    for (float l : logits) expected[n].push_back(1.f / (1.f + std::exp(-l)));
  }

  cv::dnn::Net net = cv::dnn::readNetFromONNX(file.string());
  net.setInput(input);
  const cv::Mat batch = net.forward().clone();
  ASSERT_EQ(batch.size[0], 2);
  ASSERT_EQ(batch.size[1], 2);
  for (int n = 0; n < 2; ++n)
    for (int j = 0; j < 2; ++j)
      EXPECT_NEAR(batch.at<float>(n, j), expected[n][j], 1e-5) << "sample " << n << " output " << j;

  // One sample alone gives the same numbers as inside the batch.
  const int one[] = {1, 2, 4, 4};
  cv::Mat second(4, one, CV_32F, input.ptr<float>(1));
  net.setInput(second);
  const cv::Mat single = net.forward();
  EXPECT_NEAR(single.at<float>(0, 0), batch.at<float>(1, 0), 1e-6);
  EXPECT_NEAR(single.at<float>(0, 1), batch.at<float>(1, 1), 1e-6);
}

TEST(OnnxGraphHelpers, SaveRejectsAnInvalidGraphAndLeavesNoFile) {
  OnnxGraph g("broken");
  const std::string x = g.add_input("input", {-1, 1});
  g.add_output(g.node("NoSuchOperator", {x}), {-1, 1});
  const fs::path file = tw::test::fresh_dir("broken-onnx") / "broken.onnx";
  EXPECT_THROW(g.save(file), std::runtime_error);
  EXPECT_FALSE(fs::exists(file));
}
