#!/usr/bin/env bash
# A private nginx in front of the pool, everything (config, pid, logs, temp files) inside OUTDIR.
#
#   nginx.sh render OUTDIR PORT SOCKET  write OUTDIR/nginx.conf from deploy/local/nginx.conf.in:
#                                       listen 127.0.0.1:PORT, FastCGI to unix socket SOCKET
#   nginx.sh start OUTDIR               start it (no-op when running), return once PORT accepts
#   nginx.sh stop OUTDIR                graceful stop (no-op when stopped), return once it has exited
#   nginx.sh reload OUTDIR              check the config, then make the running nginx re-read it
#
# Env NGINX_WORKERS: worker_processes (default 1). As root the workers run as user tessera.
set -euo pipefail

# shellcheck source=deploy/local/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TEMPLATE="$TESSERA_REPO/deploy/local/nginx.conf.in"
TEMP_DIRS=(client_body fastcgi proxy uwsgi scgi)

# Prints the usage and exits 2.
usage() {
    printf 'usage: %s render OUTDIR PORT SOCKET | start OUTDIR | stop OUTDIR | reload OUTDIR\n' \
        "$(basename "$0")" >&2
    exit 2
}

# Runs nginx on the rendered config (extra arguments appended); the logs it creates are 0640.
run_nginx() {
    (umask 027 && nginx -p "$OUTDIR" -c "$OUTDIR/nginx.conf" -e "$OUTDIR/error.log" "$@")
}

# Escapes a string for the replacement side of a sed s|||.
sed_escape() {
    printf '%s' "$1" | sed -e 's/[\\&|]/\\&/g'
}

# Fails unless path $2 (named $1) can sit inside a double-quoted nginx string.
require_plain_path() {
    case "$2" in
        *[\"\\\$]* | *$'\n'*) die "$1 must not contain quotes, backslashes, \$ or newlines: $2" ;;
    esac
}

# Prints the pid of the running master, or fails when nginx is not running.
master_pid() {
    local pid
    [ -f "$OUTDIR/nginx.pid" ] || return 1
    pid="$(cat "$OUTDIR/nginx.pid")"
    [ -n "$pid" ] && pid_alive "$pid" || return 1
    printf '%s\n' "$pid"
}

# Prints the port the rendered config listens on.
config_port() {
    sed -n 's/^ *listen 127\.0\.0\.1:\([0-9][0-9]*\);.*/\1/p' "$OUTDIR/nginx.conf" | head -n 1
}

# render: substitute the template's @PLACEHOLDERS@ and prepare the temp directories.
cmd_render() {
    [ "$#" -eq 2 ] || usage
    local port="$1" socket user_directive="" workers="${NGINX_WORKERS:-1}" dir
    socket="$(abs_path "$2")"
    case "$port" in
        '' | *[!0-9]*) die "PORT must be a number: $port" ;;
    esac
    if [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then die "PORT out of range: $port"; fi
    case "$workers" in
        auto | [1-9] | [1-9][0-9]) ;;
        *) die "NGINX_WORKERS must be auto or 1..99: $workers" ;;
    esac
    require_plain_path OUTDIR "$OUTDIR"
    require_plain_path SOCKET "$socket"
    require_plain_path "the repository path" "$TESSERA_REPO"
    [ "${#socket}" -le 107 ] || die "SOCKET path longer than 107 bytes: $socket"

    mkdir -p "$OUTDIR"
    for dir in "${TEMP_DIRS[@]}"; do
        mkdir -p "$OUTDIR/tmp/$dir"
    done
    if is_root; then
        require_tessera_user
        user_directive="user $TESSERA_USER $TESSERA_USER;"
        # Workers run as tessera: they write request bodies and buffered responses here.
        chown_tessera "$OUTDIR/tmp" "${TEMP_DIRS[@]/#/$OUTDIR/tmp/}"
        require_tessera_can_reach "$OUTDIR/tmp"
    fi
    sed -e "s|@USER_DIRECTIVE@|$(sed_escape "$user_directive")|" \
        -e "s|@WORKERS@|$workers|" \
        -e "s|@OUTDIR@|$(sed_escape "$OUTDIR")|g" \
        -e "s|@PORT@|$port|g" \
        -e "s|@SOCKET@|$(sed_escape "$socket")|g" \
        -e "s|@REPO@|$(sed_escape "$TESSERA_REPO")|g" \
        "$TEMPLATE" >"$OUTDIR/nginx.conf.tmp"
    mv "$OUTDIR/nginx.conf.tmp" "$OUTDIR/nginx.conf"
}

# start: launch the master (it daemonizes) and wait until it listens and has written its pid.
cmd_start() {
    local port tenths=100
    [ -f "$OUTDIR/nginx.conf" ] || die "$OUTDIR/nginx.conf missing: run $(basename "$0") render first"
    if master_pid >/dev/null; then
        say "nginx already running in $OUTDIR"
        return 0
    fi
    port="$(config_port)"
    [ -n "$port" ] || die "no 'listen 127.0.0.1:PORT;' line in $OUTDIR/nginx.conf"
    if port_open "$port"; then
        die "127.0.0.1:$port is already in use (set PORT to another port)"
    fi
    rm -f "$OUTDIR/nginx.pid"
    run_nginx || { tail -n 5 "$OUTDIR/error.log" >&2 || true; die "nginx did not start"; }
    until master_pid >/dev/null && port_open "$port"; do
        [ "$tenths" -gt 0 ] || die "nginx did not come up on 127.0.0.1:$port (log: $OUTDIR/error.log)"
        tenths=$(( tenths - 1 ))
        sleep 0.1
    done
}

# stop: ask the master to finish gracefully (QUIT), then insist (TERM, KILL) if it lingers.
cmd_stop() {
    local pid
    pid="$(master_pid)" || { rm -f "$OUTDIR/nginx.pid"; return 0; }
    kill -QUIT "$pid" 2>/dev/null || true
    wait_pid_gone "$pid" 10 && return 0
    say "nginx $pid ignored QUIT for 10s: sending TERM"
    kill -TERM "$pid" 2>/dev/null || true
    wait_pid_gone "$pid" 5 && return 0
    kill -KILL "$pid" 2>/dev/null || true
    wait_pid_gone "$pid" 5 || die "nginx $pid survived SIGKILL"
}

# reload: validate the rendered config, then HUP the master so it re-reads it.
cmd_reload() {
    local pid
    pid="$(master_pid)" || die "nginx is not running in $OUTDIR"
    run_nginx -q -t
    kill -HUP "$pid"
}

# Entry point: parse the command and OUTDIR, dispatch.
main() {
    [ "$#" -ge 2 ] || usage
    local cmd="$1"
    OUTDIR="$(abs_path "$2")"
    shift 2
    case "$cmd" in
        render) cmd_render "$@" ;;
        start | stop | reload) [ "$#" -eq 0 ] || usage; "cmd_$cmd" ;;
        *) usage ;;
    esac
}

main "$@"
