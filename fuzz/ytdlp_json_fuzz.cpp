// `yt-dlp -J` output (tw::sources::parse_ytdlp_json): a program reading pages
// strangers wrote.  Its documented failure is std::runtime_error ("no JSON
// object", "entries is not a list"); a JSON type error escaping is a finding.
#include "core/errors.h"
#include "fuzz/fuzz_support.h"
#include "sources/sources.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text = tw::fuzz::text_of(data, size);
  try {
    auto result = tw::sources::parse_ytdlp_json(text, size % 4 == 0 ? 0 : 3);
    for (const auto& video : result.videos)
      if (video.id.empty() && video.url.empty()) tw::fuzz::fail("a video without id and url");
  } catch (const tw::InputError&) {
  } catch (const std::runtime_error&) {
  }
  return 0;
}
