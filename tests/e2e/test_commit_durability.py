"""Which commits wait for the disk: a touch that only slides and counts does not; sign-in, sign-out,
ending sessions, a password change and an operator's revocation do, in the mode the server is
configured with, followed across a reload. Read from PostgreSQL's WAL positions with a WAL writer
made slow: a commit that waited has flushed the WAL past the point where the request began; one
that did not has not (unless the WAL writer's own 10 s round fell in between, so those checks take
the best of three)."""

import time

import pytest

from page import signed_out, view_count


@pytest.fixture(scope="module")
def slow_wal(private_stack):
    """The module's stack with durable commits by default and a WAL writer that waits 10 s."""
    private_stack.psql("ALTER SYSTEM SET synchronous_commit = on")
    private_stack.psql("ALTER SYSTEM SET wal_writer_delay = '10s'")
    private_stack.psql("ALTER SYSTEM SET wal_writer_flush_after = '1GB'")
    private_stack.psql("SELECT pg_reload_conf()")
    return private_stack


@pytest.fixture
def member(slow_wal):
    """A user of the module's stack."""
    return slow_wal.create_user()


def waited(stack, action):
    """Runs action(); returns True if WAL written before it ended was flushed past where it began."""
    mark = stack.scalar("SELECT pg_current_wal_insert_lsn()")
    action()
    return stack.scalar(f"SELECT pg_current_wal_flush_lsn() > '{mark}'::pg_lsn") == "t"


def test_a_counted_view_does_not_wait_for_the_disk(slow_wal, member):
    b = slow_wal.signed_in_browser(member)
    views = []
    assert not all(waited(slow_wal, lambda: views.append(view_count(b.dashboard()))) for _ in range(3)), \
        "the dashboard's touch waited for its commit to reach the disk"
    assert views == list(range(1, len(views) + 1))


def test_the_sessions_page_touch_does_not_wait_for_the_disk(slow_wal, member):
    b = slow_wal.signed_in_browser(member)
    assert not all(waited(slow_wal, lambda: b.get("/sessions")) for _ in range(3))


def test_sign_in_and_sign_out_wait_for_the_disk(slow_wal, member):
    b = slow_wal.browser()
    assert waited(slow_wal, lambda: b.login(member.name, member.password)), "sign-in did not wait"
    assert b.dashboard().status == 200
    assert waited(slow_wal, b.logout), "sign-out did not wait for its commit"
    assert signed_out(b.dashboard())


def test_ending_other_sessions_waits_for_the_disk(slow_wal, member):
    this = slow_wal.signed_in_browser(member)
    slow_wal.signed_in_browser(member)
    csrf = this.dashboard_csrf()
    assert waited(slow_wal, lambda: this.post("/sessions/end-others", {"csrf": csrf})), \
        "ending the other sessions did not wait for its commit"
    assert len(slow_wal.session_ids(member.name)) == 1


def test_a_password_change_waits_for_the_disk(slow_wal, member):
    b = slow_wal.signed_in_browser(member)
    fields = {"csrf": b.form_csrf("/account/password"), "current": member.password,
              "new": member.password + "-2", "again": member.password + "-2"}
    assert waited(slow_wal, lambda: b.post("/account/password", fields)), \
        "the password change did not wait for its commit"
    assert slow_wal.browser().login(member.name, member.password + "-2").status == 303


def test_an_operators_revocation_waits_for_the_disk(slow_wal, member):
    slow_wal.signed_in_browser(member)
    result = []
    assert waited(slow_wal, lambda: result.append(slow_wal.tessera("sessions", "revoke", "--user", member.name))), \
        "tessera sessions revoke --user did not wait for its commit"
    assert result[0].returncode == 0 and slow_wal.session_ids(member.name) == []


def test_commits_follow_the_servers_configuration_as_it_is_reloaded(slow_wal, member):
    """The mode sign-in commits in is the server's, read at each commit: an operator who turns
    durable commits off (or back on) with a reload is followed by the running pool."""
    def reconfigure(mode):
        slow_wal.psql(f"ALTER SYSTEM SET synchronous_commit = {mode}")
        slow_wal.psql("SELECT pg_reload_conf()")
        time.sleep(0.5)     # backends read the file between statements
    try:
        reconfigure("off")
        assert not all(waited(slow_wal, lambda: slow_wal.browser().login(member.name, member.password))
                       for _ in range(3)), "sign-in waited for the disk on a server configured not to"
    finally:
        reconfigure("on")
    assert waited(slow_wal, lambda: slow_wal.browser().login(member.name, member.password)), \
        "sign-in did not wait again once the server was configured back"
