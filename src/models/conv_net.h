#pragma once
// A convolutional network read from an ONNX file, in the layout XNNPACK
// runs (vision/conv_runtime.h).  The three face nets are such nets, and
// XNNPACK runs them 1.7-2.7x faster than cv::dnn 4.6 on one thread for the
// same outputs (bench_faces; README "Face models").
//
// Nodes read: Conv (any kernel, stride, group; explicit pads or auto_pad
// SAME_UPPER), Add (same shapes), MaxPool and AveragePool (no pads, floor),
// GlobalAveragePool, constant Pad with zeros, Flatten of a 1x1 map, Gemm
// (transB = 1), and a Relu or Clip after any of them, which becomes that
// layer's output range.  An output is either one layer's value or, as the
// SSD's are, Concat(axis 1) of Reshape([0,-1,width]) of Transpose(perm
// 0,2,3,1) of conv outputs: each conv's NHWC output read as rows of `width`
// values.  Anything else is an InputError naming the file and the node.
//
// Also read, for nets converted from TensorFlow (BlazeFace as tf2onnx and
// Barracuda left it): an NHWC input whose only reader is Transpose(perm
// 0,3,1,2) (the runtime's input is NHWC anyway); channel padding written as
// Concat(axis 1) of a value and ConstantOfShape zeros (a pad layer: only
// the zeros' channel count is kept, so other input sizes still run); and
// Reshape to [1, rows, width] (rows fixed at the file's input size) read as
// rows of `width` like [0, -1, width].
#include <array>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

namespace tw::models {

enum class LayerKind {
  conv,
  add,
  max_pool,
  average_pool,
  global_average_pool,
  pad,
  flatten,
  fully_connected
};

struct NetLayer {
  LayerKind kind = LayerKind::conv;
  std::vector<std::string> inputs;  // value names (two for add)
  std::string output;
  int input_channels = 0, output_channels = 0;
  // conv and pools
  int kernel_h = 1, kernel_w = 1;
  int stride_h = 1, stride_w = 1;
  bool same_padding = false;            // conv: TF "SAME" (odd pixel bottom/right)
  std::array<int, 4> pads{0, 0, 0, 0};  // conv: top, left, bottom, right
  int groups = 1;                       // conv
  // pad: zeros added before and after, in NHWC order (n, h, w, c)
  std::array<int, 4> pad_before{0, 0, 0, 0}, pad_after{0, 0, 0, 0};
  float output_min = -std::numeric_limits<float>::infinity();
  float output_max = std::numeric_limits<float>::infinity();
  // conv: [output channels][kh][kw][input channels per group];
  // fully_connected: [output channels][input channels]
  std::vector<float> weights;
  std::vector<float> bias;  // one per output channel (zeros when the node has none)
};

struct ConvNetOutput {
  std::string name;
  int width = 0;                   // values per row
  std::vector<std::string> parts;  // layer outputs, concatenated in this order
};

struct ConvNet {
  std::string input;
  int input_channels = 0;
  int input_rows = 0, input_cols = 0;  // the size the file declares; 0: not fixed
  std::vector<NetLayer> layers;        // in an order that runs (each input made before)
  std::vector<ConvNetOutput> outputs;
};

// Throws InputError(path, reason) for an unreadable file or a node outside
// the forms above.
ConvNet read_conv_net(const std::filesystem::path& onnx_file);

}  // namespace tw::models
