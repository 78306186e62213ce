#!/usr/bin/env bash
# Memory after a burst (docs/benchmarks.md, ADR 0072): RSS of `hearth serve` at start, at the
# peak of the photo upload workload of bench/photos_ingest.sh (200 photos of 5 MB four at a
# time, then four 1 GB uploads at once), right after it and 30 s later, with its split into
# RssAnon (what the process allocated) and RssFile (the binary's pages). Release build;
# needs curl and python3. Settings of the allocator come through the environment:
#
#   bench/photos_memory.sh
#   HEARTH_BIN=path/to/hearth GLIBC_TUNABLES=glibc.malloc.arena_max=2 bench/photos_memory.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${HEARTH_BIN:-}" ]; then
  cargo build --release -q -p hearth
  HEARTH_BIN=target/release/hearth
fi
work=$(mktemp -d /var/tmp/hearth-memory.XXXXXX)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/photos" "$work/big"
for i in $(seq -w 1 200); do
  { printf '\xff\xd8\xff\xe0'; head -c 5242876 /dev/urandom; } > "$work/photos/IMG_$i.jpg"
done
for i in 1 2 3 4; do head -c 1073741824 /dev/urandom > "$work/big/video-$i.mp4"; done

port=18750
HEARTH_ADDR=127.0.0.1:$port HEARTH_DATA_DIR="$work/data" RUST_LOG=error HEARTH_PHOTOS_PREVIEW_WORKERS=1 \
  "$HEARTH_BIN" serve &
pid=$!
pids+=("$pid")
until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.05; done
memory() { awk '/VmRSS|RssAnon|RssFile/ {printf "%s %.1f MB  ", $1, $2 / 1024}' "/proc/$pid/status"; }
echo "start:        $(memory)"
token=$(curl -sf -H 'content-type: application/json' \
  -d '{"username":"mum","display_name":"Mum","password":"bench password"}' \
  "http://127.0.0.1:$port/api/setup" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
upload_all() { # folder
  for file in "$1"/*; do
    printf 'upload-file = "%s"\nurl = "http://127.0.0.1:%s/photos/api/items?file_name=%s"\noutput = "/dev/null"\n' \
      "$file" "$port" "$(basename "$file")"
  done > "$work/curl.cfg"
  curl -sf --no-progress-meter --parallel --parallel-max 4 -H "Authorization: Bearer $token" -K "$work/curl.cfg"
}
echo 0 > "$work/peak"
( peak=0; while kill -0 "$pid" 2>/dev/null; do
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status"); [ "$rss" -gt "$peak" ] && peak=$rss && echo "$peak" > "$work/peak"
    sleep 0.05; done ) &
sampler=$!
upload_all "$work/photos"
upload_all "$work/big"
kill $sampler
echo "peak:         VmRSS: $(($(cat "$work/peak") / 1024)) MB"
echo "right after:  $(memory)"
sleep 30
echo "30 s after:   $(memory)"
