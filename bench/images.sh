#!/usr/bin/env bash
# The images' figures (docs/benchmarks.md, issue 14): size of each image, time from container
# start to the first 200 from its /readyz, and its RSS idle, each container alone on SQLite
# (the services but the portal pointed at a portal that is not there: they start without it).
# Needs the images of `make images` (HEARTH_TAG: their tag, default the commit) and curl.
#
#   RUNS=10 bench/images.sh
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${RUNS:-10}
tag=${HEARTH_TAG:-$(git rev-parse --short=12 HEAD)}
port=18790
container=hearth-bench-image
trap 'docker rm -f "$container" >/dev/null 2>&1 || true' EXIT

now() { date +%s.%N; }

echo "| image | size MB | start to ready, median (min–max) of $runs, ms | idle RSS MB |"
echo "|---|---|---|---|"
for image in hearth-portal hearth-photos hearth-bugs hearth-games hearth; do
  case $image in
    hearth) readyz=/readyz ;;
    hearth-portal) readyz=/readyz ;;
    *) readyz=/${image#hearth-}/readyz ;;
  esac
  size=$(docker image inspect -f '{{.Size}}' "$image:$tag")
  times=() rss_kb=0
  for _ in $(seq 1 "$runs"); do
    docker rm -f "$container" >/dev/null 2>&1 || true
    docker create --name "$container" -p "127.0.0.1:$port:8080" --read-only --tmpfs /data:uid=10001,gid=10001 \
      -e HEARTH_PORTAL_URL=http://127.0.0.1:9 -e RUST_LOG=warn "$image:$tag" >/dev/null
    docker start "$container" >/dev/null
    until curl -sf -o /dev/null "http://127.0.0.1:$port$readyz"; do sleep 0.005; done
    ready=$(now)
    started=$(date -d "$(docker inspect -f '{{.State.StartedAt}}' "$container")" +%s.%N)
    times+=("$(echo "($ready - $started) * 1000" | bc)")
    sleep 2
    pid=$(docker inspect -f '{{.State.Pid}}' "$container")
    rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v image="$image" -v size="$size" -v rss="$rss_kb" '
    { t[NR] = $1 }
    END { printf "| %s | %.1f | %.0f (%.0f–%.0f) | %.1f |\n", image, size / 1e6, t[int((NR + 1) / 2)], t[1], t[NR], rss / 1024 }'
done
