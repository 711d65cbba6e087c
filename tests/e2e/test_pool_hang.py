"""Stuck and slow requests: a handler that hangs is killed after request_timeout (nginx answers the
client, the fact is logged and counted, the pool keeps serving); a slow one is logged by slow_log."""

import concurrent.futures
import time

from load import Load
from processes import wait_for
from stack import TEST_BIN, TableLock

POOL_BINARY = TEST_BIN          # GET /_test/hang never answers
POOL_CONFIG = {"request_timeout": "2s", "slow_log": "1s"}
REQUEST_TIMEOUT = 2
WORKERS = 2


def test_hanging_request_is_killed_after_request_timeout(pool, pool_cookies):
    before = pool.status()
    with concurrent.futures.ThreadPoolExecutor(1) as ex, Load(pool, pool_cookies, threads=2) as load:
        started = time.monotonic()
        hung = ex.submit(pool.browser(timeout=30).get, "/_test/hang")
        victim = wait_for("a worker busy with /_test/hang", lambda: pool.busy_worker("/_test/hang"),
                          10, pool.logs)
        r = hung.result(timeout=30)
        took = time.monotonic() - started
        pool.wait_workers(WORKERS, [victim])
        load.run_for(0.5)
    why = f"answered in {took:.2f}s\n" + load.result.describe() + pool.logs()
    assert r.status in (502, 504), r.describe() + why
    assert REQUEST_TIMEOUT - 0.1 <= took < REQUEST_TIMEOUT + 5, why
    timeouts = [e for e in pool.log_events("request_timeout") if e["pid"] == str(victim)]
    assert timeouts and timeouts[0]["path"] == "/_test/hang", why
    assert int(timeouts[0]["busy_ms"]) >= REQUEST_TIMEOUT * 1000, why
    after = pool.status()
    assert after["timeouts"] == before["timeouts"] + 1, after
    assert after["crashes"] == before["crashes"], "a timeout was counted as a crash too: " + str(after)
    assert load.result.failures() == [], "other requests failed while one hung\n" + why


def test_a_request_that_never_ends_is_logged_as_slow_while_it_runs(pool):
    """slow_log fires while the request still runs (as php-fpm's slowlog does), not only when it ends."""
    seen = len(pool.log_events("slow_request"))
    with concurrent.futures.ThreadPoolExecutor(1) as ex:
        hung = ex.submit(pool.browser(timeout=30).get, "/_test/hang")
        events = wait_for("a slow_request line for the hanging request",
                          lambda: [e for e in pool.log_events("slow_request")[seen:]
                                   if e["path"] == "/_test/hang"], 10, pool.logs)
        hung.result(timeout=30)
    assert 1000 <= int(events[0]["busy_ms"]) < REQUEST_TIMEOUT * 1000, events


def test_slow_request_is_logged_with_its_path_and_duration(stack, pool, pool_cookies):
    seen = len(pool.log_events("slow_request"))
    pool.connect_workers()                  # a first connection prepares statements: the lock would stop it
    with concurrent.futures.ThreadPoolExecutor(1) as ex:
        with TableLock(stack, "tessera.sessions"):
            slow = ex.submit(pool.browser(timeout=30).get, "/dashboard", cookies=pool_cookies)
            events = wait_for("a slow_request line while the request waits on the lock",
                              lambda: pool.log_events("slow_request")[seen:], 10, pool.logs)
        r = slow.result(timeout=30)
    assert r.status == 200, r.describe()
    assert events[0]["path"] == "/dashboard", events
    assert 1000 <= int(events[0]["busy_ms"]) < REQUEST_TIMEOUT * 1000, events


def test_fast_requests_are_not_logged_as_slow(pool, pool_cookies):
    seen = len(pool.log_events("slow_request"))
    with Load(pool, pool_cookies, threads=2) as load:
        load.run_for(0.5)
    assert load.result.failures() == []
    assert pool.log_events("slow_request")[seen:] == [], pool.logs()
