#!/usr/bin/env bash
# The bugs service's figures (docs/benchmarks.md): seed ISSUES issues and COMMENTS comments
# into its SQLite database, then p50/p99 under wrk of the issue list page, a filtered query
# and full-text searches, and the database's size on disk. Release build, separate processes
# (bugs asks the portal, with its identity cache). Needs python3, curl and wrk.
set -euo pipefail
cd "$(dirname "$0")/.."

issues=${ISSUES:-100000}
comments=${COMMENTS:-300000}
duration=${DURATION:-20s}
cargo build --release -q -p hearth-portal -p hearth-bugs
bin=target/release
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }

data=$(mktemp -d)
portal_port=18591
bugs_port=18592
start_bugs() {
  HEARTH_ADDR=127.0.0.1:$bugs_port HEARTH_DATA_DIR=$data RUST_LOG=error HEARTH_AUTH_CACHE_SECS=30 \
    HEARTH_PORTAL_URL=http://127.0.0.1:$portal_port "$bin/hearth-bugs" &
  bugs_pid=$!
  until curl -sf "http://127.0.0.1:$bugs_port/bugs/readyz" >/dev/null; do sleep 0.05; done
}
HEARTH_ADDR=127.0.0.1:$portal_port HEARTH_DATA_DIR=$data RUST_LOG=warn "$bin/hearth-portal" &
portal_pid=$!
trap 'kill $portal_pid ${bugs_pid:-} 2>/dev/null; rm -rf "$data"' EXIT
until curl -sf "http://127.0.0.1:$portal_port/readyz" >/dev/null; do sleep 0.05; done
setup=$(curl -sf -H 'content-type: application/json' \
  -d '{"username":"mum","display_name":"Mum","password":"bench password"}' "http://127.0.0.1:$portal_port/api/setup")
token=$(echo "$setup" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
user_id=$(echo "$setup" | python3 -c 'import json,sys; print(json.load(sys.stdin)["identity"]["user_id"])')

start_bugs
kill $bugs_pid; wait $bugs_pid 2>/dev/null || true
echo "## seeding"
python3 bench/bugs_seed.py "$data/bugs.db" "$issues" "$comments" "$user_id"
echo "database on disk: $(du -sh "$data"/bugs.db* | awk '{print $1}' | paste -sd+ -) ($(du -cb "$data"/bugs.db* | tail -n1 | cut -f1) bytes)"
start_bugs

export TOKEN=$token
measure() { # name path connections delay_ms
  export REQUEST_PATH=$2 DELAY_MS=$4
  curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$bugs_port$2" || { echo "$2 failed" >&2; exit 1; }
  wrk -t 2 -c "$3" -d 3s -s bench/latency.lua "http://127.0.0.1:$bugs_port" >/dev/null
  printf '%s\t%s\t' "$1" "$2"
  wrk -t 2 -c "$3" -d "$duration" -s bench/latency.lua "http://127.0.0.1:$bugs_port" | tail -n 1
}
echo "## latency (wrk, 2 threads, fixed pace)"
measure "issue list page (HTML)" "/bugs/p/HOME" 10 20
measure "filtered query (HTML)" "/bugs/issues?q=is%3Aopen+label%3Aprinter+priority%3Ahigh" 10 20
measure "full-text, common word (HTML)" "/bugs/issues?q=printer" 10 20
measure "full-text, phrase (HTML)" "/bugs/issues?q=%22paper+jam%22" 10 20
measure "filtered query (API)" "/bugs/api/issues?q=is%3Aopen+label%3Aprinter+priority%3Ahigh" 10 20
# A word no issue has: answered from the trigram index (docs/adr/0022), no longer a scan of
# every issue's search text, so it runs at the same pace as the others.
measure "full-text, word in no issue (HTML)" "/bugs/issues?q=zebra" 10 20
