"""`make install` / `make uninstall` with DESTDIR and PREFIX, the man pages, and the documentation of
every configuration key: tessera.conf(5) and deploy/tessera.conf must follow conf_keys[] in
src/config.c, and tessera(8) every command of the usage text in src/main.c."""

import os
import re
import shutil
import stat
import tempfile
from pathlib import Path

import pytest

from stack import BIN, DEPLOY, REPO, make_install, run

MAN8 = DEPLOY / "man" / "tessera.8"
MAN5 = DEPLOY / "man" / "tessera.conf.5"
EXAMPLE_CONF = DEPLOY / "tessera.conf"


def conf_keys():
    """Returns {key: default} from conf_keys[] in src/config.c (default None: computed, NULL)."""
    src = (REPO / "src" / "config.c").read_text()
    table = re.search(r"conf_keys\[\]\s*=\s*\{(.*?)\n\};", src, re.S).group(1)
    keys = {}
    for m in re.finditer(r"^\s*[A-Z_]+\(\s*(\w+)\s*,(.*)\)\s*,\s*$", table, re.M):
        default = re.search(r'"((?:[^"\\]|\\.)*)"|\bNULL\b', m.group(2))
        keys[m.group(1)] = default.group(1) if default else None
    assert len(keys) >= 20 and "database" in keys, f"could not read conf_keys[]: {keys}"
    return keys


def usage_commands():
    """Returns the commands of tessera's usage text in src/main.c: "serve", "user add", ..."""
    src = (REPO / "src" / "main.c").read_text()
    usage = re.search(r"^usage\(void\)\n\{(.*?)\n\}", src, re.S | re.M).group(1)
    commands = {m.group(1) for m in re.finditer(r'^\s*"  ([a-z]+(?: [a-z]+)?)\b', usage, re.M)}
    assert {"serve", "migrate"} <= commands, f"could not read usage(): {commands}"
    return commands


def man_key_items():
    """Returns {key: source text of its item} from the key list of tessera.conf(5)."""
    text = MAN5.read_text()
    keys = text[text.index("The keys are:"):]
    keys = keys[:keys.index("\n.El\n")]
    items = re.split(r"^\.It Cm ", keys, flags=re.M)[1:]
    return {item.split()[0]: item for item in items}


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
    conf = (tmp_path / "etc/tessera/tessera.conf.example").read_text()
    assert "templates = /usr/share/tessera/templates" in conf
    for path in installed_files(tmp_path):
        if not path.endswith("sbin/tessera"):
            assert "/usr/local" not in (tmp_path / path).read_text(), path


@pytest.mark.parametrize("page", ["man8/tessera.8", "man5/tessera.conf.5"])
def test_man_page_renders_without_warnings(destdir, page):
    path = destdir / "usr/local/share/man" / page
    r = run(["man", "--warnings", "-l", path], env={**os.environ, "MANWIDTH": "80", "LC_ALL": "C.UTF-8"})
    assert r.returncode == 0 and r.stderr == "" and "tessera" in r.stdout, r.describe()
    r = run(["mandoc", "-T", "lint", "-W", "warning", path])
    assert r.returncode == 0 and r.stdout == "" and r.stderr == "", r.describe()


def test_uninstall_removes_everything_install_put(tmp_path):
    make_install(tmp_path)
    assert installed_files(tmp_path)
    make_install(tmp_path, target="uninstall")
    assert installed_files(tmp_path) == set()
    left = [str(p) for p in tmp_path.rglob("*tessera*")]
    assert left == [], left


def test_every_config_key_is_in_the_man_page_with_its_default():
    items = man_key_items()
    for key, default in conf_keys().items():
        assert key in items, f"{key} (src/config.c conf_keys[]) is missing from {MAN5}: add an .It Cm {key} item"
        assert "Default:" in items[key], f"{MAN5}: the item of {key} does not say its default"
        if default:
            assert default in items[key], f"{MAN5}: {key}'s default is {default!r} in src/config.c"


def test_the_man_page_names_no_unknown_key():
    unknown = set(man_key_items()) - set(conf_keys())
    assert not unknown, f"{MAN5} documents keys src/config.c does not have: {sorted(unknown)}"


def example_lines():
    """Returns {key: (commented, value)} for the `[# ]key = value` lines of deploy/tessera.conf."""
    lines = {}
    for line in EXAMPLE_CONF.read_text().splitlines():
        m = re.match(r"^(# )?([a-z_]+) =(?: (.*))?$", line)
        if m:
            assert m.group(2) not in lines, f"{EXAMPLE_CONF}: {m.group(2)} appears twice"
            lines[m.group(2)] = (bool(m.group(1)), m.group(3) or "")
    return lines


def test_every_config_key_is_in_the_example_config():
    lines = example_lines()
    keys = conf_keys()
    for key, default in keys.items():
        assert key in lines, f"{key} (src/config.c conf_keys[]) is missing from {EXAMPLE_CONF}"
        commented, value = lines[key]
        if commented and default is not None:
            assert value == default, f"{EXAMPLE_CONF}: `# {key} = {value}` but the default is {default!r}"
    assert not set(lines) - set(keys), f"{EXAMPLE_CONF} sets unknown keys: {set(lines) - set(keys)}"


def test_example_config_loads_as_is_and_with_every_line_uncommented(tmp_path):
    uncommented = tmp_path / "all.conf"
    uncommented.write_text(re.sub(r"^# ([a-z_]+ =)", r"\1", EXAMPLE_CONF.read_text(), flags=re.M))
    for conf in (EXAMPLE_CONF, uncommented):
        # Any command but a real one: the config is loaded first, then usage answers 2.
        r = run([BIN, "-c", conf, "no-such-command"])
        assert r.returncode == 2 and "usage:" in r.stderr, r.describe()


def test_every_command_is_in_tessera_8():
    page = MAN8.read_text()
    for command in sorted(usage_commands()):
        assert re.search(rf"^\.It Cm {command}\b", page, re.M), \
            f"`{command}` (src/main.c usage) is missing from {MAN8}: add an .It Cm {command} item"
