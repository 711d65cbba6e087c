"""Upgrading across hosts: migrate first, binaries after. Meanwhile the older binary keeps serving
on the newer schema: a pool keeps answering while a migration is applied (that migrations only
add: tests/lint/test_migrations.py)."""

import shutil

from load import Load, signed_in_cookies
from processes import clean_env
from stack import MIGRATIONS

FUTURE_MIGRATION = """-- a later release's migration: a column and a table the running binary does not know
ALTER TABLE tessera.sessions ADD COLUMN upgrade_probe integer NOT NULL DEFAULT 0;
CREATE TABLE tessera.upgrade_probe (id integer PRIMARY KEY);
"""


def test_the_pool_keeps_serving_while_a_newer_migration_is_applied(private_stack, tmp_path):
    s = private_stack
    later = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, later)
    (later / "9999_upgrade_probe.sql").write_text(FUTURE_MIGRATION)
    later.chmod(0o755)
    cookies = signed_in_cookies(s)
    with Load(s, cookies, threads=2) as load:
        load.run_for(0.5)
        r = s.tessera("migrate", env={**clean_env(), "TESSERA_MIGRATIONS": str(later)})
        load.run_for(1.0)
    assert r.returncode == 0, r.describe()
    assert s.scalar("SELECT max(version) FROM tessera.schema_migrations") == "9999"
    result = load.result
    assert result.records and result.failures() == [], result.describe(0) + s.logs()
    assert s.browser().get("/").status == 200
    restarted = s.restart_pool()            # the older binary starts on the newer schema too
    assert restarted.returncode == 0
    assert s.signed_in_browser(s.create_user()).dashboard().status == 200


def test_a_schema_older_than_the_last_migration_is_refused(private_stack):
    s = private_stack
    newest = max(int(p.name[:4]) for p in MIGRATIONS.glob("*.sql"))
    hide = "UPDATE tessera.schema_migrations SET version = -version WHERE {}"
    s.psql(hide.format(f"version >= {newest}"))     # as if the newest migration (and any later
    try:                                            # test migration) had not been applied
        r = s.tessera("check")
    finally:
        s.psql(hide.format(f"version <= -{newest}"))
    # The binary needs every migration it ships: one not applied is named in one line, at check.
    assert r.returncode != 0, r.describe()
    assert f"database schema is at version {newest - 1}, this tessera needs {newest}" in r.stderr, \
        r.describe()
    assert s.tessera("check").returncode == 0
