#!/usr/bin/env bash
# The end-to-end suite's test infrastructure, built from this machine's Debian packages (no image
# can be pulled): hearth-test-postgres (postgresql) and hearth-test-caddy (caddy).
set -euo pipefail
cd "$(dirname "$0")"
source ../../deploy/images/rootfs.sh
export DOCKER_BUILDKIT=0
work=../../target/test-images
rm -rf "$work"

postgres_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
postgres_version=$(basename "$(dirname "$postgres_bin")")
[ "$postgres_version" = 15 ] || { echo "tests/e2e-docker/postgres expects PostgreSQL 15, found $postgres_version" >&2; exit 1; }
mkdir -p "$work/postgres/rootfs/etc" "$work/postgres/data/data"
for program in postgres initdb; do stage_binary "$postgres_bin/$program" "$work/postgres/rootfs"; done
stage_binary "$(readlink -f /bin/dash)" "$work/postgres/rootfs" /bin
ln -s dash "$work/postgres/rootfs/bin/sh"  # initdb popen()s /bin/sh
for folder in /usr/share/postgresql/15 /usr/lib/postgresql/15/lib; do
  mkdir -p "$work/postgres/rootfs$(dirname "$folder")"
  cp -a "$folder" "$work/postgres/rootfs$folder"
done
mkdir -p "$work/postgres/rootfs/usr/share/zoneinfo/Etc"
cp -L /usr/share/zoneinfo/UTC "$work/postgres/rootfs/usr/share/zoneinfo/UTC"
cp -L /usr/share/zoneinfo/UTC "$work/postgres/rootfs/usr/share/zoneinfo/Etc/UTC"
echo 'postgres:x:999:999:PostgreSQL:/var/lib/postgresql:/bin/dash' > "$work/postgres/rootfs/etc/passwd"
echo 'postgres:x:999:' > "$work/postgres/rootfs/etc/group"
cp postgres/Dockerfile postgres/entrypoint.sh "$work/postgres/"
docker build -q -t hearth-test-postgres:15 "$work/postgres" >/dev/null

mkdir -p "$work/caddy/rootfs" "$work/caddy/data"
stage_binary "$(command -v caddy)" "$work/caddy/rootfs" /usr/bin
cp caddy/Dockerfile "$work/caddy/"
docker build -q -t hearth-test-caddy:2 "$work/caddy" >/dev/null
echo "hearth-test-postgres:15 and hearth-test-caddy:2 built"
