"""deploy/apache/tessera.conf in Debian's apache2 (mod_proxy_fcgi to the shared stack's pool socket):
sign-in, dashboard, sign-out and the error statuses over HTTPS, and the plain-HTTP redirect."""

import http.client
import re

import pytest

from browser import COOKIE
from deployment import ApacheFront


@pytest.fixture(scope="module")
def apache(stack):
    """Apache on 127.0.0.1 (HTTPS and HTTP ports) in front of the shared stack's pool."""
    front = ApacheFront(stack.socket).start()
    yield front
    front.stop()


@pytest.fixture
def visitor(apache):
    """A browser with an empty cookie jar, talking HTTPS to Apache."""
    return apache.browser()


def test_sign_in_dashboard_sign_out(stack, apache, visitor, user):
    r = visitor.login(user.name, user.password)
    assert r.status == 303 and r.location == "/dashboard", r.describe() + apache.logs()
    # HTTPS reached tessera: with cookie_secure = auto the cookie is Secure, with the __Host- prefix.
    assert "secure" in r.set_cookies["__Host-" + COOKIE].attrs, r.describe()
    r = visitor.get("/dashboard?from=apache")     # REQUEST_URI with a query routes on its path
    assert r.status == 200 and user.name in r.text, r.describe()
    r = visitor.logout()
    assert r.status == 303 and r.location == "/", r.describe()
    assert stack.session_count(user.name) == 0
    assert visitor.dashboard().status == 303


def test_remote_addr_reaches_the_pool(stack, visitor, user):
    assert visitor.login(user.name, user.password).status == 303
    log = stack.log_file.read_text(errors="replace")
    assert re.search(rf"login_ok user={re.escape(user.name)} addr=127\.0\.0\.1\b", log), \
        "no login_ok line with REMOTE_ADDR 127.0.0.1:\n" + log[-2000:]


def test_unknown_path_is_404(visitor):
    r = visitor.get("/no-such-page")
    assert r.status == 404 and r.is_html, r.describe()


@pytest.mark.parametrize("method, path, allowed", [("GET", "/login", "POST"), ("POST", "/dashboard", "GET")])
def test_wrong_method_is_405_with_allow(visitor, method, path, allowed):
    r = visitor.request(method, path, body=b"" if method == "POST" else None)
    assert r.status == 405 and r.is_html, r.describe()
    assert allowed in [m.strip() for m in (r.header("Allow") or "").split(",")], r.describe()


def test_malformed_form_is_400(visitor):
    csrf = visitor.login_csrf()
    r = visitor.post("/login", f"username=%zz&password=x&csrf={csrf}")
    assert r.status == 400 and r.is_html, r.describe()


def test_body_over_max_body_is_413(visitor):
    r = visitor.post("/login", b"username=x&pad=" + b"x" * (17 * 1024))
    assert r.status == 413, r.describe()


def test_plain_http_redirects_to_https(apache):
    conn = http.client.HTTPConnection("127.0.0.1", apache.http_port, timeout=10)
    try:
        conn.request("GET", "/dashboard")
        r = conn.getresponse()
        location = r.getheader("Location")
    finally:
        conn.close()
    assert r.status == 301 and location == f"https://localhost:{apache.port}/dashboard", (r.status, location)
