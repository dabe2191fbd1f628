// face-api's ssd_mobilenetv1 (a TF object-detection SSD on MobileNetV1) as an
// ONNX graph, following face-api's src/ssdMobilenetv1/*.ts layer by layer.
//
// Input "input" [N,3,S,S]: RGB scaled to [-1,1] (x/127.5 - 1), S = 512 as
// face-api uses it; any S works because every conv pads TF-"SAME" style
// (auto_pad SAME_UPPER) instead of with pads fixed for one size.
// Outputs "box_encodings" [N,A,4] (ty,tx,th,tw per anchor) and "class_logits"
// [N,A,3]; A = 5118 at S = 512.  The anchors and the box decoding live in
// vision/face_detector.cpp.
#include <string>

#include "models/importers.h"
#include "models/onnx_graph.h"
#include "models/tfjs_weights.h"

namespace tw::models {
namespace {

// tf.batchNorm's epsilon in face-api's mobileNetV1.ts.
constexpr double kBatchNormEpsilon = 0.0010000000474974513;

std::vector<float> values(const Tensor& t) {
  return t.data;
}

class SsdBuilder {
 public:
  explicit SsdBuilder(const TfjsWeights& weights) : w_(weights), g_("ssd_mobilenetv1") {}

  void build(const std::filesystem::path& out) {
    std::string x = g_.add_input("input", {-1, 3, 512, 512});

    // MobileNetV1 body (mobileNetV1.ts).
    x = pointwise("MobilenetV1/Conv2d_0_pointwise", x, 2);
    std::string conv11;
    for (int i = 1; i <= 13; ++i) {
      const bool down = i == 2 || i == 4 || i == 6 || i == 12;
      x = depthwise(i, x, down ? 2 : 1);
      x = pointwise("MobilenetV1/Conv2d_" + std::to_string(i) + "_pointwise", x, 1);
      if (i == 11) conv11 = x;
    }

    // Extra feature layers (predictionLayer.ts).
    std::string conv[8];
    std::string prev = x;
    for (int i = 0; i < 8; ++i) {
      conv[i] =
          pointwise("Prediction/Conv2d_" + std::to_string(i) + "_pointwise", prev, i % 2 ? 2 : 1);
      prev = conv[i];
    }
    const std::string features[6] = {conv11, x, conv[1], conv[3], conv[5], conv[7]};

    std::vector<std::string> boxes, classes;
    for (int i = 0; i < 6; ++i) {
      const std::string prefix = "Prediction/BoxPredictor_" + std::to_string(i);
      boxes.push_back(head(prefix + "/BoxEncodingPredictor", features[i], 4));
      classes.push_back(head(prefix + "/ClassPredictor", features[i], 3));
    }
    const std::string box_encodings = g_.concat(boxes, 1, "box_encodings");
    const std::string class_logits = g_.concat(classes, 1, "class_logits");
    g_.add_output(box_encodings, {-1, 5118, 4});
    g_.add_output(class_logits, {-1, 5118, 3});
    g_.save(out);
  }

 private:
  // A Conv node with TF "SAME" padding for whatever input size comes.
  std::string same_conv(const std::string& x, const ConvParams& params, int stride, int64_t group) {
    const std::string weight = g_.add_initializer(x + "_w", params.filter);
    Tensor bias_tensor;
    bias_tensor.shape = {static_cast<int64_t>(params.bias.size())};
    bias_tensor.data = params.bias;
    const std::string bias = g_.add_initializer(x + "_b", bias_tensor);
    const int64_t kh = params.filter.dim(2), kw = params.filter.dim(3);
    return g_.node("Conv", {x, weight, bias}, [&](onnx::NodeProto& node) {
      set_attribute(node, "kernel_shape", std::vector<int64_t>{kh, kw});
      set_attribute(node, "strides", std::vector<int64_t>{stride, stride});
      set_attribute(node, "group", group);
      set_attribute(node, "auto_pad", std::string("SAME_UPPER"));
    });
  }

  // conv2d 'same' + batch-norm offset + clip(0, 6) (pointwiseConvLayer.ts).
  std::string pointwise(const std::string& prefix, const std::string& x, int stride) {
    ConvParams params{hwio_to_oihw(w_.at(prefix + "/weights")),
                      values(w_.at(prefix + "/convolution_bn_offset"))};
    return g_.clip(same_conv(x, params, stride, 1), 0.f, 6.f);
  }

  // depthwiseConv2d 'same' + batchNorm + clip(0, 6), the batch norm folded.
  std::string depthwise(int index, const std::string& x, int stride) {
    const std::string prefix = "MobilenetV1/Conv2d_" + std::to_string(index) + "_depthwise";
    const Tensor& filter = w_.at(prefix + "/depthwise_weights");
    ConvParams params{depthwise_to_oihw(filter), {}};
    fold_batch_norm(params, values(w_.at(prefix + "/BatchNorm/moving_mean")),
                    values(w_.at(prefix + "/BatchNorm/moving_variance")),
                    values(w_.at(prefix + "/BatchNorm/beta")),
                    values(w_.at(prefix + "/BatchNorm/gamma")), kBatchNormEpsilon);
    return g_.clip(same_conv(x, params, stride, filter.dim(2)), 0.f, 6.f);
  }

  // A 1x1 conv + bias whose NHWC output is read as [N, H*W*anchors, width]
  // (boxPredictionLayer.ts reshapes tfjs's NHWC; ours is NCHW, so transpose).
  std::string head(const std::string& prefix, const std::string& x, int64_t width) {
    ConvParams params{hwio_to_oihw(w_.at(prefix + "/weights")), values(w_.at(prefix + "/biases"))};
    const std::string y = same_conv(x, params, 1, 1);
    return g_.reshape(g_.transpose(y, {0, 2, 3, 1}), {0, -1, width});
  }

  const TfjsWeights& w_;
  OnnxGraph g_;
};

}  // namespace

void import_ssd_mobilenetv1(const std::filesystem::path& from_dir,
                            const std::filesystem::path& out) {
  const TfjsWeights weights =
      TfjsWeights::load(from_dir / "ssd_mobilenetv1_model-weights_manifest.json");
  SsdBuilder(weights).build(out);
}

}  // namespace tw::models
