"""Issue 13, items 5 and 10: hostile bytes in the sign-in form. A username that is not UTF-8 text is a
failed sign-in like any other (401, counted, no database error), and bytes of `next` outside
printable ASCII reach the Location header percent-encoded, never raw."""

import urllib.parse

import pytest

from page import BAD_LOGIN


pytestmark = pytest.mark.usefixtures("no_counted_private_failures")


def post_raw(browser, username_bytes, extra=b""):
    """POSTs a sign-in whose username field is username_bytes, percent-encoded byte for byte."""
    csrf = browser.login_csrf()
    body = (b"username=" + urllib.parse.quote_from_bytes(username_bytes, safe="").encode()
            + b"&password=wrong-password-1&csrf=" + csrf.encode() + extra)
    return browser.post("/login", body)


@pytest.mark.parametrize("name", [b"alice\xff", b"\xc0\xaf", b"\xed\xa0\x80x", b"bob\x01", b"a" * 65])
def test_a_username_that_is_not_text_is_a_counted_failure(private_stack, name):
    before = len(private_stack.log_events("db_error"))
    r = post_raw(private_stack.browser(), name)
    assert r.status == 401, r.describe()
    assert BAD_LOGIN in r.body
    assert len(private_stack.log_events("db_error")) == before, "the attempt reached the database as bad text"
    counted = private_stack.scalar("SELECT coalesce(max(failures), 0) FROM tessera.login_failures "
                                   "WHERE key LIKE 'addr:%'")
    assert counted == "1", "the failure was not counted against the address"


def test_invalid_usernames_are_throttled_like_any_other(private_stack):
    b = private_stack.browser()
    statuses = [post_raw(b, b"alice\xff").status for _ in range(7)]
    assert statuses[:5] == [401] * 5 and 429 in statuses[5:], statuses


@pytest.mark.parametrize("raw", ["/caf\u00e9", "/x\u0085y", "/\u2028z", "/\u00a0"])
def test_non_ascii_in_next_is_percent_encoded_in_location(private_stack, raw):
    user = private_stack.create_user()
    b = private_stack.browser()
    csrf = b.login_csrf()
    r = b.post("/login", {"username": user.name, "password": user.password, "csrf": csrf, "next": raw})
    assert r.status == 303, r.describe()
    raw_location = [v for k, v in r.headers if k.lower() == "location"][0]
    wire = raw_location.encode("latin-1")       # http.client decodes header bytes as latin-1
    assert all(0x21 <= c < 0x7f for c in wire), f"raw bytes in Location: {wire!r}"
    assert wire.decode() == urllib.parse.quote(raw, safe="/"), wire
    # the same for a visitor already signed in, sent onwards by GET /
    r = b.get("/?next=" + urllib.parse.quote(raw, safe=""))
    assert r.status == 303, r.describe()
    assert r.header("Location") == urllib.parse.quote(raw, safe="/")
