"""How a worker closes a connection over TCP: plainly only when every byte of the request has been
read. An answer given before the body was read (a form from another site) closes lingering, because
closing over unread bytes makes the kernel reset the connection, and on a network that drops a
packet the reset can overtake the answer."""

import socket
import time

import pytest

from fcgi_raw import read_response, request
from processes import free_port, start_pool_process, stop_process_group, tail
from stack import BIN

MAX_BODY = 256 * 1024
BODY = b"x=" + b"y" * 60000       # under max_body, well past what libfcgi reads with the parameters


@pytest.fixture(scope="module")
def tcp_pool(stack):
    """A pool of the shared stack's config listening on TCP. Yields its (host, port)."""
    address = ("127.0.0.1", free_port())
    conf = stack.write_variant_config("pool-close", listen=f"{address[0]}:{address[1]}",
                                      max_body=MAX_BODY, log_file=stack.run_dir / "pool-close.log")
    pool = start_pool_process([BIN, "-c", conf, "serve"], address, stack.dir / "pool-close.out",
                              lambda: tail(stack.dir / "pool-close.out"))
    yield address
    stop_process_group(pool)


def test_an_answer_given_before_the_body_was_read_closes_without_a_reset(tcp_pool):
    with socket.create_connection(tcp_pool, timeout=10) as s:
        s.sendall(request("/logout", "POST", BODY, headers={"HTTP_ORIGIN": "http://evil.example"}))
        time.sleep(0.5)                 # the worker has answered and closed by now
        out = read_response(s)
        try:
            after = s.recv(100)
        except ConnectionResetError:
            after = "reset"
    assert out is not None and out.startswith(b"Status: 403"), out
    assert after == b"", f"after the answer: {after!r} (a reset loses the answer on a network that drops a packet)"
