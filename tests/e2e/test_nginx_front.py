"""nginx in front (deploy/local/nginx.conf.in, deploy/nginx/tessera.conf and tessera-fastcgi.conf): the
answers nginx makes itself carry the security headers, HTTPS answers carry one HSTS header, and a
flood of slow clients neither exhausts nginx nor keeps a normal client from being served."""

import os
import pwd
import resource
import select
import socket
import ssl
import time

import pytest

from deployment import DEPLOY, render
from page import Response, security_header_problems
from processes import IS_ROOT, RUN_USER, free_port, run, run_ok, wait_for
from stack import nginx_front, self_signed_cert

HEADER_TIMEOUT = 10             # client_header_timeout and client_body_timeout in both configs
PER_ADDRESS = 100               # limit_conn in both configs

# Requests nginx refuses itself, before the pool sees them (curl --path-as-is, long URI, long
# Cookie, unknown Transfer-Encoding); each with the status the client gets.
NGINX_OWN = {
    "400-nul-in-path": (400, b"GET /dashboard%00 HTTP/1.1\r\nHost: localhost\r\n\r\n"),
    "414-long-uri": (414, b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: localhost\r\n\r\n"),
    "494-long-cookie": (400, b"GET / HTTP/1.1\r\nHost: localhost\r\nCookie: x=" + b"a" * 9000 + b"\r\n\r\n"),
    "501-transfer-encoding": (501, b"POST /login HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: foo\r\n\r\n"),
    "404-the-error-page-itself": (404, b"GET /.tessera-error HTTP/1.1\r\nHost: localhost\r\n\r\n"),
}


def parse_response(raw):
    """Returns the Response in raw bytes (status line, headers, body), or None when empty."""
    if not raw:
        return None
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    _, status, reason = (lines[0].split(" ", 2) + [""])[:3]
    headers = [tuple(part.strip() for part in line.split(":", 1)) for line in lines[1:] if ":" in line]
    return Response(int(status), reason, headers, body.decode("utf-8", "replace"))


def raw_request(port, data, cert=None, source="127.0.0.1", timeout=10):
    """Sends data to 127.0.0.1:port (over TLS verified against cert, when given) and reads until nginx
    closes. Returns the parsed Response."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout, source_address=(source, 0))
    if cert is not None:
        s = ssl.create_default_context(cafile=str(cert)).wrap_socket(s, server_hostname="localhost")
    with s:
        s.sendall(data.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1))
        raw = b""
        while chunk := s.recv(65536):
            raw += chunk
    return parse_response(raw)


@pytest.mark.parametrize("name", NGINX_OWN)
def test_nginx_own_answers_carry_the_security_headers(stack, name):
    status, data = NGINX_OWN[name]
    r = raw_request(stack.port, data)
    assert r is not None and r.status == status, r
    assert security_header_problems(r) == [], r
    assert "This request could not be answered" in r.body, r


# --------------------------------------------------------------------------
# the production server block, deploy/nginx/tessera.conf, run as written but for paths and ports

PRODUCTION_MAIN = """{user}
pid "{d}/nginx.pid";
error_log "{d}/error.log";
events {{}}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path "{d}/tmp/body";
    fastcgi_temp_path "{d}/tmp/fastcgi";
    proxy_temp_path "{d}/tmp/proxy";
    uwsgi_temp_path "{d}/tmp/uwsgi";
    scgi_temp_path "{d}/tmp/scgi";
    include "{d}/tessera.conf";
}}
"""


@pytest.fixture(scope="module")
def production(stack, tmp_path_factory):
    """deploy/nginx/tessera.conf in front of the shared stack's pool. Yields (https port, cert)."""
    d = tmp_path_factory.mktemp("nginx-production")
    os.chmod(d, 0o755)
    cert, key = self_signed_cert(d)
    http_port, https_port = free_port(), free_port()
    conf = render((DEPLOY / "nginx" / "tessera.conf").read_text(), {
        "listen 80;": f"listen 127.0.0.1:{http_port};", "listen [::]:80;": "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;", "listen [::]:443 ssl http2;": "",
        "/etc/ssl/tessera/fullchain.pem": cert, "/etc/ssl/tessera/privkey.pem": key,
        "/var/log/nginx/": f"{d}/", "unix:/run/tessera/tessera.sock": f"unix:{stack.socket}",
        "include snippets/tessera-fastcgi.conf;": f'include "{DEPLOY}/nginx/tessera-fastcgi.conf";'})
    (d / "tessera.conf").write_text(conf)
    (d / "nginx.conf").write_text(PRODUCTION_MAIN.format(
        d=d, user=f"user {RUN_USER} {RUN_USER};" if IS_ROOT else ""))
    (d / "tmp").mkdir()
    if IS_ROOT:
        pw = pwd.getpwnam(RUN_USER)
        os.chown(d / "tmp", pw.pw_uid, pw.pw_gid)
    nginx = ["nginx", "-p", d, "-c", d / "nginx.conf", "-e", d / "error.log"]
    run_ok(nginx)
    try:
        wait_for("production nginx", lambda: raw_request(https_port, b"GET /ping HTTP/1.1\r\nHost: localhost\r\n\r\n",
                                                         cert).status == 200, 20)
        yield https_port, cert
    finally:
        run(nginx + ["-s", "quit"])


HTTPS_ANSWERS = {             # the pool's answers and nginx's own, over HTTPS
    "pool-ping": b"GET /ping HTTP/1.1\r\nHost: localhost\r\n\r\n",
    "pool-sign-in-page": b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
    "nginx-400": NGINX_OWN["400-nul-in-path"][1],
    "nginx-413": b"POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Length: 40000\r\n\r\n" + b"x" * 40000,
}


@pytest.mark.parametrize("name", HTTPS_ANSWERS)
def test_production_https_answers_carry_one_hsts_header(production, name):
    port, cert = production
    r = raw_request(port, HTTPS_ANSWERS[name], cert)
    assert r is not None, name
    assert security_header_problems(r, https=True) == [], r


# --------------------------------------------------------------------------
# slow clients


def open_slow(port, count, source, data):
    """Opens count connections to 127.0.0.1:port from address source, each sending data, then nothing."""
    socks = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))
        s.sendall(data)
        socks.append(s)
    return socks


@pytest.fixture(scope="module")
def front(stack):
    """An nginx of its own (the local config) in front of the shared stack's pool."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(max(soft, 8192), hard), hard))
    f = nginx_front("slow-flood", stack.socket)
    yield f
    f.stop()
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def readable(socks, timeout):
    """Returns the sockets of socks that have something to read (or were closed) within timeout s."""
    poller, by_fd = select.poll(), {s.fileno(): s for s in socks}
    for fd in by_fd:
        poller.register(fd, select.POLLIN)
    return [by_fd[fd] for fd, _ in poller.poll(timeout * 1000)]


def closed_within(socks, seconds):
    """Waits up to seconds for nginx to close every socket of socks. Returns how many it closed."""
    pending, deadline = set(socks), time.monotonic() + seconds
    while pending and time.monotonic() < deadline:
        for s in readable(pending, 0.5):
            try:
                if s.recv(65536) == b"":
                    pending.discard(s)
            except OSError:
                pending.discard(s)
    return len(socks) - len(pending)


def test_a_slow_header_flood_leaves_a_normal_client_served(front):
    """1,100 connections that never finish their headers once exhausted worker_connections."""
    slow = open_slow(front.port, 1100, "127.0.0.2", b"GET / HTTP/1.1\r\nHost: localhost\r\n")
    try:
        started = time.monotonic()
        answers = [front.browser(timeout=5).get("/ping").status for _ in range(20)]
        closed = closed_within(slow, HEADER_TIMEOUT + 5)
        took = time.monotonic() - started
    finally:
        for s in slow:
            s.close()
    assert answers == [200] * 20, answers
    assert closed == len(slow), f"{len(slow) - closed} slow connections still open after {took:.1f}s"
    assert took >= HEADER_TIMEOUT - 1, f"slow connections were closed after only {took:.1f}s"


def test_one_address_has_at_most_limit_conn_requests_in_progress(front):
    """Past the limit, requests from that address get nginx's 503 (with the headers) at once."""
    body_pending = b"POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\nx"
    slow = open_slow(front.port, PER_ADDRESS + 30, "127.0.0.3", body_pending)
    try:
        time.sleep(0.5)
        refused = [parse_response(s.recv(65536)) for s in readable(slow, 2)]
        ok = front.browser(timeout=5).get("/ping").status
    finally:
        for s in slow:
            s.close()
    assert ok == 200
    assert len(refused) == 30 and all(r is not None and r.status == 503 for r in refused), refused[:3]
    assert all(security_header_problems(r) == [] for r in refused), refused[0]
