"""Helpers for the account tests: TOTP codes computed from the key a page showed, enrolment, sign-in's two steps."""

import base64
import hashlib
import hmac
import re
import struct
import time

STEP = 30


def totp(secret_b32, at=None, offset=0):
    """Returns the RFC 6238 code (SHA-1, 6 digits, 30 s) of secret_b32 at time at (now) + offset steps."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = int((time.time() if at is None else at) // STEP) + offset
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    pos = mac[-1] & 0x0F
    value = (struct.unpack(">I", mac[pos:pos + 4])[0] & 0x7FFFFFFF) % 1000000
    return f"{value:06d}"


def shown_secret(response):
    """Returns the base32 key the set-up page shows as text."""
    m = re.search(r'<code class="totp-secret">([A-Z2-7]+)</code>', response.body)
    assert m, response.describe()
    return m.group(1)


def recovery_codes(response):
    """Returns the recovery codes shown once after set-up."""
    return re.findall(r"<li><code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code></li>",
                      response.body)


def enrol(browser):
    """Turns on two-step verification for the browser's (freshly signed-in) user, confirming with
    the code of the previous step so that the current and next steps stay usable.
    Returns (secret, recovery codes, the confirming response)."""
    r = browser.post("/account/2fa", {"csrf": browser.form_csrf("/account/2fa"), "action": "begin"})
    assert r.status == 303 and r.location == "/account/2fa", r.describe()
    page = browser.get("/account/2fa")
    secret = shown_secret(page)
    r = browser.post("/account/2fa", {"csrf": browser.form_csrf("/account/2fa"), "action": "confirm",
                                      "code": totp(secret, offset=-1)})
    assert r.status == 200, r.describe()
    codes = recovery_codes(r)
    assert len(codes) == 10, r.describe()
    return secret, codes, r


def password_step(browser, user):
    """The sign-in's first step for user. Returns the POST /login response."""
    return browser.login(user.name, user.password)


def code_step(browser, fields):
    """Posts the second step (fields: code= or recovery=) with the code form's csrf. Returns the response."""
    return browser.post("/login/code", dict(fields, csrf=browser.form_csrf("/login/code")))
