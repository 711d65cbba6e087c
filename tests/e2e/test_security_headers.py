"""Issue 3, control 9: every response carries nosniff, a CSP with default-src 'self' and
frame-ancestors 'none', and Referrer-Policy same-origin; signed-in pages and every response that
sets a cookie say Cache-Control: no-store; no HSTS over plain HTTP (HTTPS: test_security_cookies).
429 and 503 are checked where they happen (test_security_throttle, test_security_passwords)."""

import pytest

from page import security_header_problems


def bad_csrf(b, user):
    """Posts the sign-in form with a csrf value that is not the pre-session cookie's."""
    b.login_csrf()
    return b.post("/login", {"username": user.name, "password": user.password, "csrf": "x"})


# name: (status, what makes a response of that kind, given a browser and a user); SIGNED_IN: the
# names whose browser signs in as the user first
RESPONSES = {
    "200-sign-in-form": (200, lambda b, u: b.get("/")),
    "200-stylesheet": (200, lambda b, u: b.get("/static/style.css")),
    "303-sign-in": (303, lambda b, u: b.login(u.name, u.password)),
    "401-wrong-password": (401, lambda b, u: b.login(u.name, "wrong-password")),
    "403-csrf": (403, bad_csrf),
    "403-origin": (403, lambda b, u: b.post("/login", {"username": u.name},
                                            headers={"Origin": "http://evil.example"})),
    "200-dashboard": (200, lambda b, u: b.dashboard()),
    "200-head-dashboard": (200, lambda b, u: b.request("HEAD", "/dashboard")),
    "303-dashboard-signed-out": (303, lambda b, u: b.dashboard()),
    "303-sign-out": (303, lambda b, u: b.logout()),
    "204-auth": (204, lambda b, u: b.get("/auth")),
    "401-auth": (401, lambda b, u: b.get("/auth")),
    "404": (404, lambda b, u: b.get("/no-such-page")),
    "405": (405, lambda b, u: b.get("/logout")),
    "400": (400, lambda b, u: b.post("/login", "username=%zz")),
    "415": (415, lambda b, u: b.post("/login", "{}", headers={"Content-Type": "application/json"})),
}
SIGNED_IN = {"200-dashboard", "200-head-dashboard", "303-sign-out", "204-auth"}


def respond(name, browser, user):
    """Makes the response RESPONSES[name] says with browser, signed in as user first when SIGNED_IN
    has name. Returns (the status it must have, the response)."""
    status, make = RESPONSES[name]
    if name in SIGNED_IN:
        browser.sign_in(user)
    return status, make(browser, user)


@pytest.mark.parametrize("name", RESPONSES)
def test_security_headers_on_every_response(browser, member, name):
    status, r = respond(name, browser, member)
    assert r.status == status, r.describe()
    assert security_header_problems(r) == [], r.describe()


@pytest.mark.parametrize("path", ["/dashboard", "/auth"])
def test_signed_in_answers_are_not_stored(browser, member, path):
    browser.sign_in(member)
    r = browser.get(path)
    assert r.status in (200, 204), r.describe()
    assert "no-store" in (r.header("Cache-Control") or ""), r.describe()


@pytest.mark.parametrize("name", ["200-sign-in-form", "303-sign-in", "303-sign-out"])
def test_answers_that_set_a_cookie_are_not_stored(browser, member, name):
    _, r = respond(name, browser, member)
    assert r.set_cookies, "expected a Set-Cookie here:\n" + r.describe()
    assert "no-store" in (r.header("Cache-Control") or ""), r.describe()


def test_security_headers_on_nginx_own_error_page(browser):
    r = browser.post("/login", b"x" * 40000)
    assert r.status == 413, r.describe()
    assert security_header_problems(r) == [], r.describe()
