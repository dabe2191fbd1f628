// A command source's JSON lines (tw::sources::parse_json_lines): lines that
// cannot be used are warnings, never exceptions.
#include "fuzz/fuzz_support.h"
#include "sources/sources.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto result = tw::sources::parse_json_lines(tw::fuzz::text_of(data, size), size % 3 == 0 ? 2 : 0);
  for (const auto& video : result.videos)
    if (video.url.empty()) tw::fuzz::fail("a video without a url was listed");
  return 0;
}
