#!/usr/bin/env bash
# The main job, from nothing: installs packages, fetches the face models and
# the demo data, builds, installs the models, enrolls "jesper" from four
# kphotoalbum photos, serves a demo feed from 127.0.0.1 (a URL list and a
# Zeeschuimer export) and runs the monitor once over it: appearances, the
# videos' figures, and jesper surging.  Alerts print on stdout; the results stay in SQLite
# (.cache/demo-home/trendwatch.db); `serve` shows them in a browser.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${TW_BUILD_DIR:-$root/build}"
bash "$root/scripts/install-deps.sh"
bash "$root/scripts/fetch-data.sh"
bash "$root/scripts/build.sh"

tw="$build/trendwatch"
data="$root/.cache/testdata/usr/share"
photos="$data/kphotoalbum/demo"
export TRENDWATCH_HOME="${TRENDWATCH_HOME:-$root/.cache/demo-home}"
feed="$root/.cache/demo-feed"
mkdir -p "$TRENDWATCH_HOME" "$feed"
# A fresh store each run, so that the demo shows its alerts again.
rm -rf "$TRENDWATCH_HOME/trendwatch.db"* "$TRENDWATCH_HOME/evidence" "$TRENDWATCH_HOME/cache"

echo "== models"
"$tw" models install --from "$root/.cache/face-api/package/model" >/dev/null
"$tw" models list

echo "== target: jesper, from photos in which he is the only person named"
"$tw" target add jesper --force --largest --photos \
  "$photos/jesper.jpg" "$photos/jesper_2.jpg" "$photos/new_wave_2.jpg" "$photos/grand_canyon_2.jpg"

echo "== demo feed (videos from Debian packages, and clips made with ffmpeg)"
cp -f "$photos/movie.avi" "$feed/movie.avi"
cp -f "$data/doc/opencv-doc/examples/data/Megamind.avi" "$feed/megamind.avi"
vtest="$data/doc/opencv-doc/examples/data/vtest.avi"
# Jesper (a photo not used to enroll him) on screen from 3.0 s to 5.0 s of a
# 720x1280 clip of street footage; and one with other people only.
make_clip() {  # output overlay-image t0 t1
  [[ -f "$feed/$1" ]] && return
  ffmpeg -hide_banner -loglevel error -y -stream_loop -1 -i "$vtest" -loop 1 -i "$2" \
    -filter_complex "[0:v]scale=720:1280:force_original_aspect_ratio=increase,crop=720:1280,setsar=1[bg];[1:v]scale=-2:600[ov];[bg][ov]overlay=x='40+20*t':y='300+10*t':enable='between(t,$3,$4)'" \
    -t 8 -r 30 -c:v libx264 -preset veryfast -pix_fmt yuv420p "$feed/$1"
}
make_clip jesper-cameo.mp4 "$photos/bar55.jpg" 3 5
make_clip other-people.mp4 "$root/.cache/face-api/package/demo/sample2.jpg" 2 6

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$feed" "$port" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fsS "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done
: >"$feed/list.txt"
for v in movie.avi megamind.avi jesper-cameo.mp4 other-people.mp4; do
  echo "http://127.0.0.1:$port/$v" >>"$feed/list.txt"
done

# What a researcher captured in a browser with Zeeschuimer: three re-uploads
# of the cameo posted in the last hours, with their figures (docs/sources.md).
mkdir -p "$feed/exports"
python3 - "$feed/exports/capture.ndjson" "http://127.0.0.1:$port/jesper-cameo.mp4" <<'PY'
import json, sys, time
now = int(time.time())
with open(sys.argv[1], "w") as out:
    for i, (hours_ago, views) in enumerate([(5, 18400), (3, 96100), (1, 240500)]):
        item = {"id": f"73100000000000000{i + 1:02d}", "desc": f"harbour cameo #harbour #demo{i}",
                "createTime": now - hours_ago * 3600, "author": {"uniqueId": f"reuploader{i + 1}"},
                "challenges": [{"title": "harbour"}],
                "stats": {"playCount": views, "diggCount": views // 20, "commentCount": 40 + i,
                          "shareCount": 7 * i, "collectCount": 3},
                "video": {"duration": 8, "playAddr": sys.argv[2]}}
        out.write(json.dumps({"source_platform": "tiktok.com",
                              "timestamp_collected": (now - 600) * 1000, "data": item}) + "\n")
PY

cat >"$TRENDWATCH_HOME/demo.toml" <<TOML
[store]
url = "sqlite://$TRENDWATCH_HOME/trendwatch.db"

[scan]
fps = 5

[[source]]
name = "demo"
kind = "urls"
location = "http://127.0.0.1:$port/list.txt"
every = "5m"

[[source]]
name = "browser"
kind = "zeeschuimer"
location = "$feed/exports"
every = "5m"

[trend]
window = "6h"
baseline = "7d"

[[alert]]
kind = "console"
TOML

echo "== trendwatch watch --once (alerts below; the JSON log is in $TRENDWATCH_HOME/watch.log)"
"$tw" watch --config "$TRENDWATCH_HOME/demo.toml" --once 2>"$TRENDWATCH_HOME/watch.log"
echo "== trendwatch status"
"$tw" status --config "$TRENDWATCH_HOME/demo.toml"
echo "== trendwatch videos (what the sources listed, with their figures)"
"$tw" videos --config "$TRENDWATCH_HOME/demo.toml"
echo "== trendwatch trends --target jesper (videos and reach per UTC hour; surges)"
"$tw" trends --config "$TRENDWATCH_HOME/demo.toml" --target jesper --since 12h
echo "== stored appearances"
sqlite3 -header -column "$TRENDWATCH_HOME/trendwatch.db" \
  "SELECT a.target, v.url, printf('%.1f', a.start_s) AS start, printf('%.1f', a.end_s) AS end, printf('%.2f', a.best_score) AS score FROM appearances a JOIN videos v ON v.id = a.video ORDER BY v.url, a.start_s;" 2>/dev/null ||
  true
echo
echo "See them in a browser: TRENDWATCH_HOME=$TRENDWATCH_HOME $tw serve --config $TRENDWATCH_HOME/demo.toml"
