"""Logs an operator can read: every line has a level (that each event has one in src/log.c, which
the README and tessera(8) list: tests/lint/test_log_events.py); a worker's exit names its signal,
age and requests; starts and the end of a crash back-off are logged."""

import os
import re
import signal
import time

from processes import wait_for
from stack import TEST_BIN

POOL_BINARY = TEST_BIN          # GET /_test/hang: a request certain to be in flight on a known worker
POOL_CONFIG = {"crash_limit": 1, "crash_window": "10s"}
WORKERS = 2


def test_every_line_has_a_level(stack, pool):
    stack.forget_failures()
    user = stack.create_user()
    b = pool.browser()
    b.login(user.name, user.password + "-wrong")
    assert b.login(user.name, user.password).status == 303
    lines = [line for line in pool.log_file.read_text().splitlines() if line]
    assert lines
    for line in lines:
        assert re.fullmatch(r"\S+ tessera\[\d+\] \w+( .*)? level=(info|warning|error|alert)", line), line
    events = pool.log_events()
    levels = {e["event"]: e["level"] for e in events}
    assert levels.get("login_ok") == "info" and levels.get("login_failed") == "warning", levels


def test_a_crashed_worker_is_named_by_signal_age_and_requests(pool):
    victim = pool.worker_pids()[0]
    b = pool.browser()
    for _ in range(20):                         # both workers answer some of them
        assert b.get("/ping").status == 200
    served = [w["requests"] for w in pool.status()["workers"] if w["pid"] == victim][0]
    os.kill(victim, signal.SIGSEGV)
    after = pool.wait_workers(WORKERS, [victim])
    exited = wait_for("worker_exited of the victim",
                      lambda: [e for e in pool.log_events("worker_exited") if e["pid"] == str(victim)],
                      10, pool.logs)[0]
    assert exited["how"] == "SIGSEGV", exited
    assert exited["level"] == "error", exited
    assert int(exited["requests"]) >= served, (exited, served)
    assert re.fullmatch(r"\d+s", exited["age"]), exited
    started = {e["pid"] for e in pool.log_events("worker_started")}
    new = set(after) - {victim}
    assert {str(p) for p in new} <= started, (new, started)
    assert all(e["level"] == "info" for e in pool.log_events("worker_started"))


def test_a_recycled_worker_exits_at_info(pool):
    victim = pool.worker_pids()[0]
    os.kill(victim, signal.SIGTERM)             # leaves like a recycled or reloaded worker
    pool.wait_workers(WORKERS, [victim])
    exited = wait_for("worker_exited of the victim",
                      lambda: [e for e in pool.log_events("worker_exited") if e["pid"] == str(victim)],
                      10, pool.logs)[0]
    assert exited["how"] == "exit 0" and exited["level"] == "info", exited


def test_the_end_of_a_crash_back_off_is_logged(pool):
    seen = len(pool.log_events("backoff_ended"))
    for _ in range(3):                          # past crash_limit (1) within crash_window
        for pid in pool.worker_pids():
            try:
                os.kill(pid, signal.SIGSEGV)
            except ProcessLookupError:
                pass
        time.sleep(0.1)
    alert = wait_for("ALERT_workers_crashing", lambda: pool.log_events("ALERT_workers_crashing"),
                     10, pool.logs)[-1]
    assert alert["level"] == "alert", alert
    ended = wait_for("backoff_ended", lambda: pool.log_events("backoff_ended")[seen:], 40, pool.logs)
    assert ended[0]["level"] == "info" and int(ended[0]["respawned"]) >= 1, ended
    assert re.fullmatch(r"\d+s", ended[0]["backoff"]), ended
    pool.wait_workers(WORKERS, timeout=40)
    assert pool.browser().get("/").status == 200
