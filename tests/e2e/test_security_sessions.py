"""Issue 3, controls 2, 3, 4 and 8: no session fixation, sign-out, CSRF (synchronizer tokens, login
CSRF, Origin/Referer checks, no state change on GET or HEAD), and the end of a user's sessions on a
password change or when the user is disabled."""

import base64
import secrets

import pytest

from browser import COOKIE, PRE_COOKIE
from page import BAD_LOGIN, signed_out, view_count

EVIL = "http://evil.example"


# ---- 2. fixation and strict mode

def _signed_but_never_issued(stack):
    """A cookie value signed with the pool's own key for a token the pool never issued."""
    return stack.sign_token(secrets.token_bytes(32))


def _random_looking(stack):
    """A cookie value of the right length and alphabet, not signed."""
    return base64.urlsafe_b64encode(secrets.token_bytes(64)).decode().rstrip("=")


@pytest.mark.parametrize("made_up", [_signed_but_never_issued, _random_looking], ids=["signed", "unsigned"])
def test_made_up_cookie_is_never_adopted(stack, browser, user, made_up):
    planted = made_up(stack)
    browser.cookies[COOKIE] = planted
    assert signed_out(browser.dashboard()), "a token the server never issued signs in"
    r = browser.login(user.name, user.password)
    assert r.status == 303, r.describe()
    assert browser.session and browser.session != planted, "sign-in kept the planted token"
    assert not stack.session_row_exists(planted)
    victim_view = stack.browser()
    victim_view.cookies[COOKIE] = planted
    assert signed_out(victim_view.dashboard()), "the planted token works after the victim signed in"


def test_sign_in_over_a_live_session_rotates_the_token_and_deletes_the_old_row(stack, signed_in, user):
    old = signed_in.session
    assert stack.session_row_exists(old)
    r = signed_in.login(user.name, user.password)
    assert r.status == 303, r.describe()
    assert signed_in.session != old
    assert not stack.session_row_exists(old), "the replaced session's row is still there"
    assert stack.session_row_exists(signed_in.session)
    assert stack.session_count(user.name) == 1


def test_sign_in_as_someone_else_ends_the_first_session(stack, signed_in, user):
    first = signed_in.session
    other = stack.create_user()
    assert signed_in.login(other.name, other.password).status == 303
    assert not stack.session_row_exists(first)
    assert stack.session_count(user.name) == 0


def test_sign_in_ends_the_pre_session_cookie(browser, user):
    browser.login_csrf()
    assert PRE_COOKIE in browser.cookies
    r = browser.post("/login", {"username": user.name, "password": user.password,
                                "csrf": browser.login_csrf()})
    assert r.status == 303, r.describe()
    assert PRE_COOKIE in r.set_cookies and r.set_cookies[PRE_COOKIE].expired(), r.describe()


# ---- 3. sign-out

def test_get_logout_is_405_and_signs_nobody_out(stack, signed_in):
    r = signed_in.get("/logout")
    assert r.status == 405, r.describe()
    assert stack.session_row_exists(signed_in.session)
    assert signed_in.dashboard().status == 200


@pytest.mark.parametrize("csrf", [None, "", "wrong", "another-session"])
def test_logout_without_the_sessions_csrf_is_403_and_keeps_the_session(stack, signed_in, user, csrf):
    fields = {}
    if csrf == "another-session":
        fields["csrf"] = stack.signed_in_browser(user).dashboard_csrf()
    elif csrf == "wrong":
        fields["csrf"] = "A" * len(signed_in.dashboard_csrf())
    elif csrf is not None:
        fields["csrf"] = csrf
    r = signed_in.post("/logout", fields)
    assert r.status == 403, r.describe()
    assert stack.session_row_exists(signed_in.session)
    assert signed_in.dashboard().status == 200


def test_logout_deletes_the_row_expires_the_cookie_and_keeps_the_device_cookie(stack, signed_in):
    old = signed_in.session
    csrf = signed_in.dashboard_csrf()
    r = signed_in.post("/logout", {"csrf": csrf})
    assert r.status == 303, r.describe()
    assert not stack.session_row_exists(old)
    assert COOKIE in r.set_cookies and r.set_cookies[COOKIE].expired(), r.describe()
    assert r.header("Clear-Site-Data") is None, "it would erase the device cookie: " + r.describe()
    assert COOKIE + "_dev" in signed_in.cookies and COOKIE + "_dev" not in r.set_cookies, r.describe()
    replay = stack.browser()
    replay.cookies[COOKIE] = old
    assert signed_out(replay.dashboard()), "the signed-out cookie still works"
    r = replay.post("/logout", {"csrf": csrf})
    assert r.status == 303 and not stack.session_row_exists(old), r.describe()


# ---- 4. CSRF

def test_dashboard_csrf_is_bound_to_its_session(stack, user):
    a, b = stack.signed_in_browser(user), stack.signed_in_browser(user)
    csrf_a, csrf_b = a.dashboard_csrf(), b.dashboard_csrf()
    assert csrf_a != csrf_b, "two sessions share a CSRF value"
    assert a.dashboard_csrf() == csrf_a, "the CSRF value changed within a session"
    assert a.post("/logout", {"csrf": csrf_b}).status == 403
    assert stack.session_row_exists(a.session)
    assert a.post("/logout", {"csrf": csrf_a}).status == 303
    assert stack.session_row_exists(b.session), "signing one session out ended another"


@pytest.mark.parametrize("headers", [
    {"Origin": EVIL},
    {"Origin": "null"},
    {"Origin": EVIL, "Referer": "SAME/"},
    {"Referer": EVIL + "/page"},
    {"Origin": "http://127.0.0.1.evil.example"},
    {"Referer": "http://127.0.0.1.evil.example/"},
], ids=["origin", "null-origin", "origin-beats-referer", "referer", "look-alike-origin", "look-alike-referer"])
def test_cross_site_sign_in_is_403(stack, browser, user, headers):
    csrf = browser.login_csrf()
    headers = {k: v.replace("SAME", browser.origin) for k, v in headers.items()}
    r = browser.post("/login", {"username": user.name, "password": user.password, "csrf": csrf},
                     headers=headers)
    assert r.status == 403, r.describe()
    assert browser.session is None and stack.session_count(user.name) == 0


@pytest.mark.parametrize("headers", [{"Origin": EVIL}, {"Referer": EVIL + "/"}], ids=["origin", "referer"])
def test_cross_site_sign_out_is_403_even_with_the_csrf_value(stack, signed_in, headers):
    r = signed_in.post("/logout", {"csrf": signed_in.dashboard_csrf()}, headers=headers)
    assert r.status == 403, r.describe()
    assert stack.session_row_exists(signed_in.session)


@pytest.mark.parametrize("header", ["Origin", "Referer"])
def test_same_site_origin_or_referer_is_accepted(browser, user, header):
    csrf = browser.login_csrf()
    value = browser.origin if header == "Origin" else browser.origin + "/"
    r = browser.post("/login", {"username": user.name, "password": user.password, "csrf": csrf},
                     headers={header: value})
    assert r.status == 303, r.describe()
    r = browser.post("/logout", {"csrf": browser.dashboard_csrf()}, headers={header: value})
    assert r.status == 303, r.describe()


def test_head_dashboard_changes_nothing(signed_in):
    assert view_count(signed_in.dashboard()) == 1
    for _ in range(2):
        r = signed_in.request("HEAD", "/dashboard")
        assert r.status == 200 and r.body == "", r.describe()
    assert view_count(signed_in.dashboard()) == 2, "HEAD counted as a view"


def test_get_login_signs_nobody_in(stack, browser, user):
    csrf = browser.login_csrf()
    r = browser.get(f"/login?username={user.name}&password={user.password}&csrf={csrf}")
    assert r.status == 405, r.describe()
    assert browser.session is None and stack.session_count(user.name) == 0


# ---- 8. password change and disabled users end sessions

def test_password_change_ends_every_session_of_the_user(stack, user):
    sessions = [stack.signed_in_browser(user), stack.signed_in_browser(user)]
    bystander = stack.signed_in_browser(stack.create_user())
    new_password = secrets.token_urlsafe(16)
    r = stack.tessera("user", "passwd", user.name, input=new_password + "\n")
    assert r.returncode == 0, r.describe()
    for b in sessions:
        assert signed_out(b.dashboard()), "a session outlived the password change"
    assert stack.session_count(user.name) == 0
    assert bystander.dashboard().status == 200, "another user's session ended too"
    assert stack.browser().login(user.name, user.password).status == 401
    assert stack.browser().login(user.name, new_password).status == 303


def test_disabling_a_user_ends_all_sessions_until_enabled(stack, user):
    sessions = [stack.signed_in_browser(user), stack.signed_in_browser(user)]
    r = stack.tessera("user", "disable", user.name)
    assert r.returncode == 0, r.describe()
    for b in sessions:
        assert signed_out(b.dashboard()), "a session outlived disabling its user"
    assert stack.session_count(user.name) == 0
    stack.forget_failures()
    refused, unknown = stack.browser().login(user.name, user.password), stack.browser().login(
        "nobody-" + user.name, user.password)
    assert refused.status == unknown.status == 401 and BAD_LOGIN in refused.text, refused.describe()
    r = stack.tessera("user", "enable", user.name)
    assert r.returncode == 0, r.describe()
    stack.forget_failures()
    assert stack.browser().login(user.name, user.password).status == 303
