"""Sign-out: POST /logout deletes the row, expires the cookie, redirects, and the old cookie is dead."""

from browser import COOKIE


def test_logout_redirects_to_root(signed_in):
    r = signed_in.logout()
    assert r.status == 303, r.describe()
    assert r.location == "/", r.describe()


def test_logout_deletes_the_session_row(stack, signed_in, user):
    assert stack.session_count(user.name) == 1
    assert signed_in.logout().status == 303
    assert stack.session_count(user.name) == 0


def test_logout_expires_the_cookie(signed_in):
    r = signed_in.logout()
    assert COOKIE in r.set_cookies, "logout did not touch the session cookie:\n" + r.describe()
    assert r.set_cookies[COOKIE].expired(), f"cookie not expired: {r.header('Set-Cookie')}"
    assert COOKIE not in signed_in.cookies


def test_logout_leaves_the_browser_signed_out(signed_in):
    assert signed_in.logout().status == 303
    r = signed_in.dashboard()
    assert r.status == 303 and r.location == "/", r.describe()


def test_replaying_cookie_after_logout_is_signed_out(stack, signed_in):
    old = signed_in.session
    assert signed_in.logout().status == 303
    replay = stack.browser()
    replay.cookies[COOKIE] = old
    r = replay.dashboard()
    assert r.status == 303, r.describe()
    assert r.location == "/", r.describe()


def test_logout_without_csrf_is_403_and_keeps_the_session(stack, signed_in, user):
    r = signed_in.post("/logout", {})
    assert r.status == 403, r.describe()
    assert stack.session_count(user.name) == 1
    assert signed_in.dashboard().status == 200

