"""deploy/systemd: the units as `make install` puts them pass `systemd-analyze verify` and a sandbox
exposure check, say what the deployment needs, and the pool serves on a socket passed the way
tessera.socket passes it (systemd-socket-activate runs tessera.service's ExecStart on it).

systemd-analyze verify needs ExecStart's binary to exist: the test installs into a temp DESTDIR and
verifies copies of the installed units whose only change is that binary's path (DESTDIR prefixed);
MANPATH points at the installed man pages, so Documentation=man:... must resolve too."""

import os
import shlex
import shutil
import tempfile
from pathlib import Path

import pytest

from deployment import make_install, render
from processes import IS_ROOT, RUN_USER, run, start_pool_process, stop_process_group
from stack import BIN, nginx_front

UNITS = ("tessera.socket", "tessera.service", "tessera-purge.service", "tessera-purge.timer")
INSTALLED_BIN = "/usr/local/sbin/tessera"


def unit_settings(path):
    """Returns {key: [values]} of a unit file (sections merged; every repeat kept)."""
    settings = {}
    for line in Path(path).read_text().splitlines():
        if "=" in line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


@pytest.fixture(scope="module")
def units():
    """{name: path} of the installed units, ExecStart's binary pointed into the temp DESTDIR
    (which is "destdir")."""
    destdir = Path(tempfile.mkdtemp(prefix="tessera-e2e-systemd-"))
    make_install(destdir)
    verify = destdir / "verify"
    verify.mkdir()
    paths = {}
    for name in UNITS:
        text = (destdir / "usr/local/lib/systemd/system" / name).read_text()
        for key in ("ExecStart", "ExecReload"):
            if f"{key}=" in text:
                text = render(text, {f"{key}={INSTALLED_BIN} ": f"{key}={destdir}{INSTALLED_BIN} "})
        paths[name] = verify / name
        paths[name].write_text(text)
    paths["destdir"] = destdir
    yield paths
    shutil.rmtree(destdir, ignore_errors=True)


def test_units_pass_systemd_analyze_verify(units):
    r = run(["systemd-analyze", "verify", *(units[u] for u in UNITS)], cwd="/",
            env={**os.environ, "MANPATH": str(units["destdir"] / "usr/local/share/man")})
    assert r.returncode == 0 and r.stderr.strip() == "", r.describe()


@pytest.mark.parametrize("unit", ["tessera.service", "tessera-purge.service"])
def test_service_sandbox_exposure_is_low(units, unit):
    # Exposure 0.0 (locked down) to 10.0; --threshold is on a 0-100 scale: at most 2.0 here.
    r = run(["systemd-analyze", "security", "--offline=yes", "--threshold=20", units[unit]], cwd="/")
    assert r.returncode == 0, r.describe()


def test_service_runs_unprivileged_and_sandboxed(units):
    s = unit_settings(units["tessera.service"])
    for key, value in {"User": "tessera", "NoNewPrivileges": "yes", "ProtectSystem": "strict",
                       "PrivateTmp": "yes", "ProtectHome": "yes", "CapabilityBoundingSet": "",
                       "Requires": "tessera.socket"}.items():
        assert s.get(key) == [value], f"tessera.service: {key}={s.get(key)}, want {value!r}"
    assert "ReadWritePaths" not in s, "tessera.service writes nowhere: no ReadWritePaths"


def exec_reload_check(units, conf):
    """Returns tessera.service's first ExecReload as an argv for this machine: BIN, config conf."""
    line = unit_settings(units["tessera.service"])["ExecReload"][0]
    return shlex.split(render(line, {f"{units['destdir']}{INSTALLED_BIN}": BIN,
                                     "/etc/tessera/tessera.conf": conf}))


def test_reload_runs_check_before_the_signal(units):
    s = unit_settings(units["tessera.service"])
    assert s["ExecReload"] == [f"{units['destdir']}{INSTALLED_BIN} -c /etc/tessera/tessera.conf check",
                               "/bin/kill -HUP $MAINPID"], s["ExecReload"]


def test_reload_check_fails_on_a_broken_config_and_passes_on_a_good_one(stack, units):
    """systemd runs ExecReload as the pool's user: a non-zero exit fails `systemctl reload` before
    the pool is signalled. A value out of range, or a secret file the user cannot read, fails it."""
    good = stack.write_variant_config("reload-good")
    r = run(exec_reload_check(units, good), as_tessera=True)
    assert r.returncode == 0 and r.stdout.strip() == f"{good}: ok", r.describe()
    bad = stack.write_variant_config("reload-bad", workers="0")
    r = run(exec_reload_check(units, bad), as_tessera=True)
    assert r.returncode == 1 and "workers" in r.stderr, r.describe()
    if IS_ROOT:
        secret = stack.dir / "root-only-secret"
        shutil.copy(stack.secret_file, secret)
        os.chmod(secret, 0o600)
        unreadable = stack.write_variant_config("reload-unreadable", secret_file=secret)
        r = run(exec_reload_check(units, unreadable), as_tessera=True)
        assert r.returncode == 1 and "secret_file" in r.stderr and "Permission denied" in r.stderr, \
            r.describe()


def test_socket_is_group_www_data_mode_0660(units):
    s = unit_settings(units["tessera.socket"])
    assert s["ListenStream"] == ["/run/tessera/tessera.sock"]
    assert (s["SocketUser"], s["SocketGroup"], s["SocketMode"]) == (["tessera"], ["www-data"], ["0660"])


def test_timer_runs_sessions_purge(units):
    assert "OnCalendar" in unit_settings(units["tessera-purge.timer"])
    purge = unit_settings(units["tessera-purge.service"])
    assert purge["ExecStart"][0].endswith(" sessions purge") and purge["User"] == ["tessera"]


def test_pool_serves_on_the_socket_systemd_passes(stack, units, user):
    """systemd-socket-activate creates the socket (as tessera.socket does, here as the pool's user)
    and execs tessera.service's ExecStart on the first connection, with LISTEN_FDS set. The config
    has no `listen` and standard input is not a socket: serving proves the pool took fd 3."""
    sock = stack.run_dir / "activated.sock"
    conf = stack.write_variant_config("activated", listen=None)
    exec_start = unit_settings(units["tessera.service"])["ExecStart"][0]
    argv = shlex.split(render(exec_start, {f"{units['destdir']}{INSTALLED_BIN}": BIN,
                                           "/etc/tessera/tessera.conf": conf}))
    as_user = {"user": RUN_USER, "group": RUN_USER, "extra_groups": []} if IS_ROOT else {}
    proc = start_pool_process(["systemd-socket-activate", "-l", sock, "--", *argv], sock,
                              stack.dir / "activated.out", **as_user)
    front = None
    try:
        front = nginx_front("activated", sock)
        r = front.signed_in_browser(user).dashboard()
        assert r.status == 200 and user.name in r.text, r.describe()
        assert Path(f"/proc/{proc.pid}/cmdline").read_bytes().split(b"\0")[0] == str(BIN).encode()
    finally:
        if front is not None:
            front.stop()
        assert stop_process_group(proc) == 0
