"""The session cookie's MAC: keyed BLAKE2b-256 of purpose || token, and the HMAC-SHA-512/256 form
earlier versions issued still signs in (an upgrade signs nobody out), under a configured secret only;
with cookie_mac = hmac a pool issues that earlier form (cookies and CSRF values), a reload switches
back without signing anyone out, and a value of cookie_mac it does not know is refused in one line."""

import base64
import hashlib

from browser import COOKIE
from page import signed_out

LABEL = b"tessera cookie and CSRF MAC"


def first_secret(stack):
    """The signing secret, as the pool reads it from its secret file."""
    return next(line for line in stack.secret_file.read_text().splitlines() if line).encode()


def unpack(cookie):
    """Splits a cookie value into its token and MAC (32 bytes each)."""
    raw = base64.urlsafe_b64decode(cookie + "=" * (-len(cookie) % 4))
    assert len(raw) == 64, cookie
    return raw[:32], raw[32:]


def blake_mac(secret, purpose, data):
    """Keyed BLAKE2b-256 of purpose || data; the key is BLAKE2b-256 of the secret keyed with LABEL."""
    key = hashlib.blake2b(secret, digest_size=32, key=LABEL).digest()
    return hashlib.blake2b(purpose + data, digest_size=32, key=key).digest()


def test_issued_cookie_carries_keyed_blake2b_of_purpose_and_token(stack, signed_in):
    token, mac = unpack(signed_in.session)
    assert mac == blake_mac(first_secret(stack), b"s", token)


def test_cookie_signed_the_earlier_way_still_signs_in(stack, signed_in):
    token, _ = unpack(signed_in.session)
    earlier = stack.sign_token(token)           # HMAC-SHA-512/256, as before
    assert earlier != signed_in.session
    b = stack.browser()
    b.cookies[COOKIE] = earlier
    r = b.dashboard()
    assert r.status == 200 and not signed_out(r), r.describe()


def test_mac_under_a_secret_not_configured_is_refused(stack, signed_in):
    token, _ = unpack(signed_in.session)
    forged = base64.urlsafe_b64encode(token + blake_mac(b"x" * 64, b"s", token)).decode().rstrip("=")
    b = stack.browser()
    b.cookies[COOKIE] = forged
    assert signed_out(b.dashboard())


# ---- cookie_mac: what new cookies and CSRF values are signed with, on a pool of the module's own

POOL_CONFIG = {"cookie_mac": "hmac", "workers": 2}


def b64(raw):
    """base64url without padding, as the pool writes cookie and CSRF values."""
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_cookie_mac_hmac_issues_cookies_and_csrf_values_of_the_earlier_form(stack, pool, user):
    b = pool.browser()
    b.sign_in(user)
    token, mac = unpack(b.session)
    assert b.session == stack.sign_token(token)     # what a host of an earlier version reads
    assert mac != blake_mac(first_secret(stack), b"s", token)
    csrf = b.dashboard_csrf()
    assert csrf == b64(stack.mac("c", token)), csrf
    # a CSRF value under a secret not configured is refused, the issued one accepted (signing out)
    cookie = b.session
    assert b.post("/logout", {"csrf": b64(blake_mac(b"x" * 64, b"c", token))}).status == 403
    assert stack.session_row_exists(cookie)
    r = b.post("/logout", {"csrf": csrf})
    assert r.status == 303 and not stack.session_row_exists(cookie), r.describe()


def test_a_cookie_the_hmac_pool_signed_is_read_by_a_blake2b_host_and_the_other_way(stack, pool, user):
    b = pool.browser()
    b.sign_in(user)
    elsewhere = stack.browser()
    elsewhere.cookies[COOKIE] = b.session
    r = elsewhere.dashboard()
    assert r.status == 200 and not signed_out(r), r.describe()
    c = stack.browser()
    c.sign_in(user)
    token, mac = unpack(c.session)
    assert mac == blake_mac(first_secret(stack), b"s", token)
    here = pool.browser()
    here.cookies[COOKIE] = c.session
    r = here.dashboard()
    assert r.status == 200 and not signed_out(r), r.describe()


def test_reloading_back_to_blake2b_keeps_hmac_sessions_and_issues_blake2b(stack, pool, user):
    b = pool.browser()
    b.sign_in(user)
    token, _ = unpack(b.session)
    assert b.session == stack.sign_token(token)
    hmac_csrf = b.dashboard_csrf()
    try:
        pool.reload_pool({**pool.config, "cookie_mac": "blake2b"})
        r = b.dashboard()
        assert r.status == 200 and not signed_out(r), r.describe() + pool.logs()
        assert b.dashboard_csrf() == b64(blake_mac(first_secret(stack), b"c", token))
        fresh = pool.browser()
        fresh.sign_in(user)
        fresh_token, mac = unpack(fresh.session)
        assert mac == blake_mac(first_secret(stack), b"s", fresh_token)
        # the CSRF value the HMAC setting issued still works: it signs the session out
        cookie = b.session
        r = b.post("/logout", {"csrf": hmac_csrf})
        assert r.status == 303 and not stack.session_row_exists(cookie), r.describe()
    finally:
        pool.reload_pool({**pool.config, "cookie_mac": "hmac"})


def test_an_unknown_cookie_mac_is_refused_in_one_line(stack, pool):
    conf = stack.write_variant_config("check-cookie-mac", cookie_mac="sha256")
    for args in (["check"], ["serve"]):
        r = stack.tessera(*args, conf=conf, timeout=10.0)
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        assert r.returncode == 1 and not r.timed_out and len(lines) == 1, r.describe()
        assert "cookie_mac" in lines[0] and "blake2b or hmac" in lines[0], lines
    refused = pool.reload_pool({**pool.config, "cookie_mac": "HMAC"}, "reload_refused")
    assert "cookie_mac" in refused["reason"], refused
