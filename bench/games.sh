#!/usr/bin/env bash
# The games service's figures (docs/benchmarks.md): the manager's time from a launch request
# to the game process spawned, from the game's ready line to the state `running` recorded,
# and the RSS of `hearth serve games` (the games service alone, the portal beside it) with 10
# servers running. Uses the stand-in `echo` template
# (services/games/tests/templates) so the figures are the manager's, not a game's start-up.
# BUILD=release (default) or BUILD=debug; needs curl and python3.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${BUILD:-release}
servers=${SERVERS:-10}
# GAMES_BIN=hearth-games runs the games service's own binary (its container's) instead of
# `hearth serve games`, the all-in-one binary with every service's code.
games_bin=${GAMES_BIN:-hearth}
if [ "$build" = release ]; then cargo build --release -q -p hearth -p "$games_bin"; else cargo build -q -p hearth -p "$games_bin"; fi
bin=target/$build/hearth
if [ "$games_bin" = hearth ]; then games=("$bin" serve games); else games=("target/$build/$games_bin"); fi
data=$(mktemp -d)
chmod 711 "$data"
port=18591
portal_port=18592
# The portal in its own process, so the RSS below is the games service's alone (the portal's
# password hashing keeps ~20 MB of its own).
HEARTH_ADDR=127.0.0.1:$portal_port HEARTH_DATA_DIR=$data RUST_LOG=warn "$bin" serve portal &
portal_pid=$!
HEARTH_ADDR=127.0.0.1:$port HEARTH_DATA_DIR=$data RUST_LOG=warn HEARTH_GAMES_PORTS=31500-31599 \
  HEARTH_PORTAL_URL=http://127.0.0.1:$portal_port \
  HEARTH_GAMES_TEMPLATES_DIR=$PWD/services/games/tests/templates "${games[@]}" &
pid=$!
trap 'kill $pid $portal_pid 2>/dev/null; rm -rf "$data"' EXIT
base=http://127.0.0.1:$port
until curl -sf "http://127.0.0.1:$portal_port/readyz" >/dev/null; do sleep 0.05; done
until curl -sf "$base/games/readyz" >/dev/null; do sleep 0.05; done
token=$(curl -sf -H 'content-type: application/json' \
  -d '{"username":"mum","display_name":"Mum","password":"bench password"}' \
  "http://127.0.0.1:$portal_port/api/setup" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
# VmRSS, and its split: RssAnon (memory the process allocated: heap, stacks) and RssFile (the
# binary's code and the shared libraries paged in: shared with other processes, reclaimable).
rss() { awk '/^(VmRSS|RssAnon|RssFile):/ {printf "%s %.1f MB  ", $1, $2 / 1024}' /proc/$pid/status; }
rss_before=$(rss)
for n in $(seq 1 "$servers"); do
  curl -sf -o /dev/null -H "authorization: Bearer $token" -H 'content-type: application/json' \
    -d "{\"game\": \"echo\", \"name\": \"Bench $n\"}" "$base/games/api/servers"
done
sleep 2
BASE=$base TOKEN=$token SERVERS=$servers python3 - <<'PY'
import json, os, re, statistics, urllib.request

def get(path):
    request = urllib.request.Request(os.environ["BASE"] + path, headers={"authorization": "Bearer " + os.environ["TOKEN"]})
    return json.load(urllib.request.urlopen(request))

spawn, ready = [], []
for server in get("/games/api/servers"):
    assert server["state"] == "running", server
    for line in get(f"/games/api/servers/{server['id']}/console")["lines"]:
        if m := re.search(r"spawned as pid \d+, (\d+) µs after the request", line):
            spawn.append(int(m.group(1)) / 1000)
        if m := re.search(r"running recorded (\d+) µs after the ready line", line):
            ready.append(int(m.group(1)) / 1000)
print(f"servers running: {len(spawn)}")
print(f"request -> spawned: median {statistics.median(spawn):.2f} ms, max {max(spawn):.2f} ms")
print(f"ready line -> running recorded: median {statistics.median(ready):.2f} ms, max {max(ready):.2f} ms")
PY
echo "${games[*]}, idle:              $rss_before"
echo "${games[*]}, $servers servers running: $(rss)"
for id in $(seq 1 "$servers"); do
  curl -sf -o /dev/null -X DELETE -H "authorization: Bearer $token" "$base/games/api/servers/$id?delete_world=true"
done
