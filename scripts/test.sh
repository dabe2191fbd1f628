#!/usr/bin/env bash
# From nothing to a passing test suite: installs packages, fetches the model
# weights and test data, builds, and runs every test with CTest.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${TW_BUILD_DIR:-$root/build}"
bash "$root/scripts/install-deps.sh"
bash "$root/scripts/fetch-data.sh"
bash "$root/scripts/build.sh"
cd "$build"
ctest --output-on-failure --timeout 900 -j "$(nproc)" "$@"
