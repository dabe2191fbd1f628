// face-api's face_landmark_68 net as an ONNX graph, following
// src/faceFeatureExtractor/ (four dense blocks of separable convs, 7x7
// average pool) and src/faceProcessor/ (one fully connected layer).
//
// Input "input" [N,3,112,112]: RGB, (x - (122.782,117.001,104.298)) / 255.
// Output "landmarks" [N,136]: x0,y0,x1,y1,... relative to the 112x112 input.
#include <string>

#include "models/importers.h"
#include "models/onnx_graph.h"
#include "models/tfjs_weights.h"

namespace tw::models {
namespace {

constexpr int64_t kInputSize = 112;

class LandmarkBuilder {
 public:
  explicit LandmarkBuilder(const TfjsWeights& weights) : w_(weights), g_("face_landmark_68") {}

  void build(const std::filesystem::path& out) {
    std::string x = g_.add_input("input", {-1, 3, kInputSize, kInputSize});
    int64_t size = kInputSize;
    for (int block = 0; block < 4; ++block) {
      x = dense_block(x, "dense" + std::to_string(block), block == 0, size);
      size = (size + 1) / 2;
    }
    // tf.avgPool(out, [7, 7], [2, 2], 'valid') on the 7x7 map: one value per channel.
    x = g_.average_pool(x, PoolOptions{.kernel = {7, 7}, .strides = {2, 2}});
    x = g_.flatten(x, 1);
    x = g_.gemm(x, w_.at("fc/weights"), w_.at("fc/bias").data, "landmarks");
    g_.add_output(x, {-1, 136});
    g_.save(out);
  }

 private:
  // separableConv2d 'same' + bias: depthwise (no bias), then pointwise + bias.
  std::string separable(const std::string& x, const std::string& prefix, int64_t stride,
                        int64_t in_size) {
    const Tensor& depthwise_filter = w_.at(prefix + "/depthwise_filter");
    ConvParams depthwise{depthwise_to_oihw(depthwise_filter), {}};
    ConvOptions options;
    options.strides = {stride, stride};
    options.pads = tf_same_pads(in_size, in_size, 3, 3, stride, stride);
    options.group = depthwise_filter.dim(2);
    const std::string y = g_.conv(x, depthwise, options);
    ConvParams pointwise{hwio_to_oihw(w_.at(prefix + "/pointwise_filter")),
                         w_.at(prefix + "/bias").data};
    return g_.conv(y, pointwise);
  }

  // denseBlock4 of denseBlock.ts, scaling down by 2.
  std::string dense_block(const std::string& x, const std::string& prefix, bool first,
                          int64_t in_size) {
    std::string out1;
    if (first) {
      ConvParams conv0{hwio_to_oihw(w_.at(prefix + "/conv0/filters")),
                       w_.at(prefix + "/conv0/bias").data};
      ConvOptions options;
      options.strides = {2, 2};
      options.pads = tf_same_pads(in_size, in_size, 3, 3, 2, 2);
      out1 = g_.relu(g_.conv(x, conv0, options));
    } else {
      out1 = g_.relu(separable(x, prefix + "/conv0", 2, in_size));
    }
    const int64_t size = (in_size + 1) / 2;
    const std::string out2 = separable(out1, prefix + "/conv1", 1, size);
    const std::string in3 = g_.relu(g_.add(out1, out2));
    const std::string out3 = separable(in3, prefix + "/conv2", 1, size);
    const std::string in4 = g_.relu(g_.add(out1, g_.add(out2, out3)));
    const std::string out4 = separable(in4, prefix + "/conv3", 1, size);
    return g_.relu(g_.add(out1, g_.add(out2, g_.add(out3, out4))));
  }

  const TfjsWeights& w_;
  OnnxGraph g_;
};

}  // namespace

void import_face_landmark_68(const std::filesystem::path& from_dir,
                             const std::filesystem::path& out) {
  const TfjsWeights weights =
      TfjsWeights::load(from_dir / "face_landmark_68_model-weights_manifest.json");
  LandmarkBuilder(weights).build(out);
}

}  // namespace tw::models
