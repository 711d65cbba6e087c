"""Remember me through nginx: a browser-session cookie and today's limits without it; a persistent
cookie and remember_timeout / remember_idle_timeout with it, through the second step and a password change."""

import pytest

from accounts import code_step, enrol, totp
from stack import token_hash_hex

WEEK, MONTH = 7 * 86400, 30 * 86400


pytestmark = pytest.mark.usefixtures("no_counted_failures")


def limits(stack, browser):
    """Returns (idle seconds left, absolute lifetime in seconds, remembered) of the browser's session."""
    row = stack.psql("SELECT extract(epoch FROM expires_at - now())::int, "
                     "extract(epoch FROM absolute_expires_at - created_at)::int, remember_idle IS NOT NULL "
                     f"FROM tessera.sessions WHERE token_hash = '\\x{token_hash_hex(browser.session)}'")[0]
    return int(row[0]), int(row[1]), row[2] == "t"


def test_the_form_offers_remember_me(stack):
    page = stack.browser().get("/")
    assert 'type="checkbox"' in page.body and 'name="remember"' in page.body
    assert '<label for="remember">' in page.body


def test_without_remember_me_the_cookie_dies_with_the_browser(stack, user):
    b = stack.browser()
    r = b.sign_in(user)
    cookie = r.set_cookies[b.cookie_name]
    assert "max-age" not in cookie.attrs and "expires" not in cookie.attrs, cookie
    idle, absolute, remembered = limits(stack, b)
    assert 1700 < idle <= 1800 and absolute == 12 * 3600 and not remembered


def test_with_remember_me_the_cookie_and_row_last_the_remember_limits(stack, user):
    b = stack.browser()
    r = b.sign_in(user, remember=True)
    cookie = r.set_cookies[b.cookie_name]
    assert cookie.attrs.get("max-age") == str(WEEK), cookie
    idle, absolute, remembered = limits(stack, b)
    assert WEEK - 60 < idle <= WEEK and absolute == MONTH and remembered
    stack.psql("UPDATE tessera.sessions SET expires_at = now() + interval '1 day', "
               "last_seen_at = now() - interval '1 day' "
               f"WHERE token_hash = '\\x{token_hash_hex(b.session)}'")
    r = b.dashboard()
    assert r.status == 200 and r.set_cookies[b.cookie_name].attrs.get("max-age") == str(WEEK)
    assert limits(stack, b)[0] > WEEK - 60, "the idle expiry slides by remember_idle_timeout"
    assert stack.scalar("SELECT remembered FROM tessera.live_sessions l JOIN tessera.sessions s "
                        f"USING (id) WHERE s.token_hash = '\\x{token_hash_hex(b.session)}'") == "t"


def test_remember_me_survives_the_second_step_and_a_password_change(stack, user):
    secret, _, _ = enrol(stack.signed_in_browser(user))
    b = stack.browser()
    r = b.login(user.name, user.password, remember=True)
    assert r.status == 303 and r.location == "/login/code", r.describe()
    r = code_step(b, {"code": totp(secret)})
    assert r.status == 303 and r.set_cookies[b.cookie_name].attrs.get("max-age") == str(WEEK)
    assert limits(stack, b)[2]
    csrf = b.form_csrf("/account/password")
    r = b.post("/account/password", {"csrf": csrf, "current": user.password,
                                      "new": "remembered-new-pass", "again": "remembered-new-pass"})
    assert r.status == 200 and r.set_cookies[b.cookie_name].attrs.get("max-age") == str(WEEK)
    assert limits(stack, b)[2]
