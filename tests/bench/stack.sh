# The benchmark's own stack under one private directory: PostgreSQL (deploy/local/pg.sh), the pool on a
# unix socket, nginx (deploy/local/nginx.sh) with a bench-only config. Sourced by tests/bench/bench.sh.
# shellcheck shell=bash

# shellcheck source=deploy/local/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../deploy/local/lib.sh"

BIN="$TESSERA_REPO/bin/tessera"
PG_SH="$TESSERA_REPO/deploy/local/pg.sh"
NGINX_SH="$TESSERA_REPO/deploy/local/nginx.sh"

STACK_DIR=""    # the private directory (under /tmp); everything the run writes is in it
PG_DIR=""
RUN_DIR=""      # the pool's socket and log, writable by the pool's user
NGINX_DIR=""
CONF=""
SOCKET=""
PORT=""
POOL_PID=""
APP_PID=""      # whose CPU stack_ticks counts as the application's: the pool unless the floor or peer runs
AS_POOL_USER=() # a prefix that runs a program as the pool's user (when root); it execs, so $! stays right
FLOOR_BIN="$TESSERA_REPO/build/bench/floor"
FLOOR_PID=""
FLOOR_PORT=""   # nginx in front of the floor (tests/bench/floor.c)
PEER_DIR=""     # the peer (tests/bench/peer) with its node_modules, installed by stack_peer_install
PEER_PID=""
PEER_PORT=""    # nginx in front of the peer
PEER_BACKEND="" # the peer's own port
WIDE_PID=""     # a second pool with more workers, beside the bench's own (stack_wide_pool)
WIDE_PORT=""    # nginx in front of it
POOL_WRAPPER=()         # a command the pool runs under (tests/bench/profile.sh: valgrind)
POOL_START_SECONDS=10
PG_STARTED=0
NGINX_STARTED=0

# Runs bin/tessera with the bench's config.
tessera() {
    "$BIN" -c "$CONF" "$@"
}

# Runs SQL with psql on the bench database: quiet, unaligned, stop at the first error.
bench_psql() {
    psql -X -q -At -v ON_ERROR_STOP=1 -h "$PG_DIR" -U tessera -d tessera "$@"
}

# Prints the first free TCP port on 127.0.0.1 from $1 on.
free_port_from() {
    local port="$1"
    while port_open "$port"; do
        port=$(( port + 1 ))
    done
    printf '%s\n' "$port"
}

# Makes the private directory and its parts (the pool's run dir belongs to tessera when root).
stack_dirs() {
    STACK_DIR="$(mktemp -d /tmp/tessera-bench.XXXXXX)"
    chmod 0755 "$STACK_DIR"     # user tessera must traverse it when we are root
    PG_DIR="$STACK_DIR/pg"
    RUN_DIR="$STACK_DIR/run"
    NGINX_DIR="$STACK_DIR/nginx"
    CONF="$STACK_DIR/tessera.conf"
    SOCKET="$RUN_DIR/tessera.sock"
    mkdir -p "$RUN_DIR" "$STACK_DIR/out"
    chown_tessera "$RUN_DIR"
    if is_root; then
        AS_POOL_USER=(setpriv --reuid="$TESSERA_USER" --regid="$TESSERA_USER" --init-groups --)
    fi
}

# Writes a fresh secret (readable by the pool's group only) and the pool's config.
stack_config() {
    local secret="$STACK_DIR/secret"
    (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$secret"; printf '\n' >>"$secret")
    if is_root; then
        chgrp "$TESSERA_USER" "$secret"
        chmod 0640 "$secret"
    fi
    {
        printf '# tessera for make bench, written by tests/bench/stack.sh\n'
        printf 'database = %s\n' "$("$PG_SH" conninfo "$PG_DIR")"
        printf 'secret_file = %s\n' "$secret"
        printf 'templates = %s\n' "$TESSERA_REPO/templates"
        printf 'migrations = %s\n' "$TESSERA_REPO/migrations"
        printf 'listen = %s\n' "$SOCKET"
        printf 'log_file = %s\n' "$RUN_DIR/tessera.log"
        printf 'workers = %s\n' "$WORKERS"
        if is_root; then
            printf 'user = %s\ngroup = %s\n' "$TESSERA_USER" "$TESSERA_USER"
        fi
    } >"$CONF"
    chmod 0644 "$CONF"
}

# Creates and starts the cluster (durable commits unless BENCH_PG_FAST=1), sized as a server that
# holds a million sessions would be: the table and its indexes (about 0.5 GB) in shared buffers, and
# checkpoints on time rather than forced by the WAL of the bench's own bulk loads.
stack_pg() {
    local -a fast=()
    [ "$BENCH_PG_FAST" = 1 ] && fast=(--fast)
    "$PG_SH" init "$PG_DIR" "${fast[@]}" >/dev/null
    {
        printf '# --- tessera bench (tests/bench/stack.sh) ---\nshared_buffers = 1GB\nmax_wal_size = 8GB\n'
        # what explains a stall, in the cluster's log beside the runs' latencies
        printf 'log_checkpoints = on\nlog_autovacuum_min_duration = 0\nlog_lock_waits = on\n'
    } >>"$PG_DIR/postgresql.conf"
    "$PG_SH" start "$PG_DIR"
    PG_STARTED=1
}

# Starts `tessera serve` in its own session, with any VAR=VALUE arguments in its environment (they
# override the config file: TESSERA_DB_PREPARED=off), and waits until its socket exists.
stack_pool() {
    local tenths=$(( POOL_START_SECONDS * 10 ))
    setsid env "$@" "${POOL_WRAPPER[@]}" "$BIN" -c "$CONF" serve >>"$RUN_DIR/serve.out" 2>&1 </dev/null &
    POOL_PID=$!
    until [ -S "$SOCKET" ]; do
        if ! pid_alive "$POOL_PID" || [ "$tenths" -le 0 ]; then
            tail -n 5 "$RUN_DIR/serve.out" "$RUN_DIR/tessera.log" >&2 2>/dev/null || true
            die "the pool did not start (see $RUN_DIR)"
        fi
        tenths=$(( tenths - 1 ))
        sleep 0.1
    done
}

# Writes nginx's drop-in for the floor, the wider pool and the peer: each behind its own port of
# the same nginx, the floor and the wider pool over a unix socket like the pool, the peer over HTTP
# with kept-alive upstream connections (how node servers are deployed behind nginx).
stack_nginx_bench_servers() {
    FLOOR_PORT="$(free_port_from $(( PORT + 1 )))"
    WIDE_PORT="$(free_port_from $(( FLOOR_PORT + 1 )))"
    PEER_PORT="$(free_port_from $(( WIDE_PORT + 1 )))"
    PEER_BACKEND="$(free_port_from $(( PEER_PORT + 1 )))"
    mkdir -p "$NGINX_DIR/http.d"
    cat >"$NGINX_DIR/http.d/bench.conf" <<CONF
# make bench: the floor, the wider pool and the peer behind the same nginx (tests/bench/stack.sh)
upstream bench_floor {
    server "unix:$RUN_DIR/floor.sock";
}
upstream bench_wide {
    server "unix:$RUN_DIR/wide.sock";
}
upstream bench_peer {
    server 127.0.0.1:$PEER_BACKEND;
    keepalive 32;
}
server {
    listen 127.0.0.1:$FLOOR_PORT;
    access_log off;
    location / {
        fastcgi_pass bench_floor;
        include /etc/nginx/fastcgi_params;
    }
}
server {
    listen 127.0.0.1:$WIDE_PORT;
    access_log off;
    location / {
        fastcgi_pass bench_wide;
        include /etc/nginx/fastcgi_params;
    }
}
server {
    listen 127.0.0.1:$PEER_PORT;
    access_log off;
    location / {
        proxy_pass http://bench_peer;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host \$host;
        proxy_set_header X-Forwarded-For \$remote_addr;
    }
}
CONF
}

# Renders nginx's config with deploy/local/nginx.sh, then makes it the bench's own: no access log
# (it would only measure the disk), a fixed 200 with no backend for nginx's own ceiling,
# stub_status, whose request counter says how many requests reached the pool in a run, and the
# servers of the floor and the peer.
stack_nginx() {
    PORT="$(free_port_from "${BENCH_PORT:-18080}")"
    NGINX_WORKERS="$CORES" "$NGINX_SH" render "$NGINX_DIR" "$PORT" "$SOCKET"
    stack_nginx_bench_servers
    sed -i -e 's|^\( *\)access_log .*|\1access_log off;|' \
        -e 's|^\( *\)server_name localhost;|&\n\1location = /bench-static { return 200 "ok"; }|' \
        -e 's|^\( *\)server_name localhost;|&\n\1location = /bench-status { stub_status; }|' \
        "$NGINX_DIR/nginx.conf"
    grep -q 'location = /bench-static' "$NGINX_DIR/nginx.conf" ||
        die "could not add /bench-static to $NGINX_DIR/nginx.conf"
    "$NGINX_SH" start "$NGINX_DIR"
    NGINX_STARTED=1
}

# Prepares everything the pool needs: directory, config, PostgreSQL (started and migrated).
stack_prepare() {
    [ -x "$BIN" ] || die "$BIN missing: run make"
    require_tessera_user
    stack_dirs
    stack_config
    stack_pg
    tessera migrate >/dev/null
}

# Starts the pool and nginx in front of it.
stack_serve() {
    stack_pool
    stack_nginx
}

# Stops the pool (SIGTERM: in-flight requests finish; SIGKILL to its group after 15 s).
stack_stop_pool() {
    [ -n "$POOL_PID" ] || return 0
    kill -TERM "$POOL_PID" 2>/dev/null || true
    wait_pid_gone "$POOL_PID" 15 || kill -KILL -- "-$POOL_PID" 2>/dev/null || true
    wait "$POOL_PID" 2>/dev/null || true
    POOL_PID=""
}

# Restarts the pool behind the running nginx, with stack_pool's VAR=VALUE arguments.
stack_restart_pool() {
    stack_stop_pool
    rm -f "$SOCKET"     # a pool killed after its grace period leaves it, and stack_pool waits for it
    stack_pool "$@"
}

# Waits until process $2 listens on $1 (a unix socket path, or a TCP port on 127.0.0.1), 10 s at
# most; fails with the end of log $3 if it ends or does not.
wait_listening() {
    local tenths=100
    until { [ -S "$1" ] || { [[ "$1" =~ ^[0-9]+$ ]] && port_open "$1"; }; }; do
        if ! pid_alive "$2" || [ "$tenths" -le 0 ]; then
            tail -n 5 "$3" >&2 2>/dev/null || true
            die "nothing listened on $1 (see $3)"
        fi
        tenths=$(( tenths - 1 ))
        sleep 0.1
    done
}

# Stops process group $1 (a program started under setsid) and waits for its leader.
stop_group() {
    [ -n "$1" ] || return 0
    kill -TERM -- "-$1" 2>/dev/null || true
    wait_pid_gone "$1" 10 || kill -KILL -- "-$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# Starts the floor as the pool's user: the pool's worker count, synchronous_commit $1 (on or off).
stack_floor() {
    rm -f "$RUN_DIR/floor.sock"
    setsid "${AS_POOL_USER[@]}" "$FLOOR_BIN" "$RUN_DIR/floor.sock" "$WORKERS" \
        "$("$PG_SH" conninfo "$PG_DIR")" "$1" >>"$RUN_DIR/floor.out" 2>&1 </dev/null &
    FLOOR_PID=$!
    wait_listening "$RUN_DIR/floor.sock" "$FLOOR_PID" "$RUN_DIR/floor.out"
}

# Stops the floor and its responders.
stack_stop_floor() {
    stop_group "$FLOOR_PID"
    FLOOR_PID=""
}

# Starts a second pool of $1 workers beside the bench's own, from the same config (the same
# database and secret: the same cookies are signed in there) on its own socket and log, behind
# WIDE_PORT; the two can then be driven in turn without a restart between them.
stack_wide_pool() {
    rm -f "$RUN_DIR/wide.sock"
    setsid env TESSERA_WORKERS="$1" TESSERA_LISTEN="$RUN_DIR/wide.sock" \
        TESSERA_LOG_FILE="$RUN_DIR/wide.log" "${POOL_WRAPPER[@]}" "$BIN" -c "$CONF" serve \
        >>"$RUN_DIR/wide.out" 2>&1 </dev/null &
    WIDE_PID=$!
    wait_listening "$RUN_DIR/wide.sock" "$WIDE_PID" "$RUN_DIR/wide.out"
}

# Stops the wider pool.
stack_stop_wide_pool() {
    stop_group "$WIDE_PID"
    WIDE_PID=""
}

# Copies the peer (tests/bench/peer) to the stack's directory and installs its locked dependencies
# there (npm ci). Returns 1, saying why, when node or npm is missing or the install fails.
stack_peer_install() {
    local src="$TESSERA_REPO/tests/bench/peer"
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        say "node or npm missing: the express-session peer is skipped (deploy/local/deps.sh bench installs them)"
        return 1
    fi
    PEER_DIR="$STACK_DIR/peer"
    mkdir -p "$PEER_DIR"
    cp "$src/package.json" "$src/package-lock.json" "$src/server.js" "$src/seed.js" "$PEER_DIR/"
    if ! (cd "$PEER_DIR" && npm ci --no-audit --no-fund --loglevel=error >"$STACK_DIR/out/npm.out" 2>&1); then
        tail -n 5 "$STACK_DIR/out/npm.out" >&2
        say "npm ci failed: the express-session peer is skipped"
        return 1
    fi
}

# Runs a command in the peer's directory with its environment: the bench's PostgreSQL, cookie
# secret PEER_SECRET, the backend port. The subshell execs it, so a background one's $! is its pid.
peer_env() {
    cd "$PEER_DIR" && exec env PGHOST="$PG_DIR" PGUSER=tessera PGDATABASE=tessera \
        PEER_SECRET="$PEER_SECRET" PEER_PORT="$PEER_BACKEND" PEER_WORKERS="$CORES" "$@"
}

# Starts the peer (one node process per core) as the pool's user.
stack_peer() {
    (peer_env setsid "${AS_POOL_USER[@]}" node server.js) >>"$RUN_DIR/peer.out" 2>&1 </dev/null &
    PEER_PID=$!
    wait_listening "$PEER_BACKEND" "$PEER_PID" "$RUN_DIR/peer.out"
}

# Stops the peer and its processes.
stack_stop_peer() {
    stop_group "$PEER_PID"
    PEER_PID=""
}

# Stops nginx, the floor, the peer, the pool and PostgreSQL (each only if started), then removes
# the directory unless BENCH_KEEP=1.
stack_stop() {
    if [ "$NGINX_STARTED" = 1 ]; then
        "$NGINX_SH" stop "$NGINX_DIR" || true
        NGINX_STARTED=0
    fi
    stack_stop_floor
    stack_stop_wide_pool
    stack_stop_peer
    stack_stop_pool
    if [ "$PG_STARTED" = 1 ]; then
        "$PG_SH" stop "$PG_DIR" || true
        PG_STARTED=0
    fi
    if [ -n "$STACK_DIR" ] && [ "${BENCH_KEEP:-0}" != 1 ]; then
        rm -rf "$STACK_DIR"
    elif [ -n "$STACK_DIR" ]; then
        say "kept $STACK_DIR (BENCH_KEEP=1)"
    fi
}

# Prints the resident set size in KiB of each of the pool's workers, one per line.
worker_rss() {
    ps -o rss= --ppid "$POOL_PID"
}

# Prints how many requests nginx has read so far (this one included).
nginx_requests() {
    curl -s "http://127.0.0.1:$PORT/bench-status" | awk 'NR == 3 { print $3 }'
}

# Prints the CPU clock ticks process PID and the children it has reaped have used.
ticks_reaped() {
    awk '{ sub(/^.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# Prints the CPU clock ticks of process PARENT, of the children it reaped, and of its live children.
ticks_tree() {
    local parent="$1" total child
    total="$(ticks_reaped "$parent")"
    for child in $(ps -o pid= --ppid "$parent"); do
        total=$(( total + $(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$child/stat" 2>/dev/null || echo 0) ))
    done
    printf '%s\n' "$total"
}

# Prints "BUSY POSTGRES TESSERA NGINX": clock ticks the whole machine has been busy, and those of
# the stack's three parts, each with its children.
stack_ticks() {
    printf '%s %s %s %s\n' "$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat)" \
        "$(ticks_tree "$(head -n 1 "$PG_DIR/postmaster.pid")")" "$(ticks_tree "${APP_PID:-$POOL_PID}")" \
        "$(ticks_tree "$(cat "$NGINX_DIR/nginx.pid")")"
}
