"""Two app hosts on one PostgreSQL: sessions, sign-out, revocation and password changes hold on both."""

import re

import pytest

from page import signed_out, view_count
from processes import REPO
from stack import Stack

UPSTREAM_EXAMPLE = REPO / "deploy" / "nginx" / "tessera-upstream.conf"


@pytest.fixture(scope="module")
def hosts(stack):
    """(a, b): the shared stack and a second host (own pool, socket, nginx) on its database and secret."""
    b = stack.add_host("host-b")
    yield stack, b
    b.stop()


@pytest.fixture
def on_both(hosts):
    """(user, browser on host a, browser on host b) sharing one session signed in through host a."""
    a, b = hosts
    u = a.create_user()
    via_a = a.browser()
    assert via_a.login(u.name, u.password).status == 303
    via_b = b.browser()
    via_b.cookies = dict(via_a.cookies)
    assert via_b.dashboard().status == 200, b.logs()
    return u, via_a, via_b


def test_a_session_from_one_host_is_valid_on_the_other(on_both):
    u, via_a, via_b = on_both
    counts = [view_count(br.dashboard()) for br in (via_a, via_b, via_a)]
    assert counts == [2, 3, 4]      # one counter in PostgreSQL: on_both viewed once through b
    assert u.name in via_b.dashboard().text


def test_sign_out_through_one_host_ends_the_session_on_the_other(on_both):
    _, via_a, via_b = on_both
    assert via_a.logout().status == 303
    assert signed_out(via_b.dashboard())


def test_deleting_the_row_in_sql_ends_the_session_on_both_hosts(hosts, on_both):
    a, _ = hosts
    u, via_a, via_b = on_both
    a.psql("DELETE FROM tessera.sessions WHERE user_id = "
           f"(SELECT id FROM tessera.users WHERE username = '{u.name}')")
    assert signed_out(via_b.dashboard()) and signed_out(via_a.dashboard())


def test_revoke_session_in_sql_ends_it_on_the_other_host(hosts, on_both):
    a, _ = hosts
    u, _, via_b = on_both
    assert a.scalar("SELECT tessera.revoke_session(s.id) FROM tessera.sessions s "
                    f"JOIN tessera.users u ON u.id = s.user_id WHERE u.username = '{u.name}'") == "t"
    assert signed_out(via_b.dashboard())


def test_disabling_the_user_ends_the_session_on_both_hosts(hosts, on_both):
    a, _ = hosts
    u, via_a, via_b = on_both
    assert a.scalar(f"SELECT tessera.disable_user('{u.name}')") == "1"
    assert signed_out(via_b.dashboard()) and signed_out(via_a.dashboard())


def test_password_change_through_one_host_ends_the_session_on_the_other(hosts, on_both):
    a, _ = hosts
    u, _, via_b = on_both
    r = a.tessera("user", "passwd", u.name, input="a new password 1\n")
    assert r.returncode == 0, r.describe()
    assert signed_out(via_b.dashboard())
    assert via_b.login(u.name, "a new password 1").status == 303


def upstream_of(sockets):
    """Returns deploy/nginx/tessera-upstream.conf's upstream block with its servers replaced by sockets."""
    block = re.search(r"^upstream tessera \{.*?^\}", UPSTREAM_EXAMPLE.read_text(), re.S | re.M).group(0)
    examples = re.findall(r"^\s*server (\S+)", block, re.M)
    assert len(examples) == len(sockets), block
    for example, sock in zip(examples, sockets):
        block = block.replace(f"server {example}", f'server "unix:{sock}"', 1)
    return block


@pytest.fixture
def balancer(hosts):
    """nginx with the example upstream of both hosts' pools, logging which pool answered each request."""
    lb = Stack("balancer")
    lb.socket = hosts[0].socket

    def edit(conf):
        conf = re.sub(r"^    upstream tessera \{.*?^    \}", upstream_of([h.socket for h in hosts]),
                      conf, flags=re.S | re.M)
        return re.sub(r'access_log ("[^"]+");',
                      r"log_format upstream '$upstream_addr $status'; access_log \1 upstream;", conf)

    lb.start_nginx(edit=edit)
    yield lb
    lb.stop()


def test_an_upstream_of_both_pools_shares_one_session_and_survives_one_down(hosts, balancer):
    a, b = hosts
    u = a.create_user()
    br = balancer.browser()
    assert br.login(u.name, u.password).status == 303
    assert [view_count(br.dashboard()) for _ in range(6)] == [1, 2, 3, 4, 5, 6]
    answered = (balancer.nginx_dir / "access.log").read_text()
    for h in hosts:
        assert f"unix:{h.socket} 200" in answered, answered

    b.stop_pool()
    try:
        assert [view_count(br.dashboard()) for _ in range(4)] == [7, 8, 9, 10], b.logs()
    finally:
        b.start_pool()
