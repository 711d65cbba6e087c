# The cost of being watched: GET /dashboard with and without a scraper reading /metrics once a
# second, as Prometheus would. Sourced and run by tests/bench/bench.sh (one line, after the dashboard
# run), with its stack, cookies and helpers (wrk_run, trace_children, row, note, calc, verdict).
# Environment:
#   BENCH_SCRAPE_DURATION [BENCH_DURATION]   seconds of each run
#   BENCH_SCRAPE_PAIRS [4]                   pairs of runs, one not scraped and one scraped
# The two runs of a pair go back to back, in turn not scraped first and scraped first (off on,
# on off, ...), so a drift of the machine cancels out; each pair gives the ratio of its throughputs
# (scraped over not), and the row is their median: one run disturbed by another program moves one
# ratio, not the row. The same cost read another way, which the machine's other programs hardly
# move: the CPU time of one read of /metrics (wrk driving /metrics alone) over the CPU time the
# dashboard's requests take in a second. Then strace counts the workers' system calls per dashboard request over
# BENCH_TRACE_REQUESTS requests not scraped, then as many scraped.
# shellcheck shell=bash

# Reads /metrics through nginx once a second until killed; appends each answer's status to FILE.
scrape_loop() {
    while :; do
        curl -s -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$PORT/metrics" >>"$1" || printf 'error\n' >>"$1"
        sleep 1
    done
}

# Starts scrape_loop into $OUT/scrape-TAG.statuses, when $2 is "on"; sets SCRAPER (its pid, or "").
scrape_start() {
    SCRAPE_FILE="$OUT/scrape-$1.statuses" SCRAPER=""
    : >"$SCRAPE_FILE"
    if [ "$2" = on ]; then
        scrape_loop "$SCRAPE_FILE" &
        SCRAPER=$!
    fi
}

# Stops the scraper scrape_start started, if any, and checks that it read /metrics at least MIN
# times, every time with 200; adds its reads to SCRAPES.
scrape_stop() {
    local min="$1"
    [ -n "$SCRAPER" ] || return 0
    kill "$SCRAPER"
    wait "$SCRAPER" 2>/dev/null || true
    [ "$(grep -c . "$SCRAPE_FILE")" -ge "$min" ] || die "the scraper read /metrics too rarely"
    ! grep -qv '^200$' "$SCRAPE_FILE" || die "a scrape of /metrics did not answer 200: $(sort "$SCRAPE_FILE" | uniq -c)"
    SCRAPES=$(( SCRAPES + $(wc -l <"$SCRAPE_FILE") ))
}

# Runs the dashboard for SCRAPE_SECONDS, scraped when $2 is "on"; leaves W_RPS and CPU_US.
scrape_run() {
    local tag="$1" scraped="$2"
    scrape_start "$tag" "$scraped"
    wrk_run "scrape-$tag" /dashboard 200 "$COOKIES" "$SCRAPE_SECONDS"
    scrape_stop $(( SCRAPE_SECONDS - 1 ))
    [ "$W_BAD" = 0 ] || die "scrape-$tag: $W_BAD errors or unexpected answers"
}

# Counts the workers' system calls over BENCH_TRACE_REQUESTS dashboard requests, scraped when $1 is
# "on", into $OUT/strace.scrape-$1; leaves TRACE_CALLS (all of them) and W_REQ.
scrape_trace() {
    local file="$OUT/strace.scrape-$1" tracer
    trace_children "$POOL_PID" "$file"
    tracer="$TRACE_PID"
    sleep 1
    scrape_start "trace-$1" "$1"
    wrk_run "scrape-trace-$1" /dashboard 200 "$COOKIES" 3600 $(( BENCH_TRACE_REQUESTS / CORES ))
    scrape_stop 1
    kill -INT "$tracer" 2>/dev/null || true
    wait "$tracer" 2>/dev/null || true
    TRACE_CALLS="$(trace_total "$file")"
}

# The system calls per dashboard request, not scraped and scraped: the scoreboard's counting is
# atomic adds in shared memory, so the second differs from the first only by the scrapes' own.
scrape_syscalls() {
    local off on getrusage
    if ! command -v strace >/dev/null; then
        row "system calls per dashboard request, not scraped / scraped" "skipped" "" "" "strace missing"
        return 0
    fi
    scrape_trace off
    off="$(calc 2 "$TRACE_CALLS / $W_REQ")"
    getrusage="$(awk '$NF == "getrusage" { print $4 }' "$OUT/strace.scrape-off")"
    scrape_trace on
    on="$(calc 2 "$TRACE_CALLS / $W_REQ")"
    row "system calls per dashboard request (pool), not scraped / scraped" "$off / $on" "calls" \
        "within 2 %" "$(verdict "$(calc 4 "$on / $off")" '<=' 1.02)"
    note "Scraping, system calls: strace -c on every worker over $W_REQ dashboard requests each way: $off per request not scraped, $on scraped; getrusage $(calc 2 "${getrusage:-0} / $W_REQ") per request (the last request's CPU time in /status?full: a CPU clock has no vDSO path), no other call from the scoreboard. Most frequent: $(trace_top "$OUT/strace.scrape-on")."
}

# The pairs of runs, the row of the median ratio, and the system calls.
scrape_bench() {
    local i first second scraped rps_off cpu_off rps_on cpu_on ratios="" cpus="" offs="" ratio work
    SCRAPE_SECONDS="${BENCH_SCRAPE_DURATION:-$BENCH_DURATION}"
    SCRAPE_PAIRS="${BENCH_SCRAPE_PAIRS:-4}"
    SCRAPES=0
    require_counts SCRAPE_SECONDS SCRAPE_PAIRS
    [ "$SCRAPE_PAIRS" -ge 1 ] || die "BENCH_SCRAPE_PAIRS must be at least 1"
    for (( i = 1; i <= SCRAPE_PAIRS; i++ )); do
        if (( i % 2 )); then first=off second=on; else first=on second=off; fi
        for scraped in "$first" "$second"; do
            scrape_run "$i-$scraped" "$scraped"
            if [ "$scraped" = off ]; then
                rps_off="$W_RPS" cpu_off="$CPU_US"
            else
                rps_on="$W_RPS" cpu_on="$CPU_US"
            fi
        done
        ratios+="$(calc 4 "$rps_on / $rps_off")"$'\n'
        cpus+="$(calc 4 "$cpu_off / $cpu_on")"$'\n'
        offs+="$(calc 0 "$rps_off * $cpu_off")"$'\n'
        say "scrape pair $i: $rps_off req/s not scraped, $rps_on scraped; CPU per request $cpu_off µs, $cpu_on µs"
    done
    ratio="$(printf '%s' "$ratios" | median)"
    row "GET /dashboard scraped 1/s / not scraped, median of $SCRAPE_PAIRS pairs" "$(calc 3 "$ratio")" "ratio" \
        ">= 0.98" "$(verdict "$ratio" '>=' 0.98)"
    row "  by CPU per request, not scraped / scraped" "$(calc 3 "$(printf '%s' "$cpus" | median)")" "ratio"
    work="$(calc 0 "$(printf '%s' "$offs" | median)")"     # CPU µs the dashboard's requests take in a second
    wrk_run scrape-cost /metrics 200 - "$SCRAPE_SECONDS"
    [ "$W_BAD" = 0 ] || die "scrape-cost: $W_BAD errors or unexpected answers"
    row "  one read of /metrics a second, by CPU: its share of the dashboard's" \
        "$(calc 3 "100 * $CPU_US / $work")" "%" "< 2" "$(verdict "$(calc 4 "100 * $CPU_US / $work")" '<' 2)"
    note "Scraping: $SCRAPES reads of /metrics, all 200; $SCRAPE_PAIRS pairs of ${SCRAPE_SECONDS}-second dashboard runs, in turn not scraped first and scraped first; throughput ratios (scraped / not) $(printf '%s' "$ratios" | tr '\n' ' ' | sed 's/ $//'); one read of /metrics costs $CPU_US µs of CPU (postgres, pool, nginx and wrk), the dashboard's requests $work µs a second."
    scrape_syscalls
}
