#!/usr/bin/env bash
# make unit: a throwaway PostgreSQL for the unit tests that need a real one (test_session.c, test_db_conn.c).
#
#   tests/unit/pg_fixture.sh TESSERA COMMAND [ARG...]
#
# Creates a cluster in a new directory under /tmp (deploy/local/pg.sh: as root it runs as user
# tessera), starts it, applies migrations/ with `TESSERA migrate`, then runs COMMAND with
# TESSERA_TEST_DATABASE set to its conninfo (the tests that need it skip, saying so, without it).
# The cluster is stopped and the directory removed however COMMAND ends; COMMAND's exit status is
# returned.
set -euo pipefail

# shellcheck source=deploy/local/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../deploy/local/lib.sh"

PG_SH="$TESSERA_REPO/deploy/local/pg.sh"

[ "$#" -ge 2 ] || { printf 'usage: %s TESSERA COMMAND [ARG...]\n' "$(basename "$0")" >&2; exit 2; }
tessera="$(abs_path "$1")"
shift
[ -x "$tessera" ] || die "$tessera is not executable: run make first"

dir="$(mktemp -d /tmp/tessera-unit-pg-XXXXXX)"
chmod 0755 "$dir"	# as root, user tessera must reach the cluster inside

# Stops the cluster (when it holds one) and removes the directory: the EXIT trap.
# shellcheck disable=SC2317  # a trap handler only looks unreachable to shellcheck
cleanup() {
    if [ -f "$dir/pg/PG_VERSION" ]; then
        "$PG_SH" stop "$dir/pg" >/dev/null || true
    fi
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$PG_SH" init "$dir/pg" --fast >/dev/null
"$PG_SH" start "$dir/pg"
conninfo="$("$PG_SH" conninfo "$dir/pg")"

# tessera reads every TESSERA_ variable as a setting: migrate with only the two it needs.
env -i PATH="$PATH" TESSERA_DATABASE="$conninfo" TESSERA_MIGRATIONS="$TESSERA_REPO/migrations" \
    "$tessera" -c /dev/null migrate >/dev/null || die "tessera migrate failed on $dir/pg"

status=0
TESSERA_TEST_DATABASE="$conninfo" "$@" || status=$?
exit "$status"
