"""SIGTERM under load: the pool stops accepting, lets the requests in flight finish, exits 0 and
leaves no process behind. Requests that arrive after the socket closed are refused, not failed."""

import concurrent.futures
import re
import signal
import time

import pytest

from load import Load
from processes import wait_for
from stack import TableLock

WORKERS = 2
SHUTDOWN_TIMEOUT = 10           # the default shutdown_timeout, seconds

# nginx's error.log about the upstream: could not connect at all (the socket closed: refused, counted
# apart); connected, sent the request, and was reset without the pool ever accepting the connection
# (it sat in the socket's backlog when the last process holding the socket closed it); anything else
# (a worker that had accepted the request and dropped it: what a graceful stop must never do).
NOT_CONNECTED = re.compile(r"connect\(\) to unix:\S+ failed \((111: Connection refused|2: No such file)")
RESET_UNACCEPTED = re.compile(r"recv\(\) failed \(104: Connection reset by peer\) while reading response header")
UPSTREAM_ERROR = re.compile(r"upstream")


def nginx_errors(pool):
    """Returns nginx's error.log lines about the upstream: {"refused": [...], "reset": [...], "dropped": [...]}."""
    kinds = {"refused": [], "reset": [], "dropped": []}
    for ln in (pool.nginx_dir / "error.log").read_text(errors="replace").splitlines():
        if not UPSTREAM_ERROR.search(ln):
            continue
        kind = ("refused" if NOT_CONNECTED.search(ln) else "reset" if RESET_UNACCEPTED.search(ln)
                else "dropped")
        kinds[kind].append(ln)
    return kinds


def restarted(pool):
    """Starts the pool again if a test stopped it, and waits for a full pool."""
    if pool.pool is None:
        pool.start_pool()
        pool.wait_http_ready()
    pool.wait_workers(WORKERS)
    return pool


def test_sigterm_under_load_drops_no_accepted_request(private_pool, pool_cookies):
    pool = restarted(private_pool)
    before = nginx_errors(pool)
    with Load(pool, pool_cookies, threads=4) as load:
        load.run_for(0.5)
        stopped_at = time.monotonic()
        pool.signal_pool(signal.SIGTERM)
        ended = pool.stop_pool(timeout=SHUTDOWN_TIMEOUT + 10)
        exited_in = time.monotonic() - stopped_at
    errors = {k: v[len(before[k]):] for k, v in nginx_errors(pool).items()}
    result = load.result
    why = (f"exited {exited_in:.2f}s after SIGTERM; nginx: {len(errors['refused'])} refused, "
           f"{len(errors['reset'])} reset unaccepted, {len(errors['dropped'])} dropped\n"
           + result.describe(stopped_at) + pool.logs() + "\n".join(errors["dropped"][:10]))
    assert ended.returncode == 0, why
    assert ended.leftovers == [], f"processes outlived the supervisor: {ended.leftovers}\n" + why
    assert exited_in < SHUTDOWN_TIMEOUT, "the stop waited for shutdown_timeout: nothing was that slow\n" + why
    assert len(result.started_after(stopped_at)) > 0, why
    assert errors["dropped"] == [], "requests a worker had accepted were dropped\n" + why
    assert all(r.status == 502 for r in result.failures()), why
    assert not [r for r in result.failures() if r.end < stopped_at], why
    assert len(result.failures()) == len(errors["refused"]) + len(errors["reset"]), why
    if errors["reset"]:
        pytest.xfail(f"{len(errors['reset'])} requests nginx had already sent were reset: they sat in "
                     "the socket's backlog when the last worker closed it (the stop does not drain the "
                     "backlog: a known gap, reported to the lead)")


def test_sigterm_lets_a_slow_request_in_flight_finish(stack, private_pool, pool_cookies):
    pool = restarted(private_pool)
    pool.connect_workers()                  # a first connection prepares statements: the lock would stop it
    with concurrent.futures.ThreadPoolExecutor(1) as ex, Load(pool, paths=["/ping"], threads=2) as load:
        with TableLock(stack, "tessera.sessions"):
            slow = ex.submit(pool.browser(timeout=30).get, "/dashboard", cookies=pool_cookies)
            wait_for("a worker busy with /dashboard", lambda: pool.busy_worker("/dashboard"), 10, pool.logs)
            seen = len(pool.log_events("pool_stopping"))
            stopped_at = time.monotonic()
            pool.signal_pool(signal.SIGTERM)
            wait_for("pool_stopping in the log", lambda: pool.log_events("pool_stopping")[seen:], 10, pool.logs)
            time.sleep(0.5)             # the worker has had SIGTERM while its request waits
        r = slow.result(timeout=30)
        ended = pool.stop_pool(timeout=SHUTDOWN_TIMEOUT + 10)
    why = r.describe() + load.result.describe(stopped_at) + pool.logs()
    assert r.status == 200 and "Welcome back" in r.text, "the request in flight was not answered\n" + why
    assert ended.returncode == 0 and ended.leftovers == [], why
    assert not [f for f in load.result.failures() if f.end < stopped_at], why
