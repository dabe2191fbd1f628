#pragma once
// Errors that reach the user.  InputError is bad input (a file, a URL, a
// config line): the command names it, exits 2, and goes on with other inputs
// where it can.  Anything else escaping main is a bug and also exits 2.
#include <stdexcept>
#include <string>

namespace tw {

class InputError : public std::runtime_error {
 public:
  // what() is "<input>: <reason>", the one line a user sees.
  InputError(const std::string& input, const std::string& reason)
      : std::runtime_error(input.empty() ? reason : input + ": " + reason),
        input_(input),
        reason_(reason) {}
  const std::string& input() const { return input_; }
  const std::string& reason() const { return reason_; }

 private:
  std::string input_;
  std::string reason_;
};

// Exit codes shared by every subcommand (scan follows grep's convention).
namespace exit_code {
inline constexpr int found = 0;
inline constexpr int ok = 0;
inline constexpr int not_found = 1;
inline constexpr int error = 2;
}  // namespace exit_code

}  // namespace tw
