#include "server/browser_check.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "support/test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace tw::test {

namespace {

fs::path browser_tools() {
  return source_dir() / "tools" / "browser";
}

std::string installed_playwright_version() {
  std::ifstream in(browser_tools() / "node_modules" / "playwright-core" / "package.json");
  if (!in) return "";
  json package = json::parse(in, nullptr, false);
  return package.is_object() ? package.value("version", "") : "";
}

std::string locked_playwright_version() {
  std::ifstream in(browser_tools() / "package-lock.json");
  json lock = json::parse(in, nullptr, false);
  return lock["packages"]["node_modules/playwright-core"].value("version", "");
}

}  // namespace

// `npm ci` once for all test processes (ctest runs them in parallel): under a
// lock file, and only when node_modules does not hold the locked version.
::testing::AssertionResult browser_tools_ready() {
  if (!fs::exists("/usr/bin/chromium"))
    return ::testing::AssertionFailure()
           << "/usr/bin/chromium missing: run scripts/install-deps.sh";
  const fs::path lock_file = fs::path(TW_BINARY_DIR) / "browser-tools.lock";
  int lock = ::open(lock_file.c_str(), O_RDWR | O_CREAT, 0644);
  if (lock < 0 || ::flock(lock, LOCK_EX) != 0) return ::testing::AssertionFailure() << "no lock";
  ::testing::AssertionResult result = ::testing::AssertionSuccess();
  if (installed_playwright_version() != locked_playwright_version()) {
    auto npm = run_program(
        {"npm", "ci", "--prefix", browser_tools().string(), "--no-audit", "--no-fund"}, {}, 300);
    if (npm.exit_code != 0)
      result = ::testing::AssertionFailure() << "npm ci failed: " << npm.out << npm.err;
  }
  ::flock(lock, LOCK_UN);
  ::close(lock);
  return result;
}

json run_browser_check(const std::string& url, const json& plan) {
  auto r = run_program(
      {"node", (browser_tools() / "dashboard_check.js").string(), url, plan.dump()}, {}, 120);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  json result = json::parse(r.out, nullptr, false);
  EXPECT_TRUE(result.is_object()) << "not JSON: " << r.out << r.err;
  return result.is_object() ? result : json::object();
}

}  // namespace tw::test
