"""The pool under spawn-fcgi, started with the very command deploy/spawn-fcgi/README.md gives (paths
changed), on the shared stack's database, serving through nginx."""

import grp
import os
import pwd
import shlex
import signal
import stat

import pytest

from deployment import DEPLOY, render
from processes import IS_ROOT, RUN_USER, start_pool_process, stop_process_group
from stack import BIN, nginx_front

# spawn-fcgi's privilege options: only root may use them.
ROOT_ONLY_OPTIONS = {"-u", "-g", "-U", "-G"}


def readme_command(sock, conf):
    """Returns the README's production command as argv, with this test's socket, binary and config."""
    lines = (DEPLOY / "spawn-fcgi" / "README.md").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("    spawn-fcgi "))
    command = []
    for line in lines[start:]:
        command.append(line.strip().rstrip("\\"))
        if not line.endswith("\\"):
            break
    argv = shlex.split(render(" ".join(command), {
        "/run/tessera/tessera.sock": sock, "/usr/local/sbin/tessera": BIN,
        "/etc/tessera/tessera.conf": conf}))
    if not IS_ROOT:
        argv = [a for i, a in enumerate(argv)
                if a not in ROOT_ONLY_OPTIONS and argv[i - 1] not in ROOT_ONLY_OPTIONS]
    return argv


@pytest.fixture(scope="module")
def spawned(stack):
    """The pool under spawn-fcgi (config without `listen`: it serves fd 0) and an nginx in front."""
    sock = stack.run_dir / "spawn-fcgi.sock"
    conf = stack.write_variant_config("spawn-fcgi", listen=None)
    out = stack.dir / "spawn-fcgi.out"
    proc = start_pool_process(readme_command(sock, conf), sock, out)
    front = nginx_front("spawn-fcgi", sock)
    yield proc, sock, front
    front.stop()
    stop_process_group(proc)


def test_it_serves_sign_in_and_dashboard_through_nginx(spawned, user):
    _, _, front = spawned
    b = front.browser()
    r = b.login(user.name, user.password)
    assert r.status == 303, r.describe()
    r = b.dashboard()
    assert r.status == 200 and user.name in r.text, r.describe()


def test_spawn_fcgi_execs_the_supervisor_in_place(spawned):
    proc, _, _ = spawned
    argv0 = open(f"/proc/{proc.pid}/cmdline", "rb").read().split(b"\0")[0]
    assert argv0 == str(BIN).encode(), argv0


@pytest.mark.skipif(not IS_ROOT, reason="spawn-fcgi drops privileges only when started as root")
def test_socket_and_pool_belong_to_the_unprivileged_user(spawned):
    proc, sock, _ = spawned
    st = os.stat(sock)
    assert stat.S_IMODE(st.st_mode) == 0o660, oct(st.st_mode)
    assert pwd.getpwuid(st.st_uid).pw_name == RUN_USER
    assert grp.getgrgid(st.st_gid).gr_name == "www-data"
    status = open(f"/proc/{proc.pid}/status").read()
    uid = pwd.getpwnam(RUN_USER).pw_uid
    assert f"Uid:\t{uid}\t{uid}\t{uid}\t{uid}" in status, status


def test_sigterm_stops_it_with_status_0(spawned):
    proc, _, _ = spawned
    assert stop_process_group(proc, sig=signal.SIGTERM) == 0
