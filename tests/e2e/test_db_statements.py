"""Every statement in db.c's table, prepared and described by PostgreSQL against the migrated schema,
has the parameters and result columns its row declares (db_query refuses a result of another shape,
so a wrong count would fail the pages that run it). tests/tools/db_describe does the describing."""

import os
import subprocess

from processes import REPO

DESCRIBE = os.environ.get("TESSERA_DB_DESCRIBE") or str(REPO / "build" / "normal" / "tests" / "db_describe")


def test_every_statement_declares_the_parameters_and_columns_postgresql_describes(stack):
    assert os.access(DESCRIBE, os.X_OK), f"{DESCRIBE} is missing: make e2e builds it"
    r = subprocess.run([DESCRIBE, str(stack.config["database"])], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"exit {r.returncode}\n{r.stdout}{r.stderr}"
    assert r.stdout.count("\n") >= 20, r.stdout        # one line per statement
