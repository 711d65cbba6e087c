"""`make run` (deploy/local/run.sh) in a directory of its own: its nginx is the gateway configuration
(clients asking for /auth get 404, as the README says), and no log it writes is world-readable."""

import http.client
import os
import select
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from stack import REPO, clean_env, free_port

START_TIMEOUT = 180             # seconds: a new cluster, migrations, a demo user's Argon2id hash


@pytest.fixture(scope="module")
def make_run():
    """deploy/local/run.sh with VAR_DIR in a temp dir, on a free port. Yields (port, var dir)."""
    top = Path(tempfile.mkdtemp(prefix="tessera-e2e-make-run-", dir="/tmp"))
    os.chmod(top, 0o755)                    # the tessera user must traverse it when we are root
    var = top / "var"
    port = free_port()
    proc = subprocess.Popen([str(REPO / "deploy" / "local" / "run.sh")], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True,
                            env={**clean_env(), "PORT": str(port), "VAR_DIR": str(var)})
    seen, deadline = [], time.monotonic() + START_TIMEOUT
    try:
        while not any("tessera is running" in line for line in seen):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("run.sh did not start:\n" + "".join(seen), pytrace=False)
            if select.select([proc.stdout], [], [], 1)[0]:
                seen.append(proc.stdout.readline())
        yield port, var
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        shutil.rmtree(top, ignore_errors=True)


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
    port, _ = make_run
    assert get(port, "/ping")[0] == 200
    status, headers = get(port, "/auth")
    assert status == 404, headers
    assert "X-Tessera-User" not in headers, headers


def test_no_log_is_world_readable(make_run):
    port, var = make_run
    get(port, "/ping")                      # nginx's access log exists once something was asked
    logs = sorted((var / "log").iterdir())
    assert {p.name for p in logs} >= {"tessera.log", "nginx-access.log", "nginx-error.log", "postgresql.log"}
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in logs}
    assert all(mode & 0o007 == 0 for mode in modes.values()), {k: oct(v) for k, v in modes.items()}
    assert modes["tessera.log"] == 0o640, oct(modes["tessera.log"])
