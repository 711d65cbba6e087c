"""With PostgreSQL stopped the pool answers 503 quickly (never hangs), then recovers by itself."""

import time

import pytest

from processes import wait_for


@pytest.fixture(scope="module")
def down(private_stack):
    """The module's stack with a signed-in browser, then PostgreSQL stopped; started again afterwards."""
    u = private_stack.create_user()
    b = private_stack.browser(timeout=15)
    assert b.login(u.name, u.password).status == 303
    assert b.dashboard().status == 200
    private_stack.pg_stop()
    yield private_stack, b, u
    private_stack.pg_start()


def test_dashboard_is_503_while_database_is_down(down):
    stack, b, _ = down
    started = time.monotonic()
    r = b.dashboard()
    assert r.status == 503, r.describe()
    assert r.is_html, r.describe()
    assert time.monotonic() - started < 10, "503 took too long"


def test_login_is_503_while_database_is_down(down):
    stack, _, u = down
    r = stack.browser(timeout=15).login(u.name, u.password)
    assert r.status == 503, r.describe()


def test_pool_recovers_when_database_comes_back(down):
    stack, b, _ = down
    assert b.dashboard().status == 503
    stack.pg_start()
    wait_for("dashboard after PostgreSQL restart", lambda: b.dashboard().status == 200, 15, stack.logs)
    assert stack.pool.poll() is None, "the pool exited while the database was away"
