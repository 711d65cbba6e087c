"""Which session cookies are honoured: expired, tampered, unknown or revoked ones are not; anonymous visits make no row."""

import base64
import secrets

import pytest

from browser import COOKIE
from page import signed_out
from stack import sql_literal


def expire(stack, username, column):
    """Sets one expiry column of the user's sessions to a second ago, as the database sees time."""
    stack.psql(f"UPDATE tessera.sessions SET {column} = now() - interval '1 second' "
               f"WHERE user_id = (SELECT id FROM tessera.users WHERE username = {sql_literal(username)})")


def flip(value, at):
    """Returns value with the alphanumeric character nearest to fraction `at` of its length changed."""
    i = int(len(value) * at)
    while not value[i].isalnum():
        i += 1
    return value[:i] + ("A" if value[i] != "A" else "B") + value[i + 1:]


@pytest.mark.parametrize("column", ["expires_at", "absolute_expires_at"])
def test_session_past_its_expiry_is_refused(stack, signed_in, user, column):
    assert signed_in.dashboard().status == 200
    expire(stack, user.name, column)
    r = signed_in.dashboard()
    assert signed_out(r), f"session with {column} in the past still served:\n" + r.describe()


def test_expired_session_stays_refused_on_next_request(stack, signed_in, user):
    expire(stack, user.name, "expires_at")
    assert signed_out(signed_in.dashboard())
    r = signed_in.dashboard()
    assert signed_out(r), r.describe()


@pytest.mark.parametrize("at", [0.25, 0.75], ids=["early-char", "late-char"])
def test_tampered_cookie_is_refused(stack, signed_in, at):
    assert signed_in.dashboard().status == 200
    forged = stack.browser()
    forged.cookies[COOKIE] = flip(signed_in.session, at)
    r = forged.dashboard()
    assert signed_out(r), r.describe()


def test_cookie_for_a_token_never_issued_is_refused(stack, signed_in):
    length = len(signed_in.session)
    made_up = base64.urlsafe_b64encode(secrets.token_bytes(length)).decode().rstrip("=")[:length]
    forged = stack.browser()
    forged.cookies[COOKIE] = made_up
    r = forged.dashboard()
    assert signed_out(r), r.describe()


@pytest.mark.parametrize("value", ["", "x", "%00%ff", "a" * 4000], ids=["empty", "short", "binary", "long"])
def test_garbage_cookie_is_signed_out_not_an_error(browser, value):
    browser.cookies[COOKIE] = value
    r = browser.dashboard()
    assert signed_out(r), r.describe()


def test_cookie_whose_row_was_deleted_is_refused(stack, signed_in, user):
    assert signed_in.dashboard().status == 200
    stack.psql("DELETE FROM tessera.sessions WHERE user_id = "
               f"(SELECT id FROM tessera.users WHERE username = {sql_literal(user.name)})")
    r = signed_in.dashboard()
    assert signed_out(r), r.describe()


def test_refused_cookie_is_not_adopted_by_next_login(stack, signed_in, user):
    old = signed_in.session
    expire(stack, user.name, "expires_at")
    r = signed_in.login(user.name, user.password)
    assert r.status == 303, r.describe()
    assert signed_in.session != old


def _visit_root(stack, user):
    """An anonymous GET /."""
    assert stack.browser().get("/").status == 200


def _visit_dashboard(stack, user):
    """An anonymous GET /dashboard."""
    assert stack.browser().dashboard().status == 303


def _fail_login(stack, user):
    """A login with a wrong password."""
    assert stack.browser().login(user.name, "wrong").status == 401


@pytest.mark.parametrize("visit", [_visit_root, _visit_dashboard, _fail_login],
                         ids=["get-root", "get-dashboard", "failed-login"])
def test_anonymous_visit_creates_no_session_row(stack, user, visit):
    """Rows made since the visit began, not all rows: the pool's pruning may delete other tests'
    expired sessions meanwhile."""
    began = stack.scalar("SELECT now()")
    visit(stack, user)
    made = stack.scalar(f"SELECT count(*) FROM tessera.sessions WHERE created_at >= {sql_literal(began)}")
    assert made == "0"


def lag_idle_expiry(stack, user):
    """Moves every session of user's idle expiry 5 minutes back, past touch_interval."""
    stack.psql("UPDATE tessera.sessions SET expires_at = expires_at - interval '5 minutes' "
               f"WHERE user_id = (SELECT id FROM tessera.users WHERE username = {sql_literal(user.name)})")


def test_the_cookie_is_sent_again_only_when_the_idle_expiry_slides(stack, user):
    """A remembered session's cookie persists: within touch_interval the row's idle expiry stays, so
    its Max-Age would say nothing new: no Set-Cookie (and no MAC to make). Once the expiry lags,
    both slide together."""
    b = stack.browser()
    assert b.login(user.name, user.password, remember=True).status == 303
    r = b.dashboard()
    assert r.status == 200 and COOKIE not in r.set_cookies, r.describe()
    lag_idle_expiry(stack, user)
    r = b.dashboard()
    assert r.status == 200 and COOKIE in r.set_cookies, r.describe()
    assert r.set_cookies[COOKIE].attrs.get("max-age"), r.set_cookies[COOKIE]
    assert b.dashboard().status == 200


def test_a_session_cookie_not_remembered_is_never_sent_again(stack, user):
    """Without "remember me" the cookie lives as long as the browser: when the row's idle expiry
    slides there is no Max-Age to renew, so no Set-Cookie either."""
    b = stack.browser()
    assert b.login(user.name, user.password).status == 303
    lag_idle_expiry(stack, user)
    expiry = ("SELECT extract(epoch FROM expires_at) FROM tessera.sessions WHERE user_id = "
              f"(SELECT id FROM tessera.users WHERE username = {sql_literal(user.name)})")
    before = float(stack.scalar(expiry))
    r = b.dashboard()
    assert r.status == 200 and COOKIE not in r.set_cookies, r.describe()
    assert float(stack.scalar(expiry)) > before + 200, "the idle expiry did not slide"
    assert b.dashboard().status == 200
