"""`tessera check` (and -t): reads the configuration, secret file, templates and log file as serve would
(as root: as the pool's user), compares the database's schema version, prints one line per problem and
exits 1 if there is any; `FILE: ok` and 0 otherwise."""

import pytest

from processes import IS_ROOT, RUN_USER, free_port, run
from stack import BIN


def problems(result):
    """Returns the lines check printed on standard error."""
    return [ln for ln in result.stderr.splitlines() if ln.strip()]


@pytest.mark.parametrize("args", [["check"], ["-t"]])
def test_a_good_configuration_is_ok(stack, args):
    r = stack.tessera(*args, conf=stack.conf)
    assert r.returncode == 0 and r.stdout == f"{stack.conf}: ok\n" and r.stderr == "", r.describe()


def test_each_problem_is_one_line_and_the_exit_status_1(stack):
    conf = stack.write_variant_config("check-broken", secret_file=stack.dir / "no-secret",
                                      templates=stack.dir / "no-templates",
                                      database=stack.create_database())
    r = stack.tessera("check", conf=conf)
    lines = problems(r)
    assert r.returncode == 1 and r.stdout == "", r.describe()
    assert len(lines) == 3, r.describe()
    assert "secret_file" in lines[0] and "no-secret" in lines[0], lines
    assert "templates" in lines[1] and "no-templates" in lines[1], lines
    assert "migrate" in lines[2], lines


def test_a_configuration_that_does_not_load_is_one_line(stack):
    conf = stack.write_variant_config("check-badvalue", workers="lots")
    r = stack.tessera("-t", conf=conf)
    assert r.returncode == 1 and len(problems(r)) == 1 and "workers" in r.stderr, r.describe()


def test_an_unreachable_database_is_a_warning_not_a_problem(stack):
    """serve starts without the database (503 until it is back); check says so and passes."""
    conf = stack.write_variant_config("check-nodb",
                                      database=f"host=127.0.0.1 port={free_port()} dbname=x connect_timeout=2")
    r = stack.tessera("check", conf=conf)
    assert r.returncode == 0 and r.stdout == f"{conf}: ok\n", r.describe()
    assert problems(r)[0].startswith("tessera: warning: database unreachable"), r.describe()


@pytest.mark.skipif(not IS_ROOT, reason="only root checks as another user")
def test_as_root_the_files_are_checked_as_the_pools_user(stack):
    secret = stack.dir / "check-root-secret"
    secret.write_text(stack.secret_file.read_text())
    secret.chmod(0o600)
    conf = stack.write_variant_config("check-root", secret_file=secret)
    r = stack.tessera("check", conf=conf)
    assert r.returncode == 1 and f"as user {RUN_USER}: secret_file" in r.stderr, r.describe()


@pytest.mark.skipif(not IS_ROOT, reason="only root must name a user to drop to")
def test_as_root_without_user_is_a_problem(stack):
    conf = stack.write_variant_config("check-nouser", user=None, group=None)
    r = stack.tessera("check", conf=conf)
    assert r.returncode == 1 and "user: refusing to serve as root" in r.stderr, r.describe()


def test_check_runs_as_the_tessera_user_too(stack):
    r = run([BIN, "-c", stack.conf, "check"], as_tessera=True)
    assert r.returncode == 0 and r.stdout == f"{stack.conf}: ok\n", r.describe()
