#!/usr/bin/env bash
# Configures and builds trendwatch (and its tests and benchmarks) in build/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${TW_BUILD_DIR:-$root/build}"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$(nproc)"
