#pragma once
// Running tools/browser/dashboard_check.js (playwright-core driving Debian's
// /usr/bin/chromium) from GoogleTest.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>

namespace tw::test {

// Chromium is there and tools/browser/node_modules holds the locked
// playwright-core (`npm ci` under a lock file when it does not).
::testing::AssertionResult browser_tools_ready();

// Runs the check against url with the plan (see dashboard_check.js); expects
// exit 0 and returns the JSON it printed (an empty object on failure).
nlohmann::json run_browser_check(const std::string& url, const nlohmann::json& plan);

}  // namespace tw::test
