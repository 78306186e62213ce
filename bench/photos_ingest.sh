#!/usr/bin/env bash
# Photos ingest (docs/benchmarks.md, ADR 0034): 1 GB of photo-sized files through the HTTP API
# against `cp` of the same files on the same disk (cp then sync, since Hearth fsyncs every
# file), side by side in rounds of random order, and the memory of Hearth while four 1 GB
# uploads run at once. Release build; needs curl (7.66 or later, for --parallel) and python3.
#
#   ROUNDS=5 bench/photos_ingest.sh          # the figures of docs/benchmarks.md
#   HEARTH_BIN=path/to/hearth bench/...      # another build (e.g. an older one), same rounds
#
# Each side's time is the wall clock; Hearth's sides also report Hearth's processor time
# (hearth_cpu_s), which a busy machine disturbs far less. The memory section gives the RSS at
# start, before the four uploads (idle), at their peak, and 30 s after they end.
#
# Two regimes, each ROUNDS rounds:
# - growing: the library grows, as a family's does: every round first gives each file new
#   bytes (so each upload is new to Hearth) and nothing is deleted until the end; cp copies
#   into a new folder. This is the regime the goal is read on (ADR 0034).
# - rewrite: the earlier method: before each side runs, its previous copy (cp's folder,
#   Hearth's blobs and items) is deleted, so both write over what was just freed.
# A third side in the rewrite rounds, `floor`, is bench/hash_sink.py: a server that only
# receives the bodies and hashes them, storing nothing: what receiving and hashing 1 GB from
# curl on this machine costs before any storage at all.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${ROUNDS:-5}
if [ -z "${HEARTH_BIN:-}" ]; then
  cargo build --release -q -p hearth
  HEARTH_BIN=target/release/hearth
fi
work=$(mktemp -d /var/tmp/hearth-ingest.XXXXXX)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT

echo "## making 200 files of 5 MB and 4 files of 1 GB (random bytes, each unique)"
mkdir -p "$work/photos" "$work/big" "$work/copies"
for i in $(seq -w 1 200); do
  { printf '\xff\xd8\xff\xe0'; head -c 5242876 /dev/urandom; } > "$work/photos/IMG_$i.jpg"
done
for i in 1 2 3 4; do head -c 1073741824 /dev/urandom > "$work/big/video-$i.mp4"; done
sync

port=18700
HEARTH_ADDR=127.0.0.1:$port HEARTH_DATA_DIR="$work/data" RUST_LOG=warn HEARTH_PHOTOS_PREVIEW_WORKERS=1 \
  "$HEARTH_BIN" serve &
hearth_pid=$!
pids+=("$hearth_pid")
until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.05; done
started_rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$hearth_pid/status")
token=$(curl -sf -H 'content-type: application/json' \
  -d '{"username":"mum","display_name":"Mum","password":"bench password"}' \
  "http://127.0.0.1:$port/api/setup" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
floor_port=18701
python3 bench/hash_sink.py "$floor_port" &
pids+=($!)

now() { date +%s.%N; }
seconds_since() { echo "$(now) - $1" | bc; }
# Hearth's processor time so far (user + system, its ended decoder children's included), in
# seconds: a figure that a busy machine disturbs far less than the wall clock.
hearth_cpu() { awk -v tick="$(getconf CLK_TCK)" '{print ($14 + $15 + $16 + $17) / tick}' "/proc/$hearth_pid/stat"; }

# All uploads of a folder from one curl process, four at a time over kept-alive connections,
# so that what is timed is the server, not 200 client start-ups.
upload_all() { # folder port
  for file in "$1"/*; do
    printf 'upload-file = "%s"\nurl = "http://127.0.0.1:%s/photos/api/items?file_name=%s"\noutput = "/dev/null"\n' \
      "$file" "$2" "$(basename "$file")"
  done > "$work/curl.cfg"
  curl -sf --no-progress-meter --parallel --parallel-max 4 -H "Authorization: Bearer $token" -K "$work/curl.cfg"
}

# New bytes in every file, so that the next uploads are new to Hearth.
make_unique() {
  python3 - "$work/photos" <<'PY'
import os, sys
for name in os.listdir(sys.argv[1]):
    with open(os.path.join(sys.argv[1], name), 'r+b') as f:
        f.seek(8)
        f.write(os.urandom(16))
PY
  sync
}

forget_hearths_copy() {
  python3 - "$work/data/photos.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("DELETE FROM items")
db.commit()
PY
  find "$work/data/photos/blobs" -type f -delete
  sync
}

run_side() { # regime side round
  local start cpu
  cpu=$(hearth_cpu)
  case $1/$2 in
    growing/cp) mkdir -p "$work/copies/$3"; start=$(now); cp "$work/photos"/* "$work/copies/$3/" && sync ;;
    rewrite/cp) rm -rf "$work/copies"/*; sync; start=$(now); cp "$work/photos"/* "$work/copies/" && sync ;;
    growing/hearth) start=$(now); upload_all "$work/photos" $port ;;
    rewrite/hearth) forget_hearths_copy; start=$(now); upload_all "$work/photos" $port ;;
    rewrite/floor) start=$(now); upload_all "$work/photos" $floor_port ;;
  esac
  echo "$1 $2 $(seconds_since "$start") $(echo "$(hearth_cpu) - $cpu" | bc)" | tee -a "$work/times"
}

for regime in growing rewrite; do
  echo "## 1 GB, regime '$regime': $rounds rounds, the sides in random order"
  sides="cp hearth"
  [ $regime = rewrite ] && sides="cp hearth floor"
  for round in $(seq 1 "$rounds"); do
    [ $regime = growing ] && make_unique
    for side in $(printf '%s\n' $sides | shuf); do run_side $regime "$side" "$round"; done
  done
  [ $regime = growing ] && { rm -rf "$work/copies"/*; forget_hearths_copy; make_unique; }
done
python3 - "$work/times" <<'PY'
import collections, statistics, sys
times = collections.defaultdict(list)
cpu = collections.defaultdict(list)
for line in open(sys.argv[1]):
    regime, side, seconds, hearth_cpu_s = line.split()
    times[regime, side].append(float(seconds))
    cpu[regime, side].append(float(hearth_cpu_s))
for regime in ("growing", "rewrite"):
    cp = statistics.median(times[regime, "cp"])
    for side in ("cp", "hearth", "floor"):
        if (regime, side) in times:
            runs = times[regime, side]
            median = statistics.median(runs)
            print(f'{{"regime": "{regime}", "side": "{side}", "median_s": {median:.2f}, "min_s": {min(runs):.2f}, '
                  f'"max_s": {max(runs):.2f}, "mb_s": {1048.6 / median:.0f}, "throughput_vs_cp": {cp / median:.2f}, '
                  f'"hearth_cpu_s": {statistics.median(cpu[regime, side]):.2f}}}')
PY

echo "## memory during four concurrent 1 GB uploads"
idle_kb=$(awk '/VmRSS/ {print $2}' "/proc/$hearth_pid/status")
peak_file="$work/peak"
( peak=0; while kill -0 "$hearth_pid" 2>/dev/null; do
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$hearth_pid/status"); [ "$rss" -gt "$peak" ] && peak=$rss && echo "$peak" > "$peak_file"
    sleep 0.05; done ) &
sampler=$!
start=$(now)
upload_all "$work/big" $port
seconds=$(seconds_since "$start")
kill $sampler
sleep 30
after_kb=$(awk '/VmRSS/ {print $2}' "/proc/$hearth_pid/status")
python3 - "$started_rss_kb" "$idle_kb" "$(cat "$peak_file")" "$after_kb" "$seconds" <<'PY'
import sys
started, idle, peak, after = (int(kb) / 1024 for kb in sys.argv[1:5])
seconds = float(sys.argv[5])
print(f'{{"started_rss_mb": {started:.1f}, "idle_rss_mb": {idle:.1f}, "peak_rss_mb": {peak:.1f}, '
      f'"above_idle_mb": {peak - idle:.1f}, "rss_30s_after_mb": {after:.1f}, '
      f'"after_vs_started": {after / started:.2f}, "seconds": {seconds:.1f}}}')
PY
