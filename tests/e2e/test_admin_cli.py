"""`tessera sessions ...` and `tessera user list|disable|enable`, run as the operator role."""

import json
import os
import re
import subprocess
import time

import pytest

from page import signed_out
from processes import clean_env, error_line
from stack import BIN

NO_USER, NO_SESSION, USAGE = 3, 4, 2
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture
def cli(stack):
    """Runs bin/tessera as the operator's LOGIN role (a member of tessera_operator only)."""
    _, conf = stack.operator()
    return lambda *args: stack.tessera(*args, conf=conf)


def ok(result):
    """Asserts the command exited 0 and returns its standard output."""
    assert result.returncode == 0 and not result.timed_out, result.describe()
    return result.stdout


def fails_with(result, status):
    """Asserts a one-line error and exit status; returns the line."""
    line = error_line(result)
    assert result.returncode == status, result.describe()
    return line


def test_sessions_list_shows_each_live_session_as_a_row(stack, cli, user):
    stack.signed_in_browser(user, FIREFOX_LINUX)
    (sid,) = stack.session_ids(user.name)
    lines = ok(cli("sessions", "list")).splitlines()
    assert lines[0].split()[:3] == ["ID", "USER", "CREATED"], lines[0]
    (row,) = [ln for ln in lines if f" {user.name} " in ln]
    assert row.split()[0] == str(sid) and "127.0.0.1" in row, row
    assert row.endswith("Firefox on Linux"), row


def test_sessions_list_for_one_user_shows_only_theirs(stack, cli, user):
    stack.signed_in_browser(user)
    stack.signed_in_browser(stack.create_user())
    rows = ok(cli("sessions", "list", "--user", user.name)).splitlines()[1:]
    assert len(rows) == 1 and rows[0].split()[1] == user.name, rows


def test_sessions_list_json_has_every_field_and_no_token_hash(stack, cli, user):
    stack.signed_in_browser(user, FIREFOX_LINUX)
    (entry,) = json.loads(ok(cli("sessions", "list", "--user", user.name, "--json")))
    assert set(entry) == {"id", "username", "created_at", "last_seen_at", "idle_expires_at",
                          "absolute_expires_at", "client_addr", "user_agent", "assurance_level",
                          "authenticated_at", "remembered"}, entry
    assert entry["assurance_level"] == 1 and entry["remembered"] is False
    assert entry["id"] == stack.session_ids(user.name)[0] and entry["user_agent"] == FIREFOX_LINUX


def test_sessions_list_of_a_user_without_sessions_is_empty(cli, user):
    assert ok(cli("sessions", "list", "--user", user.name, "--json")).strip() == "[]"


def test_sessions_list_of_an_unknown_user_fails(cli):
    assert "no user named" in fails_with(cli("sessions", "list", "--user", "nobody-here"), NO_USER)


def test_sessions_revoke_ends_that_session(stack, cli, user):
    b = stack.signed_in_browser(user)
    (sid,) = stack.session_ids(user.name)
    assert ok(cli("sessions", "revoke", str(sid))).strip() == f"ended session {sid}"
    assert signed_out(b.dashboard())
    assert "no session with id" in fails_with(cli("sessions", "revoke", str(sid)), NO_SESSION)


@pytest.mark.parametrize("sid", ["abc", "-3", "1.5", ""])
def test_sessions_revoke_of_something_not_an_id_is_a_usage_error(cli, sid):
    fails_with(cli("sessions", "revoke", sid), USAGE)


def test_sessions_revoke_user_ends_all_their_sessions(stack, cli, user):
    browsers = [stack.signed_in_browser(user) for _ in range(2)]
    assert ok(cli("sessions", "revoke", "--user", user.name)).strip() == f"ended 2 sessions of {user.name}"
    assert all(signed_out(b.dashboard()) for b in browsers)


def test_sessions_revoke_user_of_an_unknown_user_fails(cli):
    assert "no user named" in fails_with(cli("sessions", "revoke", "--user", "nobody-here"), NO_USER)


def test_sessions_purge_deletes_every_expired_session_in_batches(stack, cli, user):
    b = stack.signed_in_browser(user)
    stack.insert_expired_sessions(user.name, 7)
    out = ok(cli("sessions", "purge", "--batch", "3"))
    assert int(out.split()[1]) >= 7 and out.startswith("purged "), out
    assert stack.expired_count() == 0
    assert b.dashboard().status == 200


def test_sessions_purge_shows_progress_on_a_terminal(stack, user):
    stack.insert_expired_sessions(user.name, 3)
    primary, secondary = os.openpty()
    try:
        r = subprocess.run([str(BIN), "-c", str(stack.operator()[1]), "sessions", "purge"],
                           stdout=subprocess.PIPE, stderr=secondary, env=clean_env(), timeout=30,
                           text=True)
        os.close(secondary)
        progress = os.read(primary, 4096).decode()
    finally:
        os.close(primary)
    assert r.returncode == 0 and r.stdout.startswith("purged "), r
    assert re.search(r"\rpurging: \d+ expired sessions and \d+ lapsed sign-in failures deleted, \d+/s",
                     progress), repr(progress)


def test_sessions_purge_not_on_a_terminal_prints_one_summary_line_with_total_and_rate(stack, cli, user):
    stack.insert_expired_sessions(user.name, 5)
    r = cli("sessions", "purge", "--batch", "2")
    assert r.returncode == 0 and r.stderr == "", r.describe()
    lines = r.stdout.splitlines()
    assert len(lines) == 1 and re.fullmatch(
        r"purged (\d+) expired sessions and \d+ lapsed sign-in failures in \d+\.\d s, \d+/s", lines[0]), lines
    assert int(lines[0].split()[1]) >= 5


def test_sessions_purge_pauses_between_batches(stack, cli, user):
    stack.insert_expired_sessions(user.name, 7)
    started = time.monotonic()
    out = ok(cli("sessions", "purge", "--pause", "200", "--batch", "3"))
    took = time.monotonic() - started
    assert int(out.split()[1]) >= 7 and stack.expired_count() == 0, out
    assert took >= 0.6, f"three batches of rows, three pauses of 200 ms, yet it took {took:.2f}s"


@pytest.mark.parametrize("batch", ["0", "x", "1000000"])
def test_sessions_purge_with_a_bad_batch_is_a_usage_error(cli, batch):
    fails_with(cli("sessions", "purge", "--batch", batch), USAGE)


@pytest.mark.parametrize("args", [["--pause", "x"], ["--pause", "-1"], ["--pause", "100000"],
                                  ["--pause"], ["--batch", "3", "--slow", "1"]])
def test_sessions_purge_with_a_bad_pause_or_option_is_a_usage_error(cli, args):
    fails_with(cli("sessions", "purge", *args), USAGE)


def test_user_list_shows_users_disabled_or_not(stack, cli, user):
    stack.signed_in_browser(user)
    disabled = stack.create_user()
    ok(cli("user", "disable", disabled.name))
    lines = ok(cli("user", "list")).splitlines()
    assert lines[0].split() == ["USER", "CREATED", "DISABLED", "LIVE", "SESSIONS"], lines[0]
    rows = {ln.split()[0]: ln.split() for ln in lines[1:]}
    assert rows[user.name][2:] == ["-", "1"], rows[user.name]
    assert rows[disabled.name][2] != "-" and rows[disabled.name][3] == "0", rows[disabled.name]


def test_user_disable_ends_sessions_and_refuses_sign_in_until_enabled(stack, cli, user):
    b = stack.signed_in_browser(user)
    out = ok(cli("user", "disable", user.name)).strip()
    assert out == f"disabled user {user.name}, ended 1 session", out
    assert signed_out(b.dashboard())
    assert stack.browser().login(user.name, user.password).status == 401
    assert ok(cli("user", "enable", user.name)).strip() == f"enabled user {user.name}"
    assert stack.browser().login(user.name, user.password).status == 303


@pytest.mark.parametrize("verb", ["disable", "enable"])
def test_user_disable_or_enable_of_an_unknown_user_fails(cli, verb):
    assert "no user named" in fails_with(cli("user", verb, "nobody-here"), NO_USER)


def test_user_passwd_of_an_unknown_user_exits_3(stack):
    fails_with(stack.tessera("user", "passwd", "nobody-here", input="a-long-password\n"), NO_USER)


@pytest.mark.parametrize("args", [("sessions",), ("sessions", "list", "--bogus"), ("sessions", "revoke"),
                                  ("sessions", "purge", "now"), ("user", "list", "extra")])
def test_bad_arguments_are_a_one_line_usage_error(cli, args):
    assert "usage:" in fails_with(cli(*args), USAGE)


def test_usage_lists_the_commands_and_the_exit_statuses(stack):
    r = stack.tessera("-h")
    for text in ("sessions list", "sessions revoke", "sessions purge", "user disable", "user enable",
                 "user list", "3 no user has that name", "4 no session has that id"):
        assert text in r.stdout, r.describe()


def test_the_app_role_may_not_administer(stack, user):
    """The pool's own role gets a one-line permission error, not the list."""
    line = fails_with(stack.tessera("sessions", "list", conf=stack.conf), 1)
    assert "permission denied" in line, line
