"""make lint: migrations only add, so that an older binary keeps working on a newer schema while
hosts are upgraded one by one (the running half: tests/e2e/test_upgrade.py)."""

import re

from sources import REPO

MIGRATIONS = REPO / "migrations"

# What an older binary's statements could stop working with: removing, renaming or retyping.
BREAKING = re.compile(r"\b(DROP\s+(TABLE|COLUMN|VIEW|FUNCTION|INDEX|SCHEMA)|RENAME|ALTER\s+COLUMN\s+\w+\s+"
                      r"(SET\s+DATA\s+)?TYPE)\b", re.I)


def sql_without_comments(text):
    """Returns SQL text with its -- comments removed."""
    return "\n".join(line.split("--", 1)[0] for line in text.splitlines())


def test_no_migration_drops_renames_or_retypes():
    for path in sorted(MIGRATIONS.glob("*.sql")):
        found = BREAKING.search(sql_without_comments(path.read_text()))
        assert found is None, f"{path.name}: {found.group(0)!r} would break the binaries still running"
