"""Sign-in: GET / and POST /login, good and bad credentials, login CSRF, token rotation."""

from browser import COOKIE, PRE_COOKIE
from page import BAD_LOGIN


def test_sign_in_form_has_username_password_and_csrf_fields(browser):
    r = browser.get("/")
    assert r.status == 200, r.describe()
    inputs = r.form("/login")
    assert inputs is not None, "no form posting to /login:\n" + r.describe()
    assert {"username", "password", "csrf"} <= set(inputs), inputs
    assert inputs["csrf"], "csrf field is empty"
    assert PRE_COOKIE in r.set_cookies, "GET / did not set the pre-session cookie:\n" + r.describe()


def test_good_login_redirects_to_dashboard_with_session_cookie(browser, user):
    r = browser.login(user.name, user.password)
    assert r.status == 303, r.describe()
    assert r.location == "/dashboard", r.describe()
    assert COOKIE in r.set_cookies, r.describe()
    assert r.set_cookies[COOKIE].value and not r.set_cookies[COOKIE].expired(), r.describe()


def test_session_cookie_is_httponly(browser, user):
    r = browser.login(user.name, user.password)
    assert r.status == 303, r.describe()
    assert "httponly" in r.set_cookies[COOKIE].attrs, r.header("Set-Cookie")


def test_wrong_password_is_401_with_message_and_form_again(browser, user):
    r = browser.login(user.name, user.password + "x")
    assert r.status == 401, r.describe()
    assert BAD_LOGIN in r.text, r.describe()
    inputs = r.form("/login")
    assert inputs is not None and {"username", "password", "csrf"} <= set(inputs), r.describe()
    assert COOKIE not in browser.cookies, "a failed login set a session cookie"


def test_unknown_user_gets_the_same_401_message_as_wrong_password(stack, user):
    wrong_password = stack.browser().login(user.name, "not-" + user.password)
    unknown_user = stack.browser().login("nobody-" + user.name, user.password)
    assert wrong_password.status == unknown_user.status == 401
    for r in (wrong_password, unknown_user):
        assert BAD_LOGIN in r.text, r.describe()
        assert r.form("/login") is not None, "form not shown again:\n" + r.describe()


def test_root_redirects_signed_in_visitor_to_dashboard(signed_in):
    r = signed_in.get("/")
    assert r.status == 303, r.describe()
    assert r.location == "/dashboard", r.describe()


def test_login_without_csrf_field_is_403(browser, user):
    browser.login_csrf()  # has the pre-session cookie, but does not send the field
    r = browser.post("/login", {"username": user.name, "password": user.password})
    assert r.status == 403, r.describe()
    assert r.is_html, r.describe()
    assert COOKIE not in browser.cookies


def test_login_with_wrong_csrf_value_is_403(browser, user):
    csrf = browser.login_csrf()
    forged = ("A" if csrf[0] != "A" else "B") + csrf[1:]
    r = browser.post("/login", {"username": user.name, "password": user.password, "csrf": forged})
    assert r.status == 403, r.describe()
    assert COOKIE not in browser.cookies


def test_login_with_csrf_of_another_browser_is_403(stack, browser, user):
    other_csrf = stack.browser().login_csrf()
    browser.login_csrf()
    r = browser.post("/login", {"username": user.name, "password": user.password, "csrf": other_csrf})
    assert r.status == 403, r.describe()
    assert COOKIE not in browser.cookies


def test_login_without_pre_session_cookie_is_403(browser, user):
    csrf = browser.login_csrf()
    browser.cookies.clear()
    r = browser.post("/login", {"username": user.name, "password": user.password, "csrf": csrf})
    assert r.status == 403, r.describe()


def test_login_again_issues_a_new_token_and_retires_the_old_one(stack, signed_in, user):
    first = signed_in.session
    r = signed_in.login(user.name, user.password)  # sends the current session cookie along
    assert r.status == 303, r.describe()
    second = signed_in.session
    assert second and second != first, "login kept the same session token"
    assert signed_in.dashboard().status == 200
    replay = stack.browser()
    replay.cookies[COOKIE] = first
    r = replay.dashboard()
    assert r.status == 303 and r.location == "/", "old token still signs in:\n" + r.describe()
