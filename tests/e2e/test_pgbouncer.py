"""The pool through a real pgbouncer (session and transaction pooling), and statement_timeout on every route."""

import concurrent.futures
import contextlib
import subprocess
import time

import pytest

from page import view_count
from pgbouncer import Pgbouncer
from processes import as_run_user, clean_env, wait_for

# How a host reaches PostgreSQL: straight, or through pgbouncer in one pooling mode.
ROUTES = {
    "direct": {},
    "session": {"pool_size": 4},
    # Fewer server connections than workers: the workers really share them, so named
    # prepared statements would not be found again; db_prepared = off makes them unnamed.
    "transaction": {"pool_size": 2, "db_prepared": "off"},
}
WORKERS = 3
TIMEOUT_ROLE_SQL = "ALTER ROLE tessera IN DATABASE tessera {} statement_timeout{}"


@pytest.fixture(scope="module", params=list(ROUTES))
def route(request, private_stack):
    """(route name, host, pgbouncer or None): a host whose pool reaches PostgreSQL that way."""
    name, spec = request.param, ROUTES[request.param]
    stack, bouncer = private_stack, None
    if name == "transaction":
        # The documented set-up: a pooled server connection never sees the worker's SET.
        stack.psql(TIMEOUT_ROLE_SQL.format("SET", " = '1s'"))
    if name != "direct":
        bouncer = Pgbouncer(stack, name, spec["pool_size"]).start()
    host = None
    try:
        host = stack.add_host(f"via-{name}", workers=WORKERS, statement_timeout=1,
                              db_prepared=spec.get("db_prepared", "on"),
                              database=bouncer.conninfo() if bouncer else stack.conninfo)
        yield name, host, bouncer
    finally:
        if host is not None:
            host.stop()
        if bouncer is not None:
            bouncer.stop()
        stack.psql(TIMEOUT_ROLE_SQL.format("RESET", ""))


def test_sign_in_dashboard_and_sign_out(route, private_stack):
    _, host, _ = route
    u = private_stack.create_user()
    b = host.browser()
    r = b.login(u.name, u.password)
    assert r.status == 303 and r.location == "/dashboard", r.describe() + host.logs()
    for n in (1, 2, 3):
        r = b.dashboard()
        assert r.status == 200, r.describe() + host.logs()
        assert view_count(r) == n, r.describe()
    assert b.logout().status == 303
    r = b.dashboard()
    assert r.status == 303 and r.location == "/", r.describe()


def test_transaction_pooling_shares_fewer_server_connections_than_workers(route, private_stack):
    name, host, bouncer = route
    if name != "transaction":
        pytest.skip("only transaction pooling shares server connections")
    u = private_stack.create_user()
    browsers = [host.browser() for _ in range(WORKERS)]
    for b in browsers:
        assert b.login(u.name, u.password).status == 303

    def every_worker_connected():
        """Sends one dashboard per browser at once; true once each worker is a pgbouncer client."""
        with concurrent.futures.ThreadPoolExecutor(WORKERS) as ex:
            statuses = list(ex.map(lambda b: b.dashboard().status, browsers))
        assert set(statuses) == {200}, statuses
        return len(tessera_rows(bouncer, "CLIENTS")) == WORKERS

    # A worker connects on its first request, and the kernel may hand every request to the
    # same two workers for a while: keep every worker busy at once until all three have one.
    wait_for("a pgbouncer client per worker", every_worker_connected, 30,
             lambda: repr(tessera_rows(bouncer, "CLIENTS")) + host.logs())
    servers = tessera_rows(bouncer, "SERVERS")
    assert 1 <= len(servers) <= bouncer.pool_size < WORKERS, servers


def tessera_rows(bouncer, listing):
    """The rows of pgbouncer's SHOW listing (CLIENTS or SERVERS) for the tessera database."""
    return [r for r in bouncer.show(listing) if r[2] == "tessera"]


@contextlib.contextmanager
def sessions_locked(stack):
    """Holds an exclusive lock on tessera.sessions from a direct psql session until the block ends."""
    locker = subprocess.Popen(
        as_run_user(["psql", "-X", "-q", "-d", stack.conninfo, "-c",
                     "SET statement_timeout = 0; BEGIN; "
                     "LOCK TABLE tessera.sessions IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(30)"]),
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True, env=clean_env(), cwd="/")
    held = ("FROM pg_locks WHERE relation = 'tessera.sessions'::regclass "
            "AND mode = 'AccessExclusiveLock' AND granted")
    try:
        wait_for("lock on tessera.sessions", lambda: stack.scalar(f"SELECT count(*) {held}") == "1", 10)
        yield
    finally:
        stack.psql(f"SELECT pg_terminate_backend(pid) {held}")
        locker.wait(10)


def test_statement_timeout_cancels_a_blocked_request(route, private_stack):
    _, host, _ = route
    u = private_stack.create_user()
    b = host.browser()
    assert b.login(u.name, u.password).status == 303
    with sessions_locked(private_stack):
        started = time.monotonic()
        r = b.dashboard()
        took = time.monotonic() - started
    assert r.status == 503 and r.header("Retry-After"), r.describe()   # unavailable, like an outage
    assert took < 5, f"the blocked request took {took:.1f}s: statement_timeout (1s) did not apply"
    assert "statement timeout" in host.log_file.read_text(), host.logs()
    assert b.dashboard().status == 200, host.logs()
