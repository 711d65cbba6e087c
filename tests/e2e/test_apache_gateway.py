"""deploy/apache/tessera-gateway.conf in Debian's apache2: mod_authnz_fcgi asks tessera in the FastCGI
AUTHORIZER role about a static directory (any signed-in user) and a proxied application (group
admins), and the application reads who the visitor is. The pool listens on TCP, as mod_authnz_fcgi
needs, on the shared stack's PostgreSQL."""

import html
import http.server
import re
import secrets
import threading

import pytest

from accounts import recovery_codes, shown_secret, totp
from deployment import DEPLOY, ApacheFront, render
from processes import free_port, start_pool_process, stop_process_group, tail
from secret_watch import SECRETS
from stack import BIN, WRAPPER

DOC_BODY = "a protected document\n"
# /docs/mfa/: the directory's rule made stricter for one sub-directory.
MFA_LOCATION = '<Location /docs/mfa/>\n    SetEnvIf Request_URI ^ "TESSERA_REQUIRE=factor=2"\n</Location>\n'


class EchoHandler(http.server.BaseHTTPRequestHandler):
    """The proxied application: answers with the request headers it received, one per line."""

    def do_GET(self):  # noqa: N802 (http.server's naming)
        body = "".join(f"{k.lower()}={v}\n" for k, v in self.headers.items()).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class GatewayApache(ApacheFront):
    """ApacheFront running deploy/apache/tessera-gateway.conf against a TCP pool and the echo app."""

    def __init__(self, pool_port, app_port):
        super().__init__(None)
        self.pool_port, self.app_port = pool_port, app_port
        self.docs = self.dir / "docs"
        self.docs.mkdir()
        (self.docs / "x.txt").write_text(DOC_BODY)
        (self.docs / "mfa").mkdir()
        (self.docs / "mfa" / "x.txt").write_text(DOC_BODY)

    def render_vhost(self, cert, key):
        return render((DEPLOY / "apache" / "tessera-gateway.conf").read_text(), {
            "<VirtualHost *:443>": f"<VirtualHost 127.0.0.1:{self.port}>",
            "/etc/ssl/tessera/fullchain.pem": cert,
            "/etc/ssl/tessera/privkey.pem": key,
            "/var/log/apache2/": f"{self.dir}/",
            "127.0.0.1:9000": f"127.0.0.1:{self.pool_port}",
            "127.0.0.1:8081": f"127.0.0.1:{self.app_port}",
            "/var/www/docs": str(self.docs),
            "</VirtualHost>": MFA_LOCATION + "</VirtualHost>",
        })

    def main_config(self):
        extra = "\n".join(f"LoadModule {m}_module /usr/lib/apache2/modules/mod_{m}.so"
                          for m in ("authnz_fcgi", "authn_core", "authz_user", "setenvif", "proxy_http"))
        return super().main_config().replace("\nListen ", f"\n{extra}\nListen ", 1)

    def logs(self):
        return super().logs() + tail(self.dir / "apps.error.log")


@pytest.fixture(scope="module")
def apache(stack):
    """The TCP pool, the echo application and Apache, for this module."""
    port = free_port()
    conf = stack.write_variant_config("apache-gateway", listen=f"127.0.0.1:{port}",
                                      log_file=stack.run_dir / "apache-gateway.log")
    pool = start_pool_process([*WRAPPER, BIN, "-c", conf, "serve"], ("127.0.0.1", port),
                              stack.dir / "apache-gateway.out",
                              lambda: tail(stack.dir / "apache-gateway.out"))
    app = http.server.ThreadingHTTPServer(("127.0.0.1", 0), EchoHandler)
    threading.Thread(target=app.serve_forever, daemon=True).start()
    front = GatewayApache(port, app.server_address[1])
    try:
        front.start()
        yield front
    finally:
        front.stop()
        app.shutdown()
        stop_process_group(pool)


def echoed(r):
    """Returns the echo application's answer as a dict of lower-case header names."""
    return dict(line.split("=", 1) for line in r.body.splitlines() if "=" in line)


def test_anonymous_visitor_is_redirected_to_sign_in(apache):
    for path, encoded in (("/docs/x.txt", "%2Fdocs%2Fx.txt"), ("/app/y?a=1", "%2Fapp%2Fy%3Fa%3D1")):
        r = apache.browser().get(path)
        assert r.status == 303, r.describe() + apache.logs()
        assert r.header("Location") == "/?next=" + encoded, r.describe()


def test_signed_in_visitor_reads_the_directory(apache, user):
    r = apache.signed_in_browser(user).get("/docs/x.txt")
    assert r.status == 200 and r.body == DOC_BODY, r.describe() + apache.logs()


def test_wrong_group_is_refused_with_the_page(apache, user):
    r = apache.signed_in_browser(user).get("/app/y")
    assert r.status == 403, r.describe() + apache.logs()
    assert "not allowed" in r.body and "remote-user" not in r.body, r.describe()


def test_the_application_sees_the_user_and_groups(stack, apache):
    u = stack.create_user()
    stack.tessera("group", "add", "admins")
    assert stack.tessera("user", "groups", u.name, "--add", "admins").returncode == 0
    assert stack.tessera("user", "set", u.name, "--email", "e@example.org").returncode == 0
    r = apache.signed_in_browser(u).get("/app/y")
    assert r.status == 200, r.describe() + apache.logs()
    e = echoed(r)
    assert e["remote-user"] == u.name and e["remote-groups"] == "admins", e
    assert e["remote-email"] == "e@example.org" and e["remote-assurance"] == "1", e
    assert "remote-name" not in e, e


def test_forged_identity_headers_never_reach_the_application(stack, apache):
    u = stack.create_user()
    assert stack.tessera("user", "groups", u.name, "--add", "admins").returncode == 0
    forged = {"Remote-User": "root", "Remote-Groups": "wheel", "Remote-Name": "Root",
              "Remote-Email": "root@example.org", "Remote-Assurance": "2"}
    assert apache.browser().get("/app/y", headers=forged).status == 303
    e = echoed(apache.signed_in_browser(u).get("/app/y", headers=forged))
    assert e["remote-user"] == u.name and e["remote-groups"] == "admins", e
    assert "remote-name" not in e and "remote-email" not in e and e["remote-assurance"] == "1", e


def test_a_removed_group_takes_effect_at_the_next_request(stack, apache):
    u = stack.create_user()
    assert stack.tessera("user", "groups", u.name, "--add", "admins").returncode == 0
    b = apache.signed_in_browser(u)
    assert b.get("/app/y").status == 200
    assert stack.tessera("user", "groups", u.name, "--remove", "admins").returncode == 0
    assert b.get("/app/y").status == 403


def test_a_revoked_session_takes_effect_at_the_next_request(stack, apache):
    u = stack.create_user()
    b = apache.signed_in_browser(u)
    assert b.get("/docs/x.txt").status == 200
    assert stack.tessera("sessions", "revoke", "--user", u.name).returncode == 0
    assert b.get("/docs/x.txt").status == 303


def test_a_forged_cookie_is_not_a_session(apache):
    b = apache.browser()
    b.cookies[b.cookie_name] = "x" * 40 + "." + secrets.token_urlsafe(40)
    assert b.get("/docs/x.txt").status == 303


def test_a_bearer_token_passes_and_a_revoked_one_is_refused(stack, apache):
    u = stack.create_user()
    assert stack.tessera("user", "groups", u.name, "--add", "admins").returncode == 0
    r = stack.tessera("token", "add", u.name, "--label", "apache")
    assert r.returncode == 0, r.describe()
    token, tid = r.stdout.strip(), r.stderr.split()[1]
    SECRETS.remember(token)
    auth = {"Authorization": "Bearer " + token}
    r = apache.browser().get("/app/y", headers=auth)
    assert r.status == 200 and echoed(r)["remote-user"] == u.name, r.describe() + apache.logs()
    assert apache.browser().get("/docs/x.txt", headers=auth).status == 200
    assert stack.tessera("token", "revoke", tid).returncode == 0
    assert apache.browser().get("/app/y", headers=auth).status == 303


def test_a_second_factor_refusal_leads_to_setting_it_up_and_back(stack, apache):
    b = apache.signed_in_browser(stack.create_user())
    r = b.get("/docs/mfa/x.txt?a=1")
    link = re.search(r'<a href="(/account/[^"]*)"', r.body)
    assert r.status == 403 and link, r.describe() + apache.logs()
    assert html.unescape(link.group(1)) == "/account/2fa?next=/docs/mfa/x.txt%3Fa%3D1", r.describe()
    form = b.get(html.unescape(link.group(1))).form("/account/2fa")
    r = b.post("/account/2fa", form)
    assert r.status == 303, r.describe()
    page = b.get(r.header("Location"))
    form = page.form("/account/2fa")
    r = b.post("/account/2fa", dict(form, code=totp(shown_secret(page), offset=-1)))
    assert r.status == 200 and len(recovery_codes(r)) == 10, r.describe()
    back = re.search(r'<a href="([^"]*)">Continue to the page you asked for</a>', r.body)
    assert back and html.unescape(back.group(1)) == "/docs/mfa/x.txt?a=1", r.describe()
    r = b.get(html.unescape(back.group(1)))
    assert r.status == 200 and r.body == DOC_BODY, r.describe() + apache.logs()
