"""Groups, identity headers and per-location rules through real nginx (deploy/nginx/tessera-auth.conf,
tessera-identity.conf, tessera-gateway.conf): three protected locations (any signed-in user, group
admins, a second factor) in front of an upstream that echoes the headers it received."""

import html
import re
import secrets
import subprocess
import urllib.parse

import pytest

from accounts import enrol, recovery_codes, shown_secret, totp
from deployment import DEPLOY
from secret_watch import SECRETS
from stack import sql_literal
from test_gateway import gateway_front

# The application: answers with the identity headers it was sent, one per line.
ECHO_APP = """
upstream echo_app {
    server "unix:@OUTDIR@/echo.sock";
}
server {
    listen "unix:@OUTDIR@/echo.sock";
    default_type text/plain;
    return 200 "user=$http_remote_user\\ngroups=$http_remote_groups\\nname=$http_remote_name\\nemail=$http_remote_email\\nassurance=$http_remote_assurance\\nx-user=$http_x_tessera_user\\nx-groups=$http_x_tessera_groups\\nx-denied=$http_x_tessera_denied\\n";
}
"""

IDENTITY = (DEPLOY / "nginx" / "tessera-identity.conf").read_text()
AUTH = (DEPLOY / "nginx" / "tessera-auth.conf").read_text()


def protected(path, rule):
    """An auth location with rule (None: the plain /auth) and the location it protects."""
    auth = "/auth"
    text = ""
    if rule is not None:
        auth = f"/auth{path.rstrip('/')}"
        text = (f"location = {auth} {{\n internal;\n{AUTH}\n"
                f" fastcgi_param TESSERA_REQUIRE \"{rule}\";\n}}\n")
    return text + (f"location {path} {{\n auth_request {auth};\n{IDENTITY}\n"
                   f" proxy_pass http://echo_app;\n}}\n")


LOCATIONS = (protected("/any/", None) + protected("/admins/", "group=admins")
             + protected("/mfa/", "factor=2") + protected("/fresh/", "fresh=1s")
             + protected("/fresh60/", "fresh=60s")
             + protected("/broken/", "group=admins; factor=3"))


@pytest.fixture(scope="module")
def front(stack):
    """nginx with the gateway and the protected locations, the echo application behind them."""
    f = gateway_front(stack, "gateway-rules", {
        "http.d/echo-app.conf": ECHO_APP,
        "server.d/2-protected.conf": LOCATIONS,
    })
    yield f
    f.stop()


@pytest.fixture(scope="module")
def admins(stack):
    """The group admins, present for this module."""
    stack.tessera("group", "add", "admins")
    return "admins"


def in_group(stack, user, *groups):
    """Adds user to groups (tessera user groups --add) and returns user."""
    r = stack.tessera("user", "groups", user.name, *(a for g in groups for a in ("--add", g)))
    assert r.returncode == 0, r.describe()
    return user


def echoed(r):
    """Returns the echo application's answer as a dict."""
    return dict(line.split("=", 1) for line in r.body.splitlines() if "=" in line)


def test_any_user_location_passes_the_identity_upstream(stack, front, user, admins):
    assert stack.tessera("group", "add", "zeta").returncode in (0, 1)
    in_group(stack, user, "zeta", admins)
    r = stack.tessera("user", "set", user.name, "--email", "ann@example.org", "--name", "Ann Example")
    assert r.returncode == 0, r.describe()
    r = front.signed_in_browser(user).get("/any/x")
    assert r.status == 200, r.describe() + front.logs()
    e = echoed(r)
    assert e["user"] == user.name
    assert e["groups"] == "admins,zeta"
    assert e["name"] == "Ann Example" and e["email"] == "ann@example.org"
    assert e["assurance"] == "1"
    assert e["x-user"] == "" and e["x-groups"] == "", "X-Tessera-* must not reach the application"


def test_unset_profile_fields_send_no_header(stack, front, user):
    e = echoed(front.signed_in_browser(user).get("/any/x"))
    assert e["user"] == user.name and e["groups"] == "" and e["name"] == "" and e["email"] == ""


def test_forged_identity_headers_never_reach_the_application(front, user):
    forged = {"Remote-User": "root", "Remote-Groups": "admins", "Remote-Name": "Root",
              "Remote-Email": "root@example.org", "Remote-Assurance": "2",
              "X-Tessera-User": "root", "X-Tessera-Groups": "admins", "X-Tessera-Denied": "x"}
    r = front.browser().get("/any/x", headers=forged)
    assert r.status == 303, r.describe()
    e = echoed(front.signed_in_browser(user).get("/any/x", headers=forged))
    assert e["user"] == user.name and e["groups"] == "" and e["name"] == "" and e["email"] == ""
    assert e["assurance"] == "1" and e["x-user"] == "" and e["x-groups"] == ""
    assert e["x-denied"] == ""
    r = front.signed_in_browser(user).get("/admins/x", headers=forged)
    assert r.status == 403, r.describe()


def test_group_location_admits_members_and_refuses_others_with_a_page(stack, front, user, admins):
    b = front.signed_in_browser(user)
    r = b.get("/admins/x")
    assert r.status == 403 and "not allowed" in r.body and "user=" not in r.body, r.describe()
    in_group(stack, user, admins)
    r = b.get("/admins/x")
    assert r.status == 200 and echoed(r)["groups"] == "admins", r.describe()


def test_a_removed_group_takes_effect_at_the_next_request(stack, front, admins):
    user = stack.create_user()
    in_group(stack, user, admins)
    b = front.signed_in_browser(user)
    assert b.get("/admins/x").status == 200
    assert stack.tessera("user", "groups", user.name, "--remove", admins).returncode == 0
    assert b.get("/admins/x").status == 403


def test_a_deleted_group_takes_effect_at_the_next_request(stack, front):
    group = "g" + secrets.token_hex(4)
    assert stack.tessera("group", "add", group).returncode == 0
    u = in_group(stack, stack.create_user(), group)
    b = front.signed_in_browser(u)
    assert echoed(b.get("/any/x"))["groups"] == group
    assert stack.tessera("group", "remove", group).returncode == 0
    assert echoed(b.get("/any/x"))["groups"] == ""


def test_second_factor_location_refuses_a_password_session(front, user):
    r = front.signed_in_browser(user).get("/mfa/x")
    assert r.status == 403, r.describe()
    assert "second factor" in r.body and "user=" not in r.body, r.describe()


def test_fresh_location_refuses_an_old_proof(stack, front, user):
    b = front.signed_in_browser(user)
    stack.psql("UPDATE tessera.sessions s SET authenticated_at = now() - interval '1 hour' "
               f"FROM tessera.users u WHERE u.id = s.user_id AND u.username = {sql_literal(user.name)}")
    r = b.get("/fresh/x")
    assert r.status == 403 and "recent sign-in" in r.body, r.describe()
    assert b.get("/any/x").status == 200


def make_stale(stack, user):
    """Moves every session of user's proof of identity an hour into the past."""
    stack.psql("UPDATE tessera.sessions s SET authenticated_at = now() - interval '1 hour' "
               f"FROM tessera.users u WHERE u.id = s.user_id AND u.username = {sql_literal(user.name)}")


def step_link(r):
    """Returns the href of the refusal page's link to the step that supplies what is missing."""
    m = re.search(r'<a href="(/account/[^"]*)"', r.body)
    assert r.status == 403 and m, r.describe()
    return html.unescape(m.group(1))


def test_a_second_factor_refusal_leads_to_setting_it_up_and_back(front, user):
    b = front.signed_in_browser(user)
    link = step_link(b.get("/mfa/x?a=1&b=2"))
    assert link == "/account/2fa?next=/mfa/x%3Fa%3D1%26b%3D2", link
    page = b.get(link)
    form = page.form("/account/2fa")
    assert page.status == 200 and form["next"] == "/mfa/x?a=1&b=2", page.describe()
    r = b.post("/account/2fa", form)
    assert r.status == 303 and r.header("Location") == link, r.describe()
    page = b.get(link)
    form = page.form("/account/2fa")
    assert form["action"] == "confirm" and form["next"] == "/mfa/x?a=1&b=2", page.describe()
    r = b.post("/account/2fa", dict(form, code=totp(shown_secret(page), offset=-1)))
    assert r.status == 200 and len(recovery_codes(r)) == 10, r.describe()
    back = re.search(r'<a href="([^"]*)">Continue to the page you asked for</a>', r.body)
    assert back and html.unescape(back.group(1)) == "/mfa/x?a=1&b=2", r.describe()
    r = b.get(html.unescape(back.group(1)))
    assert r.status == 200 and echoed(r)["assurance"] == "2", r.describe() + front.logs()


def test_the_way_back_survives_the_password_check_before_set_up(stack, front):
    u = stack.create_user()
    b = front.signed_in_browser(u)
    make_stale(stack, u)
    link = step_link(b.get("/mfa/z"))
    r = b.post("/account/2fa", b.get(link).form("/account/2fa"))
    form = r.form("/account/2fa")
    assert r.status == 200 and "Confirm it is you" in r.body, r.describe()
    assert form["action"] == "begin" and form["next"] == "/mfa/z", r.describe()
    r = b.post("/account/2fa", dict(form, password=u.password))
    assert r.status == 303 and r.header("Location") == "/account/2fa?next=/mfa/z", r.describe()


def test_a_password_only_session_of_an_enrolled_user_proves_the_factor_and_goes_back(stack, front):
    u = stack.create_user()
    old = front.signed_in_browser(u)
    secret, _, _ = enrol(front.signed_in_browser(u))
    link = step_link(old.get("/mfa/y"))
    page = old.get(link)
    prove = re.search(r'<a href="([^"]*)">Confirm it is you with a code</a>', page.body)
    assert page.status == 200 and prove, page.describe()
    assert html.unescape(prove.group(1)) == "/account/confirm?next=/mfa/y", page.describe()
    page = old.get(html.unescape(prove.group(1)))
    form = page.form("/account/confirm")
    assert form["next"] == "/mfa/y" and "code" in form, page.describe()
    r = old.post("/account/confirm", dict(form, password=u.password, code=totp(secret)))
    assert r.status == 303 and r.header("Location") == "/mfa/y", r.describe()
    assert echoed(old.get("/mfa/y"))["assurance"] == "2"


def test_a_stale_proof_refusal_leads_to_the_confirm_page_and_back(stack, front, user):
    b = front.signed_in_browser(user)
    make_stale(stack, user)
    link = step_link(b.get("/fresh60/x"))
    assert link == "/account/confirm?next=/fresh60/x", link
    page = b.get(link)
    assert page.status == 200 and "Confirm it is you" in page.body, page.describe()
    form = page.form("/account/confirm")
    assert form["next"] == "/fresh60/x", page.describe()
    r = b.post("/account/confirm", dict(form, password="wrong-password"))
    assert r.status == 401 and b.get("/fresh60/x").status == 403, r.describe()
    r = b.post("/account/confirm", dict(form, password=user.password))
    assert r.status == 303 and r.header("Location") == "/fresh60/x", r.describe()
    assert b.get("/fresh60/x").status == 200


def test_the_way_back_keeps_the_refused_uri_as_sent(stack, front, user):
    b = front.signed_in_browser(user)
    for uri in ("/fresh60/a%0d%0aSet-Cookie:%20x=y", "/fresh60//evil.example/",
                "/fresh60/x?next=https://evil.example/", "/fresh60/%2F%2Fevil.example"):
        make_stale(stack, user)
        page = b.get(step_link(b.get(uri)))
        form = page.form("/account/confirm")
        assert form["next"] == uri, page.describe()
        r = b.post("/account/confirm", dict(form, password=user.password))
        assert r.status == 303 and r.header("Location") == uri, r.describe()
        assert "x" not in r.set_cookies, r.describe()


def test_the_confirm_page_goes_back_only_to_this_site(stack, front, user):
    assert front.browser().get("/account/confirm").header("Location") == "/?next=/account/confirm"
    b = front.signed_in_browser(user)
    form = b.get("/account/confirm").form("/account/confirm")
    for bad in ("//evil.example/", "https://evil.example/", "/\\evil.example", "/x\r\nSet-Cookie: x=y",
                "/\t/evil.example"):
        r = b.post("/account/confirm", dict(form, next=bad, password=user.password))
        assert r.status == 303 and r.header("Location") == "/dashboard", r.describe()
    r = b.post("/account/confirm", {"next": "/fresh60/x", "password": user.password})
    assert r.status == 403, "no CSRF value, no confirmation:\n" + r.describe()


@pytest.mark.parametrize("bad", ["//evil.example/", "https://evil.example/", "/\\evil.example",
                                 "%2F%2Fevil.example", "/%09/evil.example", "/x%0d%0aSet-Cookie:%20x=y",
                                 "%252F%252Fevil.example", "javascript:alert(1)", ""])
def test_the_refusal_page_never_leads_off_the_site(stack, front, user, bad):
    b = front.signed_in_browser(user)
    for why, step in (("fresh", "/account/confirm"), ("factor", "/account/2fa")):
        r = b.get(f"/auth/denied?why={why}&next=" + urllib.parse.quote(bad, safe="%"))
        assert step_link(r) == step, r.describe()
    page = b.get("/account/2fa?next=" + urllib.parse.quote(bad, safe="%"))
    assert page.form("/account/2fa")["next"] == "", page.describe()


def test_anonymous_visitors_are_sent_to_sign_in_everywhere(front):
    for path in ("/any/x", "/admins/x", "/mfa/x", "/fresh/x"):
        r = front.browser().get(path)
        assert r.status == 303 and r.header("Location").startswith("/?next="), r.describe()


def test_a_rule_with_a_syntax_error_answers_500_and_is_logged(stack, front, user, admins):
    in_group(stack, user, admins)
    r = front.signed_in_browser(user).get("/broken/x")
    assert r.status == 500 and "user=" not in r.body, r.describe()
    assert front.browser().get("/broken/x").status == 500
    logged = stack.log_events("rule_invalid")
    assert logged and logged[-1]["rule"] == "group=admins; factor=3", logged
    assert "factor= is 1 or 2" in logged[-1]["error"]


def test_auth_with_groups_writes_nothing_within_touch_interval(stack, front, admins):
    u = in_group(stack, stack.create_user(), admins)
    b = front.signed_in_browser(u)
    row = ("SELECT s.xmin FROM tessera.sessions s JOIN tessera.users u ON u.id = s.user_id "
           f"WHERE u.username = {sql_literal(u.name)}")
    before = stack.scalar(row)
    for path in ("/any/x", "/admins/x", "/mfa/x") * 5:
        b.get(path)
    assert stack.scalar(row) == before, "GET /auth rewrote the session row within touch_interval"


def test_a_new_session_records_its_proof(stack, front, user):
    front.signed_in_browser(user)
    rows = stack.psql("SELECT s.assurance_level, now() - s.authenticated_at < interval '1 minute' "
                      "FROM tessera.sessions s JOIN tessera.users u ON u.id = s.user_id "
                      f"WHERE u.username = {sql_literal(user.name)}")
    assert rows == [("1", "t")], rows


NAMES = ["José Ünïcode", "100% \"quoted\" <b>", "tab\there"]


@pytest.mark.parametrize("name", NAMES[:2], ids=["utf8", "percent-quote"])
def test_names_are_percent_encoded_in_headers(stack, front, user, name):
    assert stack.tessera("user", "set", user.name, "--name", name).returncode == 0
    e = echoed(front.signed_in_browser(user).get("/any/x"))
    expected = "".join(c if 0x20 <= ord(c) < 0x7f and c != "%" else
                       "".join(f"%{b:02X}" for b in c.encode()) for c in name)
    assert e["name"] == expected, e


@pytest.mark.parametrize("field,value", [("--name", "a\nRemote-User: root"), ("--name", "tab\there"),
                                         ("--email", "a b@example.org"), ("--email", "no-at-sign"),
                                         ("--email", "a@b\r\nX: y"), ("--name", "x" * 257)])
def test_profile_values_that_could_break_a_header_are_refused(stack, user, field, value):
    r = stack.tessera("user", "set", user.name, field, value)
    assert r.returncode == 2 and r.stderr.startswith("tessera: "), r.describe()


def test_the_database_refuses_control_characters_in_a_profile(stack, user):
    r = stack.psql_run(f"SELECT tessera.set_user_profile({sql_literal(user.name)}, NULL, "
                       "E'x\\r\\nRemote-User: root')")
    assert r.returncode != 0 and "check constraint" in r.stderr, r.describe()


def test_group_commands(stack):
    g = "team-" + secrets.token_hex(3)
    u = stack.create_user()
    assert stack.tessera("group", "add", g).returncode == 0
    r = stack.tessera("group", "add", g)
    assert r.returncode == 1 and "already exists" in r.stderr, r.describe()
    for bad in ("a,b", "with space", "", "x" * 65, "é"):
        r = stack.tessera("group", "add", bad)
        assert r.returncode == 2 and "invalid group name" in r.stderr, r.describe()
    r = stack.tessera("user", "groups", u.name, "--add", g)
    assert r.returncode == 0 and f"groups: {g}" in r.stdout, r.describe()
    r = stack.tessera("group", "list")
    assert r.returncode == 0 and any(line.split()[0] == g and line.split()[-1] == u.name
                                     for line in r.stdout.splitlines()[1:]), r.stdout
    r = stack.tessera("user", "groups", u.name, "--add", "nosuch" + g)
    assert r.returncode == 5 and "no group named" in r.stderr, r.describe()
    r = stack.tessera("user", "groups", "nosuch" + u.name, "--add", g)
    assert r.returncode == 3 and "no user named" in r.stderr, r.describe()
    r = stack.tessera("user", "groups", u.name, "--remove", g)
    assert r.returncode == 0 and "groups: \n" in r.stdout, r.describe()
    assert stack.tessera("group", "remove", g).returncode == 0
    r = stack.tessera("group", "remove", g)
    assert r.returncode == 5 and "no group named" in r.stderr, r.describe()


def test_user_add_with_groups(stack):
    g = "grp-" + secrets.token_hex(3)
    assert stack.tessera("group", "add", g).returncode == 0
    name = "u" + secrets.token_hex(4)
    r = stack.tessera("user", "add", name, "--group", "nosuch" + g, input="pw-" + name + "\n")
    assert r.returncode == 5 and "no group named" in r.stderr, r.describe()
    assert stack.scalar(f"SELECT count(*) FROM tessera.users WHERE username = {sql_literal(name)}") == "0"
    r = stack.tessera("user", "add", name, "--group", g, input="pw-" + name + "x\n")
    assert r.returncode == 0, r.describe()
    assert stack.tessera("user", "groups", name).stdout.splitlines()[-1] == f"groups: {g}"


def test_an_operator_manages_groups_and_profiles_by_sql(stack):
    conninfo, _ = stack.operator()
    g = "sql-" + secrets.token_hex(3)
    u = stack.create_user()
    assert stack.psql(f"SELECT tessera.add_group('{g}')", conninfo) == [("t",)]
    assert stack.psql(f"SELECT tessera.add_user_group('{u.name}', '{g}')", conninfo) == [("0",)]
    assert stack.psql(f"SELECT tessera.add_user_group('{u.name}', 'no-{g}')", conninfo) == [("2",)]
    assert stack.psql(f"SELECT tessera.set_user_profile('{u.name}', 'o@example.org', NULL)",
                      conninfo) == [("t",)]
    assert stack.psql("SELECT groups, email FROM tessera.user_profiles "
                      f"WHERE username = '{u.name}'", conninfo) == [(g, "o@example.org")]
    assert stack.psql(f"SELECT tessera.remove_user_group('{u.name}', '{g}')", conninfo) == [("0",)]
    assert stack.psql(f"SELECT tessera.remove_group('{g}')", conninfo) == [("t",)]
    r = stack.psql_run("INSERT INTO tessera.groups (name) VALUES ('direct')", conninfo)
    assert r.returncode != 0 and "permission denied" in r.stderr, r.describe()


def add_token(stack, username, *extra, label="ci"):
    """Runs `token add` for username; returns (token, id)."""
    r = stack.tessera("token", "add", username, "--label", label, *extra)
    assert r.returncode == 0, r.describe()
    token = r.stdout.strip()
    assert token.startswith("tsr_") and len(token) == 47, r.describe()
    SECRETS.remember(token)
    return token, r.stderr.split()[1]


def bearer(token):
    """The Authorization header carrying token."""
    return {"Authorization": "Bearer " + token}


def test_a_bearer_token_authenticates_at_auth_only(stack, front, admins):
    u = in_group(stack, stack.create_user(), admins)
    token, _ = add_token(stack, u.name)
    r = front.browser().get("/any/x", headers=bearer(token))
    assert r.status == 200, r.describe() + front.logs()
    e = echoed(r)
    assert e["user"] == u.name and e["groups"] == "admins", e
    assert front.browser().get("/admins/x", headers=bearer(token)).status == 200
    r = stack.browser().get("/dashboard", headers=bearer(token))
    assert r.status == 303, "a bearer token must open nothing but /auth:\n" + r.describe()
    assert token not in open(stack.log_file).read()


def test_a_bearer_token_never_satisfies_factor_or_fresh(stack, front, user):
    token, _ = add_token(stack, user.name)
    for path, why in (("/mfa/x", "second factor"), ("/fresh/x", "recent sign-in")):
        r = front.browser().get(path, headers=bearer(token))
        assert r.status == 403 and why in r.body, r.describe()


def test_a_revoked_token_is_refused_at_the_next_request(stack, front, user):
    token, tid = add_token(stack, user.name)
    assert front.browser().get("/any/x", headers=bearer(token)).status == 200
    r = stack.tessera("token", "revoke", tid)
    assert r.returncode == 0, r.describe()
    assert front.browser().get("/any/x", headers=bearer(token)).status == 303
    r = stack.tessera("token", "revoke", tid)
    assert r.returncode == 6 and "no token" in r.stderr, r.describe()


def test_expired_and_disabled_users_tokens_are_refused(stack, front):
    u = stack.create_user()
    token, tid = add_token(stack, u.name, "--expires", "1d")
    assert front.browser().get("/any/x", headers=bearer(token)).status == 200
    stack.psql(f"UPDATE tessera.api_tokens SET expires_at = now() - interval '1 second' WHERE id = {tid}")
    assert front.browser().get("/any/x", headers=bearer(token)).status == 303
    token, _ = add_token(stack, u.name)
    assert stack.tessera("user", "disable", u.name).returncode == 0
    assert front.browser().get("/any/x", headers=bearer(token)).status == 303


@pytest.mark.parametrize("value", ["Bearer ", "Bearer tsr_", "Bearer  tsr_" + "A" * 43,
                                   "Bearer tsr_" + "A" * 42, "Bearer tsr_" + "A" * 44,
                                   "Bearer tsr_" + "A" * 42 + "=", "Bearer tsr_" + "+" * 43,
                                   "Bearer xyz_" + "A" * 43])
def test_malformed_bearer_values_are_refused(front, value):
    assert front.browser().get("/any/x", headers={"Authorization": value}).status == 303


def test_unknown_tokens_are_throttled_per_address_apart_from_sign_in(stack, front, user):
    token, _ = add_token(stack, user.name)
    b = front.browser()
    try:
        for _ in range(10):
            fake = "tsr_" + secrets.token_urlsafe(32)[:43]
            assert b.get("/any/x", headers=bearer(fake)).status == 303
        assert b.get("/any/x", headers=bearer(token)).status == 303, "11th try must wait"
        assert stack.log_events("bearer_rejected")[-1]["reason"] == "throttled"
        assert b.login(user.name, user.password).status == 303, "sign-in has its own buckets"
    finally:
        stack.psql("DELETE FROM tessera.login_failures WHERE key LIKE 'bearer:%'")
    assert b.get("/any/x", headers=bearer(token)).status == 200


def test_a_token_notes_its_last_use_once_per_touch_interval(stack, front, user):
    token, tid = add_token(stack, user.name)
    assert stack.scalar(f"SELECT last_used_at IS NULL FROM tessera.api_tokens WHERE id = {tid}") == "t"
    assert front.browser().get("/any/x", headers=bearer(token)).status == 200
    row = f"SELECT xmin, last_used_at IS NOT NULL FROM tessera.api_tokens WHERE id = {tid}"
    before = stack.psql(row)
    assert before[0][1] == "t"
    for _ in range(10):
        assert front.browser().get("/any/x", headers=bearer(token)).status == 200
    assert stack.psql(row) == before, "a token's row was rewritten within touch_interval"
    listed = stack.tessera("token", "list", "--user", user.name).stdout
    assert tid in listed and "ci" in listed and token not in listed, listed


def test_an_operator_lists_and_revokes_tokens_by_sql(stack, front, user):
    conninfo, _ = stack.operator()
    token, tid = add_token(stack, user.name)
    cols = stack.psql("SELECT string_agg(column_name, ',') FROM information_schema.columns "
                      "WHERE table_schema = 'tessera' AND table_name = 'api_token_list'", conninfo)
    assert "hash" not in cols[0][0], cols
    assert stack.psql(f"SELECT username FROM tessera.api_token_list WHERE id = {tid}", conninfo) == [
        (user.name,)]
    assert stack.psql(f"SELECT tessera.revoke_token({tid})", conninfo) == [("t",)]
    assert front.browser().get("/any/x", headers=bearer(token)).status == 303
    r = stack.psql_run("SELECT token_hash FROM tessera.api_tokens", conninfo)
    assert r.returncode != 0 and "permission denied" in r.stderr, r.describe()


def test_token_add_refuses_bad_input(stack, user):
    for args, code in ((["--label", ""], 2), (["--label", "x\ny"], 2), ([], 2),
                       (["--label", "a", "--expires", "0d"], 2), (["--label", "a", "--expires", "90"], 2),
                       (["--label", "a", "--expires", "3651d"], 2)):
        r = stack.tessera("token", "add", user.name, *args)
        assert r.returncode == code and r.stdout == "", r.describe()
    r = stack.tessera("token", "add", "nosuch" + user.name, "--label", "a")
    assert r.returncode == 3 and r.stdout == "", r.describe()


def test_rule_check_reads_rules_as_auth_does(stack):
    r = stack.tessera("rule", "check", "group=admins,ops; factor=2; fresh=10m", "")
    assert r.returncode == 0 and r.stdout.count("ok: ") == 2, r.describe()
    r = stack.tessera("rule", "check", "group=admins", "fresh=10")
    assert r.returncode == 2 and "ok: group=admins" in r.stdout, r.describe()
    assert r.stderr == 'tessera: rule "fresh=10": fresh=10: a duration from 1s to 30d, like 10m ' \
                       "(units s, m, h, d)\n", r.describe()


def test_the_readme_pipeline_checks_the_example_configuration(stack):
    readme = (DEPLOY.parent / "README.md").read_text()
    extract = re.search(r"^    nginx -T \| (sed .*) \| xargs .* tessera rule check$", readme, re.M)
    assert extract, "README no longer shows the rule-check pipeline"
    text = (DEPLOY / "nginx" / "tessera-private.conf").read_text()
    rules = subprocess.run(["sh", "-c", extract.group(1)], input=text, capture_output=True,
                           text=True, check=True).stdout.splitlines()
    assert rules == ["group=admins,ops; factor=2; fresh=10m"], rules
    assert stack.tessera("rule", "check", *rules).returncode == 0


def test_a_stale_session_is_touched_and_still_carries_its_identity(stack, front, admins):
    u = in_group(stack, stack.create_user(), admins)
    b = front.signed_in_browser(u)
    where = ("FROM tessera.users u WHERE u.id = s.user_id AND "
             f"u.username = {sql_literal(u.name)}")
    stack.psql("UPDATE tessera.sessions s SET last_seen_at = now() - interval '2 minutes' " + where)
    r = b.get("/admins/x")
    assert r.status == 200 and echoed(r)["groups"] == "admins", r.describe()
    assert stack.scalar("SELECT now() - s.last_seen_at < interval '1 minute' FROM tessera.sessions s, "
                        "tessera.users u WHERE u.id = s.user_id AND "
                        f"u.username = {sql_literal(u.name)}") == "t"


def test_refusals_are_counted_as_forbidden(stack, front, user):
    key = ("tessera_auth_requests_total", (("result", "forbidden"),))
    b = front.signed_in_browser(user)
    before = stack.metrics().get(key, 0)
    assert b.get("/mfa/x").status == 403
    assert b.get("/admins/x").status == 403
    assert stack.metrics()[key] - before == 2


def tokens_page(b):
    """Returns the account's token page and its rows as {id: [label, created, last used, expires]}."""
    page = b.get("/account/tokens")
    assert page.status == 200 and page.header("Cache-Control") == "no-store", page.describe()
    rows = {}
    for m in re.finditer(r'<tr data-id="(\d+)">(.*?)</tr>', page.body, re.S):
        cells = re.findall(r"<t[hd][^>]*>(?!<form)(.*?)</t[hd]>", m.group(2), re.S)
        rows[m.group(1)] = [html.unescape(c) for c in cells]
    return page, rows


def test_the_token_page_lists_the_users_own_tokens_and_never_a_secret(stack, front, user):
    u = stack.create_user()
    mine, mine_id = add_token(stack, u.name, "--expires", "90d", label="backup <job> & co")
    used, used_id = add_token(stack, u.name, label="deploy")
    theirs, theirs_id = add_token(stack, user.name, label="not-yours")
    assert front.browser().get("/any/x", headers=bearer(used)).status == 200
    b = front.signed_in_browser(u)
    assert 'href="/account/tokens"' in b.get("/dashboard").body
    page, rows = tokens_page(b)
    assert set(rows) == {mine_id, used_id}, rows
    assert rows[mine_id][0] == "backup <job> & co" and "&lt;job&gt;" in page.body, page.describe()
    assert rows[mine_id][2] == "never" and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", rows[mine_id][3]), rows
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", rows[used_id][2]) and rows[used_id][3] == "never", rows
    hashes = [h for (h,) in stack.psql("SELECT encode(token_hash, 'hex') FROM tessera.api_tokens")]
    for secret in [mine, used, theirs, mine[4:], used[4:]] + hashes:
        assert secret not in page.body and secret.upper() not in page.body, page.describe()
    assert "not-yours" not in page.body and f'value="{theirs_id}"' not in page.body, page.describe()
    _, rows = tokens_page(front.signed_in_browser(stack.create_user()))
    assert rows == {} and "You have no API tokens." in tokens_page(front.signed_in_browser(stack.create_user()))[0].body


def test_a_token_revoked_on_the_page_is_refused_at_the_next_request(stack, front):
    u = stack.create_user()
    token, tid = add_token(stack, u.name)
    kept, kept_id = add_token(stack, u.name, label="kept")
    assert front.browser().get("/any/x", headers=bearer(token)).status == 200
    b = front.signed_in_browser(u)
    page, _ = tokens_page(b)
    form = [f["inputs"] for f in page.forms() if f["inputs"].get("id") == tid][0]
    r = b.post("/account/tokens/revoke", form)
    assert r.status == 303 and r.header("Location") == "/account/tokens", r.describe()
    assert front.browser().get("/any/x", headers=bearer(token)).status == 303, "revoked, still let in"
    assert front.browser().get("/any/x", headers=bearer(kept)).status == 200
    assert set(tokens_page(b)[1]) == {kept_id}
    e = stack.log_events("token_revoked")[-1]
    assert e["user"] == u.name and e["id"] == tid and token not in open(stack.log_file).read(), e
    r = b.post("/account/tokens/revoke", form)
    assert r.status == 404, "a second revocation finds nothing:\n" + r.describe()


def test_a_forged_id_never_revokes_another_users_token(stack, front, user):
    victim = stack.create_user()
    token, tid = add_token(stack, victim.name)
    b = front.signed_in_browser(user)
    csrf = b.form_csrf("/account/2fa")
    for forged in (tid, f"0{tid}"):
        r = b.post("/account/tokens/revoke", {"csrf": csrf, "id": forged})
        assert r.status == 404 and "not a token of yours" in r.body, r.describe()
    for bad in ("", "-1", f"{tid} OR true", "1" * 19, f"{tid}\x00", "x"):
        r = b.post("/account/tokens/revoke", {"csrf": csrf, "id": bad})
        assert r.status == 400, r.describe()
    r = b.post("/account/tokens/revoke", {"id": tid})
    assert r.status == 403, "no CSRF value, no revocation:\n" + r.describe()
    r = front.browser().post("/account/tokens/revoke", {"csrf": csrf, "id": tid})
    assert r.status == 303 and r.header("Location") == "/", r.describe()
    assert front.browser().get("/any/x", headers=bearer(token)).status == 200, "another user's token was revoked"
    assert stack.scalar(f"SELECT count(*) FROM tessera.api_tokens WHERE id = {tid}") == "1"
    assert stack.psql("SELECT has_table_privilege('tessera_app', 'tessera.api_tokens', 'DELETE'), "
                      "has_function_privilege('tessera_app', 'tessera.revoke_token(bigint)', 'EXECUTE')"
                      ) == [("f", "f")], "the pool may delete only through revoke_own_token"


def test_the_token_page_asks_a_visitor_to_sign_in_and_comes_back(front):
    r = front.browser().get("/account/tokens")
    assert r.status == 303 and r.header("Location") == "/?next=/account/tokens", r.describe()
    r = front.browser().get("/account/tokens", headers=bearer("tsr_" + "A" * 43))
    assert r.status == 303, "a bearer token opens no page but /auth:\n" + r.describe()
