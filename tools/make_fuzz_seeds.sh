#!/usr/bin/env bash
# Remakes the seed corpora of the fuzz targets (tests/data/fuzz/<target>/)
# from the project's fixtures: the config contract example and test configs,
# the yt-dlp, command and URL listings of tests/sources, a kphotoalbum photo
# shrunk into every image format load_image reads (and one with an EXIF
# orientation), movie.avi cut into tiny clips of several containers, the
# dashboard API's requests, target files of each kind.  Small files only (the
# repository stays lean): the fuzzer grows its own corpus in build-fuzz/.
# Regression inputs (crash-*) in those folders are kept.  Needs ffmpeg and
# python3; run scripts/fetch-data.sh first.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/tests/data/fuzz"
demo="${TW_CACHE_DIR:-$root/.cache}/testdata/usr/share/kphotoalbum/demo"
mkdir -p "$out"/{config,ytdlp_json,json_lines,url_lines,image,video,dashboard,target_file,redact}
ff() { ffmpeg -hide_banner -loglevel error -y "$@"; }

# --- config -------------------------------------------------------------------
awk '/^```toml/{on=1; next} /^```/{on=0} on' "$root/docs/DESIGN.md" >"$out/config/contract.toml"
cat >"$out/config/every_key.toml" <<'EOF'
[store]
url = "postgresql://tw:secret@127.0.0.1:5432/trendwatch?sslmode=disable"
[scan]
fps = 2.5
threshold = 0.55
min_frames = 3
min_duration = "500ms"
min_face = 48
approximate = true
max_video_bytes = "20MB"
download_timeout = "1h30m"
[watch]
concurrency = 4
every = "1.5h"
source_timeout = "45s"
max_videos = 10
outbox_retry_initial = "10s"
outbox_retry_max = "30m"
outbox_max_attempts = 12
cache_dir = "cache"
cache_max_bytes = "1GiB"
[[source]]
name = "folder"
kind = "folder"
location = "videos"
recursive = true
enabled = false
[[alert]]
kind = "command"
name = "notify"
command = ["notify-send", "--urgency=low"]
timeout = "250ms"
EOF
printf '[scan]\nfps = "fast"\n' >"$out/config/wrong_type.toml"
printf '[[source]]\nname = "a"\nkind = "urls"\nlocation = "x"\n[[source]]\nname = "a"\nkind = "urls"\nlocation = "y"\n' \
  >"$out/config/duplicate_name.toml"
printf '1h30m\n' >"$out/config/duration.toml"
printf '2GiB\n' >"$out/config/size.toml"

# --- yt-dlp -J ----------------------------------------------------------------
cat >"$out/ytdlp_json/flat_playlist.json" <<'EOF'
{"_type": "playlist", "id": "someone", "title": "someone", "extractor_key": "TikTokUser",
 "entries": [
  {"_type": "url", "ie_key": "TikTok", "id": "7301", "url": "https://www.tiktok.com/@someone/video/7301",
   "title": "dance \"take 2\"\n$(reboot)", "uploader": "someone", "timestamp": 1700000000},
  {"_type": "url", "id": "7302", "url": "https://www.tiktok.com/@someone/video/7302",
   "channel": "Some One", "upload_date": "20231101"},
  {"title": "no id"},
  null,
  {"_type": "url", "ie_key": "TikTok", "id": "7301", "url": "https://www.tiktok.com/@someone/video/7301"}
]}
EOF
cat >"$out/ytdlp_json/full_entries.json" <<'EOF'
{"_type": "playlist", "id": "79005827461758976", "title": "meme", "extractor_key": "TikTokUser",
 "webpage_url": "https://www.tiktok.com/@meme",
 "entries": [
  {"id": "7301", "title": "a caption", "uploader": "meme", "timestamp": 1700000000,
   "extractor_key": "TikTok", "extractor": "TikTok",
   "webpage_url": "https://tiktok.com/@79005827461758976/video/7301",
   "formats": [{"url": "https://v16.example/7301.mp4", "format_id": "play_addr"}]}
]}
EOF
cat >"$out/ytdlp_json/single_video.json" <<'EOF'
{"id": "clip", "title": "Feed page (1)", "url": "http://127.0.0.1:8000/videos/a.mp4", "ext": "mp4",
 "extractor": "generic", "webpage_url": "http://127.0.0.1:8000/page.html", "duration": 4.5,
 "release_timestamp": 1714557600, "uploader_id": "@x"}
EOF

# --- command JSON lines -------------------------------------------------------
cat >"$out/json_lines/feed.jsonl" <<'EOF'
{"id":"v1","url":"https://example.org/v1.mp4","title":"first","author":"ann","posted_at":"2024-05-01T10:00:00Z"}
this is not json
{"id": 2, "url": "https://example.org/v2.mp4", "posted_at": 1714557600, "platform": "tiktok"}

[1, 2]
{"id":"v3"}
{"id":"x$(touch pwned)","url":"https://example.org/x.mp4","title":"He said \"hi\"\nline two","author":"o'hara; $(touch pwned)"}
EOF

# --- urls listing -------------------------------------------------------------
printf '# old first\nhttp://h/1.mp4\nhttp://h/2.mp4?x=1\nhttps://h/3.mp4\n\nftp://h/4.mp4\nhttp://h/a b.mp4\nHTTPS://H/5.MOV#t=1\nhttp://h/1.mp4\n' \
  >"$out/url_lines/list.txt"

# --- images: one photo in every format load_image reads -------------------------
photo="$demo/jesper.jpg"
ff -i "$photo" -vf scale=48:-2 -q:v 8 "$out/image/photo.jpg"
ff -i "$photo" -vf scale=32:-2 "$out/image/photo.png"
ff -i "$photo" -vf scale=32:-2,format=gray "$out/image/grey.png"
ff -i "$photo" -vf scale=32:-2 -quality 30 "$out/image/photo.webp"
ff -i "$photo" -vf scale=24:-2 -lossless 1 "$out/image/lossless.webp"
ff -i "$photo" -vf scale=16:-2 "$out/image/photo.bmp"
ff -i "$photo" -vf scale=16:-2 "$out/image/photo.tiff"
ff -i "$photo" -vf scale=16:-2 "$out/image/photo.ppm"
ff -i "$photo" -vf scale=16:-2,format=gray "$out/image/photo.pgm"
# The JPEG again with an APP1 Exif segment whose Orientation is 6 (turn 90).
python3 - "$out/image/photo.jpg" "$out/image/exif_orientation_6.jpg" <<'EOF'
import struct, sys
jpeg = open(sys.argv[1], "rb").read()
tiff = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 1) + \
       struct.pack("<HHII", 0x0112, 3, 1, 6) + struct.pack("<I", 0)
body = b"Exif\x00\x00" + tiff
app1 = b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body
open(sys.argv[2], "wb").write(jpeg[:2] + app1 + jpeg[2:])
EOF
head -c 300 "$out/image/photo.jpg" >"$out/image/truncated.jpg"

# --- videos: movie.avi cut small, in several containers and codecs ---------------
movie="$demo/movie.avi"
cut=(-t 0.6 -i "$movie" -vf scale=48:36 -an)
ff "${cut[@]}" -c:v libx264 -preset ultrafast -crf 40 -pix_fmt yuv420p "$out/video/clip.mp4"
# A display matrix turning it a quarter (set on a stream copy: encoding drops it).
ff -i "$out/video/clip.mp4" -c copy -metadata:s:v:0 rotate=90 "$out/video/rotated.mp4"
ff "${cut[@]}" -c:v libvpx -b:v 20k "$out/video/clip.webm"
ff "${cut[@]}" -c:v mjpeg -q:v 20 "$out/video/clip.avi"
ff "${cut[@]}" -c:v mpeg4 -q:v 20 "$out/video/clip.mkv"
ff -f lavfi -i "sine=duration=0.3" -c:a aac -b:a 16k "$out/video/audio_only.m4a"
head -c 1500 "$out/video/clip.mp4" >"$out/video/truncated.mp4"

# --- dashboard requests -------------------------------------------------------
req() { printf '%b' "$2" >"$out/dashboard/$1"; }
req list 'GET /api/appearances?target=jesper&verdict=unreviewed&limit=5&offset=0 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n'
req list_video 'GET /api/appearances?video=1&limit=500 HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer fuzz-token\r\n\r\n'
req bad_limit 'GET /api/appearances?limit=-1&offset=99999999999 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'
req verdict 'POST /api/appearances/abc123/verdict HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: application/json\r\nOrigin: http://127.0.0.1:8080\r\nContent-Length: 25\r\n\r\n{"verdict": "confirmed"}\n'
req verdict_chunked 'POST /api/appearances/abc123/verdict HTTP/1.1\r\nHost: [::1]:8080\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nAuthorization: Bearer fuzz-token\r\n\r\n16\r\n{"verdict":"dismissed"\r\n1\r\n}\r\n0\r\n\r\n'
req video 'GET /api/videos/1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'
req sources 'GET /api/sources HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /api/targets HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'
req page_token 'GET /?token=fuzz-token HTTP/1.1\r\nHost: dashboard.example\r\n\r\n'
req evidence 'GET /evidence/abc/frame HTTP/1.1\r\nHost: 127.0.0.1\r\nRange: bytes=0-10\r\n\r\n'
req encoded 'GET /api/appearances?target=%E2%9C%93%00x&verdict=confirmed HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: gzip, br\r\n\r\n'

# --- target files ---------------------------------------------------------------
python3 - "$out/target_file" <<'EOF'
import json, sys
out = sys.argv[1]
descriptor = [round(((i * 37) % 101) / 1000 - 0.05, 4) for i in range(128)]
face = {"format": "trendwatch-target", "format_version": 1, "name": "jesper", "kind": "face",
        "threshold": 0.55, "created": "2026-11-20T09:00:00Z",
        "references": [{"path": "/photos/jesper.jpg", "sha256": "ab" * 32, "box": [52, 12, 70, 80]}],
        "descriptors": [descriptor], "negatives": [descriptor[::-1]]}
json.dump(face, open(f"{out}/face.json", "w"), indent=1)
image = dict(face, name="qt-logo", kind="image", threshold=0, descriptors=[],
             image={"min_inliers": 8, "features": [{"width": 64, "height": 48,
                    "points": [1.5, 2.25, 10, 20], "descriptors": "AAEC" * 85 + "AA=="}]})
image.pop("negatives")
json.dump(image, open(f"{out}/image.json", "w"), indent=1)
head = {"kind": "logistic", "feature_mean": [0.0] * 4, "feature_scale": [1.0] * 4,
        "layers": [{"inputs": 4, "outputs": 1, "weights": [0.1, -0.2, 0.3, -0.4], "bias": [0.05]}],
        "dropout": 0.0, "l2_normalize": True, "sha256": ""}
figures = {"measured": True, "precision": 1.0, "recall": 0.5, "f1": 0.67, "loss": 0.3,
           "true_positives": 1, "false_positives": 0, "false_negatives": 1, "true_negatives": 2,
           "positive_photos": 2, "negative_photos": 2, "threshold_rule": "f1"}
classifier = dict(face, name="logo", kind="classifier", threshold=0.5, descriptors=[],
                  classifier={"backbone": {"kind": "onnx", "feature_size": 4, "path": "/m.onnx",
                                           "sha256": "cd" * 32, "input_width": 32, "input_height": 32,
                                           "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]},
                              "head": head, "validation": figures,
                              "training": {"epochs_run": 3, "best_epoch": 2, "max_epochs": 10,
                                           "augment_copies": 0, "seed": 1, "learning_rate": 0.01,
                                           "l2": 0.001, "train_positive_samples": 2,
                                           "train_negative_samples": 2},
                              "photos": [{"path": "/p/a.jpg", "sha256": "ef" * 32, "positive": True,
                                          "validation": False, "samples": 1}]})
classifier.pop("negatives")
json.dump(classifier, open(f"{out}/classifier.json", "w"), indent=1)
EOF

# --- redaction ------------------------------------------------------------------
printf 'cannot connect to postgresql://tw:s3cr3t-Value@db:5432/x?password=pw&sslmode=require' >"$out/redact/store_url"
printf 'POST https://hooks.slack.com/services/T0/B0/XX?token=abc: HTTP 403: invalid_token' >"$out/redact/webhook"
printf 'Authorization: Bearer abc.def\n{"client_secret": "x\\"y", "api_key": s3cr3t-Value}\nhost=db password=pw' >"$out/redact/mixed"
echo "make_fuzz_seeds: $(find "$out" -type f | wc -l) files, $(du -sh "$out" | cut -f1)"
