// Videos (tw::media::FrameSampler over FFmpeg): the container and box checks
// of our own, then libav's demuxers and decoders, the rotation tag, the
// conversion to BGR.  A few frames per input keep it fast.
#include <opencv2/core.hpp>

#include "core/errors.h"
#include "fuzz/fuzz_support.h"
#include "media/video.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = tw::fuzz::write_scratch_file("clip", data, size);
  try {
    tw::media::FrameSampler sampler(file, 5.0);
    const auto& info = sampler.info();
    if (info.width <= 0 || info.height <= 0) tw::fuzz::fail("a video without a frame size opened");
    tw::media::SampledFrame frame;
    for (int i = 0; i < 4 && sampler.next(frame); ++i)
      if (frame.bgr.empty() || frame.bgr.type() != CV_8UC3) tw::fuzz::fail("an empty frame");
  } catch (const tw::InputError&) {
  }
  return 0;
}
