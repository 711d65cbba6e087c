"""The nginx auth_request gateway (deploy/nginx/tessera-gateway.conf, tessera-private.conf and the
snippets they include): tessera's sessions protect /private/ and /admin/ of another application,
the sign-in page sends visitors back there, and `next` never leads off the site. Runs its own nginx
in front of the shared stack's pool."""

import re
import urllib.parse

import pytest

from deployment import DEPLOY, render
from stack import nginx_front

PRIVATE_BODY = "private content for the gateway test\n"

# The application behind the gateway: static files, echoing the user header nginx passed it.
PRIVATE_APP = """
upstream private_app {
    server "unix:@OUTDIR@/private.sock";
}
server {
    listen "unix:@OUTDIR@/private.sock";
    root "@OUTDIR@/www";
    add_header X-Seen-User $http_remote_user always;
}
"""


def snippet(name):
    """Returns deploy/nginx/NAME with the snippets it includes at their paths in this checkout."""
    return render((DEPLOY / "nginx" / name).read_text(),
                  {"/etc/nginx/snippets/": f"{DEPLOY}/nginx/"})


def gateway_front(stack, name, dropins):
    """nginx with tessera-fastcgi.conf, tessera-gateway.conf and the server.d dropins in one server,
    njs loaded, in front of the shared stack's pool."""
    return nginx_front(name, stack.socket, {
        "main.d/js.conf": "load_module /usr/lib/nginx/modules/ngx_http_js_module.so;\n",
        "server.d/1-tessera-gateway.conf": snippet("tessera-gateway.conf"),
        **dropins,
    })


@pytest.fixture(scope="module")
def gateway(stack):
    """nginx with tessera-fastcgi.conf, tessera-gateway.conf and tessera-private.conf in one server."""
    front = gateway_front(stack, "gateway", {
        "http.d/private-app.conf": PRIVATE_APP,
        "server.d/2-tessera-private.conf": snippet("tessera-private.conf"),
    })
    for d in ("private", "admin"):
        www = front.nginx_dir / "www" / d
        www.mkdir(parents=True)
        (www / "x").write_text(PRIVATE_BODY)
    yield front
    front.stop()


def sign_in_via(browser, user, next_path):
    """Opens /?next=NEXT as a visitor would and submits that sign-in form. Returns the POST's Response."""
    r = browser.get("/?next=" + urllib.parse.quote(next_path, safe=""))
    inputs = r.form("/login")
    assert r.status == 200 and inputs is not None, r.describe()
    return browser.post("/login", {**inputs, "username": user.name, "password": user.password})


def assert_stays_on_site(location):
    """Fails unless a Location value is a plain path on this site."""
    parts = urllib.parse.urlsplit(location)
    assert location.startswith("/") and not location.startswith("//"), location
    assert not parts.scheme and not parts.netloc, location
    assert "\\" not in location and not re.search(r"[\x00-\x20\x7f]", location), repr(location)


def test_anonymous_visitor_is_sent_to_sign_in_with_next(gateway):
    r = gateway.browser().get("/private/x")
    assert r.status == 303, r.describe() + gateway.logs()
    assert r.header("Location") == "/?next=%2Fprivate%2Fx", r.describe()


def test_next_keeps_the_whole_request_uri(gateway):
    r = gateway.browser().get("/private/x?a=1&b=%20")
    assert r.status == 303, r.describe()
    query = urllib.parse.urlsplit(r.header("Location")).query
    assert urllib.parse.parse_qs(query) == {"next": ["/private/x?a=1&b=%20"]}, r.describe()


def test_sign_in_returns_to_next_and_the_app_sees_the_user(gateway, user):
    b = gateway.browser()
    r = sign_in_via(b, user, "/private/x")
    assert r.status == 303 and r.header("Location") == "/private/x", r.describe()
    r = b.get("/private/x")
    assert r.status == 200 and r.body == PRIVATE_BODY, r.describe() + gateway.logs()
    assert r.header("X-Seen-User") == user.name, r.describe()


def test_a_client_cannot_forge_the_user_header(gateway, user):
    forged = {"Remote-User": "admin", "X-Tessera-User": "admin"}
    r = gateway.browser().get("/private/x", headers=forged)
    assert r.status == 303, r.describe()
    b = gateway.browser()
    assert b.login(user.name, user.password).status == 303
    r = b.get("/private/x", headers=forged)
    assert r.status == 200 and r.header("X-Seen-User") == user.name, r.describe()


def test_the_example_admin_location_asks_for_a_group_then_a_second_factor(stack, gateway, user):
    b = gateway.browser()
    assert b.login(user.name, user.password).status == 303
    r = b.get("/admin/x")
    assert r.status == 403 and "not allowed" in r.body, r.describe() + gateway.logs()
    assert stack.tessera("group", "add", "ops").returncode in (0, 1)
    assert stack.tessera("user", "groups", user.name, "--add", "ops").returncode == 0
    try:
        r = b.get("/admin/x")
        assert r.status == 403 and "second factor" in r.body, r.describe()
        assert PRIVATE_BODY not in r.body
    finally:
        assert stack.tessera("user", "groups", user.name, "--remove", "ops").returncode == 0


def test_signed_out_visitor_is_refused_again(gateway, user):
    b = gateway.browser()
    assert b.login(user.name, user.password).status == 303
    assert b.get("/private/x").status == 200
    assert b.logout().status == 303
    assert b.get("/private/x").status == 303


def test_auth_is_internal_to_the_gateway(gateway):
    assert gateway.browser().get("/auth").status == 404


def test_auth_answers_204_with_the_user_or_401(stack, signed_in, user):
    r = signed_in.get("/auth")
    assert r.status == 204 and r.body == "", r.describe()
    assert r.header("X-Tessera-User") == user.name, r.describe()
    r = stack.browser().get("/auth")
    assert r.status == 401 and r.body == "", r.describe()
    assert r.header("X-Tessera-User") is None, r.describe()


def test_repeated_checks_do_not_write_the_session(stack, gateway, user):
    b = gateway.browser()
    assert b.login(user.name, user.password).status == 303
    row = ("SELECT s.xmin FROM tessera.sessions s JOIN tessera.users u ON u.id = s.user_id "
           f"WHERE u.username = '{user.name}'")
    before = stack.scalar(row)
    for _ in range(20):
        assert b.get("/private/x").status == 200
    assert stack.scalar(row) == before, "GET /auth rewrote the session row within touch_interval"


HOSTILE_NEXT = ["//evil.example", "/\\evil.example", "https://evil.example", "javascript:alert(1)",
                "%2F%2Fevil", "/%0d%0aSet-Cookie:x", "/\r\nSet-Cookie: x=1", "  /x", "/\\/evil.example",
                "/\tevil", "http:/evil.example", "\\\\evil.example"]


@pytest.mark.parametrize("hostile", HOSTILE_NEXT, ids=[repr(h) for h in HOSTILE_NEXT])
def test_hostile_next_stays_on_the_site(gateway, user, hostile):
    b = gateway.browser()
    r = sign_in_via(b, user, hostile)
    assert r.status == 303, r.describe()
    assert_stays_on_site(r.header("Location"))
    assert "x" not in r.set_cookies, r.describe()
    assert b.logout().status == 303
    # The same value posted straight to /login, as a forged form would.
    r = b.post("/login", {"username": user.name, "password": user.password,
                          "csrf": b.login_csrf(), "next": hostile})
    assert r.status == 303, r.describe()
    assert_stays_on_site(r.header("Location"))
