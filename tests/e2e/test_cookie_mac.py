"""The session cookie's MAC: keyed BLAKE2b-256 of purpose || token, and the HMAC-SHA-512/256 form
earlier versions issued still signs in (an upgrade signs nobody out), under a configured secret only."""

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
