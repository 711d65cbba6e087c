#!/usr/bin/env bash
# A private PostgreSQL cluster in one directory (socket inside it, no TCP), for `make run` and the tests.
#
#   pg.sh init DIR [--fast]  create the cluster if DIR has none, and database `tessera` if missing.
#                            Leaves the cluster as it found it: a fresh cluster ends stopped.
#                            --fast (fresh clusters only): fsync, synchronous_commit, full_page_writes off.
#   pg.sh start DIR          start it (no-op when running); log in DIR/postgresql.log
#   pg.sh stop DIR           fast shutdown (no-op when stopped)
#   pg.sh conninfo DIR       print the libpq conninfo: host=DIR dbname=tessera user=tessera
#
# As root every PostgreSQL command runs as user tessera and DIR belongs to it (mode 0700).
set -euo pipefail

# shellcheck source=deploy/local/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_PORT=5432
PG_DB="tessera"
PG_ROLE="tessera"

# Prints the usage and exits 2.
usage() {
    printf 'usage: %s init DIR [--fast] | start DIR | stop DIR | conninfo DIR\n' "$(basename "$0")" >&2
    exit 2
}

# Prints the newest /usr/lib/postgresql/*/bin that holds a server.
pg_bindir() {
    local dir
    dir="$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
    [ -x "$dir/postgres" ] || die "no PostgreSQL server in /usr/lib/postgresql: run deploy/local/deps.sh run"
    printf '%s\n' "$dir"
}

# Runs PostgreSQL program NAME from the server's bin dir, as tessera when root.
pg() {
    local prog="$1"
    shift
    as_tessera "$PG_BIN/$prog" "$@"
}

# True when the cluster in $DIR is running.
pg_running() {
    pg pg_ctl status -D "$DIR" >/dev/null 2>&1
}

# Fails unless $DIR holds a cluster.
require_cluster() {
    [ -f "$DIR/PG_VERSION" ] || die "$DIR holds no PostgreSQL cluster: run $(basename "$0") init $DIR"
}

# Creates $DIR with the right owner and mode (checking tessera can reach it when root).
make_dir() {
    local parent
    parent="$(dirname "$DIR")"
    mkdir -p "$parent"
    require_tessera_can_reach "$parent"
    mkdir -p "$DIR"
    chown_tessera "$DIR"
    chmod 0700 "$DIR"
}

# Runs initdb into $DIR and appends our settings to postgresql.conf ($1 = --fast or empty).
initdb_cluster() {
    local fast="$1" out
    # The socket path (DIR/.s.PGSQL.5432) must fit in sun_path (107 bytes).
    if [ $(( ${#DIR} + 15 )) -gt 107 ]; then
        die "$DIR is too long for a unix socket path (max 92 characters)"
    fi
    say "initdb in $DIR"
    out="$(pg initdb -D "$DIR" -U "$PG_ROLE" --auth=trust -E UTF8 --locale=C 2>&1)" ||
        { printf '%s\n' "$out" >&2; die "initdb failed"; }
    {
        printf '\n# --- tessera (deploy/local/pg.sh) ---\n'
        printf "listen_addresses = ''\n"
        printf "unix_socket_directories = '%s'\n" "$DIR"
        printf 'port = %s\n' "$PG_PORT"
        printf 'max_connections = 200\n'
        printf "shared_preload_libraries = 'pg_stat_statements'\n"
        if [ "$fast" = "--fast" ]; then
            printf 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n'
        fi
    } >>"$DIR/postgresql.conf"
}

# Runs psql against database $1 of the cluster with the remaining arguments.
psql_db() {
    local db="$1"
    shift
    pg psql -X -q -v ON_ERROR_STOP=1 -h "$DIR" -p "$PG_PORT" -U "$PG_ROLE" -d "$db" "$@"
}

# Creates database tessera (owned by role tessera) and pg_stat_statements in it when missing.
ensure_database() {
    if [ "$(psql_db postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" != "1" ]; then
        say "creating database $PG_DB"
        pg createdb -h "$DIR" -p "$PG_PORT" -U "$PG_ROLE" -O "$PG_ROLE" "$PG_DB"
    fi
    psql_db "$PG_DB" -c 'SET client_min_messages = warning' \
        -c 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements' >/dev/null
}

# init: create the cluster when missing, then the database; restore the running state found.
cmd_init() {
    local fast="${1:-}" was_running=0
    [ -z "$fast" ] || [ "$fast" = "--fast" ] || usage
    if [ -f "$DIR/PG_VERSION" ]; then
        pg_running && was_running=1
    else
        [ ! -e "$DIR" ] || [ -z "$(ls -A "$DIR")" ] || die "$DIR exists, is not empty and holds no cluster"
        make_dir
        initdb_cluster "$fast"
    fi
    [ "$was_running" -eq 1 ] || cmd_start
    ensure_database
    [ "$was_running" -eq 1 ] || cmd_stop
}

# start: start the cluster unless it runs already, waiting until it accepts connections.
cmd_start() {
    require_cluster
    pg_running && return 0
    require_tessera_can_reach "$DIR"
    pg pg_ctl -w -t 60 -D "$DIR" -l "$DIR/postgresql.log" start >/dev/null ||
        { tail -n 20 "$DIR/postgresql.log" >&2; die "PostgreSQL did not start (log: $DIR/postgresql.log)"; }
}

# stop: fast shutdown unless it is stopped already; returns once the postmaster has exited.
cmd_stop() {
    local pid
    require_cluster
    pg_running || return 0
    pid="$(head -n 1 "$DIR/postmaster.pid")"
    pg pg_ctl -w -t 60 -D "$DIR" -m fast stop >/dev/null
    # pg_ctl returns when postmaster.pid is gone, a moment before the process itself.
    wait_pid_gone "$pid" 10 || die "postmaster $pid still alive after stop"
}

# conninfo: the libpq connection string for the cluster.
cmd_conninfo() {
    printf 'host=%s dbname=%s user=%s\n' "$DIR" "$PG_DB" "$PG_ROLE"
}

# Entry point: parse the command and DIR, dispatch.
main() {
    [ "$#" -ge 2 ] || usage
    local cmd="$1"
    DIR="$(abs_path "$2")"
    shift 2
    case "$cmd" in
        init) [ "$#" -le 1 ] || usage ;;
        start | stop | conninfo) [ "$#" -eq 0 ] || usage ;;
        *) usage ;;
    esac
    # DIR ends up unquoted in a conninfo string and quoted in postgresql.conf: keep it plain.
    case "$DIR" in
        *[[:space:]\'\"\\]*) die "DIR must not contain white space, quotes or backslashes: $DIR" ;;
    esac
    if [ "$cmd" != "conninfo" ]; then
        require_tessera_user
        PG_BIN="$(pg_bindir)"
    fi
    "cmd_$cmd" "$@"
}

main "$@"
