"""Error reports that tessera processes wrote during the e2e tests: AddressSanitizer and
UndefinedBehaviorSanitizer (make test SANITIZE=1) and valgrind memcheck (make valgrind).

The Makefile names the directory in TESSERA_REPORT_DIR and points the tools' log files into it
(ASAN_OPTIONS/UBSAN_OPTIONS log_path, valgrind --log-file=DIR/vg.%p); without it nothing is checked.
"""

import os
import re
from pathlib import Path

REPORT_DIR = os.environ.get("TESSERA_REPORT_DIR")

# memcheck's error kinds (leaks are counted in the ERROR SUMMARY with --errors-for-leak-kinds)
VG_ERROR = re.compile(r"^==\d+== (Invalid (read|write|free)|Mismatched free|Conditional jump"
                      r"|Use of uninitialised|Syscall param|Source and destination overlap"
                      r"|Argument '.*' of function|Process terminating)", re.M)
VG_SUMMARY = re.compile(r"ERROR SUMMARY: (\d+) errors")
# a sanitizer's report, as opposed to a warning such as ASan's "failed to allocate"
SAN_ERROR = re.compile(r"ERROR: \w+Sanitizer|runtime error:")

_checked = {}       # report file name -> how many of its bytes earlier checks have read


def check():
    """Returns [(name, text)] for what the report files gained since the last check that shows an
    error: a sanitizer's ERROR or runtime error (not its warnings), or in a valgrind log an error
    or a nonzero ERROR SUMMARY (the process exited with errors or definite leaks)."""
    found = []
    if not REPORT_DIR:
        return found
    for path in sorted(p for p in Path(REPORT_DIR).iterdir() if p.is_file()):
        start = _checked.get(path.name, 0)
        with open(path, "rb") as f:
            f.seek(start)
            data = f.read()
        _checked[path.name] = start + len(data)
        text = data.decode("utf-8", "replace")
        if not text:
            continue
        if path.name.startswith("vg."):
            bad = VG_ERROR.search(text) or any(int(n) > 0 for n in VG_SUMMARY.findall(text))
        else:
            bad = SAN_ERROR.search(text)
        if bad:
            found.append((path.name, text))
    return found


def describe(found, when, lines=80):
    """Returns the reports for an assertion message: when they appeared, each file's name and
    its first lines."""
    out = [f"tessera processes reported errors {when}:"]
    for name, text in found:
        head = "\n".join(text.splitlines()[:lines])
        out.append(f"--- {Path(REPORT_DIR) / name}\n{head}")
    return "\n".join(out)
