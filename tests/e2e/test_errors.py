"""Error statuses through nginx: 404, 405 with Allow, 413, 400, each a rendered HTML page."""

import pytest

from page import BAD_LOGIN


def test_unknown_path_is_rendered_404(browser):
    r = browser.get("/no-such-page")
    assert r.status == 404, r.describe()
    assert r.is_html, r.describe()


def test_unknown_path_signed_in_is_404_too(signed_in):
    r = signed_in.get("/dashboard/extra")
    assert r.status == 404, r.describe()


@pytest.mark.parametrize("method, path, allowed", [
    ("GET", "/login", "POST"),
    ("GET", "/logout", "POST"),
    ("POST", "/dashboard", "GET"),
    ("POST", "/", "GET"),
    ("DELETE", "/dashboard", "GET"),
])
def test_wrong_method_is_405_with_allow(browser, method, path, allowed):
    body = b"" if method == "POST" else None
    r = browser.request(method, path, body=body)
    assert r.status == 405, r.describe()
    allow = [m.strip().upper() for m in (r.header("Allow") or "").split(",")]
    assert allowed in allow, f"Allow header {r.header('Allow')!r} lacks {allowed}"
    assert method not in allow, f"Allow header {r.header('Allow')!r} lists the refused method"
    assert r.is_html, r.describe()


def test_body_over_max_body_is_413(browser, user):
    csrf = browser.login_csrf()
    body = f"username={user.name}&password={user.password}&csrf={csrf}&pad=".encode()
    body += b"x" * (16 * 1024 + 1024)
    r = browser.post("/login", body)      # http.client sends the exact Content-Length
    assert r.status == 413, r.describe()
    assert r.is_html, r.describe()


def test_body_just_under_max_body_is_not_413(browser, user):
    csrf = browser.login_csrf()
    body = f"username={user.name}&password=wrong&csrf={csrf}&pad=".encode()
    body += b"x" * (16 * 1024 - 512 - len(body))
    r = browser.post("/login", body)
    assert r.status == 401, r.describe()
    assert BAD_LOGIN in r.text


@pytest.mark.parametrize("encoded", ["username=%zz&password=x", "username=%4&password=x",
                                     "username=abc&password=%"], ids=["bad-hex", "short-escape", "bare-percent"])
def test_malformed_form_encoding_is_400(browser, encoded):
    csrf = browser.login_csrf()
    r = browser.post("/login", f"{encoded}&csrf={csrf}")
    assert r.status == 400, r.describe()
    assert r.is_html, r.describe()


def test_bad_requests_kill_no_worker(stack, browser, user):
    workers = sorted(stack.pool_pids())
    browser.post("/login", "username=%zz&password=x")
    browser.post("/login", b"x" * 40000)
    browser.request("PUT", "/login", body=b"\x00\xff" * 100)
    browser.request("GET", "/" + "a" * 3000 + "?%zz=%%&x=" + "b" * 3000)
    browser.get("/", headers={"Cookie": ";;=;" + "c" * 2000})
    r = stack.browser().login(user.name, user.password)
    assert r.status == 303, r.describe()
    assert sorted(stack.pool_pids()) == workers, "a worker was replaced (it died) during bad requests"
