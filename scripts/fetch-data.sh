#!/usr/bin/env bash
# Fetches what trendwatch needs from package registries into .cache/ (once):
#  - the npm package @vladmandic/face-api 1.7.15 (face model weights, MIT)
#  - test data from Debian packages, unpacked without installing them:
#    kphotoalbum (demo photos + movie.avi), iso-flags-png-320x240, opencv-doc.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${TW_CACHE_DIR:-$root/.cache}"
mkdir -p "$cache/npm" "$cache/debs" "$cache/testdata"

face_api_version=1.7.15
if [[ ! -f "$cache/face-api/package/model/ssd_mobilenetv1_model.bin" ]]; then
  echo "fetch-data: @vladmandic/face-api@$face_api_version from npm"
  (cd "$cache/npm" && npm pack --silent "@vladmandic/face-api@$face_api_version" >/dev/null)
  rm -rf "$cache/face-api" && mkdir -p "$cache/face-api"
  tar xzf "$cache/npm/vladmandic-face-api-$face_api_version.tgz" -C "$cache/face-api"
fi

debs=(kphotoalbum iso-flags-png-320x240 opencv-doc)
stamp="$cache/testdata/.unpacked-${debs[*]// /-}"
if [[ ! -f "$stamp" ]]; then
  echo "fetch-data: Debian test data (${debs[*]})"
  # apt-get download runs as _apt when it can; a world-writable folder avoids
  # its warning when we are root.
  chmod 777 "$cache/debs"
  (cd "$cache/debs" && apt-get download -q "${debs[@]}" 2>&1 | grep -v "^W: Download is performed unsandboxed" || true)
  for deb in "$cache"/debs/*.deb; do
    dpkg-deb -x "$deb" "$cache/testdata"
  done
  touch "$stamp"
fi
echo "fetch-data: ready in $cache"
