#!/usr/bin/env bash
# Photos ingest (docs/benchmarks.md): 1 GB of photo-sized files through the HTTP API against
# `cp` of the same files on the same disk (cp then sync, since Hearth fsyncs every file), and
# the memory of Hearth while four 1 GB uploads run at once. Release build; needs curl (7.66 or
# later, for --parallel) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release -q -p hearth
work=$(mktemp -d /var/tmp/hearth-ingest.XXXXXX)
trap 'kill $hearth_pid 2>/dev/null || true; rm -rf "$work"' EXIT
hearth_pid=0

echo "## making 200 files of 5 MB and 4 files of 1 GB (random bytes, each unique)"
mkdir -p "$work/photos" "$work/big" "$work/copy"
for i in $(seq -w 1 200); do
  { printf '\xff\xd8\xff\xe0'; head -c 5242876 /dev/urandom; } > "$work/photos/IMG_$i.jpg"
done
for i in 1 2 3 4; do head -c 1073741824 /dev/urandom > "$work/big/video-$i.mp4"; done
sync

port=18700
HEARTH_ADDR=127.0.0.1:$port HEARTH_DATA_DIR="$work/data" RUST_LOG=warn HEARTH_PHOTOS_PREVIEW_WORKERS=1 \
  target/release/hearth serve &
hearth_pid=$!
until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.05; done
token=$(curl -sf -H 'content-type: application/json' \
  -d '{"username":"mum","display_name":"Mum","password":"bench password"}' \
  "http://127.0.0.1:$port/api/setup" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

# All uploads of a folder from one curl process, four at a time over kept-alive connections,
# so that what is timed is the server, not 200 client start-ups.
upload_all() {
  for file in "$1"/*; do
    printf 'upload-file = "%s"\nurl = "http://127.0.0.1:%s/photos/api/items?file_name=%s"\noutput = "/dev/null"\n' \
      "$file" "$port" "$(basename "$file")"
  done > "$work/curl.cfg"
  curl -sf --no-progress-meter --parallel --parallel-max 4 -H "Authorization: Bearer $token" -K "$work/curl.cfg"
}

echo "## 1 GB: cp + sync, then Hearth (4 uploads at a time), three rounds each"
for round in 1 2 3; do
  rm -rf "$work/copy"/*
  sync
  start=$(date +%s.%N)
  cp "$work/photos"/* "$work/copy/" && sync
  cp_s=$(echo "$(date +%s.%N) - $start" | bc)
  rm -rf "$work/data/photos/blobs"/* && sync
  start=$(date +%s.%N)
  upload_all "$work/photos"
  hearth_s=$(echo "$(date +%s.%N) - $start" | bc)
  python3 - "$cp_s" "$hearth_s" <<'PY'
import sys
cp, hearth = float(sys.argv[1]), float(sys.argv[2])
print(f'{{"cp_s": {cp:.2f}, "cp_mb_s": {1048.6 / cp:.0f}, "hearth_s": {hearth:.2f}, "hearth_mb_s": {1048.6 / hearth:.0f}, "ratio": {cp / hearth:.2f}}}')
PY
  # The next round must upload new bytes again: forget these items and their blobs.
  python3 - "$work/data/photos.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("DELETE FROM items")
db.commit()
PY
done

echo "## memory during four concurrent 1 GB uploads"
idle_kb=$(awk '/VmRSS/ {print $2}' "/proc/$hearth_pid/status")
peak_file="$work/peak"
( peak=0; while kill -0 "$hearth_pid" 2>/dev/null; do
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$hearth_pid/status"); [ "$rss" -gt "$peak" ] && peak=$rss && echo "$peak" > "$peak_file"
    sleep 0.05; done ) &
sampler=$!
start=$(date +%s.%N)
upload_all "$work/big"
seconds=$(echo "$(date +%s.%N) - $start" | bc)
kill $sampler
python3 - "$idle_kb" "$(cat "$peak_file")" "$seconds" <<'PY'
import sys
idle, peak, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
print(f'{{"idle_rss_mb": {idle / 1024:.1f}, "peak_rss_mb": {peak / 1024:.1f}, "above_idle_mb": {(peak - idle) / 1024:.1f}, "seconds": {seconds:.1f}}}')
PY
