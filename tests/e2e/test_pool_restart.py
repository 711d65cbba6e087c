"""Stopping and restarting the pool: graceful SIGTERM, no leftover workers, sessions survive."""

from page import view_count


def test_pool_runs_the_configured_number_of_workers(private_stack):
    pids = private_stack.pool_pids()
    assert len(pids) == 1 + 2, f"expected a supervisor and 2 workers, found pids {pids}"


def test_sigterm_stops_pool_with_exit_0_and_no_leftover_workers(private_stack):
    ended = private_stack.restart_pool()
    assert ended.returncode == 0, f"serve exited with {ended.returncode} on SIGTERM\n" + private_stack.logs()
    assert ended.leftovers == [], f"pool processes outlived the supervisor: {ended.leftovers}"


def test_session_survives_pool_restart_and_counter_continues(private_stack):
    u = private_stack.create_user()
    b = private_stack.browser()
    assert b.login(u.name, u.password).status == 303
    assert [view_count(b.dashboard()) for _ in range(2)] == [1, 2]
    private_stack.restart_pool()
    r = b.dashboard()
    assert r.status == 200, r.describe()
    assert f"Welcome back, {u.name}" in r.text
    assert view_count(r) == 3
