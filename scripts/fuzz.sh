#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang, AddressSanitizer + UBSan) in
# build-fuzz/ and runs them (docs/fuzzing.md).
#
#   scripts/fuzz.sh [TARGET...] [--seconds N] [--build-only] [--list]
#
# TARGET is a name from fuzz/<name>_fuzz.cpp (default: every target).  Each
# target first replays its seeds and regression inputs
# (tests/data/fuzz/<name>/, read-only), then searches for N seconds (default
# 60) with its working corpus in build-fuzz/corpus/<name>/.  A finding stops
# the target; its input is saved in build-fuzz/artifacts/<name>/ and the
# script exits 1 after the other targets ran.  Once fixed, copy the input
# into tests/data/fuzz/<name>/ as crash-<what>: from then on every run
# replays it.  Each run appends a line per target to
# build-fuzz/fuzz-log.tsv (date, target, seconds, runs, result).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${TW_FUZZ_BUILD_DIR:-$root/build-fuzz}"
seconds=60
build_only=0
list_only=0
targets=()
while (($#)); do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --seconds=*) seconds="${1#*=}"; shift ;;
    --build-only) build_only=1; shift ;;
    --list) list_only=1; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if ! [[ "$seconds" =~ ^[0-9]+$ ]]; then echo "fuzz.sh: --seconds needs a whole number" >&2; exit 2; fi

all_targets=()
for file in "$root"/fuzz/*_fuzz.cpp; do
  name="$(basename "$file" _fuzz.cpp)"
  all_targets+=("$name")
done
if ((list_only)); then printf '%s\n' "${all_targets[@]}"; exit 0; fi
if ((${#targets[@]} == 0)); then targets=("${all_targets[@]}"); fi
for name in "${targets[@]}"; do
  if [[ ! -f "$root/fuzz/${name}_fuzz.cpp" ]]; then
    echo "fuzz.sh: no target '$name' (known: ${all_targets[*]})" >&2
    exit 2
  fi
done

if ! command -v clang++ >/dev/null; then
  echo "fuzz.sh: clang++ is missing: run scripts/install-deps.sh (clang, libclang-rt-14-dev)" >&2
  exit 2
fi
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
started=$(date +%s)
CXX=clang++ cmake -S "$root" -B "$build" -DTW_FUZZ=ON -DTW_BUILD_TESTS=OFF -DTW_BUILD_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
build_targets=()
for name in "${targets[@]}"; do build_targets+=("fuzz_$name"); done
cmake --build "$build" -j "$(nproc)" --target "${build_targets[@]}"
echo "fuzz.sh: built ${#targets[@]} target(s) in $(($(date +%s) - started)) s"
if ((build_only)); then exit 0; fi

# Leaks count as findings; the first report stops the target.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1:allocator_may_return_null=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

failed=()
log="$build/fuzz-log.tsv"
[[ -f "$log" ]] || printf 'date\ttarget\tseconds\truns\tresult\n' >"$log"
for name in "${targets[@]}"; do
  exe="$build/fuzz/fuzz_$name"
  seeds="$root/tests/data/fuzz/$name"
  corpus="$build/corpus/$name"
  artifacts="$build/artifacts/$name"
  mkdir -p "$corpus" "$artifacts" "$seeds"
  # Per target, optional: fuzz/<name>.dict (libFuzzer dictionary) and
  # fuzz/<name>.options (extra libFuzzer flags, e.g. -max_len=).
  extra=()
  [[ -f "$root/fuzz/$name.dict" ]] && extra+=("-dict=$root/fuzz/$name.dict")
  if [[ -f "$root/fuzz/$name.options" ]]; then
    read -r -a options < <(grep -v '^#' "$root/fuzz/$name.options" | tr '\n' ' ')
    extra+=("${options[@]}")
  fi
  flags=(-max_len=65536 -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=30
         -artifact_prefix="$artifacts/" -print_final_stats=1 "${extra[@]}")
  output="$build/fuzz-$name.log"
  echo "fuzz.sh: $name: replaying $(find "$seeds" -type f | wc -l) seed and regression inputs"
  result=ok
  # The regression inputs, each on its own: a crash names its file.
  if ! "$exe" "${flags[@]}" -runs=0 "$seeds" >"$output" 2>&1; then
    result=regression
  elif ((seconds > 0)); then
    echo "fuzz.sh: $name: searching for $seconds s"
    if ! "$exe" "${flags[@]}" -max_total_time="$seconds" "$corpus" "$seeds" >"$output" 2>&1; then
      result=finding
    fi
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$output" | grep -o '[0-9]*$' | tail -1 || true)
  printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$name" "$seconds" "${runs:-0}" "$result" >>"$log"
  if [[ $result != ok ]]; then
    failed+=("$name")
    echo "fuzz.sh: $name: $result; the report:" >&2
    grep -E -A40 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|fuzz target:|==ERROR' \
      "$output" | head -80 >&2 || tail -40 "$output" >&2
    echo "fuzz.sh: $name: inputs in $artifacts; full log $output" >&2
  else
    echo "fuzz.sh: $name: ok (${runs:-0} runs)"
  fi
done
if ((${#failed[@]})); then
  echo "fuzz.sh: findings in ${failed[*]}" >&2
  exit 1
fi
echo "fuzz.sh: ${#targets[@]} target(s) ok"
