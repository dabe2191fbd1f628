// XNNPACK's run of a conv net against cv::dnn's run of the same ONNX file:
// the installed face detector at the sizes the scanner feeds it, and a small
// net with the forms the SSD does not use (explicit pads, groups, Relu).
#include <gtest/gtest.h>
#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <cstdio>
#include <random>
#include <tuple>

#include "core/errors.h"
#include "face_models.h"
#include "models/conv_net.h"
#include "models/onnx_graph.h"
#include "support/test_support.h"
#include "vision/conv_runtime.h"

namespace tw {
namespace {

namespace fs = std::filesystem;

// cv::dnn's outputs for an NHWC float image, flattened in NHWC row order
// (the nets here end in transposes to NHWC, so the orders agree).
std::vector<std::vector<float>> opencv_outputs(cv::dnn::Net& net, const cv::Mat& nhwc,
                                               const std::vector<std::string>& names) {
  std::vector<cv::Mat> planes;
  cv::split(nhwc, planes);
  const int channels = nhwc.channels();
  cv::Mat blob(std::vector<int>{1, channels, nhwc.rows, nhwc.cols}, CV_32F);
  for (int c = 0; c < channels; ++c)
    planes[c].copyTo(cv::Mat(nhwc.rows, nhwc.cols, CV_32F, blob.ptr<float>(0, c)));
  net.setInput(blob);
  std::vector<cv::Mat> outs;
  net.forward(outs, std::vector<cv::String>(names.begin(), names.end()));
  std::vector<std::vector<float>> flat;
  for (const cv::Mat& m : outs) flat.emplace_back(m.ptr<float>(), m.ptr<float>() + m.total());
  return flat;
}

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  float worst = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    worst = std::max(worst, std::abs(a[i] - b[i]));
  return worst;
}

TEST(ConvRuntime, RunsTheFaceDetectorAsOpenCvDoesAtTheScannersInputSizes) {
  const auto& models = test::test_models();
  vision::ConvRuntime runtime(models.load_conv_net(models::kFaceDetector));
  cv::dnn::Net reference = models.load_net(models::kFaceDetector);
  const cv::Mat photo = cv::imread(test::face_api_sample(2).string());
  ASSERT_FALSE(photo.empty());
  // The reference square, the proposal input of a 720x1280 frame, a
  // confirmation window; the last run again after others (buffers reused).
  for (const cv::Size size :
       {cv::Size(512, 512), cv::Size(192, 320), cv::Size(160, 224), cv::Size(512, 512)}) {
    cv::Mat resized, pixels;
    cv::resize(photo, resized, size, 0, 0, cv::INTER_AREA);
    cv::cvtColor(resized, resized, cv::COLOR_BGR2RGB);
    resized.convertTo(pixels, CV_32FC3, 1.0 / 127.5, -1.0);
    const auto expected = opencv_outputs(reference, pixels, {"box_encodings", "class_logits"});
    const auto& got = runtime.run(pixels.ptr<float>(), 1, size.height, size.width);
    ASSERT_EQ(got.size(), 2u);
    const float boxes = max_abs_diff(got[0], expected[0]);
    const float logits = max_abs_diff(got[1], expected[1]);
    std::printf("[xnnpack] %dx%d: max abs diff %.3g (box encodings), %.3g (logits)\n", size.width,
                size.height, boxes, logits);
    EXPECT_LT(boxes, 5e-4f) << size;
    EXPECT_LT(logits, 5e-4f) << size;
    // Not all zeros: the photo has faces, so some anchor scores high.
    EXPECT_GT(*std::max_element(got[1].begin(), got[1].end()), 2.f) << size;
  }
}

using test::blazeface_onnx;

// MediaPipe's BlazeFace as converted to ONNX for Unity (an NHWC input
// transposed, channel padding as Concat with ConstantOfShape zeros, outputs
// reshaped to fixed row counts), at the input size the file declares (its
// zeros are shaped for it, so cv::dnn runs no other).
TEST(ConvRuntime, RunsBlazeFaceAsOpenCvDoes) {
  const cv::Mat photo = cv::imread(test::face_api_sample(3).string());
  ASSERT_FALSE(photo.empty());
  for (const auto& [stem, size] : {std::pair{"face_detection_back_256x256", 256},
                                   std::pair{"face_detection_front_128x128", 128}}) {
    const fs::path file = blazeface_onnx(stem);
    const models::ConvNet net = models::read_conv_net(file);
    EXPECT_EQ(net.input_channels, 3);
    EXPECT_EQ(net.input_rows, size);
    EXPECT_EQ(net.input_cols, size);
    vision::ConvRuntime runtime(net);
    cv::dnn::Net reference = cv::dnn::readNetFromONNX(file.string());
    cv::Mat resized, pixels;
    cv::resize(photo, resized, cv::Size(size, size), 0, 0, cv::INTER_AREA);
    cv::cvtColor(resized, resized, cv::COLOR_BGR2RGB);
    resized.convertTo(pixels, CV_32FC3, 1.0 / 127.5, -1.0);
    std::vector<std::string> names;
    for (const auto& out : net.outputs) names.push_back(out.name);
    ASSERT_EQ(names.size(), 4u);
    // cv::dnn takes the file's NHWC input as it is.
    const int dims[] = {1, size, size, 3};
    reference.setInput(cv::Mat(4, dims, CV_32F, pixels.ptr<float>()));
    std::vector<cv::Mat> outs;
    reference.forward(outs, std::vector<cv::String>(names.begin(), names.end()));
    const auto& got = runtime.run(pixels.ptr<float>(), 1, size, size);
    ASSERT_EQ(got.size(), 4u);
    float worst = 0, best_score = -1e9f;
    for (size_t i = 0; i < 4; ++i) {
      worst = std::max(worst, max_abs_diff(got[i], {outs[i].ptr<float>(),
                                                    outs[i].ptr<float>() + outs[i].total()}));
      if (net.outputs[i].width == 1)
        best_score = std::max(best_score, *std::max_element(got[i].begin(), got[i].end()));
    }
    std::printf("[xnnpack] %s: max abs diff %.3g over the four outputs\n", stem, worst);
    EXPECT_LT(worst, 1e-3f) << stem;
    EXPECT_GT(best_score, 0.f) << stem << ": the photo's faces score no anchor";
  }
}

// The landmark and recognition nets at their input sizes, two crops at once.
TEST(ConvRuntime, RunsTheLandmarkAndRecognitionNetsAsOpenCvDoesInABatch) {
  const auto& models = test::test_models();
  const cv::Mat photo = cv::imread(test::face_api_sample(1).string());
  ASSERT_FALSE(photo.empty());
  for (const auto& [name, size, output] :
       {std::tuple{models::kFaceLandmarks, 112, "landmarks"},
        std::tuple{models::kFaceRecognition, 150, "descriptor"}}) {
    vision::ConvRuntime runtime(models.load_conv_net(name));
    cv::dnn::Net reference = models.load_net(name);
    // Two different crops of the photo, side by side in one NHWC batch.
    std::vector<float> batch;
    std::vector<std::vector<float>> expected;
    for (const cv::Rect crop :
         {cv::Rect(0, 0, photo.cols / 2, photo.rows / 2),
          cv::Rect(photo.cols / 3, photo.rows / 4, photo.cols / 3, photo.rows / 2)}) {
      cv::Mat resized, pixels;
      cv::resize(photo(crop), resized, cv::Size(size, size), 0, 0, cv::INTER_AREA);
      resized.convertTo(pixels, CV_32FC3, 1.0 / 255, -0.45);
      batch.insert(batch.end(), pixels.ptr<float>(), pixels.ptr<float>() + pixels.total() * 3);
      expected.push_back(opencv_outputs(reference, pixels, {output}).at(0));
    }
    const auto& got = runtime.run(batch.data(), 2, size, size);
    ASSERT_EQ(got.size(), 1u) << name;
    ASSERT_EQ(got[0].size(), expected[0].size() * 2) << name;
    const size_t half = expected[0].size();
    const float first = max_abs_diff({got[0].begin(), got[0].begin() + half}, expected[0]);
    const float second = max_abs_diff({got[0].begin() + half, got[0].end()}, expected[1]);
    std::printf("[xnnpack] %s: max abs diff %.3g, %.3g\n", name, first, second);
    EXPECT_LT(std::max(first, second), 1e-4f) << name;
    // The two crops differ, so a batch mix-up would show.
    EXPECT_GT(max_abs_diff(expected[0], expected[1]), 0.01f) << name;
  }
}

models::Tensor random_tensor(std::vector<int64_t> shape, std::mt19937& rng, float scale) {
  models::Tensor t{std::move(shape), {}};
  std::normal_distribution<float> normal(0.f, scale);
  t.data.resize(static_cast<size_t>(t.element_count()));
  for (float& v : t.data) v = normal(rng);
  return t;
}

TEST(ConvRuntime, RunsExplicitPadsGroupsReluAndClipAsOpenCvDoes) {
  std::mt19937 rng(7);
  models::OnnxGraph g("small");
  std::string x = g.add_input("input", {-1, 4, 17, 23});
  // 3x3 stride 2 with uneven explicit pads, then Relu.
  x = g.relu(g.conv(x, {random_tensor({8, 4, 3, 3}, rng, 0.3f), std::vector<float>(8, 0.1f)},
                    {.strides = {2, 2}, .pads = {1, 0, 1, 2}}));
  // Grouped (2 groups of 4), no bias, then Clip.
  x = g.clip(
      g.conv(x, {random_tensor({8, 4, 3, 3}, rng, 0.3f), {}}, {.pads = {1, 1, 1, 1}, .group = 2}),
      -0.5f, 0.75f);
  // Depthwise 5x5.
  const std::string features =
      g.conv(x, {random_tensor({8, 1, 5, 5}, rng, 0.2f), std::vector<float>(8, -0.05f)},
             {.pads = {2, 2, 2, 2}, .group = 8});
  // Two heads read as rows, joined.
  std::vector<std::string> heads;
  for (int i = 0; i < 2; ++i) {
    const std::string y =
        g.conv(features, {random_tensor({6, 8, 1, 1}, rng, 0.5f), std::vector<float>(6, 0.2f)});
    heads.push_back(g.reshape(g.transpose(y, {0, 2, 3, 1}), {0, -1, 3}));
  }
  g.add_output(g.concat(heads, 1, "rows"), {-1, -1, 3});
  const fs::path file = test::fresh_dir("conv_runtime") / "small.onnx";
  g.save(file);

  vision::ConvRuntime runtime(models::read_conv_net(file));
  cv::dnn::Net reference = cv::dnn::readNetFromONNX(file.string());
  cv::Mat input(17, 23, CV_32FC4);
  cv::randn(input, 0, 1);
  const auto expected = opencv_outputs(reference, input, {"rows"});
  const auto& got = runtime.run(input.ptr<float>(), 1, 17, 23);
  ASSERT_EQ(got.size(), 1u);
  // 9 x 12 pixels after the stride-2 conv, 6 values per pixel per head.
  EXPECT_EQ(got[0].size(), 2u * 9 * 12 * 6);
  EXPECT_LT(max_abs_diff(got[0], expected[0]), 1e-4f);
}

// The forms tf2onnx leaves (BlazeFace's file has them all): an NHWC input
// transposed to NCHW, channel padding as Concat with ConstantOfShape zeros
// (before and after the value), rows reshaped to a fixed [1, rows, width].
models::OnnxGraph tensorflow_forms(float zeros_value) {
  std::mt19937 rng(11);
  models::OnnxGraph g("tf_forms");
  std::string x = g.transpose(g.add_input("input", {1, 8, 12, 3}), {0, 3, 1, 2});
  x = g.relu(g.conv(x, {random_tensor({4, 3, 3, 3}, rng, 0.4f), std::vector<float>(4, 0.1f)},
                    {.pads = {1, 1, 1, 1}}));
  auto zeros = [&](int64_t channels) {
    const std::string shape = g.add_int64_initializer("shape", {1, channels, 8, 12});
    return g.node("ConstantOfShape", {shape}, [&](onnx::NodeProto& node) {
      auto* value = node.add_attribute();
      value->set_name("value");
      value->set_type(onnx::AttributeProto::TENSOR);
      value->mutable_t()->set_data_type(onnx::TensorProto::FLOAT);
      value->mutable_t()->add_dims(1);
      value->mutable_t()->add_float_data(zeros_value);
    });
  };
  const std::string padded = g.concat({x, zeros(2)}, 1);        // 6 channels, zeros after
  const std::string widened = g.concat({zeros(3), padded}, 1);  // 9 channels, zeros before
  const std::string y = g.conv(widened, {random_tensor({9, 9, 1, 1}, rng, 0.4f), {}});
  const std::string sum = g.relu(g.add(y, widened));
  const std::string head = g.conv(sum, {random_tensor({9, 9, 1, 1}, rng, 0.4f), {}});
  g.add_output(g.reshape(g.transpose(head, {0, 2, 3, 1}), {1, 96, 9}, "rows"), {1, 96, 9});
  return g;
}

TEST(ConvRuntime, RunsTensorFlowFormsAsOpenCvDoes) {
  const fs::path file = test::fresh_dir("conv_runtime") / "tf_forms.onnx";
  tensorflow_forms(0.f).save(file);
  const models::ConvNet net = models::read_conv_net(file);
  EXPECT_EQ(net.input_channels, 3);
  EXPECT_EQ(net.input_rows, 8);
  EXPECT_EQ(net.input_cols, 12);
  vision::ConvRuntime runtime(net);
  cv::dnn::Net reference = cv::dnn::readNetFromONNX(file.string());
  cv::Mat input(8, 12, CV_32FC3);
  cv::randn(input, 0, 1);
  const int dims[] = {1, 8, 12, 3};
  reference.setInput(cv::Mat(4, dims, CV_32F, input.ptr<float>()));
  const cv::Mat expected = reference.forward("rows");
  const auto& got = runtime.run(input.ptr<float>(), 1, 8, 12);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_LT(max_abs_diff(got[0], {expected.ptr<float>(), expected.ptr<float>() + expected.total()}),
            1e-4f);
  // Not all zeros.
  EXPECT_GT(*std::max_element(got[0].begin(), got[0].end()), 0.1f);
}

TEST(ConvRuntime, PaddingWithAnythingButZerosIsRefused) {
  const fs::path file = test::fresh_dir("conv_runtime") / "tf_ones.onnx";
  tensorflow_forms(1.f).save(file);
  try {
    models::read_conv_net(file);
    FAIL() << "ConstantOfShape of ones was read as zero padding";
  } catch (const InputError& e) {
    EXPECT_NE(e.reason().find("is not zeros"), std::string::npos) << e.what();
  }
}

TEST(ConvRuntime, ANetWithOtherNodesIsRefusedNamingTheFileAndTheNode) {
  models::OnnxGraph g("with_sigmoid");
  std::mt19937 rng(3);
  std::string x = g.add_input("input", {-1, 3, 8, 8});
  x = g.sigmoid(g.conv(x, {random_tensor({2, 3, 1, 1}, rng, 1.f), {}}));
  g.add_output(x, {-1, 2, 8, 8});
  const fs::path dir = test::fresh_dir("conv_runtime");
  g.save(dir / "sigmoid.onnx");
  try {
    models::read_conv_net(dir / "sigmoid.onnx");
    FAIL() << "a Sigmoid node was accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(e.input(), (dir / "sigmoid.onnx").string());
    EXPECT_NE(e.reason().find("Sigmoid"), std::string::npos) << e.what();
  }
  test::write_file(dir / "text.onnx", "not a model\n");
  EXPECT_THROW(models::read_conv_net(dir / "text.onnx"), InputError);
  EXPECT_THROW(models::read_conv_net(dir / "missing.onnx"), InputError);
}

}  // namespace
}  // namespace tw
