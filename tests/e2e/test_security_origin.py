"""Issue 13, item 9: sign-in CSRF and Origin. A POST's Origin (else Referer) must match the request's
own scheme, host and port, so a page on another port or scheme of the same host cannot plant a
pre-session cookie or sign a victim into another account; and the pre-session cookie (with its
CSRF value) expires after login_form_timeout."""

import base64
import hashlib
import hmac
import secrets
import struct
import time

import pytest

from page import BAD_LOGIN

STACK_CONFIG = {"tls": True}     # nginx also listens over HTTPS (tls_port)
FORM_TIMEOUT = 3600              # login_form_timeout's default


pytestmark = pytest.mark.usefixtures("no_counted_private_failures")


def other_origins(b):
    """Origins that share the host with browser b's site but not its scheme or port."""
    scheme = "https" if b.tls else "http"
    other = "http" if b.tls else "https"
    return [f"{scheme}://127.0.0.1:9999", f"{scheme}://127.0.0.1", f"{other}://127.0.0.1",
            f"{other}://127.0.0.1:{b.port}", f"{scheme}://localhost:{b.port}",
            f"{scheme}://127.0.0.1:{b.port}0", f"{scheme}://127.0.0.1:{b.port}@evil.example",
            f"{scheme}://127.0.0.1:0{b.port}x", "null"]


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
@pytest.mark.parametrize("header", ["Origin", "Referer"])
def test_sign_in_from_another_port_or_scheme_of_the_host_is_403(private_stack, account, tls, header):
    b = private_stack.browser(tls=tls)
    for origin in other_origins(b):
        if header == "Referer" and origin == "null":
            continue
        csrf = b.login_csrf()
        value = origin if header == "Origin" else origin + "/somewhere?x=1"
        r = b.post("/login", {"username": account.name, "password": account.password, "csrf": csrf},
                   headers={header: value})
        assert r.status == 403, f"{header}: {value}\n" + r.describe()
    assert private_stack.session_count(account.name) == 0


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
@pytest.mark.parametrize("header", ["Origin", "Referer"])
def test_own_origin_is_accepted_with_explicit_or_default_port_spelling(private_stack, account, tls, header):
    b = private_stack.browser(tls=tls)
    for origin in (b.origin, b.origin.upper().replace("HTTP", "http")):
        csrf = b.login_csrf()
        value = origin if header == "Origin" else origin + "/"
        r = b.post("/login", {"username": account.name, "password": account.password, "csrf": csrf},
                   headers={header: value})
        assert r.status == 303, f"{header}: {value}\n" + r.describe()


def test_sign_out_from_another_port_is_403(private_stack, account):
    b = private_stack.browser()
    assert b.login(account.name, account.password).status == 303
    csrf = b.dashboard_csrf()
    r = b.post("/logout", {"csrf": csrf}, headers={"Origin": "http://127.0.0.1:9999"})
    assert r.status == 403, r.describe()
    assert b.dashboard().status == 200


# ---- the pre-session cookie's lifetime

def mac(stack, purpose, data):
    """HMAC-SHA-512/256 of purpose || data under the stack's signing key, as src/token.c makes it."""
    secret = next(line for line in stack.secret_file.read_text().splitlines() if line)
    key = hashlib.blake2b(secret.encode(), digest_size=32).digest()
    return hmac.new(key, purpose.encode() + data, hashlib.sha512).digest()[:32]


def b64(raw):
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def pre_session(stack, issued):
    """A pre-session cookie value issued at unix time issued, and the CSRF value of its form."""
    nonce = secrets.token_bytes(32)
    data = nonce + struct.pack(">Q", issued)
    return b64(data + mac(stack, "p", data)), b64(mac(stack, "l", nonce))


@pytest.mark.parametrize("age,ok", [(60, True), (FORM_TIMEOUT - 30, True), (FORM_TIMEOUT + 1, False),
                                    (10 * 86400, False), (-3600, False)],
                         ids=["fresh", "nearly-expired", "expired", "days-old", "from-the-future"])
def test_the_sign_in_form_expires(private_stack, account, age, ok):
    cookie, csrf = pre_session(private_stack, int(time.time()) - age)
    b = private_stack.browser()
    r = b.post("/login", {"username": account.name, "password": account.password, "csrf": csrf},
               cookies={private_stack.cookie_name(suffix="_pre"): cookie})
    assert r.status == (303 if ok else 403), r.describe()


def test_a_form_older_than_half_its_lifetime_gets_a_fresh_cookie(private_stack):
    cookie, _ = pre_session(private_stack, int(time.time()) - FORM_TIMEOUT // 2 - 60)
    name = private_stack.cookie_name(suffix="_pre")
    r = private_stack.browser().get("/", cookies={name: cookie})
    assert name in r.set_cookies and r.set_cookies[name].value != cookie, r.describe()
    cookie, _ = pre_session(private_stack, int(time.time()) - 60)
    r = private_stack.browser().get("/", cookies={name: cookie})
    assert name not in r.set_cookies, "a young pre-session cookie was replaced: open tabs would break"


def test_an_old_style_pre_session_cookie_is_refused(private_stack, account):
    nonce = secrets.token_bytes(32)
    cookie = b64(nonce + mac(private_stack, "p", nonce))
    r = private_stack.browser().post(
        "/login", {"username": account.name, "password": account.password,
                   "csrf": b64(mac(private_stack, "l", nonce))},
        cookies={private_stack.cookie_name(suffix="_pre"): cookie})
    assert r.status == 403, r.describe()


def test_a_wrong_password_form_keeps_working(private_stack, account):
    b = private_stack.browser()
    csrf = b.login_csrf()
    r = b.post("/login", {"username": account.name, "password": "wrong-password-1", "csrf": csrf})
    assert r.status == 401 and BAD_LOGIN in r.body
    r = b.post("/login", {"username": account.name, "password": account.password,
                          "csrf": r.form("/login")["csrf"]})
    assert r.status == 303, r.describe()
