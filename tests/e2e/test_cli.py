"""The command line: user add/passwd, migrate, and serve's and the config file's refusals: every value
checked when the file is read, and as root what the pool's user will need on reload."""

import concurrent.futures
import os
import pwd
import shutil

import pytest

from processes import IS_ROOT, RUN_USER, clean_env, error_line, start_pool_process, stop_process_group
from stack import BIN, MIGRATIONS, TEMPLATES, sql_literal, write_secret_file

SERVE_TIMEOUT = 15.0  # a refusal must come well within this; a serve that runs on is killed


def user_exists(stack, name):
    """Returns True when tessera.users has a row with exactly this name."""
    return stack.scalar(f"SELECT count(*) FROM tessera.users WHERE username = {sql_literal(name)}") == "1"


def migration_versions(stack, conninfo=None):
    """Returns the recorded migration versions, in order, duplicates kept."""
    return [r[0] for r in stack.psql("SELECT version FROM tessera.schema_migrations ORDER BY version",
                                     conninfo=conninfo)]


def test_user_add_creates_a_user_who_can_sign_in(stack):
    u = stack.create_user()
    assert user_exists(stack, u.name)
    assert stack.browser().login(u.name, u.password).status == 303


def test_user_add_stores_no_clear_text_password(stack):
    u = stack.create_user()
    stored = stack.scalar(f"SELECT password_hash FROM tessera.users WHERE username = {sql_literal(u.name)}")
    assert u.password not in stored
    assert stored.startswith("$argon2id$"), stored


def test_user_add_duplicate_name_fails_with_one_line_message(stack, user):
    r = stack.tessera("user", "add", user.name, input="another-password\n")
    line = error_line(r)
    assert user.name in line or "exist" in line.lower(), line
    assert user_exists(stack, user.name)
    assert stack.browser().login(user.name, user.password).status == 303, "duplicate add changed the password"


@pytest.mark.parametrize("name", ["", "bad\x01name", "tab\tname", "del\x7fname"],
                         ids=["empty", "control-char", "tab", "del"])
def test_user_add_rejects_invalid_name(stack, name):
    r = stack.tessera("user", "add", name, input="some-password\n")
    error_line(r)
    assert not user_exists(stack, name)


def test_user_add_rejects_empty_password(stack):
    r = stack.tessera("user", "add", "emptypw", input="\n")
    error_line(r)
    assert not user_exists(stack, "emptypw")


def test_user_passwd_changes_the_password(stack, user):
    r = stack.tessera("user", "passwd", user.name, input="a-new-password\n")
    assert r.returncode == 0, r.describe()
    assert stack.browser().login(user.name, user.password).status == 401
    assert stack.browser().login(user.name, "a-new-password").status == 303


def test_user_passwd_of_unknown_user_fails(stack):
    r = stack.tessera("user", "passwd", "no-such-user", input="whatever-password\n")
    error_line(r)


def test_migrate_twice_is_fine(stack):
    before = migration_versions(stack)
    r = stack.tessera("migrate")
    assert r.returncode == 0, r.describe()
    assert migration_versions(stack) == before


def test_migrate_records_every_migration_file_once(stack):
    files = sorted(p.name for p in MIGRATIONS.glob("[0-9][0-9][0-9][0-9]_*.sql"))
    versions = migration_versions(stack)
    assert len(versions) == len(files) == len(set(versions)), (versions, files)


def test_two_migrates_at_once_on_a_fresh_database_both_succeed(stack):
    conninfo = stack.create_database()
    conf = stack.write_variant_config("concurrent", database=conninfo)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: stack.tessera("migrate", conf=conf, timeout=60), range(2)))
    for r in results:
        assert r.returncode == 0 and not r.timed_out, r.describe()
    versions = migration_versions(stack, conninfo)
    assert versions and len(versions) == len(set(versions)), versions


def test_serve_refuses_unmigrated_database_and_says_migrate(stack):
    conf = stack.write_variant_config("unmigrated", database=stack.create_database())
    line = error_line(stack.tessera("serve", conf=conf, timeout=SERVE_TIMEOUT))
    assert "migrate" in line, line


def test_serve_refuses_missing_secret_file(stack):
    conf = stack.write_variant_config("nosecret", secret_file=stack.dir / "no-such-secret")
    line = error_line(stack.tessera("serve", conf=conf, timeout=SERVE_TIMEOUT))
    assert "secret_file" in line, line


@pytest.mark.parametrize("content", ["", "short\n", "x" * 31 + "\n"], ids=["empty", "5-bytes", "31-bytes"])
def test_serve_refuses_secret_shorter_than_32_bytes(stack, content):
    path = stack.dir / "short-secret"
    write_secret_file(path, [content.rstrip("\n")] if content else [])
    conf = stack.write_variant_config("shortsecret", secret_file=path)
    line = error_line(stack.tessera("serve", conf=conf, timeout=SERVE_TIMEOUT))
    assert "secret_file" in line, line


@pytest.mark.skipif(not IS_ROOT, reason="only root must name a user to drop to")
def test_serve_as_root_without_user_refuses(stack):
    conf = stack.write_variant_config("nouser", user=None, group=None)
    r = stack.tessera("serve", conf=conf, timeout=SERVE_TIMEOUT)
    assert error_line(r) == ("tessera: user: refusing to serve as root; "
                             "set user (and group) to an unprivileged account"), r.describe()
    assert r.returncode == 1, r.describe()


@pytest.mark.parametrize("key, value", [("workers", "banana"), ("idle_timeout", "soon"),
                                        ("max_body", "lots"), ("cookie_secure", "maybe"),
                                        ("workers", "0")])
def test_bad_config_value_is_one_line_error_naming_the_key(stack, key, value):
    conf = stack.write_variant_config("bad-" + key, **{key: value})
    line = error_line(stack.tessera("migrate", conf=conf))
    assert key in line, line


def test_unknown_config_key_is_one_line_error_naming_it(stack):
    conf = stack.write_variant_config("unknown-key", no_such_key="1")
    line = error_line(stack.tessera("migrate", conf=conf))
    assert "no_such_key" in line, line


def test_bad_value_in_environment_override_is_error_naming_it(stack):
    env = dict(clean_env(), TESSERA_WORKERS="banana")
    line = error_line(stack.tessera("migrate", env=env))
    assert "workers" in line.lower(), line


# ---- strict configuration: every value checked when the file is read (issue 12, item 3)

@pytest.mark.parametrize("key, value, says", [
    ("listen", "127.0.0.1:99999", "1 to 65535"), ("listen", "127.0.0.1:0", "1 to 65535"),
    ("status_allow", "banana", '"banana": not an IP address'),
    ("status_allow", "127.0.0.1, 10.0.0.0/99", '"10.0.0.0/99": an IPv4 prefix length is 0 to 32'),
    ("workers", "4 # four", "a comment after a value is not allowed"),
], ids=["port-99999", "port-0", "banana", "prefix-99", "trailing-comment"])
def test_serve_refuses_a_bad_value_at_load_naming_key_and_why(stack, key, value, says):
    conf = stack.write_variant_config("strict-" + key, **{key: value})
    r = stack.tessera("serve", "--listen", stack.run_dir / "strict.sock", conf=conf, timeout=SERVE_TIMEOUT)
    line = error_line(r)
    assert f"{conf}:" in line and key in line and says in line, line
    assert not (stack.run_dir / "strict.sock").exists()


def test_a_key_given_twice_is_refused_naming_both_lines(stack):
    conf = stack.write_variant_config("twice")
    lines = conf.read_text().splitlines()
    first = next(i for i, ln in enumerate(lines, 1) if ln.startswith("workers ="))
    conf.write_text("\n".join(lines + ["workers = 3"]) + "\n")
    line = error_line(stack.tessera("migrate", conf=conf))
    assert f"{conf}:{len(lines) + 1}: workers: set twice, on lines {first} and {len(lines) + 1}" in line, line


@pytest.mark.parametrize("var", ["TESSERA_WORKRS", "TESSERA_workers", "TESSERA_LOGFILE"])
def test_an_unknown_tessera_variable_is_refused_naming_it(stack, var):
    line = error_line(stack.tessera("migrate", env=dict(clean_env(), **{var: "3"})))
    assert line.startswith(f"tessera: {var}: no such setting"), line


@pytest.mark.skipif(not IS_ROOT, reason="only root starts as one user and serves as another")
@pytest.mark.parametrize("what", ["secret_file", "templates", "log_file"])
def test_serve_as_root_refuses_what_its_user_could_not_read_on_reload(stack, what):
    """Started as root with user = tessera: a secret file, templates or log file only root can use
    is refused before the pool starts (one line naming the user and the file), where it used to be
    read at start and then make every reload fail with `reload_refused ... Permission denied`."""
    private = stack.dir / f"root-only-{what}"
    private.mkdir(mode=0o700)
    if what == "secret_file":
        shutil.copy(stack.secret_file, private / "secret")
        overrides = {"secret_file": private / "secret"}
    elif what == "templates":
        shutil.copytree(TEMPLATES, private / "templates")
        overrides = {"templates": private / "templates"}
    else:
        overrides = {"log_file": private / "tessera.log"}
    conf = stack.write_variant_config("root-only-" + what, **overrides)
    r = stack.tessera("serve", conf=conf, timeout=SERVE_TIMEOUT)
    line = error_line(r)
    assert line.startswith(f"tessera: as user {RUN_USER}: {what}: ") and str(private) in line, line
    assert ("cannot read" if what == "templates" else "Permission denied") in line, line


@pytest.mark.skipif(not IS_ROOT, reason="only root gives the log file to the pool's user")
def test_serve_as_root_gives_a_log_file_root_created_to_its_user(stack):
    """A command run as root with the pool's config (migrate) creates log_file as root; serve gives
    it to the pool's user, so that the pool can reopen it after rotation."""
    log = stack.run_dir / "given.log"
    log.write_text("")
    os.chown(log, 0, 0)
    conf = stack.write_variant_config("given", log_file=log)
    proc = start_pool_process([BIN, "-c", conf, "serve"], stack.run_dir / "given.sock",
                              stack.dir / "given.out", stack.logs)
    try:
        assert pwd.getpwuid(log.stat().st_uid).pw_name == RUN_USER
    finally:
        assert stop_process_group(proc) == 0


@pytest.mark.skipif(not IS_ROOT, reason="only root gives the log file to the pool's user")
def test_serve_never_gives_away_the_target_of_a_symlink(stack):
    target = stack.dir / "not-the-log"
    target.write_text("root's\n")
    link = stack.run_dir / "link.log"
    link.symlink_to(target)
    conf = stack.write_variant_config("symlink-log", log_file=link)
    line = error_line(stack.tessera("serve", conf=conf, timeout=SERVE_TIMEOUT))
    assert "log_file" in line, line
    assert target.stat().st_uid == 0
