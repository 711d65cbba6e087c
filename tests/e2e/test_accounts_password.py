"""Self-service password change and re-authentication through nginx: rules, throttling, sessions, stale proofs."""

import pytest

from accounts import enrol, totp
from page import signed_out
from stack import token_hash_hex


pytestmark = pytest.mark.usefixtures("no_counted_failures")


def change(browser, current, new, again=None, **extra):
    """Posts the password form. Returns the response."""
    fields = {"csrf": browser.form_csrf("/account/password"), "current": current, "new": new,
              "again": new if again is None else again}
    fields.update(extra)
    return browser.post("/account/password", fields)


def make_stale(stack, browser):
    """Moves the session's proof of identity an hour into the past."""
    stack.psql("UPDATE tessera.sessions SET authenticated_at = now() - interval '1 hour' "
               f"WHERE token_hash = '\\x{token_hash_hex(browser.session)}'")


def test_dashboard_links_to_the_account_pages(stack, user):
    page = stack.signed_in_browser(user).dashboard()
    assert 'href="/account/password"' in page.body and 'href="/account/2fa"' in page.body
    assert "password only" in page.text


def test_change_keeps_this_session_on_a_fresh_token_and_ends_the_others(stack, user):
    b, other = stack.signed_in_browser(user), stack.signed_in_browser(user)
    old_cookie = b.session
    r = change(b, user.password, "a-brand-new-passphrase")
    assert r.status == 200 and "has been changed" in r.text, r.describe()
    assert r.header("Cache-Control") == "no-store"
    assert b.session != old_cookie and not stack.session_row_exists(old_cookie)
    assert b.dashboard().status == 200
    assert signed_out(other.dashboard())
    assert stack.session_count(user.name) == 1
    assert stack.browser().login(user.name, user.password).status == 401
    assert stack.browser().login(user.name, "a-brand-new-passphrase").status == 303
    assert any(e.get("user") == user.name for e in stack.log_events("password_changed"))


def test_wrong_current_password_changes_nothing_and_is_throttled(stack, user):
    b = stack.signed_in_browser(user)
    before = stack.password_hash(user.name)
    statuses = [change(b, "not-the-password", "another-passphrase").status for _ in range(7)]
    assert statuses[0] == 401 and 429 in statuses, statuses
    assert stack.password_hash(user.name) == before
    assert b.dashboard().status == 200


def test_new_password_follows_the_rules_of_user_passwd(stack, user):
    b = stack.signed_in_browser(user)
    r = change(b, user.password, "short")
    assert r.status == 400 and "at least 8" in r.text, r.describe()
    r = change(b, user.password, "long-enough-one", again="long-enough-two")
    assert r.status == 400 and "do not match" in r.text
    r = change(b, user.password, "x" * 1025)
    assert r.status == 400 and "at most 1024" in r.text
    assert stack.browser().login(user.name, user.password).status == 303


def test_password_change_needs_csrf_and_a_session(stack, user):
    b = stack.signed_in_browser(user)
    r = b.post("/account/password", {"csrf": "nope", "current": user.password,
                                      "new": "whatever-new-1", "again": "whatever-new-1"})
    assert r.status == 403 and r.is_html
    assert stack.browser().get("/account/password").header("Location").endswith(
        "/?next=/account/password")


def test_enrolled_user_with_a_stale_proof_also_gives_a_code(stack, user):
    b = stack.signed_in_browser(user)
    secret, _, _ = enrol(b)
    make_stale(stack, b)
    page = b.get("/account/password")
    assert page.form("/account/password") is not None and 'name="code"' in page.body
    r = change(b, user.password, "passphrase-with-code")
    assert r.status == 401, r.describe()
    r = change(b, user.password, "passphrase-with-code", code=totp(secret))
    assert r.status == 200, r.describe()
    assert stack.scalar("SELECT assurance_level FROM tessera.sessions "
                        f"WHERE token_hash = '\\x{token_hash_hex(b.session)}'") == "2"


def test_sign_out_everywhere_else_asks_again_when_the_proof_is_stale(stack, user):
    b, other = stack.signed_in_browser(user), stack.signed_in_browser(user)
    make_stale(stack, b)
    csrf = b.dashboard_csrf()
    r = b.post("/sessions/end-others", {"csrf": csrf})
    assert r.status == 200 and "Confirm it is you" in r.text, r.describe()
    assert other.dashboard().status == 200
    confirm = r.form("/sessions/end-others")
    r = b.post("/sessions/end-others", {"csrf": confirm["csrf"], "password": "wrong-password"})
    assert r.status == 401 and other.dashboard().status == 200, r.describe()
    r = b.post("/sessions/end-others", {"csrf": confirm["csrf"], "password": user.password})
    assert r.status == 303 and signed_out(other.dashboard()), r.describe()
    assert any(e.get("user") == user.name for e in stack.log_events("reauthenticated"))


def test_a_fresh_proof_needs_no_confirmation(stack, user):
    b, other = stack.signed_in_browser(user), stack.signed_in_browser(user)
    r = b.post("/sessions/end-others", {"csrf": b.dashboard_csrf()})
    assert r.status == 303 and signed_out(other.dashboard())


def test_removing_the_second_factor_with_a_stale_proof_needs_password_and_code(stack, user):
    b = stack.signed_in_browser(user)
    secret, _, _ = enrol(b)
    make_stale(stack, b)
    r = b.post("/account/2fa", {"csrf": b.form_csrf("/account/2fa"), "action": "remove"})
    assert r.status == 200 and 'name="code"' in r.body, r.describe()
    confirm = r.form("/account/2fa")
    assert confirm["action"] == "remove"
    r = b.post("/account/2fa", {"csrf": confirm["csrf"], "action": "remove",
                                "password": user.password})
    assert r.status == 401, r.describe()
    r = b.post("/account/2fa", {"csrf": confirm["csrf"], "action": "remove",
                                "password": user.password, "code": totp(secret)})
    assert r.status == 303, r.describe()
    assert "is off" in b.get("/account/2fa").text
    assert stack.browser().login(user.name, user.password).location == "/dashboard"


def test_setting_up_with_a_stale_proof_asks_for_the_password(stack, user):
    b = stack.signed_in_browser(user)
    make_stale(stack, b)
    r = b.post("/account/2fa", {"csrf": b.form_csrf("/account/2fa"), "action": "begin"})
    assert r.status == 200 and "Confirm it is you" in r.text and 'name="code"' not in r.body
    r = b.post("/account/2fa", {"csrf": r.form("/account/2fa")["csrf"], "action": "begin",
                                "password": user.password})
    assert r.status == 303 and "totp-secret" in b.get("/account/2fa").body, r.describe()
