#pragma once
// Stopping work early: callers (the watch loop on SIGINT/SIGTERM) pass a
// flag; listings and downloads check it while they wait, kill what they
// started, remove partial files and throw Cancelled.
#include <atomic>
#include <stdexcept>
#include <string>

namespace tw::sources {

using CancelFlag = std::atomic<bool>;

// Not an input error: nothing was wrong with the source or the URL.
class Cancelled : public std::runtime_error {
 public:
  explicit Cancelled(const std::string& what) : std::runtime_error(what + ": cancelled") {}
};

inline bool cancelled(const CancelFlag* flag) {
  return flag && flag->load();
}

}  // namespace tw::sources
