"""make lint: the documentation of every configuration key and command follows the code:
tessera.conf(5) and deploy/tessera.conf follow conf_keys[] in src/config.c (keys, defaults, which
need a restart, units), tessera(8) every command of the usage text in src/main.c."""

import re

import pytest

from sources import DEPLOY, REPO, makefile_variable

MAN8 = DEPLOY / "man" / "tessera.8"
MAN5 = DEPLOY / "man" / "tessera.conf.5"
EXAMPLE_CONF = DEPLOY / "tessera.conf"

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


def test_every_command_is_in_tessera_8():
    page = MAN8.read_text()
    for command in sorted(usage_commands()):
        assert re.search(rf"^\.It Cm {command}\b", page, re.M), \
            f"`{command}` (src/main.c usage) is missing from {MAN8}: add an .It Cm {command} item"


def test_the_example_config_connects_the_pool_as_tessera_web():
    database = [line for line in (DEPLOY / "tessera.conf").read_text().splitlines()
                if line.startswith("database =")]
    assert database == ["database = host=localhost port=5432 dbname=tessera user=tessera_web "
                        "passfile=/etc/tessera/web.pgpass"], database
