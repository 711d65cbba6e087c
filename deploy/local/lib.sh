# Shared helpers for the deploy/local scripts: sourced, never run.
# shellcheck shell=bash disable=SC2034  # the variables are used by the scripts that source this

# The unprivileged account PostgreSQL, the pool and nginx workers use when we are root.
TESSERA_USER="tessera"

# Absolute path of the repository root (two levels above this file).
TESSERA_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"

# Prints a one-line error prefixed with the calling script's name and exits 1.
die() {
    printf '%s: %s\n' "$(basename "$0")" "$*" >&2
    exit 1
}

# Prints a progress line prefixed with the calling script's name.
say() {
    printf '%s: %s\n' "$(basename "$0")" "$*"
}

# True when the current process runs as root.
is_root() {
    [ "$(id -u)" -eq 0 ]
}

# Prints PATH made absolute (it need not exist yet; its parent is resolved when it does).
abs_path() {
    local path="$1" parent
    case "$path" in
        /*) ;;
        *) path="$PWD/$path" ;;
    esac
    parent="$(dirname "$path")"
    if [ -d "$parent" ]; then
        path="$(cd "$parent" && pwd -P)/$(basename "$path")"
    fi
    printf '%s\n' "${path%/.}"
}

# Runs a command as the unprivileged user when root (from /, so paths must be absolute), else as is.
as_tessera() {
    if is_root; then
        (cd / && runuser -u "$TESSERA_USER" -- "$@")
    else
        "$@"
    fi
}

# When root, fails unless the user tessera exists (deploy/local/deps.sh creates it).
require_tessera_user() {
    if is_root && ! id -u "$TESSERA_USER" >/dev/null 2>&1; then
        die "user $TESSERA_USER does not exist: run deploy/local/deps.sh run (as root) first"
    fi
}

# When root, fails with one clear line unless user tessera can reach directory DIR (search on every component).
require_tessera_can_reach() {
    local dir="$1"
    is_root || return 0
    require_tessera_user
    if ! (cd / && runuser -u "$TESSERA_USER" -- test -x "$dir"); then
        die "user $TESSERA_USER cannot traverse to $dir (a parent directory lacks o+x?): use a directory it can reach, e.g. under /tmp or /srv"
    fi
}

# When root, gives PATH (not recursively) to tessera:tessera; no-op otherwise.
chown_tessera() {
    if is_root; then
        chown "$TESSERA_USER:$TESSERA_USER" "$@"
    fi
}

# True when something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# True while process PID exists and is not a zombie (an exited child nobody has reaped yet).
pid_alive() {
    local stat
    kill -0 "$1" 2>/dev/null || return 1
    read -r stat <"/proc/$1/stat" 2>/dev/null || return 1
    stat="${stat##*) }"
    [ "${stat%% *}" != "Z" ]
}

# Waits up to SECONDS (tenths granularity) for process PID to exit; false if it is still alive.
wait_pid_gone() {
    local pid="$1" tenths=$(( $2 * 10 ))
    while pid_alive "$pid"; do
        [ "$tenths" -gt 0 ] || return 1
        tenths=$(( tenths - 1 ))
        sleep 0.1
    done
}
