// Photos (tw::media::load_image): header checks before decoding (JPEG, PNG,
// BMP, WebP, TIFF, PNM), EXIF orientation, then OpenCV's decoders.  The
// pixel limit is lowered so that a header claiming a big image is refused
// or decoded quickly; the code path is the same.
#include <opencv2/core.hpp>

#include "core/errors.h"
#include "fuzz/fuzz_support.h"
#include "media/image.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = tw::fuzz::write_scratch_file("photo", data, size);
  tw::media::ImageLimits limits;
  limits.max_pixels = 4000 * 1000;
  try {
    cv::Mat image = tw::media::load_image(file, limits);
    if (image.empty() || image.type() != CV_8UC3) tw::fuzz::fail("not an 8-bit BGR image");
    if (static_cast<std::uint64_t>(image.total()) > limits.max_pixels)
      tw::fuzz::fail("an image over the pixel limit was decoded");
  } catch (const tw::InputError&) {
  }
  return 0;
}
