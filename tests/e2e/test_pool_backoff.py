"""Workers that keep crashing: past crash_limit within crash_window the supervisor says so loudly and
respawns more and more slowly instead of spinning, then serves normally once the crashes stop."""

import os
import signal
import time

from load import Load

POOL_CONFIG = {"crash_limit": 2, "crash_window": "10s"}
WORKERS = 2
STORM = 2.0                     # seconds of killing every worker that shows up
KILL_EVERY = 0.05


def cpu_seconds(pid):
    """Returns the user + system CPU time process pid has used, in seconds."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def kill_every_worker(pool, seconds):
    """SIGSEGVs every worker of pool as soon as it appears, for seconds. Returns the pids killed."""
    killed = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for pid in pool.worker_pids():
            try:
                os.kill(pid, signal.SIGSEGV)
                killed.add(pid)
            except ProcessLookupError:
                pass
        time.sleep(KILL_EVERY)
    return killed


def test_crash_storm_backs_off_without_spinning_then_recovers(pool, pool_cookies):
    supervisor = pool.pool.pid
    cpu_before = cpu_seconds(supervisor)
    with Load(pool, pool_cookies, threads=2, timeout=40) as load:
        killed = kill_every_worker(pool, STORM)
        stopped_at = time.monotonic()
        cpu = cpu_seconds(supervisor) - cpu_before
        alerts = pool.log_events("ALERT_workers_crashing")
        pool.wait_workers(WORKERS, timeout=40)
        recovered_at = time.monotonic()
        load.run_for(1.0)
    why = (f"killed {len(killed)} workers in {STORM}s; recovered {recovered_at - stopped_at:.1f}s "
           f"after the storm; supervisor CPU {cpu:.2f}s\n" + load.result.describe(stopped_at) + pool.logs())
    assert alerts, "no ALERT_workers_crashing line\n" + why
    assert int(alerts[0]["crashes"]) == POOL_CONFIG["crash_limit"] + 1, why
    # A worker killed while reading a request counts but respawns at once (backoff=0s: hostile input
    # must not slow the pool down, test_pool_hostile.py); killed at any other moment, it slows
    # respawns, more with each crash.
    at_once = [a for a in alerts if a["backoff"] == "0s"]
    assert all("while reading requests" in a["msg"] for a in at_once), why
    backoffs = [int(a["backoff"].rstrip("s")) for a in alerts if a["backoff"] != "0s"]
    assert backoffs and backoffs == sorted(backoffs), f"back-off does not grow: {backoffs}\n" + why
    # Respawning at once, 20 kills a second would have killed about STORM / KILL_EVERY workers.
    assert len(killed) <= 10, "respawns did not slow down\n" + why
    assert cpu < 0.5, "the supervisor spun\n" + why
    later = load.result.started_after(recovered_at)
    assert later and all(r.ok() for r in later), "requests failed after the recovery\n" + why
    assert load.result.slowest() < 40, why
    status = pool.status()
    assert status["crashes"] >= len(killed), status
    assert pool.pool.poll() is None, "the supervisor exited\n" + why
