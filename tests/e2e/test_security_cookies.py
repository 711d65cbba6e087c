"""Issue 3, control 1: the session cookie's attributes, Secure and the __Host- name per cookie_secure,
its lifetime per cookie_persistent, its name per cookie_name and its size; and HSTS (control 9),
which needs HTTPS. The module's stack is served by nginx over HTTP and over TLS at once."""

import pytest

from browser import HOST_PREFIX
from page import security_header_problems

STACK_CONFIG = {"tls": True, "idle_timeout": "10m"}    # tls: a Stack option (not a config key)
IDLE_TIMEOUT = 600


def assert_host_only_lax_httponly(cookie):
    """Asserts the attributes every tessera cookie has, whatever the configuration."""
    assert "httponly" in cookie.attrs, cookie
    assert cookie.attrs.get("samesite", "").lower() == "lax", cookie
    assert cookie.attrs.get("path") == "/", cookie
    assert "domain" not in cookie.attrs, cookie


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_session_cookie_is_httponly_samesite_lax_path_root_without_domain(private_stack, account, tls):
    r = private_stack.browser(tls=tls).sign_in(account)
    assert_host_only_lax_httponly(r.set_cookies[private_stack.cookie_name(https=tls)])


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_pre_session_cookie_is_httponly_lax_and_lasts_the_browser_session(private_stack, tls):
    r = private_stack.browser(tls=tls).get("/")
    pre = r.set_cookies.get(private_stack.cookie_name(https=tls, suffix="_pre"))
    assert pre is not None, r.describe()
    assert_host_only_lax_httponly(pre)
    assert "max-age" not in pre.attrs and "expires" not in pre.attrs, pre


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_device_cookie_is_httponly_lax_and_lasts_device_lifetime(private_stack, account, tls):
    r = private_stack.browser(tls=tls).sign_in(account)
    dev = r.set_cookies.get(private_stack.cookie_name(https=tls, suffix="_dev"))
    assert dev is not None, r.describe()
    assert_host_only_lax_httponly(dev)
    assert dev.attrs.get("max-age") == str(90 * 86400), dev


def test_auto_makes_cookies_secure_and_host_prefixed_over_https(private_stack, account):
    b = private_stack.browser(tls=True)
    r = b.sign_in(account)
    names = set(r.set_cookies)
    assert names == {HOST_PREFIX + "tessera_session", HOST_PREFIX + "tessera_session_pre",
                     HOST_PREFIX + "tessera_session_dev"}, r.describe()
    for cookie in r.set_cookies.values():
        assert "secure" in cookie.attrs, cookie
    assert b.dashboard().status == 200


def test_auto_keeps_cookies_plain_over_http(private_stack, account):
    r = private_stack.browser(tls=False).sign_in(account)
    assert set(r.set_cookies) == {"tessera_session", "tessera_session_pre", "tessera_session_dev"}, \
        r.describe()
    for cookie in r.set_cookies.values():
        assert "secure" not in cookie.attrs, cookie


def test_persistent_cookie_lasts_the_idle_timeout(private_stack, account):
    with private_stack.configured(cookie_persistent="on"):
        b = private_stack.browser(tls=True)
        r = b.sign_in(account)
    cookie = r.set_cookies[b.cookie_name]
    assert cookie.attrs.get("max-age") == str(IDLE_TIMEOUT), cookie


def test_cookie_stays_well_under_4096_bytes(private_stack, account):
    r = private_stack.browser(tls=True).sign_in(account)
    for k, v in r.headers:
        if k.lower() == "set-cookie":
            assert len(v) < 512, f"Set-Cookie of {len(v)} bytes: {v}"


def test_hsts_on_every_response_over_https(private_stack, account):
    b = private_stack.browser(tls=True)
    login = b.sign_in(account)
    for r in (login, b.dashboard(), b.get("/no-such-page"), b.get("/static/style.css"), b.logout()):
        assert security_header_problems(r, https=True) == [], r.describe()


def test_no_hsts_over_plain_http(private_stack, account):
    b = private_stack.browser(tls=False)
    login = b.sign_in(account)
    for r in (login, b.dashboard(), b.get("/no-such-page")):
        assert r.header("Strict-Transport-Security") is None, r.describe()


class TestCookieSecureSetting:
    """cookie_secure = on: Secure and __Host- even when nginx did not say HTTPS; off: never, even over HTTPS."""

    @pytest.fixture(scope="class", params=["on", "off"])
    def setting(self, request, private_stack):
        with private_stack.configured(cookie_secure=request.param):
            yield request.param

    @pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
    def test_cookies_follow_the_setting_whatever_the_scheme(self, private_stack, account, setting, tls):
        r = private_stack.browser(tls=tls).sign_in(account)
        prefix = HOST_PREFIX if setting == "on" else ""
        assert set(r.set_cookies) == {prefix + "tessera_session", prefix + "tessera_session_pre",
                                      prefix + "tessera_session_dev"}, r.describe()
        for cookie in r.set_cookies.values():
            assert ("secure" in cookie.attrs) == (setting == "on"), cookie
            assert_host_only_lax_httponly(cookie)


class TestBrowserSessionCookie:
    """cookie_persistent = off (and another cookie_name): the cookie dies with the browser session."""

    @pytest.fixture(scope="class", autouse=True)
    def not_persistent(self, private_stack):
        with private_stack.configured(cookie_persistent="off", cookie_name="sid"):
            yield

    @pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
    def test_session_cookie_has_no_max_age_or_expires(self, private_stack, account, tls):
        b = private_stack.browser(tls=tls)
        r = b.sign_in(account)
        cookie = r.set_cookies[b.cookie_name]
        assert "max-age" not in cookie.attrs and "expires" not in cookie.attrs, cookie
        r = b.dashboard()
        assert r.status == 200, r.describe()
        assert b.cookie_name not in r.set_cookies or "max-age" not in r.set_cookies[b.cookie_name].attrs

    def test_cookie_name_comes_from_the_config(self, private_stack, account):
        plain = private_stack.browser(tls=False).sign_in(account)
        secure = private_stack.browser(tls=True).sign_in(account)
        assert set(plain.set_cookies) == {"sid", "sid_pre", "sid_dev"}, plain.describe()
        assert set(secure.set_cookies) == {HOST_PREFIX + "sid", HOST_PREFIX + "sid_pre",
                                           HOST_PREFIX + "sid_dev"}, secure.describe()
