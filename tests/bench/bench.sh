#!/usr/bin/env bash
# `make bench`: tessera's speed through nginx against PostgreSQL's own limit for the same statements,
# measured in one run on one machine, and how it holds up as sessions pile up and get purged.
#
# Starts a private stack under /tmp (tests/bench/stack.sh), signs users in, measures with wrk and
# pgbench, and prints one table. Environment (defaults in brackets):
#   BENCH_USERS [1000]              users created and signed in (one cookie each)
#   BENCH_CONNECTIONS [32]          wrk connections (pgbench has as many clients as the pool has workers)
#   BENCH_DURATION [20]             seconds per wrk or pgbench run
#   BENCH_EXTRA_SESSIONS [1000000]  rows added for the "many sessions" run, BENCH_EXPIRED_PCT [50] % expired
#   BENCH_PURGE_ROWS [1000000]      expired rows purged while the dashboard is driven
#   BENCH_PURGE_BATCH [100]         rows per purge transaction (tessera sessions purge's default)
#   BENCH_PURGE_PAUSE [2]           milliseconds the purge pauses between two (its default too)
#   BENCH_REQUESTS [1000000]        requests of the long run after which worker memory is read again
#   BENCH_OUT [none]                also write the table to this .csv or .json file
#   BENCH_PORT [18080]              first port tried for nginx; BENCH_KEEP=1 keeps the directory
#   BENCH_PG_FAST [0]               1: fsync and synchronous_commit off (the e2e tests' cluster)
#   BENCH_SKIP [none]               steps left out, among: scrape floor peer crowd syscalls unprepared wide read
#                                   many memory
#   BENCH_TRACE_REQUESTS [4000]     dashboard requests whose system calls strace counts
#   BENCH_WARMUP [5]                seconds of each warm-up run
#   BENCH_BASELINE [none]           a git revision (e.g. the last release) whose pool is built and
#                                   measured on the read path too, on the same stack: current / it
#   BENCH_BASELINE_PAIRS [4]        pairs of read-path runs (this build's, the baseline's) whose
#                                   ratios' median is reported
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=tests/bench/stack.sh
. "$HERE/stack.sh"
# shellcheck source=tests/bench/report.sh
. "$HERE/report.sh"

BENCH_USERS="${BENCH_USERS:-1000}"
BENCH_CONNECTIONS="${BENCH_CONNECTIONS:-32}"
BENCH_DURATION="${BENCH_DURATION:-20}"
BENCH_EXTRA_SESSIONS="${BENCH_EXTRA_SESSIONS:-1000000}"
BENCH_EXPIRED_PCT="${BENCH_EXPIRED_PCT:-50}"
BENCH_PURGE_ROWS="${BENCH_PURGE_ROWS:-1000000}"
BENCH_REQUESTS="${BENCH_REQUESTS:-1000000}"
BENCH_OUT="${BENCH_OUT:-}"
BENCH_PG_FAST="${BENCH_PG_FAST:-0}"
BENCH_SKIP="${BENCH_SKIP:-}"
BENCH_TRACE_REQUESTS="${BENCH_TRACE_REQUESTS:-4000}"
WARMUP_SECONDS="${BENCH_WARMUP:-5}"
BENCH_BASELINE="${BENCH_BASELINE:-}"
BENCH_BASELINE_PAIRS="${BENCH_BASELINE_PAIRS:-4}"
BASELINE_BIN=""     # BENCH_BASELINE's bin/tessera, built by baseline_build
BASELINE_CONF=""    # the bench's config with BENCH_BASELINE's templates
PURGE_BATCH="${BENCH_PURGE_BATCH:-100}"
PURGE_PAUSE="${BENCH_PURGE_PAUSE:-2}"

CORES="$(nproc)"
WORKERS=$(( 2 * CORES ))    # the default pool: config workers
# pgbench's clients: as many as the pool has connections, so that PostgreSQL runs a statement at the
# concurrency it sees from the pool. With wrk's 32 on 2 cores each statement cost it 1.5-1.8 times
# the CPU, and a different multiple in each run (backends contending for the cores and for locks).
PGB_CLIENTS="$WORKERS"
PACE_US=0           # the pause between a pool connection's statements, set by bench_dashboard
BARE_PGB_PG=0       # PostgreSQL's CPU per bare statement under pgbench (µs), set by bench_dashboard
PASSWORD="bench-$(head -c 9 /dev/urandom | od -An -tx1 | tr -d ' \n')"
PEER_SECRET="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
FLOOR_COMMIT=off    # the floor and pgbench commit as the pool's dashboard touch does (synchronous_commit)
OUT=""          # $STACK_DIR/out: cookies, raw wrk and pgbench output, scripts
COOKIES=""      # one "name=value" line per signed-in user
READ_PATH=""    # /auth when this build has it, else / (which answers 303 to a signed-in visitor)
READ_STATUS=""

# Fails unless every argument is a whole number.
require_counts() {
    local name
    for name in "$@"; do
        case "${!name}" in
            '' | *[!0-9]*) die "$name must be a whole number: ${!name}" ;;
        esac
    done
}

# Fails unless the tools the bench drives are installed (deploy/local/deps.sh bench installs them).
require_tools() {
    local tool
    for tool in wrk pgbench psql curl nginx ps awk; do
        command -v "$tool" >/dev/null || die "$tool missing: run deploy/local/deps.sh bench"
    done
}

# Prints a with b decimals of x (awk arithmetic on the arguments).
calc() {
    awk "BEGIN { printf \"%.${1}f\", $2 }"
}

# Prints the milliseconds since the epoch.
now_ms() {
    date +%s%3N
}

# Prints field KEY of the BENCH_RESULT line in wrk output file FILE.
wrk_field() {
    sed -n "s/^BENCH_RESULT .*\\b$2=\\([^ ]*\\).*/\\1/p" "$1"
}

# Starts a load generator (command and arguments) with its output in FILE; sets GEN_PID (the
# generator) and GEN_JOB (a subshell to wait for, which writes the generator's CPU seconds to FILE.cpu).
gen_start() {
    local file="$1"
    shift
    rm -f "$file.pid"
    (
        "$@" >"$file" 2>&1 &
        printf '%s\n' "$!" >"$file.pid"
        rc=0
        wait "$!" || rc=$?
        times >"$file.times"    # not in a pipeline: that would be another subshell's times
        awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/); print u[1] * 60 + u[2] + s[1] * 60 + s[2] }' \
            "$file.times" >"$file.cpu"
        exit "$rc"
    ) &
    GEN_JOB=$!
    until [ -s "$file.pid" ]; do
        sleep 0.05
    done
    GEN_PID="$(cat "$file.pid")"
}

# Notes the machine's and the stack's CPU ticks and the time, before a run (cpu_note after it).
cpu_begin() {
    read -r CPU_BUSY0 CPU_PG0 CPU_POOL0 CPU_NGINX0 < <(stack_ticks)
    CPU_T0="$(now_ms)"
}

# Notes where the CPU went during the run since cpu_begin, per unit of work (COUNT of them): in
# PostgreSQL, the pool, nginx and the load generator GEN (its CPU seconds in file GENCPU). Sets
# CPU_US (their sum: what one unit costs the machine, whoever else runs on it), CPU_PG, CPU_POOL
# and CPU_NGINX (each part's, in microseconds) and CPU_OTHER (the
# percentage of the machine other programs took meanwhile: the noise in the throughput figures).
cpu_note() {
    local label="$1" unit="$2" count="$3" gen="$4" gen_ticks busy pg pool nginx ms
    gen_ticks="$(calc 0 "$(cat "$5") * 100")"
    read -r busy pg pool nginx < <(stack_ticks)
    ms=$(( $(now_ms) - CPU_T0 ))
    busy=$(( busy - CPU_BUSY0 )) pg=$(( pg - CPU_PG0 )) pool=$(( pool - CPU_POOL0 )) nginx=$(( nginx - CPU_NGINX0 ))
    CPU_US="$(calc 0 "($pg + $pool + $nginx + $gen_ticks) * 10000 / $count")"
    CPU_PG="$(calc 0 "$pg * 10000 / $count")" CPU_POOL="$(calc 0 "$pool * 10000 / $count")"
    CPU_NGINX="$(calc 0 "$nginx * 10000 / $count")"
    CPU_OTHER="$(calc 0 "100 * ($busy - $pg - $pool - $nginx - $gen_ticks) / ($ms / 10 * $CORES)")"
    [ "$CPU_OTHER" -ge 0 ] || CPU_OTHER=0
    OTHER_SUM=$(( ${OTHER_SUM:-0} + CPU_OTHER )) OTHER_RUNS=$(( ${OTHER_RUNS:-0} + 1 ))
    note "$label: CPU per $unit $CPU_US µs = postgres $(calc 0 "$pg * 10000 / $count")$(
        [ "$pool" -gt 0 ] && printf ' + %s %s' "${APP_NAME:-tessera}" "$(calc 0 "$pool * 10000 / $count")")$(
        [ "$nginx" -gt 0 ] && printf ' + nginx %s' "$(calc 0 "$nginx * 10000 / $count")") + $gen $(
        calc 0 "$gen_ticks * 10000 / $count"); other programs took $CPU_OTHER% of the machine."
}

# Drives PATH through nginx with wrk: wrk_run NAME PATH STATUS COOKIES SECONDS [QUOTA [UNTIL]]
# (nginx's port WRK_PORT, when set, rather than the pool's).
# With QUOTA (not 0), each thread stops after QUOTA answers, and wrk is interrupted once all have;
# with UNTIL, a process id, wrk is interrupted once that process has ended.
# Writes $OUT/NAME.wrk and sets W_RPS W_REQ W_BAD W_P50 W_P90 W_P99 W_P999 W_MAX (ms).
wrk_run() {
    local name="$1" path="$2" status="$3" cookies="$4" seconds="$5" quota="${6:-0}" until="${7:-}"
    local file="$OUT/$name.wrk" marks="$OUT/$name.done."
    rm -f "$marks"*
    cpu_begin
    gen_start "$file" wrk -t "$CORES" -c "$BENCH_CONNECTIONS" -d "${seconds}s" --latency --timeout 10s \
        -s "$HERE/wrk.lua" "http://127.0.0.1:${WRK_PORT:-$PORT}$path" -- "$cookies" "$path" "$status" "$quota" "$marks"
    while [ "$quota" -gt 0 ] || [ -n "$until" ]; do
        pid_alive "$GEN_PID" || break
        if { [ "$quota" -gt 0 ] && [ "$(find "$OUT" -maxdepth 1 -name "$name.done.*" | wc -l)" -ge "$CORES" ]; } ||
            { [ -n "$until" ] && ! pid_alive "$until"; }; then
            kill -INT "$GEN_PID" 2>/dev/null || true
            break
        fi
        sleep 0.1
    done
    wait "$GEN_JOB" || { cat "$file" >&2; die "wrk failed ($name)"; }
    grep -q '^BENCH_RESULT ' "$file" || { cat "$file" >&2; die "wrk gave no result ($name)"; }
    W_REQ="$(wrk_field "$file" answered)"
    cpu_note "$name" request "$W_REQ" wrk "$file.cpu"
    W_RPS="$(calc 0 "$(wrk_field "$file" requests) / $(wrk_field "$file" seconds)")"
    W_BAD="$(( $(wrk_field "$file" unexpected) + $(wrk_field "$file" socket_errors) ))"
    W_P50="$(calc 2 "$(wrk_field "$file" p50) / 1000")"
    W_P90="$(calc 2 "$(wrk_field "$file" p90) / 1000")"
    W_P99="$(calc 2 "$(wrk_field "$file" p99) / 1000")"
    W_P999="$(calc 2 "$(wrk_field "$file" p999) / 1000")"
    W_MAX="$(calc 2 "$(wrk_field "$file" max) / 1000")"
    say "$name: $W_RPS req/s, p50 $W_P50 ms, p99 $W_P99 ms, $W_BAD errors or unexpected answers ($W_REQ answers)"
}

# Adds the rows of the last wrk run, labelled LABEL.
wrk_rows() {
    local label="$1"
    row "$label: throughput" "$W_RPS" "req/s"
    row "$label: latency p50 / p90" "$W_P50 / $W_P90" "ms"
    row "$label: latency p99 / p99.9 / max" "$W_P99 / $W_P999 / $W_MAX" "ms"
}

# Adds two rows comparing a run with a reference, both ">= TARGET" (none if TARGET is empty): by
# throughput (RATE / RATE_REF) and by CPU per request (CPU_REF / CPU), the second being what the
# first would be if both runs had the machine to themselves:
# compare_rows LABEL TARGET RATE RATE_REF CPU CPU_REF.
compare_rows() {
    local label="$1" target="$2" by_rate by_cpu
    by_rate="$(calc 2 "$3 / $4")"
    by_cpu="$(calc 2 "$6 / $5")"
    row "$label, by throughput" "$by_rate" "ratio" "${target:+>= $target}" \
        "$([ -z "$target" ] || verdict "$by_rate" '>=' "$target")"
    row "$label, by CPU per request" "$by_cpu" "ratio" "${target:+>= $target}" \
        "$([ -z "$target" ] || verdict "$by_cpu" '>=' "$target")"
}

# Prints the HTTP status of GET PATH with cookie COOKIE.
http_status() {
    curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $2" "http://127.0.0.1:$PORT$1"
}

# Step 1: BENCH_USERS users from one Argon2id hash (timed), each signed in through nginx.
make_users() {
    local t0 t1 best=999999 i
    # The one hash every user shares; `user add` and `user passwd` each make one, so time three.
    for i in 1 2 3; do
        t0="$(now_ms)"
        if [ "$i" = 1 ]; then
            printf '%s\n' "$PASSWORD" | tessera user add bench1 >/dev/null
        else
            printf '%s\n' "$PASSWORD" | tessera user passwd bench1 >/dev/null
        fi
        t1="$(now_ms)"
        [ $(( t1 - t0 )) -lt "$best" ] && best=$(( t1 - t0 ))
    done
    HASH_MS="$best"
    bench_psql -v n="$BENCH_USERS" <<'SQL'
INSERT INTO tessera.users (username, password_hash)
SELECT 'bench' || i, (SELECT password_hash FROM tessera.users WHERE username = 'bench1')
FROM generate_series(2, :n) AS i;
SQL
    sign_in_all
}

# Signs in with curl (as many at once as there are cores, the pool's hash slots), retrying the few
# a busy slot turned away: sign_in_all [COUNT USER COOKIES]. By default every bench user once,
# into $COOKIES, setting SIGNIN_RPS; with arguments, USER (every bench user when empty) COUNT
# times, into file COOKIES.
sign_in_all() {
    local count="${1:-$BENCH_USERS}" fixed="${2:-}" cookies="${3:-$COOKIES}"
    local pre csrf form="$OUT/form.html" hdr="$OUT/pre.hdr" dir="$OUT/signin${2:+-$2}" t0 t1 i round todo first
    curl -s -D "$hdr" -o "$form" "http://127.0.0.1:$PORT/"
    pre="$(sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*_pre=[^;]*\);.*/\1/p' "$hdr" | head -n 1)"
    csrf="$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$form" | head -n 1)"
    if [ -z "$pre" ] || [ -z "$csrf" ]; then
        die "GET / gave no pre-session cookie or csrf value"
    fi
    mkdir -p "$dir"
    seq 1 "$count" >"$OUT/signin.todo"
    printf '0\n' >"$OUT/signin.cpu"
    cpu_begin
    t0="$(now_ms)"
    for round in 1 2 3 4 5; do
        todo="$(wc -l <"$OUT/signin.todo")"
        [ "$todo" -gt 0 ] || break
        [ "$round" = 1 ] || sleep 1
        first="$(head -n 1 "$OUT/signin.todo")"
        while read -r i; do
            [ "$i" = "$first" ] || printf 'next\n'
            printf 'url = "http://127.0.0.1:%s/login"\n' "$PORT"
            printf 'data = "username=%s&password=%s&csrf=%s"\n' "${fixed:-bench$i}" "$PASSWORD" "$csrf"
            printf 'header = "Cookie: %s"\n' "$pre"
            printf 'output = "/dev/null"\ndump-header = "%s/%s"\n' "$dir" "$i"
        done <"$OUT/signin.todo" >"$OUT/signin.curl"
        gen_start "$OUT/signin.out" curl --no-progress-meter --parallel --parallel-immediate \
            --parallel-max "$CORES" -K "$OUT/signin.curl"
        wait "$GEN_JOB" || true
        awk '{ n += $1 } END { print n }' "$OUT/signin.cpu" "$OUT/signin.out.cpu" >"$OUT/signin.sum"
        mv "$OUT/signin.sum" "$OUT/signin.cpu"
        while read -r i; do
            grep -q '^HTTP/1.1 303' "$dir/$i" 2>/dev/null || printf '%s\n' "$i"
        done <"$OUT/signin.todo" >"$OUT/signin.left"
        mv "$OUT/signin.left" "$OUT/signin.todo"
    done
    t1="$(now_ms)"
    cpu_note sign-in sign-in "$count" curl "$OUT/signin.cpu"
    [ ! -s "$OUT/signin.todo" ] || die "$(wc -l <"$OUT/signin.todo") sign-ins failed (see $dir)"
    cat "$dir"/* | sed -n 's/^[Ss]et-[Cc]ookie: \(tessera_session=[^;]*\);.*/\1/p' >"$cookies"
    [ "$(wc -l <"$cookies")" = "$count" ] || die "expected $count session cookies"
    [ "$cookies" = "$COOKIES" ] || return 0
    SIGNIN_RPS="$(calc 1 "$BENCH_USERS * 1000 / ($t1 - $t0)")"
    say "signed in $BENCH_USERS users: $SIGNIN_RPS sign-ins/s (one hash: $HASH_MS ms, $CORES cores)"
}

# The token hashes of the signed-in sessions, numbered for pgbench's random pick.
make_token_table() {
    bench_psql <<'SQL'
CREATE SCHEMA bench;
CREATE TABLE bench.tokens (i integer PRIMARY KEY, h bytea NOT NULL);
INSERT INTO bench.tokens SELECT row_number() OVER (ORDER BY id), token_hash FROM tessera.sessions;
ANALYZE bench.tokens;
SQL
}

# Turns statement logging on or off (on: every statement with its parameters, for capture_statements).
log_statements() {
    if [ "$1" = on ]; then
        bench_psql -c "ALTER SYSTEM SET log_statement = 'all'" -c 'SELECT pg_reload_conf()' >/dev/null
    else
        bench_psql -c 'ALTER SYSTEM RESET log_statement' -c 'SELECT pg_reload_conf()' >/dev/null
    fi
    sleep 0.5   # backends pick the setting up between statements
}

# Makes $OUT/NAME.sql and $OUT/NAME.vars, the pgbench script of what one GET PATH runs in the
# database: the statements PostgreSQL logged for it, with their parameters (statements.awk).
capture_statements() {
    local name="$1" path="$2" status="$3" cookie offset
    cookie="$(head -n 1 "$COOKIES")"
    log_statements on
    offset="$(stat -c %s "$PG_DIR/postgresql.log")"
    [ "$(http_status "$path" "$cookie")" = "$status" ] || die "GET $path did not answer $status"
    sleep 0.5
    tail -c +"$(( offset + 1 ))" "$PG_DIR/postgresql.log" >"$OUT/$name.log"
    log_statements off
    awk -v script="$OUT/$name.sql" -v vars="$OUT/$name.vars" -v tokens="$BENCH_USERS" \
        -f "$HERE/statements.awk" "$OUT/$name.log" ||
        die "no statement of GET $path found in PostgreSQL's log"
}

# Runs pgbench on $OUT/NAME.sql (prepared, PGB_CLIENTS clients, wrk's duration, commits as the pool's
# touch commits); sets PGB_TPS.
pgbench_run() {
    local name="$1" var
    local -a defs=()
    while IFS= read -r var; do
        defs+=(-D "$var")
    done <"$OUT/$name.vars"
    cpu_begin
    PGOPTIONS="-c synchronous_commit=$FLOOR_COMMIT" gen_start "$OUT/$name.pgbench" pgbench -n -M prepared -c "$PGB_CLIENTS" -j "$CORES" \
        -T "$BENCH_DURATION" -h "$PG_DIR" -U tessera "${defs[@]}" -f "$OUT/$name.sql" tessera
    wait "$GEN_JOB" || { cat "$OUT/$name.pgbench" >&2; die "pgbench failed ($name)"; }
    PGB_TPS="$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$OUT/$name.pgbench" | head -n 1)"
    cpu_note "pgbench $name" transaction \
        "$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$OUT/$name.pgbench")" \
        pgbench "$OUT/$name.pgbench.cpu"
    PGB_TPS="$(calc 0 "$PGB_TPS")"
    say "pgbench $name: $PGB_TPS tps"
}

# Empties pg_stat_statements and notes nginx's request count, so the next run's statements per
# request can be counted (stats_calls).
stats_reset() {
    bench_psql -c 'SELECT pg_stat_statements_reset()' >/dev/null
    NGINX_BEFORE="$(nginx_requests)"
}

# Prints "REQUESTS ALL WRITES": the requests nginx read since stats_reset (the two status requests
# left out), the calls of tessera's statements since then, and of those the ones that write. Counted
# on both sides of the pool, so requests still in flight when wrk stopped count too.
stats_calls() {
    local requests
    sleep 0.5   # requests wrk abandoned at the end may still be running
    requests=$(( $(nginx_requests) - NGINX_BEFORE - 1 ))
    printf '%s ' "$requests"
    bench_psql -F ' ' <<'SQL'
SELECT coalesce(sum(calls), 0),
       coalesce(sum(calls) FILTER (WHERE query ~* '^\s*(update|insert|delete|with)'), 0)
FROM pg_stat_statements
WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND query ~ 'tessera\.' AND query !~ 'pg_stat_statements';
SQL
}

# Prints the worker RSS figures: "MAX_KIB KIB1 KIB2 ...".
rss_line() {
    local all
    all="$(worker_rss | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')"
    printf '%s %s\n' "$(printf '%s\n' "$all" | tr ' ' '\n' | sort -n | tail -n 1)" "$all"
}

# Steps 2 and 3: the dashboard through nginx, and its statements straight at PostgreSQL.
bench_dashboard() {
    local requests calls writes
    capture_statements dashboard /dashboard 200
    stats_reset
    wrk_run dashboard /dashboard 200 "$COOKIES" "$BENCH_DURATION"
    read -r requests calls writes < <(stats_calls)
    DASH_RPS="$W_RPS" DASH_P99="$W_P99" DASH_CPU="$CPU_US"
    wrk_rows "GET /dashboard, $BENCH_USERS sessions"
    row "GET /dashboard: CPU per request, postgres / pool / nginx" "$CPU_PG / $CPU_POOL / $CPU_NGINX" "µs"
    row "  their sum" "$(( CPU_PG + CPU_POOL + CPU_NGINX ))" "µs" "<= 250" \
        "$(verdict "$(( CPU_PG + CPU_POOL + CPU_NGINX ))" '<=' 250)"
    row "GET /dashboard: errors + non-2xx" "$W_BAD" "" "0" "$(verdict "$W_BAD" == 0)"
    row "GET /dashboard: statements per request" "$(calc 3 "$calls / $requests")" "calls" "1 (one round trip)" \
        "$(verdict "$(calc 3 "$calls / $requests")" == 1)"
    # pgbench's yardsticks, each in turn with what it is held against (alternate_runs): the ratios
    # of runs one after the other moved by a fifth from one full run to the next
    DASH_TAG=pgbench-dashboard DASH_COOKIES="$COOKIES" alternate_runs dashboard_side pgbench_dashboard_side
    local dash_pg="$ALT_PG_A"
    DASH_PGB_TPS="$ALT_RPS_B" DASH_PGB_CPU="$ALT_CPU_B" DASH_PGB_PG="$ALT_PG_B"
    DASH_PGB_RATIO="$(calc 2 "$ALT_RPS_A / $ALT_RPS_B")"
    row "pgbench, the dashboard's statement(s), in turn with the dashboard (means of 4 runs)" "$DASH_PGB_TPS" "tps"
    compare_rows "GET /dashboard / pgbench" 0.6 "$ALT_RPS_A" "$ALT_RPS_B" "$ALT_CPU_A" "$ALT_CPU_B"
    row "  postgres CPU per request: dashboard / pgbench" "$(calc 2 "$dash_pg / $DASH_PGB_PG")" "ratio" \
        "<= 1.3" "$(verdict "$(calc 2 "$dash_pg / $DASH_PGB_PG")" '<=' 1.3)"
    PACE_US="$(calc 0 "1000000 * $WORKERS / $ALT_RPS_A - 1000000 * $PGB_CLIENTS / $DASH_PGB_TPS")"
    bare_statement
    alternate_runs pgbench_dashboard_side pgbench_bare_side
    BARE_PGB_PG="$ALT_PG_B"
    row "pgbench, a bare UPDATE ... RETURNING of one row, in turn with the dashboard's (means of 4)" \
        "$ALT_RPS_B" "tps"
    row "  postgres CPU: dashboard's statement / bare one" "$(calc 2 "$ALT_PG_A / $ALT_PG_B")" "ratio" \
        "<= 1.5" "$(verdict "$(calc 2 "$ALT_PG_A / $ALT_PG_B")" '<=' 1.5)"
    [ "$PACE_US" -gt 0 ] || PACE_US=0
    pgbench_paced dashboard
    local paced_pg="$CPU_PG"
    row "pgbench, the dashboard's statement with ${PACE_US} µs between a client's two" "$PGB_TPS" "tps"
    row "  postgres CPU per request: dashboard / paced pgbench" "$(calc 2 "$dash_pg / $paced_pg")" "ratio"
    pgbench_paced bare
    row "pgbench, the bare one paced alike" "$PGB_TPS" "tps"
    row "  postgres CPU: dashboard's statement / bare one, both paced" "$(calc 2 "$paced_pg / $CPU_PG")" "ratio"
    pgbench_beside_static dashboard
    row "pgbench, the dashboard's statement while nginx answers a static page" "$PGB_TPS" "tps"
    row "  postgres CPU per request: dashboard / pgbench beside nginx" "$(calc 2 "$dash_pg / $CPU_PG")" "ratio"
}

# Runs pgbench on $OUT/NAME.sql again as $OUT/NAME-beside.sql while wrk drives nginx's static page with
# the dashboard run's connections: PostgreSQL shares the cores with nginx and wrk as it does under the
# dashboard, whose processes evict its caches and preempt it between two statements. What its CPU per
# statement gains here over pgbench alone is the price of sharing the machine, not of the statement.
pgbench_beside_static() {
    local name="$1" job
    cp "$OUT/$name.sql" "$OUT/$name-beside.sql"
    cp "$OUT/$name.vars" "$OUT/$name-beside.vars"
    wrk -t "$CORES" -c "$BENCH_CONNECTIONS" -d "$(( BENCH_DURATION + 3 ))s" \
        "http://127.0.0.1:$PORT/bench-static" >"$OUT/$name-beside.wrk" 2>&1 &
    job=$!
    sleep 1     # wrk's connections are up before pgbench starts
    pgbench_run "$name-beside"
    wait "$job" || { cat "$OUT/$name-beside.wrk" >&2; die "wrk failed ($name-beside)"; }
}

# One quarter run of pgbench on the dashboard's statement(s), for alternate_runs: RUN SECONDS.
pgbench_dashboard_side() {
    pgbench_side dashboard "$2"
}

# One quarter run of pgbench on the bare statement (bare_statement), for alternate_runs: RUN SECONDS.
pgbench_bare_side() {
    pgbench_side bare "$2"
}

# Runs pgbench on $OUT/NAME.sql for SECONDS and sets what alternate_runs reads of a wrk run.
pgbench_side() {
    BENCH_DURATION="$2" pgbench_run "$1"
    W_RPS="$PGB_TPS" W_BAD=0
}

# Runs pgbench on $OUT/NAME.sql again as $OUT/NAME-paced.sql, with the pause a pool's connection has
# between two statements (PACE_US: each worker's time per request, WORKERS / req/s, less pgbench's own
# time per transaction): a backend that waits for its next statement sleeps and wakes up cache-cold,
# which costs PostgreSQL CPU that a client sending statements back to back never makes it pay.
pgbench_paced() {
    local name="$1"
    { cat "$OUT/$name.sql"; printf '\\sleep %s us\n' "$PACE_US"; } >"$OUT/$name-paced.sql"
    cp "$OUT/$name.vars" "$OUT/$name-paced.vars"
    pgbench_run "$name-paced"
}

# Writes $OUT/bare.sql and $OUT/bare.vars: the floor's statement (one row's UPDATE ... RETURNING, by
# token hash) as a pgbench script; pgbench_run runs it in the floor's commit mode.
bare_statement() {
    {
        printf '\\set i random(1, %s)\n' "$BENCH_USERS"
        printf 'UPDATE tessera.sessions SET last_seen_at = now() WHERE token_hash = '
        printf '(SELECT h FROM bench.tokens WHERE i = :i) RETURNING id;\n'
    } >"$OUT/bare.sql"
    : >"$OUT/bare.vars"
}

# Runs the dashboard again, same cookies and wrk settings, from a pool restarted with the VAR=VALUE
# settings that follow $1 (the rows' label) and $2 (the runs' tag in the CPU notes); they override
# the config file. Before the steps that add rows, so the tables are the baseline's: a warm-up, then
# the run.
# Leaves that pool running: bench_pool_back restores the bench's own.
bench_pool_variant() {
    local label="$1" tag="$2"
    shift 2
    stack_restart_pool "$@"
    wrk_run "warmup-$tag" /dashboard 200 "$COOKIES" "$WARMUP_SECONDS"
    wrk_run "$tag" /dashboard 200 "$COOKIES" "$BENCH_DURATION"
    wrk_rows "$label"
    row "$label: errors + non-2xx" "$W_BAD" "" "0" "$(verdict "$W_BAD" == 0)"
}

# Restarts the pool with the bench's own config and warms it up, for the steps after the variants.
bench_pool_back() {
    stack_restart_pool
    wrk_run warmup-prepared /dashboard 200 "$COOKIES" "$WARMUP_SECONDS"
}

# Step 3b (issue 9): the dashboard from a pool with unnamed statements (db_prepared = off: each
# statement parsed and planned every time, as pgbouncer's transaction pooling needs).
bench_unprepared() {
    bench_pool_variant "GET /dashboard, db_prepared = off" unprepared TESSERA_DB_PREPARED=off
    compare_rows "db_prepared off / on" "" "$W_RPS" "$DASH_RPS" "$CPU_US" "$DASH_CPU"
}

# One quarter run of the dashboard from the wider pool (stack_wide_pool), for alternate_runs: RUN
# SECONDS.
wide_side() {
    APP_PID="$WIDE_PID" WRK_PORT="$WIDE_PORT" wrk_run "wide-$1" /dashboard 200 "$COOKIES" "$2"
}

# Step 3c: the dashboard from a pool of twice the default workers, started beside the bench's own
# and run in turn with it (alternate_runs): more workers than 2 per core must not cost the tail, and
# a slow spell of the machine must not be read as theirs (run after the default pool's runs, the
# 8 workers' p99 came out 1.18 x and 1.34 x its in two full runs, and 5.9 x in a third where the
# machine had slowed by half in between).
bench_wider_pool() {
    local workers=$(( 2 * WORKERS )) p99
    stack_wide_pool "$workers"
    APP_PID="$WIDE_PID" WRK_PORT="$WIDE_PORT" wrk_run warmup-wide /dashboard 200 "$COOKIES" "$WARMUP_SECONDS"
    DASH_TAG=wide-dashboard DASH_COOKIES="$COOKIES" alternate_runs dashboard_side wide_side
    stack_stop_wide_pool
    row "GET /dashboard, $workers workers, in turn with $WORKERS (means of 4 runs)" "$ALT_RPS_B" "req/s"
    row "  errors + non-2xx, both" "$ALT_BAD" "" "0" "$(verdict "$ALT_BAD" == 0)"
    compare_rows "  it / with $WORKERS workers" "" "$ALT_RPS_B" "$ALT_RPS_A" "$ALT_CPU_B" "$ALT_CPU_A"
    p99="$(calc 2 "$ALT_P99_B / $ALT_P99_A")"
    row "  its p99 / with $WORKERS workers ($ALT_P99_B / $ALT_P99_A ms, means of 4)" "$p99" "ratio" "<= 2" \
        "$(verdict "$p99" '<=' 2)"
    compare_rows "  it / pgbench" 0.6 "$ALT_RPS_B" "$DASH_PGB_TPS" "$ALT_CPU_B" "$DASH_PGB_CPU"
}

# Returns 0 if step $1 is not in BENCH_SKIP.
step_wanted() {
    case " $BENCH_SKIP " in
        *" $1 "*) return 1 ;;
    esac
}

# Runs side A and side B, two functions each doing one wrk_run or pgbench_side (called with a run
# number and its seconds), in eight runs of a quarter of the duration, A B B A A B B A, so that a
# machine drifting or slowing for a while during the step weighs on both sides alike. Sets ALT_RPS_A
# and ALT_RPS_B (each side's mean throughput), ALT_CPU_A and ALT_CPU_B (its mean CPU per request,
# µs), ALT_PG_A and ALT_PG_B (their PostgreSQL part), ALT_P99_A and ALT_P99_B (the mean of its runs'
# p99, ms; 0 for pgbench) and ALT_BAD (both sides' errors and unexpected answers).
alternate_runs() {
    local side_a="$1" side_b="$2" quarter=$(( (BENCH_DURATION + 3) / 4 )) run=0 side
    local rps_a=0 rps_b=0 cpu_a=0 cpu_b=0 pg_a=0 pg_b=0 p99_a=0 p99_b=0
    ALT_BAD=0
    for side in A B B A A B B A; do
        run=$(( run + 1 ))
        W_P99=0
        if [ "$side" = A ]; then
            "$side_a" "$run" "$quarter"
            rps_a=$(( rps_a + W_RPS )) cpu_a=$(( cpu_a + CPU_US )) pg_a=$(( pg_a + CPU_PG ))
            p99_a="$(calc 2 "$p99_a + $W_P99")"
        else
            "$side_b" "$run" "$quarter"
            rps_b=$(( rps_b + W_RPS )) cpu_b=$(( cpu_b + CPU_US )) pg_b=$(( pg_b + CPU_PG ))
            p99_b="$(calc 2 "$p99_b + $W_P99")"
        fi
        ALT_BAD=$(( ALT_BAD + W_BAD ))
    done
    ALT_RPS_A="$(calc 0 "$rps_a / 4")" ALT_RPS_B="$(calc 0 "$rps_b / 4")"
    ALT_CPU_A="$(calc 0 "$cpu_a / 4")" ALT_CPU_B="$(calc 0 "$cpu_b / 4")"
    ALT_PG_A="$(calc 0 "$pg_a / 4")" ALT_PG_B="$(calc 0 "$pg_b / 4")"
    ALT_P99_A="$(calc 2 "$p99_a / 4")" ALT_P99_B="$(calc 2 "$p99_b / 4")"
}

# One quarter run of the dashboard from the bench's pool, for alternate_runs: RUN SECONDS (the
# cookies in DASH_COOKIES, the run named DASH_TAG-RUN).
dashboard_side() {
    wrk_run "$DASH_TAG-$1" /dashboard 200 "$DASH_COOKIES" "$2"
}

# One quarter run of the floor, for alternate_runs: RUN SECONDS.
floor_side() {
    APP_NAME=floor APP_PID="$FLOOR_PID" WRK_PORT="$FLOOR_PORT" wrk_run "floor-$1" /dashboard 200 "$COOKIES" "$2"
}

# Step 3d: the floor, a bare FastCGI responder doing only the dashboard's write (tests/bench/floor.c),
# with the pool's worker count and commit mode behind the same nginx, with the same cookies, in
# turn with the dashboard (alternate_runs; the pool waits idle meanwhile, as the floor does).
bench_floor() {
    stack_floor "$FLOOR_COMMIT"
    APP_NAME=floor APP_PID="$FLOOR_PID" WRK_PORT="$FLOOR_PORT" wrk_run warmup-floor /dashboard 200 "$COOKIES" "$WARMUP_SECONDS"
    DASH_TAG=floor-dashboard DASH_COOKIES="$COOKIES" alternate_runs dashboard_side floor_side
    stack_stop_floor
    row "floor: bare responder, $WORKERS workers, commit $FLOOR_COMMIT (mean of 4 runs)" "$ALT_RPS_B" "req/s"
    row "  GET /dashboard in turn with it (mean of 4 runs)" "$ALT_RPS_A" "req/s"
    row "  errors + non-2xx, both" "$ALT_BAD" "" "0" "$(verdict "$ALT_BAD" == 0)"
    compare_rows "GET /dashboard / floor" 0.9 "$ALT_RPS_A" "$ALT_RPS_B" "$ALT_CPU_A" "$ALT_CPU_B"
    # the dashboard's own ratio's yardstick, met or not by a responder that does nothing else
    row "  floor's postgres CPU per request / pgbench on its bare statement" \
        "$(calc 2 "$ALT_PG_B / $BARE_PGB_PG")" "ratio"
}

# One quarter run of the peer, for alternate_runs: RUN SECONDS.
peer_side() {
    APP_NAME=node APP_PID="$PEER_PID" WRK_PORT="$PEER_PORT" wrk_run "peer-$1" /dashboard 200 "$OUT/peer.cookies" "$2"
}

# Step 3e: the peer, express 5 + express-session + connect-pg-simple (tests/bench/peer), one node
# process per core behind the same nginx, on the same PostgreSQL, its own session per bench user,
# in turn with the dashboard (alternate_runs).
bench_peer() {
    if ! stack_peer_install; then
        row "express-session peer" "skipped" "" "" "node/npm missing"
        return 0
    fi
    (peer_env node seed.js "$BENCH_USERS") >"$OUT/peer.cookies" || die "the peer's sessions could not be stored"
    stack_peer
    APP_NAME=node APP_PID="$PEER_PID" WRK_PORT="$PEER_PORT" wrk_run warmup-peer /dashboard 200 "$OUT/peer.cookies" "$WARMUP_SECONDS"
    DASH_TAG=peer-dashboard DASH_COOKIES="$COOKIES" alternate_runs dashboard_side peer_side
    stack_stop_peer
    row "peer: express-session, $CORES node processes (mean of 4 runs)" "$ALT_RPS_B" "req/s"
    row "  GET /dashboard in turn with it (mean of 4 runs)" "$ALT_RPS_A" "req/s"
    row "  errors + non-2xx, both" "$ALT_BAD" "" "0" "$(verdict "$ALT_BAD" == 0)"
    compare_rows "GET /dashboard / peer" 3.5 "$ALT_RPS_A" "$ALT_RPS_B" "$ALT_CPU_A" "$ALT_CPU_B"
    row "GET /dashboard / pgbench (as above), by throughput" "$DASH_PGB_RATIO" "ratio"
}

# Step 3f: one user's 100 sessions (max_sessions_per_user's default) against 100 users' one each:
# the same number of rows and cookies, so only the sessions per user differ; in turn
# (alternate_runs).
bench_crowd() {
    local crowd=100
    if [ "$BENCH_USERS" -lt $(( crowd + 1 )) ]; then
        row "100 sessions of one user" "skipped" "" "" "BENCH_USERS < 101"
        return 0
    fi
    tail -n "$crowd" "$COOKIES" >"$OUT/crowd.one"   # not bench1's: users with one session each
    sign_in_all $(( crowd - 1 )) bench1 "$OUT/crowd.many"
    head -n 1 "$COOKIES" >>"$OUT/crowd.many"        # bench1's first session: 100 in all, none evicted
    wrk_run warmup-crowd /dashboard 200 "$OUT/crowd.one" "$WARMUP_SECONDS"
    DASH_TAG=crowd-one DASH_COOKIES="$OUT/crowd.one" alternate_runs dashboard_side crowd_side
    row "GET /dashboard, 100 users with 1 session each (mean of 4 runs)" "$ALT_RPS_A" "req/s"
    row "GET /dashboard, 1 user with 100 sessions (mean of 4 runs)" "$ALT_RPS_B" "req/s"
    row "  errors + non-2xx, both" "$ALT_BAD" "" "0" "$(verdict "$ALT_BAD" == 0)"
    compare_rows "  100 sessions of one user / one each" 0.9 "$ALT_RPS_B" "$ALT_RPS_A" "$ALT_CPU_B" "$ALT_CPU_A"
}

# One quarter run of the dashboard for one user's 100 sessions, for alternate_runs: RUN SECONDS.
crowd_side() {
    wrk_run "crowd-many-$1" /dashboard 200 "$OUT/crowd.many" "$2"
}

# Starts strace -c on every child of process PARENT (the pool's workers, nginx's), summary to FILE;
# sets TRACE_PID.
trace_children() {
    local -a args=()
    local pid
    for pid in $(ps -o pid= --ppid "$1"); do
        args+=(-p "$pid")
    done
    strace -c -f -qq -o "$2" "${args[@]}" &
    TRACE_PID=$!
}

# Prints the calls on the total line of an strace -c summary.
trace_total() {
    awk '$NF == "total" { print $4 }' "$1"
}

# Prints an strace -c summary's five most frequent calls as "name count, ...".
trace_top() {
    awk '$1 ~ /^[0-9.]+$/ && $NF != "total" { print $4, $NF }' "$1" | sort -rn | head -n 5 |
        awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1 }'
}

# Step 3g: system calls per dashboard request in the pool's workers and in nginx's, counted with
# strace -c over BENCH_TRACE_REQUESTS requests (strace slows them: only the counts are kept).
bench_syscalls() {
    local pool_trace pool_file="$OUT/strace.pool" nginx_file="$OUT/strace.nginx" nginx_trace
    if ! command -v strace >/dev/null; then
        row "system calls per request" "skipped" "" "" "strace missing"
        return 0
    fi
    trace_children "$POOL_PID" "$pool_file"
    pool_trace="$TRACE_PID"
    trace_children "$(cat "$NGINX_DIR/nginx.pid")" "$nginx_file"
    nginx_trace="$TRACE_PID"
    sleep 1
    wrk_run syscalls /dashboard 200 "$COOKIES" 3600 $(( BENCH_TRACE_REQUESTS / CORES ))
    kill -INT "$pool_trace" "$nginx_trace" 2>/dev/null || true
    wait "$pool_trace" "$nginx_trace" 2>/dev/null || true
    row "system calls per dashboard request: pool" "$(calc 1 "$(trace_total "$pool_file") / $W_REQ")" "calls"
    row "system calls per dashboard request: nginx" "$(calc 1 "$(trace_total "$nginx_file") / $W_REQ")" "calls"
    note "Most frequent system calls over $W_REQ dashboard requests: pool $(trace_top "$pool_file"); nginx $(trace_top "$nginx_file")."
}

# Step 4: the read-mostly path (/auth, or / for a signed-in visitor before /auth existed) and nginx alone.
bench_read_path() {
    local requests calls writes label cookie rps cpu
    cookie="$(head -n 1 "$COOKIES")"
    if [ "$(http_status /auth "$cookie")" = 204 ]; then
        READ_PATH=/auth READ_STATUS=204
    else
        READ_PATH=/ READ_STATUS=303
    fi
    label="GET $READ_PATH (signed in)"
    capture_statements read "$READ_PATH" "$READ_STATUS"
    stats_reset
    wrk_run read "$READ_PATH" "$READ_STATUS" "$COOKIES" "$BENCH_DURATION"
    read -r requests calls writes < <(stats_calls)
    rps="$W_RPS" cpu="$CPU_US"
    wrk_rows "$label"
    row "$label: errors + unexpected" "$W_BAD" "" "0" "$(verdict "$W_BAD" == 0)"
    row "$label: statements per request" "$(calc 3 "$calls / $requests")" "calls"
    row "$label: writes per request" "$(calc 3 "$writes / $requests")" "calls" "< 0.5 (mostly reads)" \
        "$(verdict "$(calc 3 "$writes / $requests")" '<' 0.5)"
    [ -z "$BENCH_BASELINE" ] || bench_read_baseline "$rps" "$cpu"
    pgbench_run read
    row "pgbench, $READ_PATH's statement(s)" "$PGB_TPS" "tps"
    compare_rows "GET $READ_PATH / pgbench" 0.6 "$rps" "$PGB_TPS" "$cpu" "$CPU_US"
    wrk_run static /bench-static 200 - "$BENCH_DURATION"
    row "nginx alone (return 200): throughput" "$W_RPS" "req/s"
}

# Builds BENCH_BASELINE's tree (git archive, so no work tree of the repository changes) under
# $STACK_DIR/baseline, and writes its config: the bench's own with that tree's templates. It runs on
# this schema, as an older binary does while an upgrade rolls out (tests/e2e/test_upgrade.py).
baseline_build() {
    local dir="$STACK_DIR/baseline" rev
    rev="$(git -C "$TESSERA_REPO" rev-parse --verify --quiet "$BENCH_BASELINE^{commit}")" ||
        die "BENCH_BASELINE=$BENCH_BASELINE: no such revision"
    mkdir -p "$dir"
    git -C "$TESSERA_REPO" archive "$rev" | tar -x -C "$dir"
    say "building $BENCH_BASELINE ($rev) in $dir"
    nice make -C "$dir" -j"$CORES" all >"$STACK_DIR/out/baseline.make" 2>&1 ||
        { tail -n 20 "$STACK_DIR/out/baseline.make" >&2; die "BENCH_BASELINE=$BENCH_BASELINE did not build"; }
    BASELINE_BIN="$dir/bin/tessera"
    BASELINE_CONF="$STACK_DIR/baseline.conf"
    sed "s#^templates = .*#templates = $dir/templates#" "$CONF" >"$BASELINE_CONF"
    chmod 0644 "$BASELINE_CONF"
}

# Step 4b: the read path again from BENCH_BASELINE's pool behind the same nginx, after a warm-up,
# its writes counted the same way; then BENCH_BASELINE_PAIRS pairs of runs, this build's and the
# baseline's back to back, in turn baseline first and this build first (step 4's run and the
# first baseline run are the first pair), so that a drift of the machine cancels out: the rows
# are the medians of the pairs' ratios. Then the bench's own pool back.
bench_read_baseline() {
    local label="GET $READ_PATH at $BENCH_BASELINE" requests calls writes pair
    local ours_rps="$1" ours_cpu="$2" base_rps base_cpu rates="" cpus=""
    baseline_pool
    # Its own sessions: an older binary may not read the cookies this one signs (their MAC).
    sign_in_all "$BENCH_USERS" "" "$OUT/baseline.cookies"
    wrk_run warmup-baseline "$READ_PATH" "$READ_STATUS" "$OUT/baseline.cookies" "$WARMUP_SECONDS"
    stats_reset
    wrk_run read-baseline "$READ_PATH" "$READ_STATUS" "$OUT/baseline.cookies" "$BENCH_DURATION"
    read -r requests calls writes < <(stats_calls)
    wrk_rows "$label"
    row "$label: errors + unexpected" "$W_BAD" "" "0" "$(verdict "$W_BAD" == 0)"
    row "$label: writes per request" "$(calc 3 "$writes / $requests")" "calls"
    for pair in $(seq 1 "$BENCH_BASELINE_PAIRS"); do
        if [ "$pair" -gt 1 ]; then
            if [ $(( pair % 2 )) = 0 ]; then       # the baseline's pool is up: it goes first
                read_run "read-baseline-$pair" "$OUT/baseline.cookies"
                base_rps="$W_RPS" base_cpu="$CPU_US"
                stack_restart_pool
                read_run "read-$pair" "$COOKIES"
                ours_rps="$W_RPS" ours_cpu="$CPU_US"
            else
                read_run "read-$pair" "$COOKIES"
                ours_rps="$W_RPS" ours_cpu="$CPU_US"
                baseline_pool
                read_run "read-baseline-$pair" "$OUT/baseline.cookies"
                base_rps="$W_RPS" base_cpu="$CPU_US"
            fi
        else
            base_rps="$W_RPS" base_cpu="$CPU_US"
        fi
        rates="$rates$(calc 4 "$ours_rps / $base_rps")"$'\n'
        cpus="$cpus$(calc 4 "$base_cpu / $ours_cpu")"$'\n'
    done
    note "$READ_PATH against $BENCH_BASELINE, throughput ratio of each pair: $(printf '%s' "$rates" | tr '\n' ' ')"
    median_rows "GET $READ_PATH / at $BENCH_BASELINE, median of $BENCH_BASELINE_PAIRS pairs" 0.9 \
        "$(printf '%s' "$rates" | median)" "$(printf '%s' "$cpus" | median)"
    bench_pool_back
}

# Restarts the pool as BENCH_BASELINE's binary with its config.
baseline_pool() {
    BIN="$BASELINE_BIN" CONF="$BASELINE_CONF" stack_restart_pool
}

# One warm-up and one measured run of the read path with the cookies in file $2, named $1.
read_run() {
    wrk_run "warmup-$1" "$READ_PATH" "$READ_STATUS" "$2" "$WARMUP_SECONDS"
    wrk_run "$1" "$READ_PATH" "$READ_STATUS" "$2" "$BENCH_DURATION"
    [ "$W_BAD" = 0 ] || die "$1: $W_BAD errors or unexpected answers"
}

# Prints the median of the numbers on standard input, one a line.
median() {
    sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

# Two rows comparing medians of ratios: median_rows LABEL TARGET BY_THROUGHPUT BY_CPU.
median_rows() {
    local label="$1" target="$2" by_rate by_cpu
    by_rate="$(calc 2 "$3")" by_cpu="$(calc 2 "$4")"
    row "$label, by throughput" "$by_rate" "ratio" ">= $target" "$(verdict "$by_rate" '>=' "$target")"
    row "$label, by CPU per request" "$by_cpu" "ratio" ">= $target" "$(verdict "$by_cpu" '>=' "$target")"
}

# Adds N session rows, EXPIRED_PCT percent of them expired, then vacuums as autovacuum would and
# checkpoints, so that writing out the load's pages does not fall into the next measured run.
add_sessions() {
    local n="$1" pct="$2" tag="$3" t0
    t0="$(now_ms)"
    bench_psql -v n="$n" -v expired="$pct" -v tag="$tag" -f "$HERE/sessions.sql"
    bench_psql -c 'VACUUM (ANALYZE) tessera.sessions' -c 'CHECKPOINT'
    say "added $n session rows ($pct% expired) in $(( ($(now_ms) - t0) / 1000 )) s"
}

# Prints how many session rows are expired.
expired_count() {
    bench_psql -c 'SELECT count(*) FROM tessera.sessions WHERE least(expires_at, absolute_expires_at) < now()'
}

# Purges every expired row the way an operator does, `tessera sessions purge` (one batch per
# transaction, PURGE_PAUSE ms between two); prints "ROWS MILLISECONDS".
purge_all() {
    local t0 rows
    t0="$(now_ms)"
    rows="$(tessera sessions purge --batch "$PURGE_BATCH" --pause "$PURGE_PAUSE" | awk '{ print $2 }')"
    printf '%s %s\n' "$rows" "$(( $(now_ms) - t0 ))"
}

# Step 5: the dashboard again with many more rows, then while a purge of expired rows runs.
bench_many_sessions() {
    local expired top_up purge_pid rows ms
    add_sessions "$BENCH_EXTRA_SESSIONS" "$BENCH_EXPIRED_PCT" x
    row "session rows in the table" "$(bench_psql -c 'SELECT count(*) FROM tessera.sessions')" "rows"
    row "bytes per session row: heap + TOAST / indexes" \
        "$(bench_psql -F ' / ' -c "SELECT (pg_table_size(c.oid) / s.n)::int, (pg_indexes_size(c.oid) / s.n)::int
            FROM pg_class c, (SELECT count(*) AS n FROM tessera.sessions) s WHERE c.oid = 'tessera.sessions'::regclass")" "bytes"
    wrk_run many /dashboard 200 "$COOKIES" "$BENCH_DURATION"
    wrk_rows "GET /dashboard, +$BENCH_EXTRA_SESSIONS rows"
    row "  its errors + non-2xx" "$W_BAD" "" "0" "$(verdict "$W_BAD" == 0)"
    compare_rows "  it / with $BENCH_USERS sessions" 0.9 "$W_RPS" "$DASH_RPS" "$CPU_US" "$DASH_CPU"

    expired="$(expired_count)"
    top_up=$(( BENCH_PURGE_ROWS - expired ))
    [ "$top_up" -le 0 ] || add_sessions "$top_up" 100 p
    purge_all >"$OUT/purge.result" &
    purge_pid=$!
    wrk_run purge /dashboard 200 "$COOKIES" 3600 0 "$purge_pid"
    wait "$purge_pid" || die "the purge failed"
    read -r rows ms <"$OUT/purge.result"
    wrk_rows "GET /dashboard during the purge"
    row "  its errors + non-2xx" "$W_BAD" "" "0" "$(verdict "$W_BAD" == 0)"
    row "  its p99 / p99 with $BENCH_USERS sessions" "$(calc 2 "$W_P99 / $DASH_P99")" "ratio" "<= 2" \
        "$(verdict "$(calc 2 "$W_P99 / $DASH_P99")" '<=' 2)"
    row "purge: expired rows deleted" "$rows" "rows" ">= $BENCH_PURGE_ROWS" "$(verdict "$rows" '>=' "$BENCH_PURGE_ROWS")"
    row "purge: rate" "$(calc 0 "$rows * 1000 / $ms")" "rows/s"
    note "The purge ran tessera sessions purge --batch $PURGE_BATCH --pause $PURGE_PAUSE until no expired row was left ($(calc 1 "$ms / 1000") s), the dashboard run as long; its CPU above counts the purge's under postgres."
}

# Step 6 (memory): worker RSS after the warm-up, then before and after BENCH_REQUESTS more dashboard requests.
bench_memory() {
    local max all before per_thread
    row "worker RSS after warm-up (max of $WORKERS)" "$(calc 2 "$RSS_WARM / 1024")" "MiB" "<= 8" \
        "$(verdict "$(calc 2 "$RSS_WARM / 1024")" '<=' 8)"
    note "Worker RSS after warm-up, KiB: $RSS_WARM_ALL."
    read -r before all < <(rss_line)
    note "Worker RSS before the long run, KiB: $all."
    per_thread=$(( (BENCH_REQUESTS + CORES - 1) / CORES ))
    wrk_run long /dashboard 200 "$COOKIES" 3600 "$per_thread"
    read -r max all < <(rss_line)
    row "worker RSS after $W_REQ more requests (max)" "$(calc 2 "$max / 1024")" "MiB" "<= 8" \
        "$(verdict "$(calc 2 "$max / 1024")" '<=' 8)"
    row "  growth of the largest worker over them" "$(( max - before ))" "KiB" "0 (no growth)" \
        "$(verdict "$(( max - before ))" '<=' 0)"
    row "  errors + non-2xx in that run" "$W_BAD" "" "0" "$(verdict "$W_BAD" == 0)"
    note "Worker RSS after the long run, KiB: $all (it ran at $W_RPS req/s)."
}

# Fills the report's title, date and machine lines.
describe_machine() {
    local cpu mem
    cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
    mem="$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
    REPORT_DATE="$(date -u +%Y-%m-%d)"
    REPORT_MACHINE="$CORES cores ($cpu), $mem RAM, Linux $(uname -r), Debian $(cat /etc/debian_version 2>/dev/null || echo '?'), PostgreSQL $(pgbench --version | awk '{ print $3 }'), $(nginx -v 2>&1 | sed 's/.*: //'), wrk $(dpkg-query -W -f='${Version}' wrk 2>/dev/null || echo '?')"
    REPORT_TITLE="tessera make bench, $REPORT_DATE: $REPORT_MACHINE; pool of $WORKERS workers, $BENCH_CONNECTIONS connections, ${BENCH_DURATION} s per run, commits $([ "$BENCH_PG_FAST" = 1 ] && echo 'not durable (fsync off)' || echo 'durable, touches asynchronous')"
}

# Entry point: check, start the stack, run every step, print (and maybe write) the table.
main() {
    require_counts BENCH_USERS BENCH_BASELINE_PAIRS BENCH_TRACE_REQUESTS BENCH_CONNECTIONS BENCH_DURATION BENCH_EXTRA_SESSIONS BENCH_EXPIRED_PCT \
        BENCH_PURGE_ROWS BENCH_REQUESTS PURGE_BATCH PURGE_PAUSE
    [ "$BENCH_BASELINE_PAIRS" -ge 1 ] || die "BENCH_BASELINE_PAIRS must be at least 1"
    require_tools
    [ "$BENCH_USERS" -ge 1 ] || die "BENCH_USERS must be at least 1"
    [ "$PURGE_BATCH" -ge 1 ] || die "BENCH_PURGE_BATCH must be at least 1"
    describe_machine
    trap stack_stop EXIT
    trap 'exit 130' INT TERM
    stack_prepare
    [ -z "$BENCH_BASELINE" ] || baseline_build
    stack_serve
    OUT="$STACK_DIR/out"
    COOKIES="$OUT/cookies"
    say "stack in $STACK_DIR, nginx on 127.0.0.1:$PORT, $WORKERS workers"

    make_users
    row "sign-ins ($BENCH_USERS users through nginx)" "$SIGNIN_RPS" "per s"
    row "  bound: cores / one Argon2id hash ($HASH_MS ms)" "$(calc 1 "$CORES * 1000 / $HASH_MS")" "per s"
    row "  sign-ins / bound, by throughput" "$(calc 2 "$SIGNIN_RPS * $HASH_MS / ($CORES * 1000)")" "ratio"
    row "  sign-ins / bound, by CPU per sign-in" "$(calc 2 "$HASH_MS * 1000 / $CPU_US")" "ratio"
    make_token_table

    wrk_run warmup /dashboard 200 "$COOKIES" "$WARMUP_SECONDS"
    row "GET /dashboard, the first $WARMUP_SECONDS s after start: p50 / p99 / max" "$W_P50 / $W_P99 / $W_MAX" "ms"
    row "  its p99 / p50" "$(calc 2 "$W_P99 / $W_P50")" "ratio" "<= 3" "$(verdict "$(calc 2 "$W_P99 / $W_P50")" '<=' 3)"
    read -r RSS_WARM RSS_WARM_ALL < <(rss_line)
    bench_dashboard
    # shellcheck source=tests/bench/scrape.sh
    step_wanted scrape && . "$HERE/scrape.sh" && scrape_bench     # /metrics read once a second: what it costs the dashboard
    step_wanted floor && bench_floor
    step_wanted peer && bench_peer
    step_wanted crowd && bench_crowd
    step_wanted syscalls && bench_syscalls
    step_wanted wide && bench_wider_pool
    if step_wanted unprepared; then
        bench_unprepared
        bench_pool_back
    fi
    step_wanted read && bench_read_path
    step_wanted many && bench_many_sessions
    step_wanted memory && bench_memory

    sleep 1     # backends report table statistics about once a second
    row "session UPDATEs that were HOT (whole run)" "$(bench_psql -c "SELECT round(100.0 * n_tup_hot_upd /
        greatest(n_tup_upd, 1), 1) FROM pg_stat_user_tables WHERE relid = 'tessera.sessions'::regclass")" "%"
    row "other programs' share of the machine (mean)" "$(( OTHER_SUM / OTHER_RUNS ))" "%" \
        "< 10 (a quiet machine)" "$(verdict "$(( OTHER_SUM / OTHER_RUNS ))" '<' 10)"
    report_print
    if [ -n "$BENCH_OUT" ]; then
        report_write "$BENCH_OUT"
        say "wrote $BENCH_OUT"
    fi
}

main "$@"
