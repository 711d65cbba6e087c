"""A worker that crashes leaves a core file for gdb, although the pool started as root and dropped its
privileges (which makes the kernel refuse core dumps unless the process says otherwise)."""

import os
import pwd
import signal
from pathlib import Path

import pytest

import reports
from processes import IS_ROOT, RUN_USER, wait_for

WORKERS = 2
CORE_PATTERN = Path("/proc/sys/kernel/core_pattern").read_text().strip()


def cores(directory):
    """Returns the ELF core files in directory: name core or core.N, ELF header, type ET_CORE."""
    found = []
    for p in Path(directory).iterdir():
        if p.name == "core" or p.name.startswith("core."):
            head = p.read_bytes()[:18]
            if head[:4] == b"\x7fELF" and int.from_bytes(head[16:18], "little") == 4:
                found.append(p)
    return found


@pytest.mark.skipif(CORE_PATTERN != "core" and not CORE_PATTERN.startswith("core."),
                    reason=f"core_pattern {CORE_PATTERN!r} sends cores elsewhere")
@pytest.mark.skipif(bool(reports.REPORT_DIR), reason="ASan and valgrind handle a crash themselves")
def test_a_crashed_worker_leaves_a_core_in_the_pools_directory(pool):
    assert not cores(pool.run_dir)
    victim = pool.worker_pids()[0]
    os.kill(victim, signal.SIGSEGV)
    pool.wait_workers(WORKERS, [victim])
    found = wait_for("a core file", lambda: cores(pool.run_dir), 10, pool.logs)
    if IS_ROOT:
        assert found[0].stat().st_uid == pwd.getpwnam(RUN_USER).pw_uid, "the core is not the worker's"
    for p in found:
        p.unlink()
