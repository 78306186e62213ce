#!/usr/bin/env bash
# `make e2e-docker`: Hearth's images started as deploy/compose.yaml wires them (each service in
# its own container on a private network, PostgreSQL, a Caddy front door on 127.0.0.1), the
# black-box suite run against the front door, then the faults (a killed photos container, a
# portal cut off the network). Needs the images of `make images` and Docker with docker-compose.
set -euo pipefail
cd "$(dirname "$0")/../.."

for tool in docker docker-compose; do
  command -v "$tool" >/dev/null || { echo "make e2e-docker needs $tool" >&2; exit 1; }
done
docker info >/dev/null 2>&1 || { echo "make e2e-docker needs a running Docker daemon (docker info fails)" >&2; exit 1; }

export HEARTH_TAG=${HEARTH_TAG:-$(git rev-parse --short=12 HEAD)}
for image in hearth-portal hearth-photos hearth-bugs hearth-games; do
  docker image inspect "$image:$HEARTH_TAG" >/dev/null 2>&1 ||
    { echo "$image:$HEARTH_TAG is missing: run make images first" >&2; exit 1; }
done
tests/e2e-docker/images.sh

project=hearth-e2e
export HEARTH_DB_PASSWORD=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
export HEARTH_PORT=${HEARTH_E2E_PORT:-18080}
export HEARTH_POSTGRES_IMAGE=hearth-test-postgres:15
export HEARTH_FRONT_DOOR_IMAGE=hearth-test-caddy:2
export HEARTH_PUBLIC_URL=http://127.0.0.1:$HEARTH_PORT
export HEARTH_E2E_URL=http://127.0.0.1:$HEARTH_PORT
export HEARTH_E2E_COMPOSE="docker-compose -p $project -f $PWD/deploy/compose.yaml"
export HEARTH_E2E_NETWORK=${project}_hearth
compose() { $HEARTH_E2E_COMPOSE "$@"; }

finish() {
  local status=$?
  if [ "$status" -ne 0 ]; then
    echo "!!! e2e-docker failed; the containers' last words:" >&2
    compose logs --no-color --tail 40 >&2 || true
  fi
  compose down -v --remove-orphans >/dev/null 2>&1 || true
  exit "$status"
}
trap finish EXIT
compose down -v --remove-orphans >/dev/null 2>&1 || true
compose up -d

echo "waiting for every service through the front door"
deadline=$((SECONDS + 90))
for prefix in "" /photos /bugs /games; do
  until curl -sf -o /dev/null "$HEARTH_E2E_URL$prefix/readyz"; do
    [ $SECONDS -lt $deadline ] || { echo "$prefix/readyz did not answer 200 within 90 s" >&2; exit 1; }
    sleep 0.2
  done
done

# Each service's RSS (its container's process), for docs/benchmarks.md: idle, and after the suites.
rss() { # label
  local line="RSS $1:" service pid
  for service in portal photos bugs games; do
    pid=$(docker inspect -f '{{.State.Pid}}' "$(compose ps -q "$service")")
    line="$line $service $(awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status") MB"
  done
  echo "$line"
}
rss idle
# black_box's other tests run a local `hearth` of their own: make test runs them.
cargo test -q -p hearth-e2e --test black_box the_whole_of_hearth_answers
cargo test -q -p hearth-e2e --test deployment
rss "after the black-box suite"
cargo test -q -p hearth-e2e --features e2e-docker --test docker_faults -- --test-threads=1
rss "after the faults (photos restarted)"
echo "e2e-docker passed"
