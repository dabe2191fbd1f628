#pragma once
// Helpers shared by every test suite: where things are, running the binary.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace tw::test {

std::filesystem::path source_dir();
std::filesystem::path cache_dir();     // .cache/ filled by scripts/fetch-data.sh
std::filesystem::path testdata_dir();  // Debian packages' files, extracted
std::filesystem::path face_api_dir();  // the npm package's root folder
std::filesystem::path trendwatch_exe();
std::filesystem::path home_dir();  // TRENDWATCH_HOME of the test run (models installed)
// A flag of Debian's iso-flags-png-320x240 by its code ("jp").
std::filesystem::path flag_png(const std::string& code);

// A file's bytes ("" when it cannot be read), and writing bytes to a file
// (parent folders created).
std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& bytes);

// Whether `part` occurs in `text` (an output, an error, a payload).
inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// One JSON object per non-empty line (a command's --format json output).
std::vector<nlohmann::json> json_lines(const std::string& text);

// A fresh empty directory under the build tree, unique per call.
std::filesystem::path fresh_dir(const std::string& hint);

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// Runs the trendwatch binary with argv (no shell), capturing stdout/stderr.
// extra_env entries are "KEY=VALUE".
RunResult run_trendwatch(const std::vector<std::string>& args,
                         const std::vector<std::string>& extra_env = {}, int timeout_s = 300);
// Runs any program with argv (no shell).
RunResult run_program(const std::vector<std::string>& argv,
                      const std::vector<std::string>& extra_env = {}, int timeout_s = 300);

}  // namespace tw::test
