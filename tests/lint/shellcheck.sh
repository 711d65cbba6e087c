#!/usr/bin/env bash
# make lint: shellcheck over every shell script of the repository (a *.sh file, or a file whose
# first line is a sh or bash #!), following the files they source. Exits 1 on any finding.
# usage: tests/lint/shellcheck.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
scripts=()
while IFS= read -r -d '' f; do
    if [[ "$f" == *.sh ]] || head -n1 "$f" | grep -qE '^#!.*[/ ](ba)?sh$'; then
        scripts+=("$f")
    fi
done < <(find . \( -name .git -o -name node_modules -o -name build -o -name bin -o -name var \) -prune \
    -o -type f -print0)
[ "${#scripts[@]}" -gt 0 ] || { echo "shellcheck.sh: no shell script found" >&2; exit 1; }
echo "shellcheck ${scripts[*]}"
shellcheck -x "${scripts[@]}"
