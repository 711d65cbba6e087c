# The cost of being watched: GET /dashboard with and without a scraper reading /metrics once a
# second, as Prometheus would. Sourced and run by tests/bench/bench.sh (one line, after the dashboard
# run), with its stack, cookies and helpers (wrk_run, row, note, calc, verdict). Environment:
#   BENCH_SCRAPE_DURATION [BENCH_DURATION]   seconds of each of the four runs
# The runs go without, with, with, without scraping (ABBA), so a drift of the machine over the
# four cancels out; the row is the throughput with scraping over without, target >= 0.98.
# shellcheck shell=bash

# Reads /metrics through nginx once a second until killed; appends each answer's status to FILE.
scrape_loop() {
    while :; do
        curl -s -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$PORT/metrics" >>"$1" || printf 'error\n' >>"$1"
        sleep 1
    done
}

# Runs the dashboard for BENCH_SCRAPE_DURATION, scraped when $2 is "on"; adds its answers and
# CPU per request to the totals of that side (SCRAPE_RPS_ON, SCRAPE_CPU_ON, ..._OFF).
scrape_run() {
    local tag="$1" scraped="$2" scraper="" statuses="$OUT/scrape-$1.statuses"
    : >"$statuses"
    if [ "$scraped" = on ]; then
        scrape_loop "$statuses" &
        scraper=$!
    fi
    wrk_run "scrape-$tag" /dashboard 200 "$COOKIES" "$SCRAPE_SECONDS"
    if [ -n "$scraper" ]; then
        kill "$scraper"
        wait "$scraper" 2>/dev/null || true
        [ "$(grep -c . "$statuses")" -ge $(( SCRAPE_SECONDS - 1 )) ] || die "the scraper read /metrics too rarely"
        ! grep -qv '^200$' "$statuses" || die "a scrape of /metrics did not answer 200: $(sort "$statuses" | uniq -c)"
        SCRAPES=$(( SCRAPES + $(wc -l <"$statuses") ))
    fi
    [ "$W_BAD" = 0 ] || die "scrape-$tag: $W_BAD errors or unexpected answers"
    if [ "$scraped" = on ]; then
        SCRAPE_RPS_ON="$(calc 1 "$SCRAPE_RPS_ON + $W_RPS")" SCRAPE_CPU_ON="$(calc 1 "$SCRAPE_CPU_ON + $CPU_US")"
    else
        SCRAPE_RPS_OFF="$(calc 1 "$SCRAPE_RPS_OFF + $W_RPS")" SCRAPE_CPU_OFF="$(calc 1 "$SCRAPE_CPU_OFF + $CPU_US")"
    fi
}

# The four runs and the one row: throughput scraped over not scraped (sums of two runs each).
scrape_bench() {
    local ratio
    SCRAPE_SECONDS="${BENCH_SCRAPE_DURATION:-$BENCH_DURATION}"
    SCRAPES=0 SCRAPE_RPS_ON=0 SCRAPE_CPU_ON=0 SCRAPE_RPS_OFF=0 SCRAPE_CPU_OFF=0
    require_counts SCRAPE_SECONDS
    scrape_run a off
    scrape_run b on
    scrape_run c on
    scrape_run d off
    ratio="$(calc 3 "$SCRAPE_RPS_ON / $SCRAPE_RPS_OFF")"
    row "GET /dashboard scraped 1/s / not scraped" "$ratio" "ratio" ">= 0.98" "$(verdict "$ratio" '>=' 0.98)"
    note "Scraping: $SCRAPES reads of /metrics, all 200; the dashboard ran 2 × ${SCRAPE_SECONDS} s each way (without, with, with, without): $(calc 0 "$SCRAPE_RPS_OFF / 2") req/s without, $(calc 0 "$SCRAPE_RPS_ON / 2") with; CPU per request $(calc 0 "$SCRAPE_CPU_OFF / 2") µs without, $(calc 0 "$SCRAPE_CPU_ON / 2") with."
}
