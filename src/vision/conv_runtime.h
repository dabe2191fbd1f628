#pragma once
// Runs a models::ConvNet with XNNPACK on NHWC float images of any size (the
// size the net allows).  The three face nets run here, for the outputs
// cv::dnn 4.6 gives (ConvRuntime tests: within 5e-4 for the SSD, 1e-4 for
// the others; measured 6e-5 and 8e-7).
// Threads: cv::getNumThreads() at each run, so `scan --threads` and the
// jobs' thread split hold for it as for cv::dnn.
#include <memory>
#include <vector>

#include "models/conv_net.h"

namespace tw::vision {

class ConvRuntime {
 public:
  // Packs every layer's weights once (throws std::runtime_error when XNNPACK
  // refuses a layer or the CPU).
  explicit ConvRuntime(const models::ConvNet& net);
  ~ConvRuntime();
  ConvRuntime(ConvRuntime&&) noexcept;
  ConvRuntime& operator=(ConvRuntime&&) noexcept;

  // input: batch x rows x cols x the net's input channels (NHWC).  Returns
  // the net's outputs in its order, each [batch][values] (a joined output,
  // rows of its width, needs batch 1); valid until the next run.  Throws
  // std::invalid_argument for an input too small for the net.
  const std::vector<std::vector<float>>& run(const float* input, int batch, int rows, int cols);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tw::vision
