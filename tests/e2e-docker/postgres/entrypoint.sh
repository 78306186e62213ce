#!/bin/sh
# The test PostgreSQL's start, with the official image's settings (POSTGRES_USER,
# POSTGRES_PASSWORD, POSTGRES_DB): the first start creates the cluster and the database.
# dash is the only program besides PostgreSQL's own, so only its builtins are used.
set -eu
data=/var/lib/postgresql/data
user=${POSTGRES_USER:-postgres}
if [ ! -s "$data/PG_VERSION" ]; then
  initdb -D "$data" -U "$user" -A scram-sha-256 -E UTF8 --no-locale --pwfile=/dev/stdin <<PASSWORD
$POSTGRES_PASSWORD
PASSWORD
  echo "host all all all scram-sha-256" >> "$data/pg_hba.conf"
  if [ "${POSTGRES_DB:-$user}" != postgres ]; then
    echo "CREATE DATABASE \"${POSTGRES_DB:-$user}\" OWNER \"$user\"" | postgres --single -D "$data" postgres >/dev/null
  fi
fi
exec postgres -D "$data" -c listen_addresses='*' -c unix_socket_directories='' -c fsync=off
