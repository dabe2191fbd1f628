#!/usr/bin/env bash
# Installs every Debian package trendwatch needs to build, test and run.
# Idempotent: does nothing when all are present.  Run as root (or with sudo).
# --dry-run prints what it would do instead.
set -euo pipefail

dry_run=false
if [[ ${1:-} == --dry-run ]]; then dry_run=true; fi

packages=(
  # build
  build-essential cmake lld pkg-config git ca-certificates
  libopencv-dev libonnx-dev libprotobuf-dev protobuf-compiler
  nlohmann-json3-dev libcli11-dev libtomlplusplus-dev libspdlog-dev
  libsqlite3-dev libcurl4-openssl-dev libcpp-httplib-dev libssl-dev libpq-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libxnnpack-dev libpthreadpool-dev
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev
  # run (yt-dlp: below)
  ffmpeg sqlite3
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

# yt-dlp: bookworm's 2023.03.04 is too old for TikTok; bookworm-backports has
# a newer one (still months old: docs/sources.md says how to point the `ytdlp`
# key at a current standalone release).  Other releases: their own yt-dlp.
ytdlp_minimum=2025.04.30
codename=$(sed -n "s/^VERSION_CODENAME=//p" /etc/os-release 2>/dev/null || true)
ytdlp_version=$(dpkg-query -W -f='${Version}' yt-dlp 2>/dev/null || true)
ytdlp_status=$(dpkg-query -W -f='${Status}' yt-dlp 2>/dev/null || true)
need_ytdlp=false
need_backports_source=false
if [[ $codename == bookworm ]]; then
  if [[ $ytdlp_status != *"install ok installed"* ]] ||
    ! dpkg --compare-versions "$ytdlp_version" ge "$ytdlp_minimum"; then
    need_ytdlp=true
    # Any apt source (one-line or deb822) that already names bookworm-backports.
    if ! grep -qs -E '^[^#]*bookworm-backports' /etc/apt/sources.list \
      /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; then
      need_backports_source=true
    fi
  fi
elif [[ $ytdlp_status != *"install ok installed"* ]]; then
  missing+=(yt-dlp)
fi

if ((${#missing[@]} == 0)) && ! $need_ytdlp; then
  echo "install-deps: all $((${#packages[@]} + 1)) packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
run() {
  if $dry_run; then echo "would run: $*"; else "$@"; fi
}
export DEBIAN_FRONTEND=noninteractive
if $need_backports_source; then
  echo "install-deps: adding the bookworm-backports apt source"
  backports="Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
  if $dry_run; then
    echo "would write /etc/apt/sources.list.d/bookworm-backports.sources:"
    echo "$backports"
  else
    echo "$backports" | $SUDO tee /etc/apt/sources.list.d/bookworm-backports.sources >/dev/null
  fi
fi
run $SUDO apt-get update -q
if ((${#missing[@]} > 0)); then
  echo "install-deps: installing ${missing[*]}"
  run $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
if $need_ytdlp; then
  echo "install-deps: installing yt-dlp from bookworm-backports (installed: ${ytdlp_version:-none})"
  run $SUDO apt-get install -y -q --no-install-recommends -t bookworm-backports yt-dlp
fi
