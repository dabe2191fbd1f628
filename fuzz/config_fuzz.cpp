// trendwatch.toml text (tw::parse_config), and the duration and size
// grammars its values use.  Bad text must be an InputError naming the line.
#include "core/config.h"
#include "core/errors.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text = tw::fuzz::text_of(data, size);
  const tw::Home home{tw::fuzz::scratch_dir() / "home"};
  try {
    tw::Config config = tw::parse_config(text, "fuzz.toml", tw::fuzz::scratch_dir(), home);
    for (const auto& source : config.sources)
      if (source.name.empty()) tw::fuzz::fail("a source without a name was accepted");
  } catch (const tw::InputError&) {
  }
  // The first line alone, as a duration and a size ("1h30m", "2GiB").
  const std::string first_line = text.substr(0, text.find('\n'));
  if (auto duration = tw::parse_duration(first_line)) {
    if (duration->count() < 0) tw::fuzz::fail("a negative duration was accepted");
    (void)tw::format_duration(*duration);
  }
  (void)tw::parse_size(first_line);
  return 0;
}
