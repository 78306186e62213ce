#!/usr/bin/env bash
# Runs a command with HEARTH_TEST_POSTGRES_URL pointing at a PostgreSQL server: the one the
# caller gave, or a throwaway one started here (initdb in a temp folder, stopped and removed
# afterwards) when PostgreSQL's programs are installed. Without them the command runs as it
# is, and PostgreSQL tests skip loudly (or fail, with HEARTH_REQUIRE_ALL=1).
set -euo pipefail

if [ -n "${HEARTH_TEST_POSTGRES_URL:-}" ]; then
  exec "$@"
fi

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "!!! PostgreSQL is not installed: its tests will be skipped (apt-get install postgresql)" >&2
  exec "$@"
fi

free_port() {
  local port
  for port in $(seq 54320 54400); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  echo "no free port between 54320 and 54400" >&2
  exit 1
}

dir=$(mktemp -d /tmp/hearth-pg.XXXXXX)
as_owner=()
if [ "$(id -u)" = 0 ]; then
  # initdb refuses to run as root: run the server as the postgres user.
  chown postgres "$dir"
  as_owner=(runuser -u postgres --)
fi
port=$(free_port)
stop() {
  "${as_owner[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT

"${as_owner[@]}" "$bindir/initdb" -D "$dir/data" -U postgres -A trust --no-sync >/dev/null
"${as_owner[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null
echo "PostgreSQL for the tests: 127.0.0.1:$port (throwaway, in $dir)" >&2
export HEARTH_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
"$@"
