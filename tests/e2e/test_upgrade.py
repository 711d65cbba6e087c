"""Upgrading across hosts: migrate first, binaries after. Meanwhile the older binary keeps serving
on the newer schema: migrations only add, and a pool keeps answering while one is applied."""

import re
import shutil

from load import Load, signed_in_cookies
from processes import clean_env
from stack import MIGRATIONS

# What an older binary's statements could stop working with: removing, renaming or retyping.
BREAKING = re.compile(r"\b(DROP\s+(TABLE|COLUMN|VIEW|FUNCTION|INDEX|SCHEMA)|RENAME|ALTER\s+COLUMN\s+\w+\s+"
                      r"(SET\s+DATA\s+)?TYPE)\b", re.I)

FUTURE_MIGRATION = """-- a later release's migration: a column and a table the running binary does not know
ALTER TABLE tessera.sessions ADD COLUMN upgrade_probe integer NOT NULL DEFAULT 0;
CREATE TABLE tessera.upgrade_probe (id integer PRIMARY KEY);
"""


def sql_without_comments(text):
    """Returns SQL text with its -- comments removed."""
    return "\n".join(line.split("--", 1)[0] for line in text.splitlines())


def test_no_migration_drops_renames_or_retypes():
    for path in sorted(MIGRATIONS.glob("*.sql")):
        found = BREAKING.search(sql_without_comments(path.read_text()))
        assert found is None, f"{path.name}: {found.group(0)!r} would break the binaries still running"


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
