#!/usr/bin/env bash
# Installs the Debian packages tessera needs for PURPOSE (build|run|test|bench), only those missing.
set -euo pipefail

# shellcheck source=deploy/local/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BUILD_PKGS=(gcc g++ make pkg-config libfcgi-dev libpq-dev libsodium-dev libctemplate-dev)
# The second factor: TOTP codes (liboath) and the enrolment QR code (libqrencode).
BUILD_PKGS+=(liboath-dev libqrencode-dev)
# Session data comes back from PostgreSQL as jsonb text; jansson reads it.
BUILD_PKGS+=(libjansson-dev)
# make run: nginx with njs for the gateway configuration (deploy/nginx/tessera-gateway.conf)
RUN_PKGS=("${BUILD_PKGS[@]}" postgresql nginx libnginx-mod-http-js spawn-fcgi)
TEST_PKGS=("${RUN_PKGS[@]}" libcmocka-dev python3-pytest pgbouncer)
# tests/browser: Debian's Chromium (never a downloaded browser), a font for its screenshots,
# and node + npm for playwright-core (which needs node >= 20: Debian 12's own nodejs is 18).
TEST_PKGS+=(chromium fonts-dejavu-core nodejs npm)
# tests/fuzz (clang's libFuzzer runtime is only a Recommends of clang), make lint, make valgrind.
TEST_PKGS+=(clang libclang-rt-14-dev cppcheck clang-tidy valgrind)
# make lint: every shell script through shellcheck.
TEST_PKGS+=(shellcheck)
# tests/e2e deployment tests: Apache (mod_proxy_fcgi), njs for the nginx gateway, man pages
# (man-db renders, mandoc lints), systemd-analyze and systemd-socket-activate, openssl for certificates.
TEST_PKGS+=(apache2 libnginx-mod-http-js man-db mandoc systemd openssl)
# tests/e2e/test_logrotate.py runs deploy/logrotate/tessera through the real logrotate.
TEST_PKGS+=(logrotate)
# make rules and tests/e2e/test_prometheus.py: Prometheus and promtool.
TEST_PKGS+=(prometheus)
# make bench: wrk drives nginx, curl signs users in, ps reads worker memory; pgbench and
# pg_stat_statements come with the PostgreSQL server. tests/bench/profile.sh: valgrind.
BENCH_PKGS=("${RUN_PKGS[@]}" wrk curl procps valgrind)
# System calls per request: strace -c.
BENCH_PKGS+=(strace)
# The express-session peer (tests/bench/peer): node and npm (the bench skips it without them).
BENCH_PKGS+=(nodejs npm)

# Prints the usage line and exits 2.
usage() {
    printf 'usage: %s build|run|test|bench\n' "$(basename "$0")" >&2
    exit 2
}

# True when package PKG is installed; any PostgreSQL server counts as "postgresql", and an npm
# command as "npm" (NodeSource's nodejs bundles npm and conflicts with Debian's npm package).
pkg_installed() {
    local pkg="$1" bin
    if [ "$pkg" = "npm" ] && command -v npm >/dev/null 2>&1; then
        return 0
    fi
    if [ "$pkg" = "postgresql" ]; then
        for bin in /usr/lib/postgresql/*/bin/postgres; do
            [ -x "$bin" ] && return 0
        done
        return 1
    fi
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)" = "installed" ]
}

# Runs a command as root: directly when root, through sudo otherwise.
as_root() {
    if is_root; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "not root and sudo is missing: install the packages above as root"
    fi
}

# Installs the packages given as arguments (apt-get update once, no recommends).
install_pkgs() {
    say "installing: $*"
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
}

# Creates the system user and group tessera when missing (root only: it runs PostgreSQL and the pool).
ensure_tessera_user() {
    is_root || return 0
    id -u "$TESSERA_USER" >/dev/null 2>&1 && return 0
    say "creating system user $TESSERA_USER"
    useradd --system --user-group --no-create-home --shell /usr/sbin/nologin "$TESSERA_USER"
}

# Entry point: pick the package set, install what is missing, ensure the user.
main() {
    [ "$#" -eq 1 ] || usage
    local -a wanted missing=()
    case "$1" in
        build) wanted=("${BUILD_PKGS[@]}") ;;
        run) wanted=("${RUN_PKGS[@]}") ;;
        test) wanted=("${TEST_PKGS[@]}") ;;
        bench) wanted=("${BENCH_PKGS[@]}") ;;
        *) usage ;;
    esac
    local pkg
    for pkg in "${wanted[@]}"; do
        pkg_installed "$pkg" || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        install_pkgs "${missing[@]}"
    fi
    ensure_tessera_user
}

main "$@"
