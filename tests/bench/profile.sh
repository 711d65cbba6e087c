#!/usr/bin/env bash
# Where the CPU of a signed-in request goes, for when `make bench` misses a target.
#
#   tests/bench/profile.sh [PATH] [REQUESTS]    defaults: /dashboard 20000
#
# With hardware counters (`perf stat -e instructions true` counts), perf records the whole stack
# (workers, nginx, PostgreSQL backends) while wrk sends REQUESTS requests. Without them, as on most
# shared virtual machines, one worker runs under valgrind --tool=callgrind, counting only request
# handling (accept, handle, finish; not start-up or the sign-in). Prints instructions per request
# where it can and the top functions; the raw profile stays in the printed directory.
# Env: PROFILE_TOOL=perf|callgrind overrides the choice; PERF_EVENT (instructions) is what perf
# samples (cpu-clock works without hardware counters, but then the per-request figure is in ns).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=tests/bench/stack.sh
. "$HERE/stack.sh"

PROFILE_PATH="${1:-/dashboard}"
PROFILE_REQUESTS="${2:-20000}"
BENCH_PG_FAST=0
BENCH_KEEP=1
PERF_EVENT="${PERF_EVENT:-instructions}"

# True when perf can count instructions on this machine.
perf_counts() {
    command -v perf >/dev/null && perf stat -e instructions true 2>&1 | grep -q '[0-9] *instructions'
}

# Signs user "profiled" in through nginx; writes its session cookie to $OUT/cookies.
sign_in_one() {
    local cookie
    printf 'profile-password\n' | tessera user add profiled >/dev/null
    curl -s -D "$OUT/pre.hdr" -o "$OUT/form.html" "http://127.0.0.1:$PORT/"
    cookie="$(curl -s -o /dev/null -D - -X POST \
        -H "Cookie: $(sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*_pre=[^;]*\);.*/\1/p' "$OUT/pre.hdr")" \
        --data-urlencode username=profiled --data-urlencode password=profile-password \
        --data-urlencode "csrf=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$OUT/form.html")" \
        "http://127.0.0.1:$PORT/login" | sed -n 's/^[Ss]et-[Cc]ookie: \(tessera_session=[^;]*\);.*/\1/p')"
    [ -n "$cookie" ] || die "sign-in failed"
    printf '%s\n' "$cookie" >"$OUT/cookies"
}

# Sends PROFILE_REQUESTS requests for PROFILE_PATH with wrk on CONNECTIONS connections, one thread.
drive() {
    local connections="$1" status wrk_pid
    status="$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $(cat "$OUT/cookies")" \
        "http://127.0.0.1:$PORT$PROFILE_PATH")"
    say "GET $PROFILE_PATH answers $status; sending $PROFILE_REQUESTS requests"
    rm -f "$OUT/done."*
    wrk -t 1 -c "$connections" -d 3600s -s "$HERE/wrk.lua" "http://127.0.0.1:$PORT$PROFILE_PATH" -- \
        "$OUT/cookies" "$PROFILE_PATH" "$status" "$PROFILE_REQUESTS" "$OUT/done." >"$OUT/wrk" 2>&1 &
    wrk_pid=$!
    until [ -e "$OUT/done.0" ]; do
        pid_alive "$wrk_pid" || { cat "$OUT/wrk" >&2; die "wrk ended early"; }
        sleep 0.2
    done
    kill -INT "$wrk_pid" 2>/dev/null || true
    wait "$wrk_pid" || true
    grep -q 'unexpected=0 socket_errors=0' "$OUT/wrk" || { cat "$OUT/wrk" >&2; die "unexpected answers"; }
}

# One worker under callgrind; prints instructions per request and the top functions.
profile_callgrind() {
    local file total
    command -v valgrind >/dev/null || die "valgrind missing: run deploy/local/deps.sh bench"
    CORES=1 WORKERS=1
    stack_prepare
    POOL_WRAPPER=(valgrind --tool=callgrind --collect-atstart=no --toggle-collect=FCGX_Accept_r
        --toggle-collect=worker_handle --toggle-collect=FCGX_Finish_r --toggle-collect=page_login
        "--callgrind-out-file=$RUN_DIR/callgrind.out.%p")
    POOL_START_SECONDS=120
    stack_serve
    OUT="$STACK_DIR/out"
    sign_in_one
    drive 1
    stack_stop_pool     # the worker writes its profile as it exits
    # The largest profile is the worker's (the supervisor's holds almost nothing).
    file="$(find "$RUN_DIR" -name 'callgrind.out.*' -printf '%s %p\n' | sort -n | tail -n 1 | cut -d ' ' -f 2)"
    total="$(sed -n 's/^summary: \([0-9]*\).*/\1/p; s/^totals: \([0-9]*\).*/\1/p' "$file" | head -n 1)"
    printf '\n%s: %s instructions per GET %s in the worker (%s requests)\n' "$file" \
        "$(( total / PROFILE_REQUESTS ))" "$PROFILE_PATH" "$PROFILE_REQUESTS"
    printf '\n== inclusive (with callees)\n'
    callgrind_annotate --inclusive=yes "$file" 2>/dev/null | sed -n '/^Ir/,$p' | sed -n '3,60p'
    printf '\n== self\n'
    callgrind_annotate "$file" 2>/dev/null | sed -n '/^Ir/,$p' | sed -n '3,35p'
}

# The whole stack under perf (instructions); prints instructions per request and the top symbols.
profile_perf() {
    local pids perf_pid total
    CORES="$(nproc)" WORKERS=$(( 2 * CORES ))
    stack_prepare
    stack_serve
    OUT="$STACK_DIR/out"
    sign_in_one
    pids="$( { ps -o pid= --ppid "$POOL_PID"; ps -o pid= --ppid "$(cat "$NGINX_DIR/nginx.pid")"; } |
        tr -s ' \n' ',' | sed 's/^,//; s/,$//')"
    perf record -e "$PERF_EVENT" -g -o "$OUT/perf.data" -p "$pids" >/dev/null 2>&1 &
    perf_pid=$!
    drive 32
    kill -INT "$perf_pid"
    wait "$perf_pid" || true
    total="$(perf report -i "$OUT/perf.data" --stdio --no-children --sort comm 2>/dev/null |
        sed -n 's/^# Event count (approx.): \([0-9]*\)/\1/p')"
    printf '\n%s: %s %s per GET %s in the workers and nginx (%s requests)\n' "$OUT/perf.data" \
        "$(( total / PROFILE_REQUESTS ))" "$PERF_EVENT" "$PROFILE_PATH" "$PROFILE_REQUESTS"
    perf report -i "$OUT/perf.data" --stdio --no-children -g none --sort comm,dso,sym 2>/dev/null |
        grep -E '^ +[0-9]' | head -n 50
}

# Entry point: check the arguments, stop the stack on exit, profile with what the machine allows.
main() {
    case "$PROFILE_REQUESTS" in '' | *[!0-9]*) die "REQUESTS must be a whole number" ;; esac
    trap stack_stop EXIT
    trap 'exit 130' INT TERM
    if [ "${PROFILE_TOOL:-}" = perf ] || { [ -z "${PROFILE_TOOL:-}" ] && perf_counts; }; then
        profile_perf
    else
        say "perf cannot count instructions here: profiling one worker with callgrind"
        profile_callgrind
    fi
}

main "$@"
