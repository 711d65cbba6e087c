"""Two-step verification through nginx: enrolment, the sign-in's second step, recovery codes, throttling, operators."""

import base64
import re

import pytest

from accounts import (code_step, enrol, password_step, recovery_codes, shown_secret,
                      totp)
from page import security_header_problems, signed_out
from stack import token_hash_hex


pytestmark = pytest.mark.usefixtures("no_counted_failures")


def level(stack, cookie_value):
    """Returns the assurance level of the session a cookie names."""
    return stack.scalar("SELECT assurance_level FROM tessera.sessions "
                        f"WHERE token_hash = '\\x{token_hash_hex(cookie_value)}'")


def test_setup_shows_key_as_text_and_accessible_qr_then_ten_codes_once(stack, user):
    b = stack.signed_in_browser(user)
    off = b.get("/account/2fa")
    assert off.status == 200 and "is off" in off.text, off.describe()
    assert not security_header_problems(off) and "no-store" in off.header("Cache-Control")
    r = b.post("/account/2fa", {"csrf": b.form_csrf("/account/2fa"), "action": "begin"})
    assert r.status == 303, r.describe()
    page = b.get("/account/2fa")
    secret = shown_secret(page)
    assert len(secret) == 32, secret
    svg = re.search(r"<svg[^>]*>.*?</svg>", page.body, re.S).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="qr-title"' in svg and "<title id=\"qr-title\">" in svg
    assert re.search(r'<path d="(M\d+ \d+h1v1h-1z)+"', svg), svg[:300]
    assert "<script" not in page.body
    wrong = b.post("/account/2fa", {"csrf": b.form_csrf("/account/2fa"), "action": "confirm",
                                    "code": "000000" if totp(secret) != "000000" else "111111"})
    assert wrong.status == 401 and shown_secret(wrong) == secret, wrong.describe()
    r = b.post("/account/2fa", {"csrf": b.form_csrf("/account/2fa"), "action": "confirm", "code": totp(secret)})
    codes = recovery_codes(r)
    assert r.status == 200 and len(set(codes)) == 10, r.describe()
    assert level(stack, b.session) == "2"
    again = b.get("/account/2fa")
    assert "is on" in again.text and not recovery_codes(again) and secret not in again.body


def test_secret_and_codes_are_not_readable_from_the_database(stack, user):
    b = stack.signed_in_browser(user)
    secret, codes, _ = enrol(b)
    raw = base64.b32decode(secret).hex()
    stored = stack.scalar("SELECT encode(f.secret, 'hex') FROM tessera.second_factors f "
                          f"JOIN tessera.users u ON u.id = f.user_id WHERE u.username = '{user.name}'")
    assert raw not in stored and len(stored) > 2 * 20, stored
    rows = stack.psql("SELECT encode(code_hash, 'hex') FROM tessera.recovery_codes r JOIN tessera.users u "
                      f"ON u.id = r.user_id WHERE u.username = '{user.name}'")
    dump = " ".join(row[0] for row in rows)
    assert len(rows) == 10
    for c in codes:
        assert c.replace("-", "") not in dump and c not in dump


def test_password_step_gives_no_session_only_a_pending_state_then_code_signs_in(stack, user):
    secret, _, _ = enrol(stack.signed_in_browser(user))
    b = stack.browser()
    before = stack.session_count(user.name)
    r = password_step(b, user)
    assert r.status == 303 and r.location == "/login/code", r.describe()
    assert b.session is None and stack.cookie_name(suffix="_mfa") in b.cookies
    pre = stack.cookie_name(suffix="_pre")
    assert pre in r.set_cookies, "a fresh pre-session cookie: the code form gets its whole lifetime"
    assert stack.session_count(user.name) == before
    assert signed_out(b.dashboard())
    r = code_step(b, {"code": totp(secret)})
    assert r.status == 303 and r.location == "/dashboard", r.describe()
    assert b.dashboard().status == 200 and level(stack, b.session) == "2"
    assert stack.cookie_name(suffix="_mfa") not in b.cookies


def test_a_code_works_once(stack, user):
    secret, _, _ = enrol(stack.signed_in_browser(user))
    code = totp(secret)
    b = stack.browser()
    password_step(b, user)
    assert code_step(b, {"code": code}).status == 303
    again = stack.browser()
    password_step(again, user)
    r = code_step(again, {"code": code})
    assert r.status == 401 and again.session is None, r.describe()
    older = stack.browser()
    password_step(older, user)
    assert code_step(older, {"code": totp(secret, offset=-1)}).status == 401


def test_wrong_password_looks_the_same_enrolled_or_not(stack):
    plain, enrolled = stack.create_user(), stack.create_user()
    enrol(stack.signed_in_browser(enrolled))
    answers = []
    for u in (plain, enrolled):
        b = stack.browser()
        r = b.login(u.name, u.password + "x")
        answers.append((r.status, r.text.replace(u.name, "NAME"), sorted(r.set_cookies)))
    nobody = stack.browser().login("nobody" + plain.name, "whatever-password")
    assert answers[0] == answers[1], answers
    assert nobody.status == answers[0][0] == 401


def test_recovery_code_signs_in_once(stack, user):
    _, codes, _ = enrol(stack.signed_in_browser(user))
    b = stack.browser()
    password_step(b, user)
    r = code_step(b, {"recovery": codes[3].upper().replace("-", " ")})
    assert r.status == 303 and level(stack, b.session) == "2", r.describe()
    again = stack.browser()
    password_step(again, user)
    assert code_step(again, {"recovery": codes[3]}).status == 401
    assert stack.scalar("SELECT count(*) FROM tessera.recovery_codes r JOIN tessera.users u ON "
                        f"u.id = r.user_id WHERE u.username = '{user.name}' AND used_at IS NULL") == "9"


def test_the_pending_state_needs_its_own_form_cookie_and_expires_with_it(stack, user):
    secret, _, _ = enrol(stack.signed_in_browser(user))
    b = stack.browser()
    password_step(b, user)
    pending = stack.cookie_name(suffix="_mfa")
    other = stack.browser()
    other.login_csrf()                          # another browser's pre-session cookie
    other.cookies[pending] = b.cookies[pending]
    csrf = other.get("/").form("/login")["csrf"]
    r = other.post("/login/code", {"csrf": csrf, "code": totp(secret)})
    assert r.status == 403 and other.session is None, r.describe()
    alone = stack.browser()
    alone.cookies[pending] = b.cookies[pending]
    assert alone.get("/login/code").status == 303
    assert alone.post("/login/code", {"csrf": "x", "code": totp(secret)}).status == 403


def test_a_forged_pending_state_is_refused(stack, user):
    enrol(stack.signed_in_browser(user))
    b = stack.browser()
    b.login_csrf()
    b.cookies[stack.cookie_name(suffix="_mfa")] = "A" * 128
    assert b.get("/login/code").status == 303


def test_codes_are_throttled_like_passwords(stack, user):
    secret, _, _ = enrol(stack.signed_in_browser(user))
    b = stack.browser()
    password_step(b, user)
    statuses = [code_step(b, {"code": "12345" + str(i)}).status for i in range(7)]
    assert 429 in statuses and statuses[0] == 401, statuses
    r = code_step(b, {"code": totp(secret)})
    assert r.status == 429 and r.header("Retry-After"), r.describe()
    stack.forget_failures()


def test_operator_sees_and_resets_the_second_factor(stack, user):
    b = stack.signed_in_browser(user)
    r = stack.tessera("user", "2fa", user.name)
    assert r.returncode == 0 and "second factor off" in r.stdout, r.describe()
    enrol(b)
    r = stack.tessera("user", "2fa", user.name)
    assert "second factor on (TOTP), 10 recovery codes left" in r.stdout, r.stdout
    listed = stack.tessera("sessions", "list", "--user", user.name)
    head, row = (re.split(r"\s{2,}", ln) for ln in listed.stdout.splitlines()[:2])
    assert head[6] == "PROOF" and row[6] == "password+totp", listed.stdout
    r = stack.tessera("user", "2fa-reset", user.name)
    assert r.returncode == 0 and "ended 1 session" in r.stdout, r.describe()
    assert signed_out(b.dashboard())
    assert stack.browser().login(user.name, user.password).location == "/dashboard"
    r = stack.tessera("user", "2fa-reset", "nobody-" + user.name)
    assert r.returncode == 3 and "no user named" in r.stderr


def test_sql_function_resets_the_second_factor(stack, user):
    b = stack.signed_in_browser(user)
    enrol(b)
    assert stack.scalar(f"SELECT tessera.reset_second_factor('{user.name}')") == "1"
    assert stack.scalar("SELECT tessera.reset_second_factor('no-such-user-x') IS NULL") == "t"
    assert signed_out(b.dashboard())


def test_next_survives_the_second_step(stack, user):
    secret, _, _ = enrol(stack.signed_in_browser(user))
    b = stack.browser()
    csrf = b.get("/?next=/sessions%3Fa%3D1").form("/login")["csrf"]
    r = b.post("/login", {"username": user.name, "password": user.password, "csrf": csrf,
                          "next": "/dashboard?x=1&y=2"})
    assert r.status == 303 and r.header("Location").endswith("/login/code?next=/dashboard%3Fx%3D1%26y%3D2"), r.describe()
    page = b.get(r.header("Location"))
    inputs = page.form("/login/code")
    assert inputs["next"] == "/dashboard?x=1&y=2"
    r = b.post("/login/code", {"csrf": inputs["csrf"], "next": inputs["next"], "code": totp(secret)})
    assert r.status == 303 and r.header("Location").endswith("/dashboard?x=1&y=2"), r.describe()


def test_new_pages_refuse_cross_site_posts_and_bad_csrf(stack, user):
    b = stack.signed_in_browser(user)
    csrf = b.form_csrf("/account/2fa")
    r = b.post("/account/2fa", {"csrf": csrf, "action": "begin"},
               headers={"Origin": "https://evil.example"})
    assert r.status == 403 and r.is_html, r.describe()
    r = b.post("/account/2fa", {"csrf": "wrong", "action": "begin"})
    assert r.status == 403 and r.is_html
    r = b.post("/account/2fa", {"csrf": csrf, "action": "explode"})
    assert r.status == 400 and r.is_html
    assert stack.browser().post("/account/2fa", {"csrf": csrf, "action": "begin"}).location == "/"
    assert stack.browser().get("/account/2fa").header("Location").endswith("/?next=/account/2fa")
