"""The dashboard: who is signed in, the per-session view counter, when the session began, escaping."""

from datetime import datetime, timezone

from page import view_count


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


def test_signed_in_since_is_the_rows_creation_time_in_utc(stack, signed_in, user):
    """The row's time comes back as epoch seconds and is formatted in C: it must say the same."""
    r = signed_in.dashboard()
    iso = stack.scalar("SELECT to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
                       "FROM tessera.sessions s JOIN tessera.users u ON u.id = s.user_id "
                       f"WHERE u.username = '{user.name}'")
    assert f'<time datetime="{iso}">{iso[:10]} {iso[11:16]} UTC</time>' in r.body, r.body


def test_odd_session_data_breaks_neither_the_page_nor_the_counter(stack, signed_in, user):
    """data is read back as jsonb text: values of other kinds are skipped, escapes decoded."""
    where = f"user_id = (SELECT id FROM tessera.users WHERE username = '{user.name}')"
    stack.psql("UPDATE tessera.sessions SET data = "
               "'{\"views\": 41, \"nested\": {\"k\": [1, null]}, "
               "\"s\": \"\\u00e9\\\"\\\\\\n\", \"n\": null, \"f\": 1.5}'::jsonb WHERE " + where)
    assert view_count(signed_in.dashboard()) == 42
    stack.psql("UPDATE tessera.sessions SET data = '{\"views\": \"many\"}'::jsonb WHERE " + where)
    assert view_count(signed_in.dashboard()) == 1
    assert stack.scalar(f"SELECT data ->> 'views' FROM tessera.sessions WHERE {where}") == "1"
