"""Purging expired sessions: by hand while people sign in, and by the pool itself every prune_interval.

TESSERA_E2E_PURGE_ROWS sets how many expired rows the purge test makes (default 1000000, as the
issue asks: about 20 s on 2 cores; lower it for a quick local run).
"""

import os
import threading
import time

import pytest

from processes import wait_for
from telemetry import metric

STACK_CONFIG = {"prune_interval": "0"}      # off until a test turns it on
ROWS = int(os.environ.get("TESSERA_E2E_PURGE_ROWS", "1000000"))
PRUNE_LOCK = "x'7465737365726170'::bigint"  # src/db.c PRUNE_LOCK


class Traffic:
    """Threads that sign in and view the dashboard in a loop, recording each outcome, until stopped."""

    def __init__(self, stack, users):
        self.stack, self.users = stack, users
        self.stop = threading.Event()
        self.outcomes = []      # (what, status, started, ended): monotonic seconds
        self.threads = [threading.Thread(target=self._run, args=(u,)) for u in users]

    def _timed(self, what, call):
        """Records what call() answered and how long it took; returns the response."""
        started = time.monotonic()
        r = call()
        self.outcomes.append((what, r.status, started, time.monotonic()))
        return r

    def _run(self, user):
        """One user's loop: sign in, view the dashboard twice."""
        while not self.stop.is_set():
            b = self.stack.browser()
            self._timed("sign-in", lambda: b.login(user.name, user.password))
            for _ in range(2):
                self._timed("dashboard", b.dashboard)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(60)


def insert_lapsed_failures(stack, n):
    """Inserts n sign-in failure counts whose last failure is two hours old (lapsed: purged too)."""
    stack.psql("INSERT INTO tessera.login_failures (key, failures, last_failure) "
               "SELECT 'lapsed-' || gen_random_uuid(), 5, now() - interval '2 hours' "
               f"FROM generate_series(1, {int(n)})")


def lapsed_failures(stack):
    """Returns how many sign-in failure counts have lapsed (what purge_expired deletes of them)."""
    return int(stack.scalar("SELECT count(*) FROM tessera.login_failures "
                            "WHERE last_failure < now() - interval '1 hour'"))


def drive_requests(stack, seconds):
    """Sends anonymous GET / for about seconds (every request is a chance for the pool to prune)."""
    end = time.monotonic() + seconds
    b = stack.browser()
    while time.monotonic() < end:
        b.get("/")
        time.sleep(0.05)


def test_purge_of_many_expired_rows_while_people_sign_in(private_stack):
    s = private_stack
    owner = s.create_user()
    s.insert_expired_sessions(owner.name, ROWS)
    s.psql("ANALYZE tessera.sessions")
    users = [s.create_user() for _ in range(2)]        # two sign-ins at once: within the hash slots
    with Traffic(s, users) as traffic:
        time.sleep(0.5)
        started = time.monotonic()
        r = s.tessera("sessions", "purge", conf=s.operator()[1], timeout=600)
        ended = time.monotonic()
        time.sleep(0.5)
    assert r.returncode == 0, r.describe()
    assert int(r.stdout.split()[1]) >= ROWS, r.stdout
    assert s.expired_count() == 0
    bad = [o for o in traffic.outcomes if o[1] not in (200, 303)]
    assert not bad, f"requests failed during the purge: {bad[:10]}"
    during = [o for o in traffic.outcomes if o[2] < ended and o[3] > started]
    signins = [o for o in during if o[0] == "sign-in"]
    assert signins and all(o[1] == 303 for o in signins), traffic.outcomes[:10]
    slowest = max(o[3] - o[2] for o in during)
    print(f"\npurged {ROWS} expired rows in {ended - started:.1f}s; {len(during)} requests during it "
          f"({len(signins)} sign-ins) all succeeded, slowest {slowest:.2f}s")
    assert slowest < 5, f"a request took {slowest:.1f}s during the purge"


def test_sessions_purge_deletes_expired_sessions_and_lapsed_failures_and_counts_both(private_stack):
    s = private_stack
    s.psql("SELECT tessera.purge_expired(100000)")
    s.insert_expired_sessions(s.create_user().name, 30)
    insert_lapsed_failures(s, 20)
    s.psql("INSERT INTO tessera.login_failures (key, failures, last_failure) "
           "VALUES ('recent-purge-test', 3, now())")
    r = s.tessera("sessions", "purge", "--batch", "7", conf=s.operator()[1])
    assert r.returncode == 0, r.describe()
    assert r.stdout.startswith("purged 30 expired sessions and 20 lapsed sign-in failures in "), r.stdout
    assert s.expired_count() == 0 and lapsed_failures(s) == 0
    assert s.scalar("SELECT count(*) FROM tessera.login_failures WHERE key = 'recent-purge-test'") == "1"


def test_with_prune_interval_0_the_pool_never_prunes(private_stack):
    s = private_stack
    s.insert_expired_sessions(s.create_user().name, 10)
    drive_requests(s, 2)
    assert s.expired_count() == 10


@pytest.fixture
def pruning(private_stack):
    """The module's stack with prune_interval = 1s for one test, then 0 again."""
    private_stack.psql("SELECT tessera.purge_expired(100000)")
    private_stack.reconfigure(prune_interval="1s")
    yield private_stack
    private_stack.reconfigure(prune_interval="0")


def test_the_pool_prunes_expired_rows_by_itself_in_batches(pruning):
    s = pruning
    user = s.create_user()
    b = s.signed_in_browser(user)
    s.insert_expired_sessions(user.name, 2500)        # many batches of 100
    wait_for("the pool to prune", lambda: drive_requests(s, 0.2) or s.expired_count() == 0, 20,
             lambda: f"{s.expired_count()} expired rows left\n" + s.logs())
    assert b.dashboard().status == 200, "a live session was pruned"
    log = s.log_file.read_text()
    assert "sessions_pruned count=100 " in log, s.logs()


def test_pruning_counts_only_sessions_as_ended_and_logs_failures_apart(pruning):
    """More than a batch of sessions and of lapsed failures: a batch that took the purge once per
    column it reads would delete rows it never reported, and the sums below would fall short."""
    s = pruning
    logged = len(s.log_events("sessions_pruned"))
    before = s.metrics()
    s.insert_expired_sessions(s.create_user().name, 1500)
    insert_lapsed_failures(s, 1300)
    wait_for("the pool to prune", lambda: drive_requests(s, 0.2) or
             (s.expired_count() == 0 and lapsed_failures(s) == 0), 30,
             lambda: f"{s.expired_count()} sessions, {lapsed_failures(s)} failures left\n" + s.logs())
    after = s.metrics()
    ended = (metric(after, "tessera_sessions_ended_total", how="expired_pruned")
             - metric(before, "tessera_sessions_ended_total", how="expired_pruned"))
    assert ended == 1500, f"{ended} sessions counted as pruned"
    events = s.log_events("sessions_pruned")[logged:]
    assert sum(int(e["count"]) for e in events) == 1500, events
    assert sum(int(e["failures"]) for e in events) == 1300, events
    assert all(int(e["count"]) + int(e["failures"]) <= 1000 for e in events), events


def test_after_a_full_batch_a_worker_waits_100_ms_before_the_next(pruning):
    s = pruning
    s.insert_expired_sessions(s.create_user().name, 30000)
    wait_for("the first batch", lambda: drive_requests(s, 0.1) or s.expired_count() < 30000, 20, s.logs)
    workers = len(s.worker_pids())
    started = time.monotonic()
    before = s.expired_count()
    b = s.browser()
    requests = 0
    while time.monotonic() < started + 0.5:     # far more requests than paced batches
        b.get("/")
        requests += 1
    after = s.expired_count()
    took = time.monotonic() - started
    batches = (before - after) / 1000
    allowed = workers * (int(took / 0.1) + 2)   # one per 100 ms a worker, +1 begun before the window
    assert 0 < batches <= allowed, f"{batches} batches in {took:.2f}s ({requests} requests, {workers} workers)"


def test_the_pool_does_not_prune_while_another_holds_the_pruning_lock(pruning):
    s = pruning
    s.insert_expired_sessions(s.create_user().name, 10)
    holder = threading.Thread(target=s.psql, args=(f"SELECT pg_advisory_lock({PRUNE_LOCK}), pg_sleep(4)",))
    holder.start()
    try:
        time.sleep(0.5)
        drive_requests(s, 3)        # every worker's time comes at least once
        held = s.expired_count()
    finally:
        holder.join(30)
    assert held == 10, "the pool pruned while the lock was held elsewhere"
    wait_for("the pool to prune", lambda: drive_requests(s, 0.2) or s.expired_count() == 0, 20,
             s.logs)
