"""Issue 3, control 10: sign-ins, failures, sign-outs and refused requests are logged with the user,
the client address and the reason; no cookie value, password, CSRF value or hash ever is. The
requests come from 127.0.0.77, so the address logged must be the client's, not a default. The sweep
over the logs of every stack of the run is the conftest fixture no_secret_in_any_log."""

import re
import secrets

import pytest

from browser import COOKIE
from secret_watch import SECRETS
from stack import sql_literal

ADDR = "127.0.0.77"
PAIR = re.compile(r' ([a-z_]+)=("(?:[^"\\]|\\.)*"|\S*)')


@pytest.fixture
def visitor(stack):
    """A browser connecting from ADDR; failure counts are cleared before and after."""
    stack.forget_failures()
    yield stack.browser(source=ADDR)
    stack.forget_failures()


def events_after(stack, action):
    """Runs action() and returns the events it logged: [(event, {key: value})]."""
    before = stack.log_file.stat().st_size
    action()
    text = stack.log_file.read_bytes()[before:].decode(errors="replace")
    found = []
    for line in text.splitlines():
        m = re.match(r"\S+ tessera\[\d+\] (\S+)(.*)", line)
        if m:
            found.append((m.group(1), {k: v.strip('"') for k, v in PAIR.findall(m.group(2))}))
    return found


def logged(stack, action, event):
    """Runs action() and returns the fields of the one event of that name it logged."""
    found = [fields for name, fields in events_after(stack, action) if name == event]
    assert len(found) == 1, f"want one {event} event, got {found}"
    return found[0]


def test_sign_in_is_logged_with_user_and_address(stack, visitor, member):
    fields = logged(stack, lambda: visitor.login(member.name, member.password), "login_ok")
    assert (fields.get("user"), fields.get("addr")) == (member.name, ADDR), fields


def test_failed_sign_in_is_logged_with_user_address_and_reason(stack, visitor, member):
    fields = logged(stack, lambda: visitor.login(member.name, "wrong-password"), "login_failed")
    assert (fields.get("user"), fields.get("addr")) == (member.name, ADDR), fields
    assert fields.get("reason"), fields


def test_throttled_sign_in_is_logged_with_user_and_address(stack, visitor, member):
    stack.psql("INSERT INTO tessera.login_failures VALUES "
               f"({sql_literal('user:' + member.name)}, 5, now())")
    fields = logged(stack, lambda: visitor.login(member.name, member.password), "login_throttled")
    assert (fields.get("user"), fields.get("addr")) == (member.name, ADDR), fields
    assert fields.get("retry_after", "").isdigit(), fields


def test_sign_out_is_logged_with_user_and_address(stack, visitor, member):
    assert visitor.login(member.name, member.password).status == 303
    fields = logged(stack, visitor.logout, "logout")
    assert (fields.get("user"), fields.get("addr")) == (member.name, ADDR), fields


def test_refused_sign_in_csrf_is_logged_with_the_names_keyed_hash_address_and_reason(stack, visitor, member):
    def forged():
        visitor.login_csrf()
        assert visitor.post("/login", {"username": member.name, "password": "x", "csrf": "forged"}).status == 403

    fields = logged(stack, forged, "csrf_rejected")
    assert (fields.get("name_hash"), fields.get("addr")) == (stack.name_hash(member.name), ADDR), fields
    assert "user" not in fields, "an unchecked name was logged in clear"
    assert fields.get("reason"), fields


def test_failed_sign_in_of_an_unknown_name_logs_only_its_keyed_hash(stack, visitor):
    typed = "Pa55word-typed-" + secrets.token_hex(4)       # a password typed into the name field
    fields = logged(stack, lambda: visitor.login(typed, "wrong-password"), "login_failed")
    assert fields.get("name_hash") == stack.name_hash(typed), fields
    assert typed not in stack.log_file.read_text(errors="replace")
    assert stack.scalar("SELECT count(*) FROM tessera.login_failures WHERE key = "
                        f"{sql_literal('name:' + stack.name_hash(typed))}") == "1"
    assert stack.scalar("SELECT count(*) FROM tessera.login_failures WHERE key LIKE "
                        f"{sql_literal('%' + typed + '%')}") == "0"


def test_refused_sign_out_csrf_is_logged_with_address_and_reason(stack, visitor, member):
    assert visitor.login(member.name, member.password).status == 303
    fields = logged(stack, lambda: visitor.post("/logout", {"csrf": "forged"}), "csrf_rejected")
    assert fields.get("addr") == ADDR and fields.get("reason"), fields


def test_refused_origin_is_logged_with_address_and_path(stack, visitor):
    fields = logged(stack, lambda: visitor.post("/login", {}, headers={"Origin": "http://evil.example"}),
                    "origin_rejected")
    assert (fields.get("addr"), fields.get("path")) == (ADDR, "/login"), fields


def test_bad_cookie_signature_is_logged_with_address_and_reason(stack, visitor):
    visitor.cookies[COOKIE] = "A" * 86
    fields = logged(stack, visitor.dashboard, "cookie_rejected")
    assert fields.get("addr") == ADDR and fields.get("reason"), fields
    assert "A" * 16 not in str(fields), "the cookie's value was logged"


def test_no_secret_seen_so_far_is_in_any_pool_log(stack, visitor, member):
    """Signs in, looks, signs out and fails with a 1025-byte password, then checks every pool log
    of the run so far for every cookie value, password, CSRF value and hash the tests met."""
    assert visitor.login(member.name, member.password).status == 303
    stack.password_hash(member.name)
    visitor.dashboard()
    visitor.logout()
    visitor.login(member.name, member.password + "x" * 1025)
    assert member.password in SECRETS.values and len(SECRETS.values) > 3
    assert SECRETS.leaks() == []
