#include "vision/conv_runtime.h"

#include <pthreadpool.h>
#include <xnnpack.h>
#include <opencv2/core.hpp>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

namespace tw::vision {
namespace {

using models::LayerKind;

void initialize_xnnpack() {
  static std::once_flag once;
  static xnn_status status = xnn_status_success;
  std::call_once(once, [] { status = xnn_initialize(nullptr); });
  if (status != xnn_status_success)
    throw std::runtime_error("XNNPACK cannot run on this CPU (xnn_initialize failed)");
}

void check(xnn_status status, const std::string& what) {
  if (status != xnn_status_success)
    throw std::runtime_error("XNNPACK: " + what + " failed (status " + std::to_string(status) +
                             ")");
}

struct Shape {
  size_t n = 0, h = 0, w = 0, c = 0;
  size_t count() const { return n * h * w * c; }
};

// Fully connected layers and Flatten read a 1x1 map (then NHWC and NCHW
// orders agree).
void require_one_pixel(const Shape& shape, const std::string& what) {
  if (shape.h != 1 || shape.w != 1)
    throw std::invalid_argument("conv net: " + what + " needs a 1x1 map, got " +
                                std::to_string(shape.w) + "x" + std::to_string(shape.h));
}

// A window's output size: TF "SAME", or explicit pads and floor.
size_t window_output(size_t in, int kernel, int stride, int before, int after, bool same) {
  if (same) return (in + stride - 1) / stride;
  const long long padded = static_cast<long long>(in) + before + after;
  if (padded < kernel) return 0;
  return static_cast<size_t>((padded - kernel) / stride + 1);
}

struct Layer {
  models::NetLayer spec;  // weights cleared once packed
  xnn_operator_t op = nullptr;
  std::vector<int> input_slots;  // -1: the net's input
  int output_slot = 0;
};

}  // namespace

struct ConvRuntime::Impl {
  std::vector<Layer> layers;
  std::vector<std::vector<float>> slots;       // activation buffers, reused
  std::vector<std::vector<int>> output_parts;  // per net output: layer indices
  std::vector<std::vector<float>> outputs;
  pthreadpool_t pool = nullptr;
  int pool_threads = 1;

  ~Impl() {
    for (Layer& layer : layers)
      if (layer.op) xnn_delete_operator(layer.op);
    if (pool) pthreadpool_destroy(pool);
  }

  pthreadpool_t threadpool() {
    const int wanted = std::max(1, cv::getNumThreads());
    if (wanted != pool_threads) {
      if (pool) pthreadpool_destroy(pool);
      pool = wanted > 1 ? pthreadpool_create(static_cast<size_t>(wanted)) : nullptr;
      pool_threads = wanted;
    }
    return pool;
  }
};

namespace {

// Workers sleep after each operator instead of spinning for the next: with
// a decode thread (or another job) on the same cores, spinning workers
// starved it (one video on 2 threads: 3.4 video-s per wall-s spinning,
// 9.5 yielding, 8.4 on 1 thread; bench_speed --jobs 1).
constexpr uint32_t kYield = XNN_FLAG_YIELD_WORKERS;

xnn_operator_t create_operator(const models::NetLayer& s) {
  xnn_operator_t op = nullptr;
  const size_t in_c = static_cast<size_t>(s.input_channels);
  const size_t out_c = static_cast<size_t>(s.output_channels);
  switch (s.kind) {
    case LayerKind::conv: {
      const bool same = s.same_padding;
      const size_t group_in = in_c / static_cast<size_t>(s.groups);
      const size_t group_out = out_c / static_cast<size_t>(s.groups);
      check(
          xnn_create_convolution2d_nhwc_f32(
              same ? 0 : s.pads[0], same ? 0 : s.pads[3], same ? 0 : s.pads[2],
              same ? 0 : s.pads[1], s.kernel_h, s.kernel_w, s.stride_h, s.stride_w, 1, 1, s.groups,
              group_in, group_out, in_c, out_c, s.weights.data(), s.bias.data(), s.output_min,
              s.output_max, (same ? XNN_FLAG_TENSORFLOW_SAME_PADDING : 0) | kYield, &op),
          "conv layer " + s.output);
      break;
    }
    case LayerKind::add:
      check(xnn_create_add_nd_f32(s.output_min, s.output_max, kYield, &op),
            "add layer " + s.output);
      break;
    case LayerKind::max_pool:
      check(xnn_create_max_pooling2d_nhwc_f32(0, 0, 0, 0, s.kernel_h, s.kernel_w, s.stride_h,
                                              s.stride_w, 1, 1, in_c, in_c, in_c, s.output_min,
                                              s.output_max, kYield, &op),
            "max pool layer " + s.output);
      break;
    case LayerKind::average_pool:
      check(xnn_create_average_pooling2d_nhwc_f32(0, 0, 0, 0, s.kernel_h, s.kernel_w, s.stride_h,
                                                  s.stride_w, in_c, in_c, in_c, s.output_min,
                                                  s.output_max, kYield, &op),
            "average pool layer " + s.output);
      break;
    case LayerKind::global_average_pool:
      check(xnn_create_global_average_pooling_nwc_f32(in_c, in_c, in_c, s.output_min, s.output_max,
                                                      kYield, &op),
            "global average pool layer " + s.output);
      break;
    case LayerKind::pad: {
      const float zero = 0.f;
      check(xnn_create_constant_pad_nd_x32(&zero, kYield, &op), "pad layer " + s.output);
      break;
    }
    case LayerKind::fully_connected:
      check(
          xnn_create_fully_connected_nc_f32(in_c, out_c, in_c, out_c, s.weights.data(),
                                            s.bias.data(), s.output_min, s.output_max, kYield, &op),
          "fully connected layer " + s.output);
      break;
    case LayerKind::flatten:
      break;  // a copy (of a 1x1 map, so NHWC and NCHW orders agree)
  }
  return op;
}

Shape output_shape(const models::NetLayer& s, const Shape& in) {
  Shape out = in;
  out.c = static_cast<size_t>(s.output_channels);
  switch (s.kind) {
    case LayerKind::conv:
    case LayerKind::max_pool:
    case LayerKind::average_pool:
      out.h = window_output(in.h, s.kernel_h, s.stride_h, s.pads[0], s.pads[2], s.same_padding);
      out.w = window_output(in.w, s.kernel_w, s.stride_w, s.pads[1], s.pads[3], s.same_padding);
      break;
    case LayerKind::pad:
      out.h = in.h + s.pad_before[1] + s.pad_after[1];
      out.w = in.w + s.pad_before[2] + s.pad_after[2];
      break;
    case LayerKind::global_average_pool:
    case LayerKind::fully_connected:
      out.h = out.w = 1;
      break;
    case LayerKind::add:
    case LayerKind::flatten:
      break;
  }
  return out;
}

}  // namespace

ConvRuntime::ConvRuntime(const models::ConvNet& net) : impl_(std::make_unique<Impl>()) {
  initialize_xnnpack();
  const int n = static_cast<int>(net.layers.size());
  std::map<std::string, int> maker{{net.input, -1}};
  for (int i = 0; i < n; ++i) maker[net.layers[i].output] = i;

  // Each layer's last reader, to give its buffer back after it; outputs live
  // to the end.
  std::vector<int> last_reader(static_cast<size_t>(n), -1);
  for (int i = 0; i < n; ++i)
    for (const auto& in : net.layers[i].inputs) {
      auto it = maker.find(in);
      if (it == maker.end() || it->second >= i)
        throw std::runtime_error("conv net: layer " + net.layers[i].output +
                                 " reads a value made after it or nowhere");
      if (it->second >= 0) last_reader[it->second] = i;
    }
  for (const auto& out : net.outputs) {
    std::vector<int> parts;
    for (const auto& part : out.parts) {
      auto it = maker.find(part);
      if (it == maker.end() || it->second < 0)
        throw std::runtime_error("conv net: output " + out.name + " reads no layer");
      last_reader[it->second] = n;
      parts.push_back(it->second);
    }
    impl_->output_parts.push_back(std::move(parts));
  }

  std::vector<int> free_slots;
  int slot_count = 0;
  for (int i = 0; i < n; ++i) {
    Layer layer;
    layer.spec = net.layers[i];
    layer.op = create_operator(layer.spec);
    impl_->layers.push_back(std::move(layer));
    Layer& added = impl_->layers.back();
    added.spec.weights = {};  // packed by XNNPACK
    for (const auto& in : added.spec.inputs) {
      const int from = maker.at(in);
      added.input_slots.push_back(from < 0 ? -1 : impl_->layers[from].output_slot);
    }
    // Take a free slot, then give back the slots this layer reads last (not
    // before: no layer runs in place).
    if (free_slots.empty()) {
      added.output_slot = slot_count++;
    } else {
      added.output_slot = free_slots.back();
      free_slots.pop_back();
    }
    for (int j = 0; j < i; ++j)
      if (last_reader[j] == i) free_slots.push_back(impl_->layers[j].output_slot);
  }
  impl_->slots.resize(static_cast<size_t>(slot_count));
  impl_->outputs.resize(net.outputs.size());
}

ConvRuntime::~ConvRuntime() = default;
ConvRuntime::ConvRuntime(ConvRuntime&&) noexcept = default;
ConvRuntime& ConvRuntime::operator=(ConvRuntime&&) noexcept = default;

const std::vector<std::vector<float>>& ConvRuntime::run(const float* input, int batch, int rows,
                                                        int cols) {
  if (batch < 1 || rows < 1 || cols < 1)
    throw std::invalid_argument("conv net input must not be empty");
  Impl& m = *impl_;
  pthreadpool_t pool = m.threadpool();
  const Shape input_shape{static_cast<size_t>(batch), static_cast<size_t>(rows),
                          static_cast<size_t>(cols), 0};
  std::vector<Shape> shapes(m.layers.size());      // each layer's output
  std::vector<Shape> slot_shapes(m.slots.size());  // what each slot holds now
  auto too_small = [&] {
    return std::invalid_argument("conv net input " + std::to_string(cols) + "x" +
                                 std::to_string(rows) + " is too small for the net");
  };

  for (size_t i = 0; i < m.layers.size(); ++i) {
    Layer& layer = m.layers[i];
    const models::NetLayer& s = layer.spec;
    std::vector<const float*> in;
    std::vector<Shape> in_shapes;
    for (size_t k = 0; k < s.inputs.size(); ++k) {
      const int slot = layer.input_slots[k];
      in.push_back(slot < 0 ? input : m.slots[slot].data());
      Shape shape = input_shape;
      shape.c = static_cast<size_t>(s.input_channels);
      in_shapes.push_back(slot < 0 ? shape : slot_shapes[slot]);
    }
    const Shape out_shape = output_shape(s, in_shapes[0]);
    if (out_shape.h < 1 || out_shape.w < 1) throw too_small();
    shapes[i] = slot_shapes[layer.output_slot] = out_shape;
    // (Never one of this layer's input slots, so growing it moves no input.)
    std::vector<float>& out = m.slots[layer.output_slot];
    if (out.size() < out_shape.count()) out.resize(out_shape.count());
    const Shape& a = in_shapes[0];
    switch (s.kind) {
      case LayerKind::conv:
        check(xnn_setup_convolution2d_nhwc_f32(layer.op, a.n, a.h, a.w, in[0], out.data(), pool),
              "conv setup");
        break;
      case LayerKind::add: {
        const Shape& b = in_shapes[1];
        if (a.h != b.h || a.w != b.w) throw too_small();
        const size_t dims_a[4] = {a.n, a.h, a.w, a.c}, dims_b[4] = {b.n, b.h, b.w, b.c};
        check(xnn_setup_add_nd_f32(layer.op, 4, dims_a, 4, dims_b, in[0], in[1], out.data(), pool),
              "add setup");
        break;
      }
      case LayerKind::max_pool:
        check(xnn_setup_max_pooling2d_nhwc_f32(layer.op, a.n, a.h, a.w, in[0], out.data(), pool),
              "max pool setup");
        break;
      case LayerKind::average_pool:
        check(
            xnn_setup_average_pooling2d_nhwc_f32(layer.op, a.n, a.h, a.w, in[0], out.data(), pool),
            "average pool setup");
        break;
      case LayerKind::global_average_pool:
        check(xnn_setup_global_average_pooling_nwc_f32(layer.op, a.n, a.h * a.w, in[0], out.data(),
                                                       pool),
              "global average pool setup");
        break;
      case LayerKind::pad: {
        const size_t dims[4] = {a.n, a.h, a.w, a.c};
        const size_t before[4] = {0, static_cast<size_t>(s.pad_before[1]),
                                  static_cast<size_t>(s.pad_before[2]),
                                  static_cast<size_t>(s.pad_before[3])};
        const size_t after[4] = {0, static_cast<size_t>(s.pad_after[1]),
                                 static_cast<size_t>(s.pad_after[2]),
                                 static_cast<size_t>(s.pad_after[3])};
        check(xnn_setup_constant_pad_nd_x32(layer.op, 4, dims, before, after, in[0], out.data(),
                                            pool),
              "pad setup");
        break;
      }
      case LayerKind::fully_connected:
        require_one_pixel(a, "a fully connected layer");
        check(xnn_setup_fully_connected_nc_f32(layer.op, a.n, in[0], out.data(), pool),
              "fully connected setup");
        break;
      case LayerKind::flatten:
        require_one_pixel(a, "Flatten");
        std::memcpy(out.data(), in[0], a.count() * sizeof(float));
        continue;
    }
    check(xnn_run_operator(layer.op, pool), "running " + s.output);
  }

  for (size_t o = 0; o < m.output_parts.size(); ++o) {
    if (batch > 1 && m.output_parts[o].size() > 1)
      throw std::invalid_argument("conv net: joined outputs need batch 1");
    std::vector<float>& joined = m.outputs[o];
    joined.clear();
    for (int index : m.output_parts[o]) {
      const float* data = m.slots[m.layers[index].output_slot].data();
      joined.insert(joined.end(), data, data + shapes[index].count());
    }
  }
  return m.outputs;
}

}  // namespace tw::vision
