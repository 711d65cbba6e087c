"""Logs an operator can read: every line has a level from one table in src/log.c, which the README
and tessera(8) list in full; a worker's exit names its signal, age and requests; starts and the end
of a crash back-off are logged."""

import os
import re
import signal
import time

from deployment import DEPLOY
from processes import REPO, wait_for
from stack import TEST_BIN

POOL_BINARY = TEST_BIN          # GET /_test/hang: a request certain to be in flight on a known worker
POOL_CONFIG = {"crash_limit": 1, "crash_window": "10s"}
WORKERS = 2
LEVELS = {"info", "warning", "error", "alert"}


def level_table():
    """Returns {event: level} from log_levels[] in src/log.c."""
    src = (REPO / "src" / "log.c").read_text()
    body = re.search(r"log_levels\[\]\s*=\s*\{(.*?)\n\};", src, re.S).group(1)
    table = {m.group(1): m.group(2).lower()
             for m in re.finditer(r'\{\s*"(\w+)",\s*LOG_(\w+)\s*\}', body)}
    assert len(table) >= 30, f"could not read log_levels[]: {table}"
    return table


def logged_events():
    """Returns every event name src/ passes to log_event, log_event_at, sessions_end or login_log."""
    names = set()
    for path in (REPO / "src").glob("*.c"):
        text = path.read_text()
        for first in re.findall(r'log_event\(([^,]*),', text):
            names |= set(re.findall(r'"(\w+)"', first))
        for first in re.findall(r'log_event_at\([^,]+,([^,]*),', text):
            names |= set(re.findall(r'"(\w+)"', first))
        names |= set(re.findall(r'sessions_end\(c,[^;]*"(\w+)"\);', text))
        names |= set(re.findall(r'login_log\(c, "(\w+)"', text))
    names |= {"error"}                          # log_errorf
    return names


def readme_table():
    """Returns {event: level} from the README's table of log events."""
    text = (REPO / "README.md").read_text()
    section = text[text.index("### Log events"):]
    section = section[:section.index("\n#")]
    return {m.group(1): m.group(2) for m in re.finditer(r"^\| `(\w+)` \| (\w+) \|", section, re.M)}


def man_events():
    """Returns {event: level} from the LOG EVENTS section of tessera(8)."""
    text = (DEPLOY / "man" / "tessera.8").read_text()
    section = text[text.index(".Sh LOG EVENTS"):]
    section = section[:section.index("\n.Sh ", 1)]
    return {m.group(1): m.group(2) for m in re.finditer(r"^\.It Li (\w+) Pq (\w+)$", section, re.M)}


def test_every_event_logged_has_a_level_and_the_table_has_no_others():
    table, logged = level_table(), logged_events()
    assert set(table.values()) <= LEVELS, table
    assert logged - set(table) == set(), "events without a level in log_levels[]"
    assert set(table) - logged == set(), "log_levels[] names events nothing logs"


def test_readme_and_man_page_list_every_event_with_its_level():
    table = level_table()
    table_doc = dict(table, worker_exited="info")    # and error for a crash: both documented
    assert readme_table() == table_doc, "README's table of log events differs from src/log.c"
    assert man_events() == table_doc, "tessera(8) LOG EVENTS differs from src/log.c"


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
