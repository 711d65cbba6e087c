"""`make run` (deploy/local/run.sh) in a directory of its own: it shows the role split of a real
install (the roles come from deploy/postgresql/roles.sql, the owner migrates and creates the demo
user, the pool serves connected as tessera_web, a member of tessera_app only), its nginx is the
gateway configuration (clients asking for /auth get 404), and no log it writes is world-readable."""

import http.client
import re
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from browser import Browser
from processes import REPO, clean_env, free_port, run, stop_process_group

RUN_SH = REPO / "deploy" / "local" / "run.sh"
READY = "tessera is running at"


class RunSh:
    """deploy/local/run.sh in the foreground of its own process group, its output collected."""

    def __init__(self, var, port):
        self.lines = []
        self.proc = subprocess.Popen([str(RUN_SH)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, start_new_session=True,
                                     env={**clean_env(), "VAR_DIR": str(var), "PORT": str(port)})
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)

    def output(self):
        """Returns what it printed so far."""
        return "".join(self.lines)

    def wait_ready(self, timeout=180):
        """Waits until it says the stack runs; fails the test if it exits or takes too long."""
        deadline = time.monotonic() + timeout
        while READY not in self.output():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("run.sh did not start the stack:\n" + self.output(), pytrace=False)
            time.sleep(0.2)

    def stop(self):
        """Ctrl-C, as a developer stops it; waits for the teardown (then kills what is left)."""
        stop_process_group(self.proc, 60, signal.SIGINT)


@pytest.fixture(scope="module")
def make_run():
    """run.sh with its var/ in a temp dir, on a free port. Returns (var, port, demo password)."""
    top = Path(tempfile.mkdtemp(prefix="tessera-e2e-run-"))
    top.chmod(0o755)
    var, port = top / "var", free_port()
    r = RunSh(var, port)
    try:
        r.wait_ready()
        password = re.search(r'created user "demo", password: (\S+)', r.output()).group(1)
        yield var, port, password
    finally:
        r.stop()
        shutil.rmtree(top, ignore_errors=True)


def test_the_pool_of_make_run_connects_as_tessera_web(make_run):
    var, port, password = make_run
    b = Browser(SimpleNamespace(port=port, tls_port=None, tls_cert=None))
    assert b.login("demo", password).status == 303
    assert b.dashboard().status == 200
    r = run(["psql", "-X", "-At", "-h", var / "pg", "-U", "tessera", "-d", "tessera", "-c",
             "SELECT string_agg(DISTINCT usename, ',') FROM pg_stat_activity "
             "WHERE application_name = 'tessera'"], as_tessera=True)
    assert r.returncode == 0 and r.stdout.strip() == "tessera_web", r.describe()
    conf = (var / "tessera.conf").read_text()
    assert re.search(r"^database = .* user=tessera_web$", conf, re.M), conf
    assert re.search(r"^database = .* user=tessera$", (var / "admin.conf").read_text(), re.M)


def get(port, path):
    """Returns (status, headers) of GET path on 127.0.0.1:port."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        r.read()
        return r.status, dict(r.getheaders())
    finally:
        conn.close()


def test_clients_get_404_for_auth(make_run):
    _, port, _ = make_run
    assert get(port, "/ping")[0] == 200
    status, headers = get(port, "/auth")
    assert status == 404, headers
    assert "X-Tessera-User" not in headers, headers


def test_no_log_is_world_readable(make_run):
    var, port, _ = make_run
    get(port, "/ping")                      # nginx's access log exists once something was asked
    logs = sorted((var / "log").iterdir())
    assert {p.name for p in logs} >= {"tessera.log", "nginx-access.log", "nginx-error.log", "postgresql.log"}
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in logs}
    assert all(mode & 0o007 == 0 for mode in modes.values()), {k: oct(v) for k, v in modes.items()}
    assert modes["tessera.log"] == 0o640, oct(modes["tessera.log"])
