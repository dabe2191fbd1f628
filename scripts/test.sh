#!/usr/bin/env bash
# From nothing to a passing test suite: installs packages, fetches the model
# weights and test data, builds, runs every test with CTest, then replays
# every fuzz target's seeds and regression inputs (scripts/fuzz.sh:
# deterministic; TW_FUZZ_SECONDS=N also searches N s per target, TW_FUZZ=0
# skips the step).
#
#   scripts/test.sh [--sanitize [--all]] [CTEST ARGS...]
#
# --sanitize builds with AddressSanitizer + UndefinedBehaviorSanitizer (g++)
# in build-sanitize/ and runs the CTest suites there instead (no fuzzing):
# every suite but those labelled `slow` (the face scans of whole clips, hours
# under ASan on two cores; docs/fuzzing.md), or all of them with --all.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
sanitize=0
all_suites=0
ctest_args=()
for arg in "$@"; do
  case "$arg" in
    --sanitize) sanitize=1 ;;
    --all) all_suites=1 ;;
    *) ctest_args+=("$arg") ;;
  esac
done

bash "$root/scripts/install-deps.sh"
bash "$root/scripts/fetch-data.sh"

if ((sanitize)); then
  build="${TW_SANITIZE_BUILD_DIR:-$root/build-sanitize}"
  flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
  # -O1 keeps the sanitized suites fast enough on two cores and the stacks readable.
  launcher=()
  if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DCMAKE_CXX_FLAGS="$flags" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" "${launcher[@]}" >/dev/null
  cmake --build "$build" -j "$(nproc)"
  # Leaks, heap errors and undefined behaviour fail the test that caused them.
  # Leaks in the libraries we link (not ours to fix) are listed in
  # tests/sanitize/lsan.supp with the reason.
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1:detect_stack_use_after_return=0:strict_string_checks=1:check_initialization_order=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  export LSAN_OPTIONS="suppressions=$root/tests/sanitize/lsan.supp:print_suppressions=0"
  if ((!all_suites)); then ctest_args=(-LE slow "${ctest_args[@]}"); fi
  cd "$build"
  ctest --output-on-failure --timeout 2700 -j "$(nproc)" "${ctest_args[@]}"
  exit 0
fi

build="${TW_BUILD_DIR:-$root/build}"
bash "$root/scripts/build.sh"
(cd "$build" && ctest --output-on-failure --timeout 900 -j "$(nproc)" "${ctest_args[@]}")
# Every fuzz target replays its seeds and regression inputs (the same result
# on every run: a random search in CI would turn red on whatever it happened
# to find that day; searches are run by hand, docs/fuzzing.md).
if [[ "${TW_FUZZ:-1}" != 0 ]]; then
  bash "$root/scripts/fuzz.sh" --seconds "${TW_FUZZ_SECONDS:-0}"
fi
