"""`make install` / `make uninstall` with DESTDIR and PREFIX, the installed man pages and example
config as the program reads them (that their text follows the code: tests/lint/test_config_docs.py)."""

import os
import re
import shutil
import stat
import tempfile
from pathlib import Path

import pytest

from deployment import DEPLOY, make_install, makefile_variable
from processes import REPO, run
from stack import BIN

MAN8 = DEPLOY / "man" / "tessera.8"
EXAMPLE_CONF = DEPLOY / "tessera.conf"


@pytest.fixture(scope="module")
def destdir():
    """A temp dir with `make install DESTDIR=... PREFIX=/usr/local` done in it."""
    d = Path(tempfile.mkdtemp(prefix="tessera-e2e-install-"))
    make_install(d)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def expected_files():
    """Returns the paths (relative to DESTDIR) `make install` must create with PREFIX=/usr/local."""
    files = {"usr/local/sbin/tessera", "usr/local/share/man/man8/tessera.8",
             "usr/local/share/man/man5/tessera.conf.5", "etc/tessera/tessera.conf.example",
             "usr/local/share/tessera/roles.sql", "usr/local/share/doc/tessera/examples/logrotate/tessera"}
    files |= {f"usr/local/lib/systemd/system/{u.name}" for u in (DEPLOY / "systemd").iterdir()}
    files |= {f"usr/local/share/tessera/templates/{t.name}" for t in (REPO / "templates").iterdir()}
    files |= {f"usr/local/share/tessera/migrations/{m.name}" for m in (REPO / "migrations").glob("*.sql")}
    for pattern in ("nginx/*.conf", "nginx/*.js", "apache/*.conf"):
        files |= {f"usr/local/share/doc/tessera/examples/{e.relative_to(DEPLOY)}" for e in DEPLOY.glob(pattern)}
    return files


def installed_files(root):
    """Returns every file under root, as paths relative to it."""
    return {str(p.relative_to(root)) for p in Path(root).rglob("*") if not p.is_dir()}


def test_install_puts_every_file_where_debian_expects_it(destdir):
    assert installed_files(destdir) == expected_files()
    binary = destdir / "usr/local/sbin/tessera"
    assert stat.S_IMODE(binary.stat().st_mode) == 0o755
    assert binary.read_bytes() == BIN.read_bytes()
    assert run([binary, "-h"]).returncode == 0


def test_installed_text_names_the_installed_paths(tmp_path):
    make_install(tmp_path, prefix="/usr")
    service = (tmp_path / "usr/lib/systemd/system/tessera.service").read_text()
    assert "ExecStart=/usr/sbin/tessera -c /etc/tessera/tessera.conf serve" in service
    assert "ExecReload=/usr/sbin/tessera -c /etc/tessera/tessera.conf check" in service
    conf = (tmp_path / "etc/tessera/tessera.conf.example").read_text()
    assert "# templates = /usr/share/tessera/templates" in conf
    for path in installed_files(tmp_path):
        if not path.endswith("sbin/tessera"):
            assert "/usr/local" not in (tmp_path / path).read_text(), path


# What only a source tree has: a shipped file that names one is no use on an installed system.
SOURCE_TREE_ONLY = re.compile(r"\bdeploy/|\btests/|/path/to/|(?<![\w/])bin/tessera\b|make run|@[A-Z]+@")


def test_every_shipped_example_names_installed_paths(tmp_path):
    """Every text file `make install` ships names no path of the source tree, and every path it
    names under PREFIX that belongs to tessera is one the install created."""
    make_install(tmp_path, prefix="/usr")
    files = installed_files(tmp_path)
    for path in sorted(files - {"usr/sbin/tessera"}):
        # roff comments (.\") are for who edits the page in the source tree, never shown
        text = "\n".join(ln for ln in (tmp_path / path).read_text().splitlines()
                         if not ln.startswith('.\\"'))
        m = SOURCE_TREE_ONLY.search(text)
        assert not m, f"{path} names {m.group(0)!r}, which exists only in the source tree"
        for named in re.findall(r"/usr/(?:sbin|share|lib)/[\w./-]*tessera[\w./-]*", text):
            named = named.rstrip(".,")
            assert (tmp_path / named.lstrip("/")).exists(), f"{path} names {named}, which is not installed"


@pytest.mark.parametrize("page", ["man8/tessera.8", "man5/tessera.conf.5"])
def test_man_page_renders_without_warnings(destdir, page):
    path = destdir / "usr/local/share/man" / page
    r = run(["man", "--warnings", "-l", path], env={**os.environ, "MANWIDTH": "80", "LC_ALL": "C.UTF-8"})
    assert r.returncode == 0 and r.stderr == "" and "tessera" in r.stdout, r.describe()
    r = run(["mandoc", "-T", "lint", "-W", "warning", path])
    assert r.returncode == 0 and r.stdout == "" and r.stderr == "", r.describe()


def test_installed_man_pages_show_the_version(destdir):
    version = makefile_variable("VERSION")
    for page in ("man8/tessera.8", "man5/tessera.conf.5"):
        text = (destdir / "usr/local/share/man" / page).read_text()
        assert "@VERSION@" not in text, page
    assert f".Os tessera {version}\n" in (destdir / "usr/local/share/man/man8/tessera.8").read_text()
    assert run([BIN, "--version"]).stdout == f"tessera {version}\n"


def test_uninstall_removes_everything_install_put(tmp_path):
    make_install(tmp_path)
    assert installed_files(tmp_path)
    make_install(tmp_path, target="uninstall")
    assert installed_files(tmp_path) == set()
    left = [str(p) for p in tmp_path.rglob("*tessera*")]
    assert left == [], left


def exit_statuses():
    """Returns {value: name} of enum cmd_exit in src/cmd.h."""
    src = (REPO / "src" / "cmd.h").read_text()
    body = re.search(r"enum cmd_exit \{(.*?)\};", src, re.S).group(1)
    return {int(v): n for n, v in re.findall(r"(CMD_\w+)\s*=\s*(\d+)", body)}


def test_tessera_8_lists_every_exit_status_and_no_other():
    text = MAN8.read_text()
    section = text[text.index(".Sh EXIT STATUS"):text.index(".Sh EXAMPLES")]
    listed = {int(v) for v in re.findall(r"^\.It (\d+)$", section, re.M)}
    assert listed == set(exit_statuses()), (listed, exit_statuses())
    usage = run([BIN, "--help"]).stdout
    for value in exit_statuses():
        assert re.search(rf"\b{value} [a-z]", usage), f"--help does not explain exit status {value}"


def test_example_config_loads_as_is_and_with_every_line_uncommented(tmp_path):
    uncommented = tmp_path / "all.conf"
    uncommented.write_text(re.sub(r"^# ([a-z_]+ =)", r"\1", EXAMPLE_CONF.read_text(), flags=re.M))
    for conf in (EXAMPLE_CONF, uncommented):
        # check loads the config first; what it then finds missing on this machine (the secret
        # file, the database) is its own line, never one naming the config file.
        r = run([BIN, "-c", conf, "check"], timeout=30)
        assert r.stderr.startswith("tessera: ") and f"{conf}:" not in r.stderr, r.describe()


