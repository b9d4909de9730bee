#!/usr/bin/env bash
# As the official postgres image's entrypoint: on first start, initdb with POSTGRES_USER and
# POSTGRES_PASSWORD, a temporary server on the socket only creates POSTGRES_DB, then the
# server runs in the foreground listening on every address. So "database system is ready to
# accept connections" is logged twice, as Testcontainers expects.
set -euo pipefail

if [ "${1:-postgres}" = postgres ] || [ "${1:0:1}" = - ]; then
  [ "${1:-}" = postgres ] && shift
  user=${POSTGRES_USER:-postgres}
  database=${POSTGRES_DB:-$user}
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -z "${POSTGRES_PASSWORD:-}" ]; then
      echo "docker-entrypoint: POSTGRES_PASSWORD is not set" >&2
      exit 1
    fi
    pwfile=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
    initdb --username="$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
      --encoding=UTF8 --locale=C.UTF-8 -D "$PGDATA" > /dev/null
    rm -f "$pwfile"
    echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
    pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c unix_socket_directories=/var/run/postgresql" -w start
    if [ "$database" != postgres ]; then
      psql -v ON_ERROR_STOP=1 -h /var/run/postgresql -U "$user" -d postgres \
        -c "CREATE DATABASE \"$database\"" > /dev/null
    fi
    pg_ctl -D "$PGDATA" -m fast -w stop
  fi
  exec postgres -c listen_addresses='*' -c unix_socket_directories=/var/run/postgresql "$@"
fi
exec "$@"
