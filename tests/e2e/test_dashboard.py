"""The dashboard: who is signed in, the per-session view counter, when the session began, escaping."""

from datetime import datetime, timezone

from stack import view_count


def test_dashboard_signed_out_redirects_to_root(browser):
    r = browser.dashboard()
    assert r.status == 303, r.describe()
    assert r.location == "/", r.describe()


def test_dashboard_welcomes_user_by_name(signed_in, user):
    r = signed_in.dashboard()
    assert r.status == 200, r.describe()
    assert f"Welcome back, {user.name}" in r.text, r.describe()


def test_view_counter_counts_1_2_3(signed_in):
    counts = [view_count(signed_in.dashboard()) for _ in range(3)]
    assert counts == [1, 2, 3]


def test_view_counter_is_per_session(stack, user):
    first, second = stack.browser(), stack.browser()
    for b in (first, second):
        assert b.login(user.name, user.password).status == 303
    assert [view_count(first.dashboard()) for _ in range(2)] == [1, 2]
    assert view_count(second.dashboard()) == 1


def test_dashboard_says_signed_in_since_a_timestamp(signed_in):
    r = signed_in.dashboard()
    assert r.status == 200, r.describe()
    assert "Signed in since" in r.text, r.describe()
    after = r.text.split("Signed in since", 1)[1][:80]
    years = {str(datetime.now().year), str(datetime.now(timezone.utc).year)}
    assert any(y in after for y in years), f"no timestamp after 'Signed in since': {after!r}"


def test_dashboard_has_sign_out_form_with_csrf(signed_in):
    r = signed_in.dashboard()
    forms = [f for f in r.forms() if f["action"] and f["action"].endswith("/logout")]
    assert forms, "no form posting to /logout:\n" + r.describe()
    assert forms[0]["method"] == "post", forms[0]
    assert forms[0]["inputs"].get("csrf"), "sign-out form has no csrf value"


def test_username_with_markup_is_escaped_on_dashboard(stack, browser):
    u = stack.create_user("<script>alert(1)</script>")
    assert browser.login(u.name, u.password).status == 303
    r = browser.dashboard()
    assert r.status == 200, r.describe()
    assert "Welcome back, <script>alert(1)</script>" in r.text, r.describe()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.body, r.describe()
    assert "<script>alert(1)" not in r.body, r.describe()
