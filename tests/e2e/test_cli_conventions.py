"""The command line's conventions: -h/--help at every level (standard output, exit 0, no configuration
read), --version (the Makefile's VERSION), unknown commands and options named in the error, and the
operator listings as JSON."""

import json

import pytest

from deployment import makefile_variable
from processes import error_line, run
from stack import BIN

NO_CONFIG = "/nonexistent/tessera.conf"     # help must not read it; anything else fails on it
USAGE = 2


def tessera(*args, **kw):
    """Runs bin/tessera -c NO_CONFIG ARGS... and returns the Result."""
    return run([BIN, "-c", NO_CONFIG, *args], **kw)


@pytest.mark.parametrize("args", [["-h"], ["--help"], ["serve", "--help"], ["serve", "-h"],
                                  ["check", "--help"], ["migrate", "--help"], ["user", "--help"],
                                  ["user", "add", "--help"], ["user", "list", "-h"],
                                  ["sessions", "--help"], ["sessions", "purge", "--help"]])
def test_help_at_every_level_goes_to_stdout_without_reading_the_config(args):
    r = tessera(*args)
    assert r.returncode == 0 and r.stderr == "", r.describe()
    assert r.stdout.startswith("usage: tessera"), r.describe()
    assert NO_CONFIG not in r.stdout


def test_command_help_shows_that_commands_usage():
    assert "user add|passwd" in tessera("user", "--help").stdout
    assert "purge [--batch N]" in tessera("sessions", "--help").stdout
    assert "--listen ADDR" in tessera("serve", "--help").stdout


def test_version_is_the_makefiles():
    r = run([BIN, "--version"])
    assert r.returncode == 0 and r.stdout == f"tessera {makefile_variable('VERSION')}\n" and r.stderr == "", \
        r.describe()


@pytest.mark.parametrize("option", ["--bogus", "-x", "--listen"])
def test_an_unknown_option_is_named(option):
    line = error_line(tessera(option, "migrate"))
    assert option in line and "unknown option" in line, line


def test_option_c_without_its_file_says_so():
    line = error_line(run([BIN, "-c"]))
    assert "-c" in line and "argument" in line, line


def test_t_takes_no_command():
    r = tessera("-t", "serve")
    line = error_line(r)
    assert r.returncode == USAGE and '"serve"' in line, r.describe()


def test_an_unknown_command_is_named_before_reading_the_config():
    r = tessera("frobnicate")
    line = error_line(r)
    assert r.returncode == USAGE and '"frobnicate"' in line and NO_CONFIG not in line, r.describe()


@pytest.mark.parametrize("args, word", [(["user", "frob"], '"frob"'), (["sessions", "frob"], '"frob"'),
                                        (["user", "list", "--csv"], '"--csv"'),
                                        (["sessions", "list", "--bogus"], '"--bogus"'),
                                        (["sessions", "purge", "--slow", "1"], '"--slow"'),
                                        (["serve", "--port", "8"], '"--port"'),
                                        (["migrate", "now"], '"now"'), (["check", "all"], '"all"')])
def test_an_unknown_subcommand_or_option_is_named(stack, args, word):
    r = stack.tessera(*args)
    line = error_line(r)
    assert r.returncode == USAGE and word in line and "usage:" in line, r.describe()


@pytest.mark.parametrize("args, what", [(["user"], "user command"), (["user", "add"], "NAME"),
                                        (["sessions"], "sessions command"),
                                        (["sessions", "revoke"], "ID or --user NAME"),
                                        (["serve", "--listen"], "ADDR")])
def test_a_missing_word_is_named(stack, args, what):
    r = stack.tessera(*args)
    line = error_line(r)
    assert r.returncode == USAGE and f"missing {what}" in line, r.describe()


def test_user_list_json_is_an_array_like_sessions_list_json(stack, user):
    _, conf = stack.operator()
    disabled = stack.create_user()
    assert stack.tessera("user", "disable", disabled.name, conf=conf).returncode == 0
    r = stack.tessera("user", "list", "--json", conf=conf)
    assert r.returncode == 0, r.describe()
    users = {u["username"]: u for u in json.loads(r.stdout)}
    assert users[user.name]["disabled_at"] is None and users[disabled.name]["disabled_at"], users
    assert {"username", "created_at", "disabled_at", "live_sessions"} <= set(users[user.name])
    assert "password_hash" not in users[user.name]
    sessions = json.loads(stack.tessera("sessions", "list", "--json", conf=conf).stdout)
    assert isinstance(sessions, list)
