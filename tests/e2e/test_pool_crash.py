"""A worker that dies while requests stream (a signal, or hostile FastCGI input straight to the socket):
only what it had in hand is lost, the pool replaces it at once and keeps answering."""

import concurrent.futures
import os
import signal
import socket
import struct
import time

import pytest

from fcgi_raw import (FCGI_BEGIN_REQUEST, FCGI_GET_VALUES, FCGI_PARAMS, FCGI_STDIN, long_lengths, record,
                      send_raw)
from load import Load
from processes import wait_for
from stack import TEST_BIN

POOL_BINARY = TEST_BIN          # GET /_test/hang: a request certain to be in flight on a known worker
WORKERS = 2                     # the shared stack's config, which private_pool copies
RESPAWN_LIMIT = 2.0             # seconds; the pool replaces a dead worker within one (a loaded machine: margin)


def test_segv_of_a_busy_worker_fails_its_request_alone(pool, pool_cookies):
    with concurrent.futures.ThreadPoolExecutor(1) as ex, Load(pool, pool_cookies) as load:
        hung = ex.submit(pool.browser(timeout=30).get, "/_test/hang")
        victim = wait_for("a worker busy with /_test/hang", lambda: pool.busy_worker("/_test/hang"),
                          10, pool.logs)
        killed_at = time.monotonic()
        os.kill(victim, signal.SIGSEGV)
        r = hung.result(timeout=30)
        answered_in = time.monotonic() - killed_at
        after = pool.wait_workers(WORKERS, [victim])
        replaced_in = time.monotonic() - killed_at
        load.run_for(1.0)
    why = load.result.describe(killed_at) + pool.logs()
    assert r.status == 502, r.describe() + why
    assert answered_in < 5, f"the client waited {answered_in:.1f}s for its dead worker's answer\n" + why
    assert replaced_in < RESPAWN_LIMIT, f"replacement took {replaced_in:.2f}s\n" + why
    assert load.result.failures() == [], "requests on the other workers failed\n" + why
    exited = [e for e in pool.log_events("worker_exited") if e["pid"] == str(victim)]
    assert exited and exited[0]["how"] == "SIGSEGV" and exited[0]["path"] == "/_test/hang", exited
    assert victim not in after


def test_segv_under_load_loses_at_most_the_request_in_flight(pool, pool_cookies):
    before = pool.wait_workers(WORKERS)
    crashes = pool.status()["crashes"]
    with Load(pool, pool_cookies, threads=4) as load:
        load.run_for(0.5)
        victim = before[0]
        killed_at = time.monotonic()
        os.kill(victim, signal.SIGSEGV)
        after = pool.wait_workers(WORKERS, [victim])
        replaced_at = time.monotonic()
        load.run_for(1.5)
    result = load.result
    why = result.describe(killed_at) + pool.logs()
    assert replaced_at - killed_at < RESPAWN_LIMIT, f"replacement took {replaced_at - killed_at:.2f}s\n" + why
    assert before[1] in after, "the other worker was replaced too\n" + why
    failed = result.failures()
    assert len(failed) <= 1, "more than the killed worker's one request failed\n" + why
    for r in failed:
        assert r.status == 502, "a request failed otherwise than nginx's 502\n" + why
        assert r.start <= killed_at + 0.5 and r.end >= killed_at, (
            f"a failed request was not in flight when the worker died: {r}\n" + why)
    later = result.started_after(replaced_at)
    assert len(later) >= 20, "too few requests after the replacement to judge\n" + why
    assert all(r.ok() for r in later), why
    status = pool.status()
    assert status["crashes"] == crashes + 1, status
    assert sorted(w["pid"] for w in status["workers"]) == after, status
    assert pool.pool.poll() is None, "the supervisor exited\n" + why


# --------------------------------------------------------------------------
# hostile FastCGI input, written straight to the pool's socket (no nginx in between)

BEGIN = record(FCGI_BEGIN_REQUEST, struct.pack(">HB5x", 1, 0))    # responder, no keep-alive

HOSTILE = {
    "garbage": os.urandom(256),
    "http-not-fastcgi": b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
    "truncated-header": b"\x01\x01\x00",
    "wrong-version": record(FCGI_BEGIN_REQUEST, struct.pack(">HB5x", 1, 0), version=2),
    "params-name-2g": BEGIN + record(FCGI_PARAMS, long_lengths(0x7fffffff, 1)) + record(FCGI_PARAMS),
    "params-both-2g": BEGIN + record(FCGI_PARAMS, long_lengths(0x7fffffff, 0x7fffffff)) + record(FCGI_PARAMS),
    "params-both-1g": BEGIN + record(FCGI_PARAMS, long_lengths(0x40000000, 0x40000000)) + record(FCGI_PARAMS),
    "params-sum-overflows": BEGIN + record(FCGI_PARAMS, long_lengths(0x7ffffff0, 0x10)) + record(FCGI_PARAMS),
    # the three inputs that aborted a worker through libfcgi's assert in Malloc
    "params-name-7ffffffe": BEGIN + record(FCGI_PARAMS, long_lengths(0x7ffffffe, 0x10)) + record(FCGI_PARAMS),
    "params-both-7ffffff0": BEGIN + record(FCGI_PARAMS, long_lengths(0x7ffffff0, 0x7ffffff0)) + record(FCGI_PARAMS),
    "get-values-huge": record(FCGI_GET_VALUES, long_lengths(0x7ffffff0, 0x7ffffff0), request_id=0),
    "huge-length-no-data": BEGIN + record(FCGI_PARAMS, length=0xffff),
    "stdin-before-params": BEGIN + record(FCGI_STDIN, b"x" * 10),
    "request-id-0": (record(FCGI_BEGIN_REQUEST, struct.pack(">HB5x", 1, 0), request_id=0)
                     + record(FCGI_PARAMS, request_id=0) + record(FCGI_STDIN, request_id=0)),
}


def assert_pool_unharmed(pool, load):
    """Asserts the load saw no failure, the supervisor lives and the pool is full again."""
    pool.wait_workers(WORKERS)
    why = load.result.describe() + pool.logs()
    assert load.result.failures() == [], "real requests failed while hostile input arrived\n" + why
    assert pool.pool.poll() is None, "the supervisor exited\n" + why


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_record_is_refused_without_costing_a_worker(pool, pool_cookies, name):
    exits, refused = len(pool.log_events("worker_exited")), len(pool.log_events("request_refused"))
    with Load(pool, pool_cookies, threads=2) as load:
        answer = send_raw(pool.socket, HOSTILE[name])
        load.run_for(0.3)
    assert_pool_unharmed(pool, load)
    assert answer == b"", f"the pool answered a malformed request: {answer[:200]!r}"
    assert len(pool.log_events("worker_exited")) == exits, pool.logs()
    assert len(pool.log_events("request_refused")) == refused + 1, pool.logs()


def test_many_connections_that_send_nothing_and_close(pool, pool_cookies):
    exits = len(pool.log_events("worker_exited"))
    with Load(pool, pool_cookies, threads=2) as load:
        socks = []
        for _ in range(50):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(str(pool.socket))
            socks.append(s)
        for s in socks:
            s.close()
        load.run_for(1.0)
    assert_pool_unharmed(pool, load)
    assert len(pool.log_events("worker_exited")) == exits, pool.logs()
