"""Administering sessions in SQL as the operator role: the live_sessions view and the functions."""

import pytest

from page import signed_out
from processes import StackError
from stack import sql_literal


@pytest.fixture
def ops(stack):
    """Runs SQL as the operator's LOGIN role (a member of tessera_operator only); returns rows."""
    conninfo, _ = stack.operator()
    return lambda sql: stack.psql(sql, conninfo)


def test_revoke_session_signs_it_out_on_its_very_next_request(stack, ops, signed_in, user):
    for _ in range(6):      # every worker has served it: nothing may remember it
        assert signed_in.dashboard().status == 200
    (sid,) = stack.session_ids(user.name)
    assert ops(f"SELECT tessera.revoke_session({sid})") == [("t",)]
    assert signed_out(signed_in.dashboard())


def test_revoke_session_of_an_unknown_id_is_false(ops):
    assert ops("SELECT tessera.revoke_session(-1)") == [("f",)]


def test_revoke_user_sessions_ends_them_all_and_counts_them(stack, ops, user):
    browsers = [stack.signed_in_browser(user) for _ in range(2)]
    other = stack.signed_in_browser(stack.create_user())
    assert ops(f"SELECT tessera.revoke_user_sessions({sql_literal(user.name)})") == [("2",)]
    assert all(signed_out(b.dashboard()) for b in browsers)
    assert other.dashboard().status == 200


def test_revoke_user_sessions_of_an_unknown_user_is_null(ops):
    assert ops("SELECT tessera.revoke_user_sessions('no such user') IS NULL") == [("t",)]


def test_disable_user_ends_the_sessions_and_refuses_sign_in_until_enabled(stack, ops, signed_in, user):
    name = sql_literal(user.name)
    assert ops(f"SELECT tessera.disable_user({name})") == [("1",)]
    assert signed_out(signed_in.dashboard())
    assert stack.session_ids(user.name) == []
    assert stack.browser().login(user.name, user.password).status == 401
    assert ops(f"SELECT tessera.enable_user({name})") == [("t",)]
    assert stack.browser().login(user.name, user.password).status == 303


def test_disable_and_enable_of_an_unknown_user(ops):
    assert ops("SELECT tessera.disable_user('no such user') IS NULL, "
               "tessera.enable_user('no such user')") == [("t", "f")]


def test_live_sessions_shows_a_session_with_its_client_and_never_a_token_hash(stack, ops, user):
    stack.signed_in_browser(user, "curl/8.5.0")
    (sid,) = stack.session_ids(user.name)
    rows = ops("SELECT id, client_addr, user_agent, created_at <= last_seen_at, "
               "last_seen_at < idle_expires_at, idle_expires_at <= absolute_expires_at "
               f"FROM tessera.live_sessions WHERE username = {sql_literal(user.name)}")
    assert rows == [(str(sid), "127.0.0.1", "curl/8.5.0", "t", "t", "t")]
    columns = ops("SELECT string_agg(attname, ',') FROM pg_attribute "
                  "WHERE attrelid = 'tessera.live_sessions'::regclass AND attnum > 0")[0][0]
    assert "token" not in columns and "hash" not in columns, columns


def test_live_sessions_leaves_out_expired_sessions_and_disabled_users(stack, ops, user):
    for _ in range(2):
        stack.signed_in_browser(user)
    count = f"SELECT count(*) FROM tessera.live_sessions WHERE username = {sql_literal(user.name)}"
    assert ops(count) == [("2",)]
    stack.psql(f"UPDATE tessera.sessions SET absolute_expires_at = now() "
               f"WHERE id = {stack.session_ids(user.name)[0]}")
    assert ops(count) == [("1",)]
    stack.psql(f"UPDATE tessera.users SET disabled_at = now() WHERE username = {sql_literal(user.name)}")
    assert ops(count) == [("0",)]


def test_purge_expired_deletes_at_most_a_batch_and_only_expired_rows(stack, ops, signed_in, user):
    stack.insert_expired_sessions(user.name, 5)
    assert ops("SELECT tessera.purge_expired(2)") == [("2",)]
    while ops("SELECT tessera.purge_expired(2)") != [("0",)]:
        pass
    assert stack.expired_count() == 0
    assert signed_in.dashboard().status == 200


def test_purge_expired_counts_sessions_first_then_lapsed_failures_with_the_rest(stack, ops, user):
    ops("SELECT tessera.purge_expired(100000)")
    stack.insert_expired_sessions(user.name, 3)
    stack.psql("INSERT INTO tessera.login_failures (key, failures, last_failure) SELECT "
               "'lapsed-sql-' || g, 5, now() - interval '2 hours' FROM generate_series(1, 4) g")
    counts = "SELECT c.sessions, c.failures FROM tessera.purge_expired_counts({}) c"
    assert ops(counts.format(2)) == [("2", "0")]
    assert ops(counts.format(3)) == [("1", "2")]
    assert ops("SELECT tessera.purge_expired(5)") == [("2",)]
    assert ops(counts.format(5)) == [("0", "0")]


def test_purge_expired_counts_is_granted_as_purge_expired_is(stack):
    grants = stack.psql("SELECT r, has_function_privilege(r, 'tessera.purge_expired(integer)', 'EXECUTE'), "
                        "has_function_privilege(r, 'tessera.purge_expired_counts(integer)', 'EXECUTE') "
                        "FROM unnest(ARRAY['tessera_app', 'tessera_operator', 'public']) r")
    assert grants == [("tessera_app", "t", "t"), ("tessera_operator", "t", "t"), ("public", "f", "f")], grants


@pytest.mark.parametrize("function", ["purge_expired", "purge_expired_counts"])
@pytest.mark.parametrize("batch", ["0", "-5", "NULL"])
def test_purge_expired_refuses_a_batch_that_is_not_positive(ops, function, batch):
    with pytest.raises(StackError, match="batch must be a positive number"):
        ops(f"SELECT tessera.{function}({batch})")


@pytest.mark.parametrize("column, value, constraint", [
    ("token_hash", "'\\x00'::bytea", "sessions_token_hash_check"),
    ("assurance_level", "3", "sessions_assurance_level_check"),
    ("assurance_level", "0", "sessions_assurance_level_check"),
    ("remember_idle", "0", "sessions_remember_idle_check"),
])
def test_a_session_column_written_out_of_its_rules_is_refused(stack, signed_in, user, column, value, constraint):
    (sid,) = stack.session_ids(user.name)
    with pytest.raises(StackError, match=f'violates check constraint "{constraint}"'):
        stack.psql(f"UPDATE tessera.sessions SET {column} = {value} WHERE id = {sid}")
    written = {"token_hash": f"'\\x{'ab' * 32}'::bytea", "assurance_level": "1", "remember_idle": "NULL",
               column: value}
    with pytest.raises(StackError, match=f'violates check constraint "{constraint}"'):
        stack.psql(f"INSERT INTO tessera.sessions (user_id, expires_at, absolute_expires_at, {', '.join(written)}) "
                   f"SELECT user_id, expires_at, absolute_expires_at, {', '.join(written.values())} "
                   f"FROM tessera.sessions WHERE id = {sid}")
    assert signed_in.dashboard().status == 200


def test_a_session_column_written_within_its_rules_is_kept(stack, signed_in, user):
    (sid,) = stack.session_ids(user.name)
    stack.psql(f"UPDATE tessera.sessions SET remember_idle = NULL, assurance_level = 2 WHERE id = {sid}")
    assert stack.psql(f"SELECT remember_idle IS NULL, assurance_level FROM tessera.sessions WHERE id = {sid}") \
        == [("t", "2")]
    assert signed_in.dashboard().status == 200


def test_the_rules_are_checked_when_their_columns_are_written_not_at_every_touch(stack, signed_in, user):
    # PostgreSQL would evaluate (and parse anew) every CHECK constraint at each touch of the row
    assert stack.psql("SELECT conname FROM pg_constraint WHERE conrelid = 'tessera.sessions'::regclass "
                      "AND contype = 'c'") == []
    assert stack.psql("SELECT tgname FROM pg_trigger WHERE tgrelid = 'tessera.sessions'::regclass "
                      "AND NOT tgisinternal") == [("sessions_check_written",)]
