"""A multi-host libpq string with target_session_attrs=read-write: the pool skips a dead and a read-only host."""

import pytest

from page import view_count
from stack import Stack


@pytest.fixture(scope="module")
def read_only_pg():
    """A second PostgreSQL cluster that accepts connections but is read-only, as a standby is."""
    ro = Stack("read-only-pg")
    ro.pg_init()
    with open(ro.pg_dir / "postgresql.conf", "a") as conf:
        conf.write("default_transaction_read_only = on\n")
    try:
        ro.pg_start()
        yield ro
    finally:
        ro.stop()


def multi_host(stack, read_only_pg, attrs):
    """Returns a conninfo listing a missing socket dir, the read-only cluster, then the stack's own."""
    hosts = ",".join([str(stack.dir / "no-such-host"), str(read_only_pg.pg_dir), str(stack.pg_dir)])
    return f"host={hosts} port=5432,5432,5432 dbname=tessera user=tessera {attrs}".strip()


def test_without_target_session_attrs_libpq_stops_at_the_read_only_host(stack, read_only_pg):
    conninfo = multi_host(stack, read_only_pg, "")
    assert stack.psql("SHOW default_transaction_read_only", conninfo) == [("on",)]


def test_the_pool_signs_in_through_the_read_write_host_of_a_multi_host_string(stack, read_only_pg):
    conninfo = multi_host(stack, read_only_pg, "target_session_attrs=read-write")
    assert stack.psql("SHOW default_transaction_read_only", conninfo) == [("off",)]
    host = stack.add_host("failover", database=conninfo)
    try:
        u = stack.create_user()
        b = host.browser()
        assert b.login(u.name, u.password).status == 303, host.logs()
        assert view_count(b.dashboard()) == 1, host.logs()
        assert b.logout().status == 303
    finally:
        host.stop()
