#pragma once
// Runs a program with argv (never through a shell) in its own process group,
// capturing its output, and kills the whole group when it overstays.
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "sources/cancel.h"

namespace tw::sources {

struct ProcessOptions {
  std::chrono::milliseconds timeout{std::chrono::minutes(2)};
  std::filesystem::path working_dir;           // empty: the caller's
  std::size_t max_output = 64u * 1024 * 1024;  // stdout bytes; more is an error
  const CancelFlag* cancel = nullptr;          // raised: kill the group, result.cancelled
};

struct ProcessResult {
  int exit_code = -1;  // when it exited normally
  int signal = 0;      // when it was killed by a signal (ours on timeout)
  bool timed_out = false;
  bool output_too_large = false;  // more than output_limit bytes on stdout: killed there
  bool cancelled = false;
  std::size_t output_limit = 0;  // ProcessOptions::max_output, for describe()
  std::string out;
  std::string err;  // the last 64 KiB of stderr

  bool ok() const {
    return !timed_out && !output_too_large && !cancelled && signal == 0 && exit_code == 0;
  }
  // "exited with status 1", "was killed by signal 9", "timed out after 2s and
  // was killed", "printed more than 64 MiB on standard output (its limit) and
  // was killed", ...
  std::string describe(std::chrono::milliseconds timeout) const;
  // The last non-empty stderr line that starts with "ERROR", else the last one.
  std::string last_error_line() const;
};

// Throws std::system_error when the program cannot be started (not found,
// not executable); that is the caller's to word as an InputError.
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options);

}  // namespace tw::sources
