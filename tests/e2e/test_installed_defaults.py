"""An installed binary runs with a configuration that names only `database`: the compiled-in paths
follow the Makefile's PREFIX (templates and migrations under $(PREFIX)/share/tessera) and SYSCONFDIR
(/etc/tessera/tessera.conf, /etc/tessera/secret). The test installs into a temp DESTDIR and runs the
installed binary from / in a mount namespace where that DESTDIR's /usr/local is the machine's and
/etc/tessera holds the minimal config and a secret (an overlay: the machine's /etc is untouched)."""

import grp
import os
import shlex
import shutil
import tempfile
from pathlib import Path

import pytest

from deployment import make_install
from processes import IS_ROOT, RUN_USER, run, start_pool_process, stop_process_group
from stack import new_secret, nginx_front

pytestmark = pytest.mark.skipif(not IS_ROOT, reason="mount namespaces need root")


@pytest.fixture(scope="module")
def system(stack):
    """{"destdir", "upper", "work"}: an install with PREFIX=/usr/local, and an /etc overlay whose
    tessera/ holds tessera.conf (database only) and secret (root:tessera 0640)."""
    root = Path(tempfile.mkdtemp(prefix="tessera-e2e-installed-"))
    os.chmod(root, 0o755)
    destdir, upper, work = root / "destdir", root / "upper", root / "work"
    for d in (destdir, upper / "tessera", work):
        d.mkdir(parents=True)
    make_install(destdir)
    os.chmod(upper / "tessera", 0o755)
    (upper / "tessera" / "tessera.conf").write_text(f"database = {stack.config['database']}\n")
    secret = upper / "tessera" / "secret"
    secret.write_text(new_secret() + "\n")
    os.chown(secret, 0, grp.getgrnam(RUN_USER).gr_gid)
    os.chmod(secret, 0o640)
    r = run(["unshare", "--mount", "true"])
    if r.returncode != 0:
        pytest.skip("no mount namespaces here: " + r.stderr.strip())
    yield {"destdir": destdir, "upper": upper, "work": work}
    shutil.rmtree(root, ignore_errors=True)


def installed(system, *args):
    """Returns an argv that runs /usr/local/sbin/tessera ARGS as the tessera user from /, with the
    install mounted at /usr/local and /etc/tessera from the overlay, no -c: the default config."""
    script = (f"mount -t overlay overlay -o lowerdir=/etc,upperdir={system['upper']},"
              f"workdir={system['work']} /etc && "
              f"mount --bind {system['destdir']}/usr/local /usr/local && cd / && "
              f"exec setpriv --reuid={RUN_USER} --regid={RUN_USER} --init-groups "
              f"/usr/local/sbin/tessera {shlex.join(map(str, args))}")
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script]


def test_the_installed_binary_checks_ok_with_only_database_set(system):
    r = run(installed(system, "check"), timeout=30)
    assert r.returncode == 0 and r.stdout == "/etc/tessera/tessera.conf: ok\n", r.describe()


def test_the_installed_binary_serves_and_signs_in_with_only_database_set(stack, system, user):
    sock = stack.run_dir / "installed.sock"
    proc = start_pool_process(installed(system, "serve", "--listen", sock), sock,
                              stack.dir / "installed.out")
    front = None
    try:
        front = nginx_front("installed", sock)
        r = front.signed_in_browser(user).dashboard()
        assert r.status == 200 and user.name in r.text, r.describe()
    finally:
        if front is not None:
            front.stop()
        assert stop_process_group(proc) == 0
