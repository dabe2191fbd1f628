// A target file ($TRENDWATCH_HOME/targets/<name>.json, copied between
// machines): bad files are InputErrors naming the file; one that is read
// back writes and reads again to the same target.
#include "core/errors.h"
#include "fuzz/fuzz_support.h"
#include "targets/target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tw::targets::Target target;
  try {
    target = tw::targets::target_from_json_text(tw::fuzz::text_of(data, size), "fuzz.json");
  } catch (const tw::InputError&) {
    return 0;
  }
  const std::string written = tw::targets::to_json_text(target);
  try {
    const std::string again =
        tw::targets::to_json_text(tw::targets::target_from_json_text(written, "rewritten.json"));
    if (again != written) tw::fuzz::fail("a target read back differs from the one written");
  } catch (const tw::InputError& e) {
    tw::fuzz::fail(std::string("a target it accepted cannot be read back: ") + e.what());
  }
  return 0;
}
