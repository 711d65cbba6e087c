"""The socket `serve --listen` creates: mode socket_mode (0660 by default), given to socket_user and
socket_group (default: user and group) when started as root; the pool itself runs as user. One pool
per socket: a socket something accepts on is never taken over, a stale one is replaced."""

import grp
import os
import pwd
import socket
import stat

import pytest

from processes import IS_ROOT, RUN_USER, error_line, run, start_pool_process, stop_process_group, wait_for
from stack import BIN

pytestmark = pytest.mark.skipif(not IS_ROOT, reason="owners and privilege drop need root")


def serve_listen(stack, name, **overrides):
    """Starts `serve --listen DIR/run/NAME.sock` on a variant of stack's config. Returns (proc, sock)."""
    conf = stack.write_variant_config(name, **overrides)
    sock = stack.run_dir / f"{name}.sock"
    proc = start_pool_process([BIN, "-c", conf, "serve", "--listen", sock], sock,
                              stack.dir / f"{name}.out", stack.logs)
    wait_for("the workers", lambda: children(proc.pid), 10, stack.logs)    # privileges dropped by then
    return proc, sock


def ids(pid):
    """Returns ({real, effective, saved, fs uids}, {gids}, supplementary groups) of process pid."""
    fields = dict(line.split(":", 1) for line in open(f"/proc/{pid}/status").read().splitlines())
    return (set(fields["Uid"].split()), set(fields["Gid"].split()), set(fields["Groups"].split()))


def children(pid):
    """Returns the pids of pid's child processes."""
    return [int(c) for t in os.listdir(f"/proc/{pid}/task")
            for c in open(f"/proc/{pid}/task/{t}/children").read().split()]


def test_socket_is_0660_and_belongs_to_user_and_group(stack):
    proc, sock = serve_listen(stack, "sock-default")
    try:
        st = os.stat(sock)
        assert stat.S_ISSOCK(st.st_mode)
        assert stat.S_IMODE(st.st_mode) == 0o660, oct(st.st_mode)
        assert pwd.getpwuid(st.st_uid).pw_name == RUN_USER
        assert grp.getgrgid(st.st_gid).gr_name == RUN_USER
        user = pwd.getpwnam(RUN_USER)
        for pid in [proc.pid, *children(proc.pid)]:
            uids, gids, groups = ids(pid)
            assert uids == {str(user.pw_uid)}, (pid, uids)
            assert gids == {str(user.pw_gid)} and groups <= {str(user.pw_gid)}, (pid, gids, groups)
    finally:
        assert stop_process_group(proc) == 0


def test_socket_mode_socket_user_and_socket_group_are_honoured(stack):
    proc, sock = serve_listen(stack, "sock-custom", socket_mode="0600", socket_user="nobody",
                              socket_group="www-data")
    try:
        st = os.stat(sock)
        assert stat.S_IMODE(st.st_mode) == 0o600, oct(st.st_mode)
        assert pwd.getpwuid(st.st_uid).pw_name == "nobody"
        assert grp.getgrgid(st.st_gid).gr_name == "www-data"
        uids, _, _ = ids(proc.pid)
        assert uids == {str(pwd.getpwnam(RUN_USER).pw_uid)}, "the pool does not run as user"
    finally:
        assert stop_process_group(proc) == 0


def test_second_serve_on_a_live_socket_refuses_and_leaves_the_first_pool_serving(stack, user):
    """One pool per socket: a second `serve --listen` on the socket the stack's pool accepts on says
    so in one line and exits 1; the socket file stays, so nginx keeps reaching the first pool."""
    conf = stack.write_variant_config("second-pool")
    r = run([BIN, "-c", conf, "serve", "--listen", stack.socket], timeout=30)
    line = error_line(r)
    assert r.returncode == 1 and str(stack.socket) in line and "another process" in line, r.describe()
    assert stat.S_ISSOCK(os.stat(stack.socket).st_mode)
    assert stack.browser().login(user.name, user.password).status == 303


def test_serve_replaces_a_stale_socket_file(stack, user):
    """A socket file nothing accepts on (left by a pool that was killed) is replaced."""
    sock = stack.run_dir / "stale.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.bind(str(sock))       # bound, never listening, then closed: a dead socket file
    assert stat.S_ISSOCK(os.stat(sock).st_mode)
    proc, _ = serve_listen(stack, "stale")
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(str(sock))
    finally:
        assert stop_process_group(proc) == 0


def test_serve_never_removes_a_file_that_is_not_a_socket(stack):
    path = stack.run_dir / "not-a-socket"
    path.write_text("data\n")
    conf = stack.write_variant_config("not-a-socket")
    r = run([BIN, "-c", conf, "serve", "--listen", path], timeout=30)
    line = error_line(r)
    assert str(path) in line, line
    assert path.read_text() == "data\n"
@pytest.mark.parametrize("key, kind", [("socket_user", "user"), ("socket_group", "group")])
def test_an_unknown_socket_owner_refuses_to_start_naming_it(stack, key, kind):
    """A socket that would silently stay root's (nginx then cannot connect) is refused at start-up."""
    conf = stack.write_variant_config(f"sock-{kind}", **{key: "no-such-" + kind})
    r = stack.tessera("serve", conf=conf, timeout=15)
    assert not r.timed_out, "serve started with an unknown socket owner\n" + r.describe()
    assert r.returncode == 1, r.describe()
    assert r.stderr.strip() == f"tessera: {key}: no-such-{kind}: no such {kind}", r.describe()
