"""PostgreSQL going away under load: pages that need it answer 503 with Retry-After at once (never a
hang, never a crash), /ping still answers, /status says so; when it is back every request succeeds
again without restarting anything."""

import time

from load import Load, signed_in_cookies
from processes import wait_for

CONNECT_TIMEOUT = 2
STACK_CONFIG = {"connect_timeout": f"{CONNECT_TIMEOUT}s"}
MARGIN = 3                      # seconds on top of connect_timeout for a loaded machine


def test_postgres_stopped_and_started_under_load(private_stack):
    stack = private_stack
    cookies = signed_in_cookies(stack)
    supervisor, workers = stack.pool.pid, stack.worker_pids()
    crashes = stack.status()["crashes"]
    with Load(stack, cookies, threads=4, timeout=30) as load:
        load.run_for(0.5)
        stopped_at = time.monotonic()
        stack.pg_stop()
        down_at = time.monotonic()
        load.run_for(1.5)
        ping = stack.browser().get("/ping")
        down_status = stack.status()
        started_at = time.monotonic()
        stack.pg_start()
        wait_for("the dashboard back", lambda: stack.browser().get("/dashboard", cookies=cookies).status == 200,
                 15, stack.logs)
        back_at = time.monotonic()
        load.run_for(1.5)
    result = load.result
    why = (f"PostgreSQL stopped in {down_at - stopped_at:.1f}s, started again "
           f"{started_at - stopped_at:.1f}s after the stop, service back {back_at - started_at:.1f}s later\n"
           + result.describe(stopped_at) + stack.logs())
    assert ping.status == 200 and ping.body == "pong\n", ping.describe()
    assert down_status["database"] is False, down_status
    while_down = [r for r in result.records if down_at <= r.start and r.end <= started_at]
    dashboards = [r for r in while_down if r.path == "/dashboard"]
    assert dashboards and all(r.status == 503 for r in dashboards), "not 503 while PostgreSQL was down\n" + why
    assert all(r.retry_after for r in dashboards), "a 503 without Retry-After\n" + why
    assert all(r.ok() for r in while_down if r.path == "/ping"), "/ping failed without the database\n" + why
    assert result.slowest() < CONNECT_TIMEOUT + MARGIN, "a request hung\n" + why
    assert {str(r.status) for r in result.failures()} <= {"503"}, why
    later = result.started_after(back_at)
    assert len(later) >= 20 and all(r.ok() for r in later), "requests failed after PostgreSQL was back\n" + why
    assert stack.pool.pid == supervisor and stack.worker_pids() == workers, (
        "the pool was restarted (workers must reconnect by themselves)\n" + why)
    status = stack.status()
    assert status["database"] is True and status["crashes"] == crashes, status
