#!/usr/bin/env bash
# `make run`: PostgreSQL, the pool under spawn-fcgi and nginx on 127.0.0.1:$PORT, in the foreground until Ctrl-C.
#
# State lives in var/ and survives runs (users, sessions): var/pg (cluster), var/secret,
# var/tessera.conf (the pool's, connecting as tessera_web) and var/admin.conf (the owner's, for
# migrate and the user commands), both written once: edit freely; var/run (socket, pid),
# var/nginx, var/log (logs 0640: readable by the owner's group, never by everyone). The roles are
# those of a real install (deploy/postgresql/roles.sql); the cluster's superuser is the owner here.
# nginx is the gateway configuration (tessera-gateway.conf): clients asking for /auth get 404.
# Env: PORT (default 8080); VAR_DIR (default var/ of the checkout: where all of that lives);
# TESSERA_<KEY> overrides a config key (e.g. TESSERA_WORKERS=2).
# shellcheck disable=SC2317  # the trap handlers only look unreachable to shellcheck
set -euo pipefail

# shellcheck source=deploy/local/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="${PORT:-8080}"
VAR="${VAR_DIR:-$TESSERA_REPO/var}"
BIN="$TESSERA_REPO/bin/tessera"
CONF="$VAR/tessera.conf"
ADMIN_CONF="$VAR/admin.conf"
ROLES_SQL="$TESSERA_REPO/deploy/postgresql/roles.sql"
SECRET="$VAR/secret"
SOCKET="$VAR/run/tessera.sock"
POOL_PIDFILE="$VAR/run/tessera.pid"
DEMO_MARKER="$VAR/.demo-user-created"
PG_SH="$TESSERA_REPO/deploy/local/pg.sh"
NGINX_SH="$TESSERA_REPO/deploy/local/nginx.sh"

POOL_PID=""
STOPPED=0

# Runs bin/tessera as the owner (fd 9, the instance lock, closed so no child keeps it).
tessera() {
    "$BIN" -c "$ADMIN_CONF" "$@" 9>&-
}

# Creates var/ and its subdirectories, owned by tessera when root.
make_var() {
    mkdir -p "$VAR" "$VAR/run" "$VAR/log"
    chown_tessera "$VAR" "$VAR/run" "$VAR/log"
    ln -sfn ../pg/postgresql.log "$VAR/log/postgresql.log"
    ln -sfn ../nginx/error.log "$VAR/log/nginx-error.log"
    ln -sfn ../nginx/access.log "$VAR/log/nginx-access.log"
}

# Creates the pool's log file 0640 (the shell opens it for spawn-fcgi), or makes an old one so.
make_pool_log() {
    touch "$VAR/log/tessera.log"
    chmod 0640 "$VAR/log/tessera.log"
}

# Adds the gateway to the rendered nginx: tessera-gateway.conf with its snippets from the repository
# (the njs module, Debian libnginx-mod-http-js), so /auth is internal as in production.
add_gateway() {
    local out="$VAR/nginx"
    mkdir -p "$out/main.d" "$out/server.d"
    printf 'load_module /usr/lib/nginx/modules/ngx_http_js_module.so;\n' >"$out/main.d/js.conf"
    sed "s|/etc/nginx/snippets/|$TESSERA_REPO/deploy/nginx/|g" \
        "$TESSERA_REPO/deploy/nginx/tessera-gateway.conf" >"$out/server.d/tessera-gateway.conf"
}

# Takes an exclusive lock on var/ so two `make run` never share one cluster and socket.
lock_var() {
    exec 9>"$VAR/.lock"
    flock -n 9 || die "another deploy/local/run.sh is using $VAR"
}

# When root, fails early unless tessera can reach everything the pool and nginx workers open.
check_reachable() {
    require_tessera_can_reach "$VAR/run"
    require_tessera_can_reach "$TESSERA_REPO/bin"
    require_tessera_can_reach "$TESSERA_REPO/templates"
    require_tessera_can_reach "$TESSERA_REPO/migrations"
}

# Writes var/secret once: 32 random bytes, hex-encoded, readable only by the pool's user.
make_secret() {
    [ -f "$SECRET" ] && return 0
    (
        umask 077
        head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$SECRET.tmp"
        printf '\n' >>"$SECRET.tmp"
    )
    chown_tessera "$SECRET.tmp"
    mv "$SECRET.tmp" "$SECRET"
}

# Writes config file $1 once (later runs keep local edits): database $2 and the shared keys.
write_conf() {
    local file="$1" database="$2"
    [ -f "$file" ] && return 0
    {
        printf '# tessera for "make run", written once by deploy/local/run.sh: edit freely.\n'
        printf 'database = %s\n' "$database"
        printf 'secret_file = %s\n' "$SECRET"
        printf 'templates = %s\n' "$TESSERA_REPO/templates"
        printf 'migrations = %s\n' "$TESSERA_REPO/migrations"
        printf 'workers = 4\n'
        if is_root; then
            printf 'user = %s\ngroup = %s\n' "$TESSERA_USER" "$TESSERA_USER"
        fi
    } >"$file.tmp"
    chmod 0644 "$file.tmp"
    mv "$file.tmp" "$file"
}

# Writes the owner's config and the pool's, which connects as tessera_web (least privilege).
make_conf() {
    local owner
    owner="$("$PG_SH" conninfo "$VAR/pg")"
    write_conf "$ADMIN_CONF" "$owner"
    write_conf "$CONF" "${owner% user=tessera} user=tessera_web"
}

# The superuser's step of an install: the roles (and grants) of deploy/postgresql/roles.sql.
make_roles() {
    as_tessera psql -X -q -v ON_ERROR_STOP=1 -h "$VAR/pg" -U tessera -d postgres \
        -f "$ROLES_SQL" 9>&- >/dev/null
}

# First run only: creates user demo with a random password, printed once and stored nowhere.
make_demo_user() {
    local password
    [ -f "$DEMO_MARKER" ] && return 0
    password="$(head -c 12 /dev/urandom | base64 | tr '+/' '-_')"
    printf '%s' "$password" | tessera user add demo >/dev/null ||
        die "could not create user demo (exists already? then: touch $DEMO_MARKER)"
    : >"$DEMO_MARKER"
    printf '\n==================================================================\n'
    printf '  First run: created user "demo", password: %s\n' "$password"
    printf '  Shown only this once and stored nowhere. To change it:\n'
    printf '    bin/tessera -c %s user passwd demo\n' "$ADMIN_CONF"
    printf '==================================================================\n\n'
}

# Signals the pool's process group (supervisor and workers); false when none is left.
signal_pool_group() {
    kill "-$1" -- "-$2" 2>/dev/null
}

# Stops a pool left running by a run.sh that was killed without cleaning up.
stop_stale_pool() {
    local pid
    [ -f "$POOL_PIDFILE" ] || return 0
    pid="$(cat "$POOL_PIDFILE")"
    rm -f "$POOL_PIDFILE"
    if [ -n "$pid" ] && pid_alive "$pid" && grep -q tessera "/proc/$pid/cmdline" 2>/dev/null; then
        say "stopping a pool left over from an earlier run (pid $pid)"
        kill -TERM "$pid" 2>/dev/null || true
        wait_pid_gone "$pid" 15 || true
        signal_pool_group KILL "$pid" || true
    fi
}

# Starts the pool under spawn-fcgi in its own session (so it only stops when we say so).
start_pool() {
    local -a args=(-n -s "$SOCKET" -M 0660)
    local tenths=50
    if is_root; then
        args+=(-u "$TESSERA_USER" -g "$TESSERA_USER")
    fi
    # setsid does not fork here (a background job is no group leader), so $! is the pool itself.
    setsid spawn-fcgi "${args[@]}" -- "$BIN" -c "$CONF" serve >>"$VAR/log/tessera.log" 2>&1 9>&- &
    POOL_PID=$!
    printf '%s\n' "$POOL_PID" >"$POOL_PIDFILE"
    until [ -S "$SOCKET" ] && pid_alive "$POOL_PID"; do
        if ! pid_alive "$POOL_PID" || [ "$tenths" -le 0 ]; then
            tail -n 5 "$VAR/log/tessera.log" >&2 || true
            die "the pool did not start (log: var/log/tessera.log)"
        fi
        tenths=$(( tenths - 1 ))
        sleep 0.1
    done
}

# Stops the pool: SIGTERM to the supervisor (graceful), SIGKILL to its whole group after 15 s.
stop_pool() {
    [ -n "$POOL_PID" ] || return 0
    kill -TERM "$POOL_PID" 2>/dev/null || true
    if ! wait_pid_gone "$POOL_PID" 15; then
        say "the pool ignored SIGTERM for 15s: killing it" 2>/dev/null || true
        signal_pool_group KILL "$POOL_PID" || true
    fi
    wait "$POOL_PID" 2>/dev/null || true
    # Workers that outlived their supervisor would keep the socket busy.
    signal_pool_group KILL "$POOL_PID" || true
    rm -f "$POOL_PIDFILE" "$SOCKET"
    POOL_PID=""
}

# Tears everything down once, in reverse order of start: nginx, the pool, PostgreSQL.
stop_all() {
    [ "$STOPPED" -eq 0 ] || return 0
    STOPPED=1
    # Nothing may interrupt the teardown, not even a closed stdout (SIGPIPE).
    trap '' INT TERM PIPE
    { printf '\n'; say "stopping"; } 2>/dev/null || true
    "$NGINX_SH" stop "$VAR/nginx" 9>&- || true
    stop_pool
    if [ -f "$VAR/pg/PG_VERSION" ]; then
        "$PG_SH" stop "$VAR/pg" 9>&- || true
    fi
    say "stopped" 2>/dev/null || true
}

# Ctrl-C or SIGTERM: a normal way to stop, so exit 0 after tearing down.
on_signal() {
    stop_all
    exit 0
}

# Entry point: prepare var/, start PostgreSQL, migrate, start the pool and nginx, wait.
main() {
    cd "$TESSERA_REPO"
    [ -x "$BIN" ] || die "$BIN missing: run make"
    command -v spawn-fcgi >/dev/null || die "spawn-fcgi missing: run deploy/local/deps.sh run"
    require_tessera_user
    make_var
    lock_var
    check_reachable

    trap on_signal INT TERM
    trap stop_all EXIT

    # Leftovers of a run that was killed (SIGKILL, power loss) must not block this one.
    "$NGINX_SH" stop "$VAR/nginx" 9>&-
    stop_stale_pool
    if port_open "$PORT"; then
        die "127.0.0.1:$PORT is already in use (set PORT to another port)"
    fi

    "$PG_SH" init "$VAR/pg" 9>&-
    "$PG_SH" start "$VAR/pg" 9>&-
    make_secret
    make_roles
    make_conf
    tessera migrate
    make_demo_user

    make_pool_log
    start_pool
    "$NGINX_SH" render "$VAR/nginx" "$PORT" "$SOCKET"
    add_gateway
    "$NGINX_SH" start "$VAR/nginx" 9>&-

    printf 'tessera is running at http://127.0.0.1:%s/ — Ctrl-C stops it (logs: var/log/)\n' "$PORT"
    local rc=0
    wait "$POOL_PID" || rc=$?
    die "the pool exited by itself (status $rc): see var/log/tessera.log"
}

main "$@"
