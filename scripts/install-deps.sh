#!/usr/bin/env bash
# Installs every Debian package trendwatch needs to build, test and run.
# Idempotent: does nothing when all are present.  Run as root (or with sudo).
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config git ca-certificates
  libopencv-dev libonnx-dev libprotobuf-dev protobuf-compiler
  nlohmann-json3-dev libcli11-dev libtomlplusplus-dev libspdlog-dev
  libsqlite3-dev libcurl4-openssl-dev libcpp-httplib-dev libssl-dev libpq-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libxnnpack-dev libpthreadpool-dev
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev
  # run
  ffmpeg yt-dlp sqlite3
  # tests: SMTP sink, PostgreSQL server, headless browser; djpeg for golden fixtures
  libjpeg-turbo-progs
  # fuzzing (scripts/fuzz.sh): clang with libFuzzer and the sanitizer runtimes
  clang libclang-rt-14-dev
  python3 python3-aiosmtpd postgresql chromium
)

# Node.js (fixtures, browser tests): Debian's, unless one is already on PATH
# (a newer Node from elsewhere conflicts with Debian's npm package).
if ! command -v npm >/dev/null 2>&1; then packages+=(nodejs npm); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
