"""Least privilege: the pool connects as a member of tessera_app, which can do only what the pages need."""

import pytest

from page import signed_out
from stack import APP_ROLE, sql_literal


OPERATOR = "tessera_ops"     # stack.operator()'s LOGIN role


def as_role(stack, role, sql):
    """Runs sql as LOGIN role role. Returns the psql Result."""
    return stack.psql_run(sql, stack.role_conninfo(role))


def refused(result):
    """Returns True when PostgreSQL refused the statement for want of privilege."""
    return result.returncode != 0 and any(
        s in result.stderr for s in ("permission denied", "must be owner"))


def test_the_pool_connects_as_the_app_role(stack, signed_in):
    assert signed_in.dashboard().status == 200
    users = stack.psql("SELECT DISTINCT usename FROM pg_stat_activity WHERE application_name = 'tessera'")
    assert users == [(APP_ROLE,)], users


def test_the_app_role_is_in_tessera_app_only_and_owns_nothing(stack):
    assert stack.psql(f"SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles "
                      f"WHERE rolname = '{APP_ROLE}'") == [("f", "f", "f", "f")]
    groups = stack.psql("SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                        f"WHERE m.member = '{APP_ROLE}'::regrole")
    assert groups == [("tessera_app",)], groups
    owned = stack.scalar("SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
                         "WHERE r.rolname IN ('tessera_app', 'tessera_operator', "
                         f"'{APP_ROLE}')")
    assert owned == "0"


@pytest.mark.parametrize("sql", [
    "DROP TABLE tessera.sessions",
    "TRUNCATE tessera.sessions",
    "ALTER TABLE tessera.users ADD COLUMN x int",
    "CREATE TABLE tessera.x (i int)",
    "CREATE INDEX ON tessera.sessions (data)",
    "SELECT * FROM tessera.live_sessions",
    "SELECT * FROM tessera.user_accounts",
    "SELECT tessera.revoke_user_sessions('x')",
    "SELECT tessera.disable_user('x')",
    "INSERT INTO tessera.users (username, password_hash) VALUES ('x', 'y')",
    "UPDATE tessera.users SET disabled_at = NULL",
    "DELETE FROM tessera.users",
    "UPDATE tessera.sessions SET user_id = user_id",
    "UPDATE tessera.sessions SET token_hash = token_hash",
    "DELETE FROM tessera.schema_migrations",
], ids=lambda s: s.split(" (")[0][:40])
def test_the_app_role_cannot(stack, sql):
    r = as_role(stack, APP_ROLE, sql)
    assert refused(r), r.describe()


@pytest.mark.parametrize("sql", [
    "SELECT token_hash FROM tessera.sessions",
    "SELECT password_hash FROM tessera.users",
    "DELETE FROM tessera.sessions",
    "DROP VIEW tessera.live_sessions",
    "UPDATE tessera.users SET disabled_at = NULL",
])
def test_the_operator_role_cannot(stack, sql):
    stack.operator()
    r = as_role(stack, OPERATOR, sql)
    assert refused(r), r.describe()


@pytest.mark.parametrize("role", [APP_ROLE, OPERATOR])
def test_no_role_gets_a_token_hash_through_the_view(stack, role):
    stack.operator()
    r = as_role(stack, role, "SELECT token_hash FROM tessera.live_sessions")
    assert r.returncode != 0 and 'column "token_hash" does not exist' in r.stderr, r.describe()


def test_the_app_keeps_working_as_the_app_role(stack, user):
    b = stack.signed_in_browser(user)
    assert b.dashboard().status == 200
    r = stack.tessera("user", "passwd", user.name, input="a changed password\n")   # owner
    assert r.returncode == 0, r.describe()
    assert signed_out(b.dashboard())
    assert b.login(user.name, "a changed password").status == 303
    assert b.logout().status == 303
    assert stack.session_count(user.name) == 0


def test_migrating_another_database_of_the_cluster_reuses_the_roles(stack):
    conninfo = stack.create_database()
    r = stack.tessera("migrate", conf=stack.write_variant_config("second-db", database=conninfo))
    assert r.returncode == 0, r.describe()
    grants = stack.psql("SELECT has_table_privilege('tessera_app', 'tessera.sessions', 'DELETE'), "
                        "has_function_privilege('tessera_operator', 'tessera.purge_expired(integer)', "
                        "'EXECUTE'), has_function_privilege('tessera_app', "
                        f"'tessera.revoke_session(bigint)', 'EXECUTE')", conninfo)
    assert grants == [("t", "t", "f")], grants
    assert stack.scalar("SELECT count(*) FROM pg_roles WHERE rolname IN "
                        f"({sql_literal('tessera_app')}, {sql_literal('tessera_operator')})") == "2"
