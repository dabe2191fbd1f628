#pragma once
// What the fuzz targets share (docs/fuzzing.md).  A target is one file,
// fuzz/<name>_fuzz.cpp, defining LLVMFuzzerTestOneInput; its seed corpus and
// regression inputs live in tests/data/fuzz/<name>/.
//
// A finding is anything libFuzzer stops on: a sanitizer report (heap or
// stack overflow, use after free, leak, undefined behaviour), a crash, a
// hang (-timeout), memory beyond -rss_limit_mb, or an exception the code
// under test does not promise.  Each target catches only the exceptions its
// interface documents for bad input (usually tw::InputError); any other one
// escapes, std::terminate aborts, and libFuzzer saves the input.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace tw::fuzz {

inline std::string text_of(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// A scratch folder of this process (removed at exit), for inputs that the
// code under test reads from a file.
const std::filesystem::path& scratch_dir();
// Writes the bytes to <scratch>/<name> (replacing it) and returns the path.
std::filesystem::path write_scratch_file(const std::string& name, const std::uint8_t* data,
                                         std::size_t size);

// Aborts with a message naming the broken promise (a finding).
[[noreturn]] void fail(std::string_view what);

}  // namespace tw::fuzz
