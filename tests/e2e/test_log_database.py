"""What the pool logs and answers when the database fails it: an outage is one line for the whole
pool (and its end one more), a query past statement_timeout is a 503 with Retry-After like an
outage, and every failed query names the path of its request."""

import concurrent.futures

import pytest

from processes import wait_for
from stack import TableLock

WORKERS = 4
STACK_CONFIG = {"workers": WORKERS, "statement_timeout": "1s"}


pytestmark = pytest.mark.usefixtures("no_counted_private_failures")


def sign_in_at_once(stack, n):
    """Sends n sign-ins of an unknown user, WORKERS at a time. Returns their statuses."""
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as ex:
        return list(ex.map(lambda _: stack.browser(timeout=15).login("nobody", "no password at all")
                           .status, range(n)))


def outage(stack, before_requests=lambda: None):
    """Stops PostgreSQL while every worker tries it, starts it again, calls before_requests, and
    waits until every worker is back. Returns the db_unavailable and db_available events logged."""
    before = {e: len(stack.log_events(e)) for e in ("db_unavailable", "db_available")}
    stack.pg_stop()
    try:
        statuses = sign_in_at_once(stack, 4 * WORKERS)   # every worker meets the outage
    finally:
        stack.pg_start()
    assert set(statuses) == {503}, statuses
    before_requests()
    wait_for("every worker back (each retries once a second)",
             lambda: set(sign_in_at_once(stack, 4 * WORKERS)) <= {401, 429}, 15, stack.logs)
    return (stack.log_events("db_unavailable")[before["db_unavailable"]:],
            stack.log_events("db_available")[before["db_available"]:])


def test_a_database_outage_is_one_line_for_the_pool(private_stack):
    s = private_stack
    down, up = outage(s)
    assert len(down) == 1, f"{len(down)} db_unavailable lines for one outage\n" + s.logs()
    assert len(up) == 1, f"{len(up)} db_available lines for one outage\n" + s.logs()
    assert down[0]["level"] == "error" and up[0]["level"] == "info", (down, up)


def test_an_outage_ended_by_fresh_workers_is_closed_and_the_next_one_logged(private_stack):
    s = private_stack
    down, up = outage(s, s.reload_pool)     # the workers that met it leave before reconnecting
    assert (len(down), len(up)) == (1, 1), s.logs()
    s.forget_failures()
    down, up = outage(s)
    assert (len(down), len(up)) == (1, 1), s.logs()


def test_a_statement_timeout_is_503_with_retry_after_and_names_the_path(private_stack):
    s = private_stack
    user = s.create_user()
    b = s.signed_in_browser(user)
    seen = len(s.log_events("db_timeout"))
    with TableLock(s, "tessera.sessions"):
        r = b.dashboard()
    assert r.status == 503, r.describe()
    assert r.header("Retry-After") == "5", r.describe()
    assert r.is_html, r.describe()
    timeouts = s.log_events("db_timeout")[seen:]
    assert timeouts, "no db_timeout line\n" + s.logs()
    assert timeouts[0]["path"] == "/dashboard" and timeouts[0]["level"] == "warning", timeouts
    assert "statement timeout" in timeouts[0]["error"], timeouts
    assert s.log_events("db_error") == [], "a timeout logged as db_error too"
    assert b.dashboard().status == 200


def test_a_failed_query_names_its_path(private_stack):
    s = private_stack
    user = s.create_user()
    seen = len(s.log_events("db_error"))
    s.psql("REVOKE SELECT ON tessera.users FROM tessera_app")
    try:
        r = s.browser().login(user.name, user.password)
    finally:
        s.psql("GRANT SELECT ON tessera.users TO tessera_app")
    assert r.status == 500, r.describe()
    errors = s.log_events("db_error")[seen:]
    assert errors and errors[0]["path"] == "/login" and errors[0]["level"] == "error", errors
    assert "permission denied" in errors[0]["error"], errors
