#!/usr/bin/env bash
# Runs each libFuzzer target for SECONDS, one after another; exits 1 if any of them found a crash.
# usage: tests/fuzz/run.sh SECONDS build/fuzz/fuzz_form ...
# Each target starts from tests/fuzz/corpus/TARGET (the committed seeds) plus what earlier
# runs found in build/fuzz/corpus/TARGET; a crashing input lands in build/fuzz/crashes/.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 2
[ "$#" -ge 2 ] || { echo "usage: $0 SECONDS TARGET..." >&2; exit 2; }
secs="$1"
shift
# config_load reads TESSERA_ variables after the file: only the fuzz input may count
while read -r var; do unset "$var"; done < <(compgen -e | grep '^TESSERA_' || true)
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
mkdir -p build/fuzz/crashes
failed=()
for bin in "$@"; do
    t="$(basename "$bin")"
    mkdir -p "build/fuzz/corpus/$t"
    dict=()
    [ -f "tests/fuzz/$t.dict" ] && dict=("-dict=tests/fuzz/$t.dict")
    log="build/fuzz/$t.log"
    if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="build/fuzz/crashes/$t-" "${dict[@]}" \
        "build/fuzz/corpus/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1; then
        printf '== %-18s ok: %s runs in %ss, corpus %s inputs\n' "$t" \
            "$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")" "$secs" \
            "$(find "build/fuzz/corpus/$t" -type f | wc -l)"
    else
        printf '== %-18s FAILED (full log: %s)\n' "$t" "$log"
        grep -v '^#[0-9]' "$log" | tail -60
        failed+=("$t")
    fi
done
if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzzing found crashes in: ${failed[*]} (inputs in build/fuzz/crashes/)" >&2
    exit 1
fi
