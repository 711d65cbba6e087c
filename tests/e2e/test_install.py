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

from deployment import DEPLOY, make_install
from processes import REPO, run
from stack import BIN

MAN8 = DEPLOY / "man" / "tessera.8"
MAN5 = DEPLOY / "man" / "tessera.conf.5"
EXAMPLE_CONF = DEPLOY / "tessera.conf"


def makefile_variable(name):
    """Returns the value the Makefile gives name (its default, for PREFIX and SYSCONFDIR)."""
    return re.search(rf"^{name}\s*\??=\s*(\S+)", (REPO / "Makefile").read_text(), re.M).group(1)


# The Makefile's path defines, as the default build expands them in conf_keys[]' defaults.
PATH_DEFINES = {"TESSERA_DATADIR": makefile_variable("PREFIX") + "/share/tessera",
                "TESSERA_CONFDIR": makefile_variable("SYSCONFDIR") + "/tessera"}


def conf_key_rows():
    """Returns {key: source text of its row} from conf_keys[] in src/config.c."""
    src = (REPO / "src" / "config.c").read_text()
    table = re.search(r"conf_keys\[\]\s*=\s*\{(.*?)\n\};", src, re.S).group(1)
    rows = {m.group(1): m.group(2)
            for m in re.finditer(r"^\s*[A-Z_]+\(\s*(\w+)\s*,(.*)\)\s*,\s*$", table, re.M)}
    assert len(rows) >= 20 and "database" in rows, f"could not read conf_keys[]: {rows}"
    return rows


def conf_keys():
    """Returns {key: default} from conf_keys[] in src/config.c (default None: computed, NULL), the
    path defines expanded as the default build does."""
    keys = {}
    for key, row in conf_key_rows().items():
        default = re.search(r'(?:\b(TESSERA_[A-Z]+DIR)\s+)?"((?:[^"\\]|\\.)*)"|\bNULL\b', row)
        keys[key] = (PATH_DEFINES.get(default.group(1), "") + default.group(2)
                     if default and default.group(2) is not None else None)
    return keys


def restart_keys():
    """Returns the keys conf_keys[] marks CF_NO_RELOAD: a reload does not apply them."""
    return {key for key, row in conf_key_rows().items() if "CF_NO_RELOAD" in row}


def usage_commands():
    """Returns the commands of tessera's usage text in src/main.c: "serve", "user add", ..."""
    src = (REPO / "src" / "main.c").read_text()
    usage = re.search(r"^usage\([^)]*\)\n\{(.*?)\n\}", src, re.S | re.M).group(1)
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


def test_every_config_key_is_in_the_man_page_with_its_default():
    items = man_key_items()
    for key, default in conf_keys().items():
        assert key in items, f"{key} (src/config.c conf_keys[]) is missing from {MAN5}: add an .It Cm {key} item"
        assert "Default:" in items[key], f"{MAN5}: the item of {key} does not say its default"
        if default:
            assert default in items[key], f"{MAN5}: {key}'s default is {default!r} in src/config.c"


def test_the_man_page_says_needs_a_restart_of_exactly_the_cf_no_reload_keys():
    said = {key for key, item in man_key_items().items() if "Needs a restart" in item}
    assert said == restart_keys(), (f"{MAN5}: 'Needs a restart' on {sorted(said)}, but conf_keys[] "
                                    f"marks CF_NO_RELOAD {sorted(restart_keys())}")
    assert {"listen", "user"} <= restart_keys()


def man_type_suffixes(name):
    """Returns the one-letter suffixes (.Ql X) the value type name's item lists in tessera.conf(5)."""
    text = MAN5.read_text()
    item = re.search(rf"^\.It Ar {name}\n(.*?)(?=^\.It |^\.El)", text, re.M | re.S).group(1)
    return set(re.findall(r"^\.Ql ([A-Za-z])\b", item, re.M))


@pytest.mark.parametrize("name, conf_type", [("size", "CONF_SIZE"), ("duration", "CONF_DURATION")])
def test_the_man_page_lists_the_units_the_code_takes(name, conf_type):
    src = (REPO / "src" / "config.c").read_text()
    case = re.search(rf"case {conf_type}:.*?conf_parse_scaled\(v, out, \"(\w+)\"", src, re.S).group(1)
    assert man_type_suffixes(name) == set(case), f"{MAN5}: {name} suffixes differ from src/config.c {case!r}"


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


def test_tessera_8_examples_run_as_the_tessera_user_or_the_owner():
    text = MAN8.read_text()
    examples = text[text.index(".Sh EXAMPLES"):text.index(".Sh SEE ALSO")]
    commands = [ln for ln in examples.splitlines() if ln.startswith(("$ ", "# "))]
    assert commands, "no example command in tessera(8)"
    for line in commands:       # root only with the owner's config, which has no `user` to drop to
        assert line.startswith(("$ sudo -u tessera tessera ", "$ sudo tessera -c /etc/tessera/owner.conf ")), \
            f"tessera(8) example neither as tessera nor as the owner: {line}"


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
        # check loads the config first; what it then finds missing on this machine (the secret
        # file, the database) is its own line, never one naming the config file.
        r = run([BIN, "-c", conf, "check"], timeout=30)
        assert r.stderr.startswith("tessera: ") and f"{conf}:" not in r.stderr, r.describe()


def test_every_command_is_in_tessera_8():
    page = MAN8.read_text()
    for command in sorted(usage_commands()):
        assert re.search(rf"^\.It Cm {command}\b", page, re.M), \
            f"`{command}` (src/main.c usage) is missing from {MAN8}: add an .It Cm {command} item"
