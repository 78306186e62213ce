#!/usr/bin/env bash
# The foundation's figures (docs/benchmarks.md): idle RSS and start-up time of `hearth serve`
# and of each single-service binary, and p50/p99 of an authenticated GET at ~1,000 requests/s
# through the separate-process path (bugs asking the portal). Release build; needs python3,
# curl and wrk (apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${RUNS:-15}
cargo build --release -q -p hearth -p hearth-portal -p hearth-photos -p hearth-bugs -p hearth-games
bin=target/release
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }

echo "## start-up to first 200 from /readyz, idle RSS ($runs runs each, fresh SQLite each run)"
python3 bench/startup.py "$runs" "$bin/hearth" serve
python3 bench/startup.py "$runs" "$bin/hearth-portal"
for service in photos bugs games; do
  HEARTH_PORTAL_URL=http://127.0.0.1:9 python3 bench/startup.py "$runs" "$bin/hearth-$service"
done

echo "## authenticated GET /bugs/api/me through the separate-process path, ~1,000 requests/s"
data=$(mktemp -d)
portal_port=18581
bugs_port=18582
HEARTH_ADDR=127.0.0.1:$portal_port HEARTH_DATA_DIR=$data RUST_LOG=warn "$bin/hearth-portal" &
portal_pid=$!
HEARTH_ADDR=127.0.0.1:$bugs_port HEARTH_DATA_DIR=$data RUST_LOG=warn HEARTH_PORTAL_URL=http://127.0.0.1:$portal_port \
  "$bin/hearth-bugs" &
bugs_pid=$!
trap 'kill $portal_pid $bugs_pid 2>/dev/null; rm -rf "$data"' EXIT
until curl -sf "http://127.0.0.1:$portal_port/readyz" >/dev/null; do sleep 0.05; done
until curl -sf "http://127.0.0.1:$bugs_port/bugs/readyz" >/dev/null; do sleep 0.05; done
token=$(curl -sf -H 'content-type: application/json' \
  -d '{"username":"mum","display_name":"Mum","password":"bench password"}' \
  "http://127.0.0.1:$portal_port/api/setup" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
export TOKEN=$token REQUEST_PATH=/bugs/api/me DELAY_MS=10
wrk -t 2 -c 10 -d 5s -s bench/latency.lua "http://127.0.0.1:$bugs_port" >/dev/null
wrk -t 2 -c 10 -d 30s -s bench/latency.lua "http://127.0.0.1:$bugs_port" | tail -n 1
echo "## the same GET in the all-in-one process (identity resolved in-process)"
kill $portal_pid $bugs_pid
HEARTH_ADDR=127.0.0.1:$portal_port HEARTH_DATA_DIR=$data RUST_LOG=warn "$bin/hearth" serve &
portal_pid=$!
until curl -sf "http://127.0.0.1:$portal_port/readyz" >/dev/null; do sleep 0.05; done
token=$(curl -sf -H 'content-type: application/json' -d '{"username":"mum","password":"bench password"}' \
  "http://127.0.0.1:$portal_port/api/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
export TOKEN=$token
wrk -t 2 -c 10 -d 30s -s bench/latency.lua "http://127.0.0.1:$portal_port" | tail -n 1
