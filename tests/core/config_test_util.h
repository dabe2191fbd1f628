#pragma once
// Parsing config text in tests: the result, or the error's input
// ("tw.toml:<line>") and reason.
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "core/config.h"
#include "core/errors.h"
#include "support/test_support.h"

namespace tw::test {

// One home for the whole run, so that two parses of the same text are equal.
inline Config parse_config_text(const std::string& text,
                                const std::filesystem::path& base = "/etc/tw") {
  static const Home home{fresh_dir("config-home")};
  return parse_config(text, "tw.toml", base, home);
}

inline std::pair<std::string, std::string> config_error(
    const std::string& text, const std::filesystem::path& base = "/etc/tw") {
  try {
    parse_config_text(text, base);
  } catch (const InputError& e) {
    return {e.input(), e.reason()};
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return {};
}

}  // namespace tw::test
