#!/usr/bin/env bash
# The main job, from nothing: installs packages, fetches models and demo data,
# builds, installs the face models, and runs trendwatch on the demo.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${TW_BUILD_DIR:-$root/build}"
bash "$root/scripts/install-deps.sh"
bash "$root/scripts/fetch-data.sh"
bash "$root/scripts/build.sh"
tw="$build/trendwatch"
export TRENDWATCH_HOME="${TRENDWATCH_HOME:-$root/.cache/demo-home}"
"$tw" models install --from "$root/.cache/face-api/package/model"
demo="$root/.cache/testdata/usr/share/kphotoalbum/demo"
"$tw" faces "$demo/jesper.jpg" "$demo/jesper_2.jpg" "$root/.cache/face-api/package/demo/sample1.jpg"
