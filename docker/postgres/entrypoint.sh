#!/bin/bash
# PostgreSQL as PID 1 of the swirl-postgres image. First start (empty $PGDATA): initdb with
# POSTGRES_USER / POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE) and POSTGRES_DB, password
# (SCRAM) logins from any address. Then runs the server as the postgres user; SIGTERM or SIGINT
# (podman stop) becomes a fast shutdown (SIGINT to the postmaster: sessions are ended, not
# waited for), so a stop takes about a second instead of the 10 s kill timeout.
set -euo pipefail
# A stop during the first initialisation ends the script once initdb returns.
trap 'exit 143' TERM INT
BIN=/usr/lib/postgresql/15/bin
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; }

if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then POSTGRES_PASSWORD=$(head -n1 "$POSTGRES_PASSWORD_FILE"); fi
: "${POSTGRES_USER:=swirl}" "${POSTGRES_DB:=$POSTGRES_USER}"
mkdir -p "$PGDATA" /run/postgresql
chown postgres:postgres "$PGDATA" /run/postgresql
chmod 700 "$PGDATA"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo "swirl-postgres: POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE) is required for a new cluster" >&2
    exit 2
  fi
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
  chown postgres "$pwfile"
  as_postgres "$BIN/initdb" -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 \
    --auth-local=peer --auth-host=scram-sha-256 > /dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.auto.conf"
  if [ "$POSTGRES_DB" != postgres ]; then
    # Single-user mode: no socket is opened before the database exists.
    echo "CREATE DATABASE \"$POSTGRES_DB\" OWNER \"$POSTGRES_USER\";" |
      as_postgres "$BIN/postgres" --single -D "$PGDATA" -j postgres > /dev/null
  fi
  echo "swirl-postgres: new cluster in $PGDATA, database $POSTGRES_DB owned by $POSTGRES_USER"
fi

# setpriv itself, not the as_postgres function: $! must be the postmaster (setpriv execs it),
# not a subshell (which would ignore the SIGINT, as background jobs of a script do).
setpriv --reuid=postgres --regid=postgres --init-groups -- "$BIN/postgres" -D "$PGDATA" \
  -c unix_socket_directories=/run/postgresql &
pid=$!
trap 'kill -INT "$pid" 2>/dev/null' TERM INT
# wait returns early when a trapped signal arrives: wait again until the postmaster is gone.
while kill -0 "$pid" 2>/dev/null; do wait "$pid" || true; done
# bash keeps the exit status of a background job it reaped: this wait returns it at once.
status=0
wait "$pid" || status=$?
exit "$status"
