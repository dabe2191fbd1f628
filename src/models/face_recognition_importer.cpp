// face-api's face_recognition net (a dlib-style ResNet-34 variant) as an ONNX
// graph, following face-api's src/faceRecognitionNet/*.ts layer by layer.
//
// Input "input" [N,3,150,150]: RGB, (x - (122.782, 117.001, 104.298)) / 255
// per channel (vision/face_embedder.cpp prepares it).  Output "descriptor"
// [N,128].  Each tfjs conv + bias + scale layer becomes one Conv with the
// bias and the per-channel scale folded in.
#include <string>

#include "core/errors.h"
#include "models/importers.h"
#include "models/onnx_graph.h"
#include "models/tfjs_weights.h"

namespace tw::models {
namespace {

constexpr int64_t kInputSize = 150;

// A value in the graph with its spatial size and channels, which the
// down-sampling blocks need to line up their two branches.
struct Feature {
  std::string value;
  int64_t size = 0;  // height = width
  int64_t channels = 0;
};

class RecognitionBuilder {
 public:
  explicit RecognitionBuilder(const TfjsWeights& weights) : w_(weights), g_("face_recognition") {}

  void build(const std::filesystem::path& out) {
    Feature x{g_.add_input("input", {-1, 3, kInputSize, kInputSize}), kInputSize, 3};
    x = conv_layer("conv32_down", x, /*down=*/true, /*with_relu=*/true);
    x = {g_.max_pool(x.value, {.kernel = {3, 3}, .strides = {2, 2}}, "pool"), (x.size - 3) / 2 + 1,
         x.channels};
    for (const char* block : {"conv32_1", "conv32_2", "conv32_3"}) x = residual(block, x);
    x = residual_down("conv64_down", x);
    for (const char* block : {"conv64_1", "conv64_2", "conv64_3"}) x = residual(block, x);
    x = residual_down("conv128_down", x);
    for (const char* block : {"conv128_1", "conv128_2"}) x = residual(block, x);
    x = residual_down("conv256_down", x);
    for (const char* block : {"conv256_1", "conv256_2"}) x = residual(block, x);
    x = residual_down("conv256_down_out", x);

    const std::string pooled = g_.flatten(g_.global_average_pool(x.value, "global_avg"), 1);
    const Tensor& fc = w_.at("fc", {x.channels, 128});
    const std::string descriptor = g_.gemm(pooled, fc, {}, "descriptor");
    g_.add_output(descriptor, {-1, 128});
    g_.save(out);
  }

 private:
  // convLayer.ts: conv2d (3x3 'same' stride 1, or 'valid' stride 2 when
  // down-sampling) + bias, then scale (x * weights + biases), then relu.
  Feature conv_layer(const std::string& prefix, const Feature& x, bool down, bool with_relu) {
    const Tensor& filters = w_.at(prefix + "/conv/filters");
    if (filters.shape.size() != 4 || filters.dim(2) != x.channels)
      throw InputError(w_.manifest().string(),
                       "weight '" + prefix + "/conv/filters' does not fit the network");
    const int64_t out_channels = filters.dim(3), kernel = filters.dim(0);
    ConvParams params{hwio_to_oihw(filters), w_.at(prefix + "/conv/bias", {out_channels}).data};
    fold_scale_shift(params, w_.at(prefix + "/scale/weights", {out_channels}).data,
                     w_.at(prefix + "/scale/biases", {out_channels}).data);

    ConvOptions options;
    int64_t size = x.size;
    if (down) {
      options.strides = {2, 2};
      size = (x.size - kernel) / 2 + 1;
    } else {
      const int64_t p = kernel / 2;
      options.pads = {p, p, p, p};
    }
    std::string y = g_.conv(x.value, params, options, prefix);
    if (with_relu) y = g_.relu(y);
    return {y, size, out_channels};
  }

  // residualLayer.ts residual: relu(convNoRelu(conv(x)) + x).
  Feature residual(const std::string& prefix, const Feature& x) {
    Feature y = conv_layer(prefix + "/conv1", x, false, true);
    y = conv_layer(prefix + "/conv2", y, false, false);
    return {g_.relu(g_.add(y.value, x.value)), x.size, x.channels};
  }

  // residualLayer.ts residualDown: the conv branch down-samples with a valid
  // 3x3 stride-2 conv, the shortcut with a 2x2 average pool.  Where the conv
  // branch comes out one row/column short it gets zeros bottom-right; where
  // the shortcut has fewer channels it gets zero channels after its own.
  Feature residual_down(const std::string& prefix, const Feature& x) {
    Feature branch = conv_layer(prefix + "/conv1", x, true, true);
    branch = conv_layer(prefix + "/conv2", branch, false, false);

    Feature shortcut{g_.average_pool(x.value, {.kernel = {2, 2}, .strides = {2, 2}}), x.size / 2,
                     x.channels};
    if (branch.size != shortcut.size) {
      const int64_t missing = shortcut.size - branch.size;
      branch.value = g_.pad(branch.value, {0, 0, 0, 0, 0, 0, missing, missing});
      branch.size = shortcut.size;
    }
    if (shortcut.channels != branch.channels) {
      shortcut.value =
          g_.pad(shortcut.value, {0, 0, 0, 0, 0, branch.channels - shortcut.channels, 0, 0});
      shortcut.channels = branch.channels;
    }
    return {g_.relu(g_.add(branch.value, shortcut.value)), branch.size, branch.channels};
  }

  const TfjsWeights& w_;
  OnnxGraph g_;
};

}  // namespace

void import_face_recognition(const std::filesystem::path& from_dir,
                             const std::filesystem::path& out) {
  const TfjsWeights weights =
      TfjsWeights::load(from_dir / "face_recognition_model-weights_manifest.json");
  RecognitionBuilder(weights).build(out);
}

}  // namespace tw::models
