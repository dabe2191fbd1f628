// A urls source's listing text (tw::sources::parse_url_lines): one video URL
// per line; other lines are warnings, never exceptions.
#include "fuzz/fuzz_support.h"
#include "sources/sources.h"
#include "sources/url_text.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto result = tw::sources::parse_url_lines(tw::fuzz::text_of(data, size), size % 3 == 0 ? 2 : 0);
  for (const auto& video : result.videos) {
    if (!tw::sources::is_http_url(video.url)) tw::fuzz::fail("a non-http URL was listed");
    (void)tw::sources::has_video_extension(tw::sources::url_file_name(video.url));
  }
  return 0;
}
