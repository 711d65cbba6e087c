"""Hostile FastCGI peers straight at the pool's socket: a request must arrive whole and well-formed
within request_read_timeout or it is closed unread; crashes while a request arrives are counted and
alerted without slowing the pool down; a respawned worker costs a fork, not a database connection;
four hostile clients leave normal traffic through nginx at half its rate or better; a flood of
malformed records is counted in full but logged at a bounded rate; a peer that keeps its end open
after the answer holds no worker."""

import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from fcgi_raw import (FCGI_PARAMS, begin, connect, long_lengths, read_response, record, request,
                      send_raw)
from load import Load
from processes import socket_fds, wait_for
from telemetry import metric

POOL_CONFIG = {"request_read_timeout": "1s", "crash_limit": 2, "crash_window": "60s"}
READ_TIMEOUT = 1
WORKERS = 2
RESPAWN_LIMIT = 2.0             # seconds; a replacement is forked at once (a loaded machine: margin)
REFUSED_LOG_PER_SECOND = 10     # src/worker.c: request_refused lines a worker writes at most
FLOOD_SECONDS = 2.0
LINGER_TIMEOUT = 2.0            # seconds libfcgi's lingering close waits for the peer to hang up
HOSTILE_RATE = 1000             # requests a second each of the four hostile clients sends at most
MALLOC_ABORTS = [               # what made libfcgi's Malloc assert, killing the worker
    begin() + record(FCGI_PARAMS, long_lengths(0x7ffffffe, 0x10)) + record(FCGI_PARAMS),
    begin() + record(FCGI_PARAMS, long_lengths(0x7ffffff0, 0x7ffffff0)) + record(FCGI_PARAMS),
    record(9, long_lengths(0x7ffffff0, 0x7ffffff0), request_id=0),     # FCGI_GET_VALUES
]


def hung_up(s):
    """Waits for the pool to close connection s. Returns True if it closed it without a word."""
    try:
        return s.recv(100) == b""
    except ConnectionResetError:
        return True             # closed with the request unread: a reset


def rate(result, windows, attacked):
    """Returns the requests per second of a LoadResult that started in the windows (start, end,
    attacked) whose attacked flag is the one given."""
    spans = [(t0, t1) for t0, t1, on in windows if on == attacked]
    n = sum(1 for r in result.records for t0, t1 in spans if t0 <= r.start < t1)
    return n / sum(t1 - t0 for t0, t1 in spans)


def test_a_request_arriving_in_small_parts_is_answered(pool):
    data = request("/ping")
    with connect(pool.socket) as s:
        for i in range(0, len(data), 7):
            s.sendall(data[i:i + 7])
            time.sleep(0.002)
        out = read_response(s)
    assert out is not None and out.startswith(b"Status: 200"), out


def test_a_kept_connection_serves_each_request_and_refuses_a_malformed_one(pool):
    refused = len(pool.log_events("request_refused"))
    with connect(pool.socket) as s:
        for _ in range(3):
            s.sendall(request("/ping", keep=True))
            out = read_response(s)
            assert out is not None and out.startswith(b"Status: 200"), out
        s.sendall(MALLOC_ABORTS[0])
        assert read_response(s) is None, "a malformed request on a kept connection was answered"
    events = wait_for("request_refused", lambda: pool.log_events("request_refused")[refused:], 5, pool.logs)
    assert events[0]["reason"] == "name-value pair longer than the parameters sent", events


def test_a_peer_keeping_its_end_open_after_the_answer_does_not_hold_a_worker(pool):
    """libfcgi's lingering close waited up to 2 s for the peer to hang up: six answered requests
    whose connections stay open held both workers for that long, twice over."""
    held = []
    try:
        started = time.monotonic()
        for _ in range(3 * WORKERS):
            s = connect(pool.socket)
            held.append(s)
            s.sendall(request("/ping"))
            out = read_response(s)
            assert out is not None and out.startswith(b"Status: 200"), out
            assert s.recv(100) == b"", "the pool left the connection open after the answer"
        took = time.monotonic() - started
    finally:
        for s in held:
            s.close()
    assert took < LINGER_TIMEOUT, f"{3 * WORKERS} answers took {took:.1f}s\n" + pool.logs()


def test_requests_that_never_complete_are_closed_after_request_read_timeout(pool):
    """Six connections sending four bytes each once pinned the pool until request_timeout (60 s)."""
    refused, exits = len(pool.log_events("request_refused")), len(pool.log_events("worker_exited"))
    held = []
    try:
        started = time.monotonic()
        for _ in range(6):
            s = connect(pool.socket, timeout=READ_TIMEOUT * 6 + 5)
            s.sendall(begin()[:4])
            held.append(s)
        r = pool.browser(timeout=READ_TIMEOUT * 6 + 5).get("/ping")
        answered_in = time.monotonic() - started
        closed = [hung_up(s) for s in held]
        closed_in = time.monotonic() - started
    finally:
        for s in held:
            s.close()
    assert r.status == 200, r.describe()
    # Three rounds of two workers, each held connection closed at the deadline: about 3 s.
    assert answered_in < READ_TIMEOUT * 4 + 1, f"/ping waited {answered_in:.1f}s\n" + pool.logs()
    assert all(closed) and closed_in < READ_TIMEOUT * 4 + 1, (closed, closed_in)
    events = wait_for("six request_refused lines",
                      lambda: (lambda e: e if len(e) >= 6 else None)(pool.log_events("request_refused")[refused:]),
                      5, pool.logs)
    assert {e["reason"] for e in events} == {"request incomplete after request_read_timeout"}, events
    assert len(pool.log_events("worker_exited")) == exits, pool.logs()


def accepting_worker(pool):
    """Returns the pid of a worker /status shows reading a request, or None."""
    return next((w["pid"] for w in pool.status()["workers"] if w["state"] == "accepting"), None)


def test_crashes_while_a_request_arrives_are_counted_and_alerted_without_back_off(pool):
    limit = POOL_CONFIG["crash_limit"]
    crashes, alerts = pool.status()["crashes"], len(pool.log_events("ALERT_workers_crashing"))
    for _ in range(limit + 1):
        with connect(pool.socket) as s:
            s.sendall(begin()[:4])
            victim = wait_for("a worker reading the held request", lambda: accepting_worker(pool), 5,
                              pool.logs)
            killed_at = time.monotonic()
            os.kill(victim, signal.SIGSEGV)
            pool.wait_workers(WORKERS, [victim])
            replaced_in = time.monotonic() - killed_at
        assert replaced_in < RESPAWN_LIMIT, f"replacement took {replaced_in:.2f}s\n" + pool.logs()
    status = pool.status()
    assert status["crashes"] == crashes + limit + 1, status
    new = pool.log_events("ALERT_workers_crashing")[alerts:]
    assert len(new) == 1 and new[0]["backoff"] == "0s", pool.logs()
    assert int(new[0]["crashes"]) == limit + 1, new


def test_a_worker_that_left_cleanly_is_replaced_by_one_connected_before_its_first_request(pool):
    old = pool.worker_pids()
    for pid in old:
        os.kill(pid, signal.SIGTERM)            # a clean exit: replaced at once, not a crash
    fresh = pool.wait_workers(WORKERS, old)
    wait_for("every new worker connected to PostgreSQL without a request",
             lambda: [socket_fds(pid) for pid in fresh] == [2] * WORKERS, 5, pool.logs)


def test_a_worker_replacing_a_crashed_one_connects_only_for_a_request_that_needs_it(pool, pool_cookies):
    before = pool.worker_pids()
    with connect(pool.socket) as s:
        s.sendall(begin()[:4])
        victim = wait_for("a worker reading the held request", lambda: accepting_worker(pool), 5, pool.logs)
        os.kill(victim, signal.SIGSEGV)
        fresh = pool.wait_workers(WORKERS, [victim])
    (new,) = set(fresh) - set(before)
    time.sleep(1)                               # a worker that connects at start has done so by now
    assert socket_fds(new) == 1, "a worker replacing a crashed one connected before any request needed it"
    # a connection wakes the longest-serving idle worker (EPOLLEXCLUSIVE), so a lone request goes to
    # the same old one each time: requests in twos keep both busy
    for _ in range(40):
        with ThreadPoolExecutor(WORKERS) as ex:
            for r in ex.map(lambda _: pool.browser().get("/dashboard", cookies=pool_cookies), range(WORKERS)):
                assert r.status == 200, r.describe()
        if socket_fds(new) > 1:
            break
    assert socket_fds(new) > 1, "the replacement never connected for /dashboard"


def hostile_client(sock_path, stop, attack, sent):
    """Sends the inputs that aborted workers, round after round, while attack is set, until stop is,
    at most HOSTILE_RATE a second: unpaced, the test's own Python would take a core of this 2-core
    machine for itself, which an attacker's own machine would not take from the server."""
    due = time.monotonic()
    while not stop.is_set():
        if not attack.wait(0.05):
            due = time.monotonic()
            continue
        for data in MALLOC_ABORTS:
            send_raw(sock_path, data)
            sent.append(1)
        due = max(due + len(MALLOC_ABORTS) / HOSTILE_RATE, time.monotonic() - 0.1)
        time.sleep(max(0.0, due - time.monotonic()))


def test_four_hostile_clients_leave_normal_traffic_at_half_its_rate(pool, pool_cookies):
    """Quiet and attacked seconds alternate, so that the machine's other load weighs on both alike."""
    exits = len(pool.log_events("worker_exited"))
    stop, attack, sent, windows = threading.Event(), threading.Event(), [], []
    clients = [threading.Thread(target=hostile_client, args=(pool.socket, stop, attack, sent))
               for _ in range(4)]
    with Load(pool, pool_cookies, threads=2) as load:
        for c in clients:
            c.start()
        for i in range(8):
            attack.set() if i % 2 else attack.clear()
            t0 = time.monotonic()
            load.run_for(1.0)
            windows.append((t0, time.monotonic(), bool(i % 2)))
        stop.set()
        for c in clients:
            c.join()
    quiet, attacked = rate(load.result, windows, False), rate(load.result, windows, True)
    why = (f"quiet: {quiet:.0f}/s, attacked: {attacked:.0f}/s, {len(sent)} hostile requests\n"
           + load.result.describe() + pool.logs())
    assert len(sent) >= 0.5 * HOSTILE_RATE * len(clients) * 4, why    # 4 attacked seconds
    assert load.result.failures() == [], why
    assert attacked >= 0.5 * quiet, why
    assert len(pool.log_events("worker_exited")) == exits, why
    assert pool.pool.poll() is None, why


def refusals_told(pool):
    """The refusals the pool's log tells of: request_refused lines plus what the summaries held back."""
    return len(pool.log_events("request_refused")) + \
        sum(int(e["suppressed"]) for e in pool.log_events("request_refused_suppressed"))


def test_a_flood_of_malformed_records_is_counted_in_full_but_logged_at_a_bounded_rate(pool):
    """A local peer refused as fast as it can connect: every refusal counts in
    tessera_requests_refused_total, each worker logs at most REFUSED_LOG_PER_SECOND request_refused
    lines a second and says what it held back in request_refused_suppressed once that second is
    over (with no more traffic to wake it), and requests keep being answered meanwhile."""
    # Earlier tests' refusals may still be held back for a summary due in a moment: start once
    # every refusal counted so far is in the log, so that this flood's are told apart.
    wait_for("earlier refusals logged or summarised",
             lambda: refusals_told(pool) == metric(pool.metrics(), "tessera_requests_refused_total"), 5,
             pool.logs)
    before = pool.metrics()
    lines, summaries = len(pool.log_events("request_refused")), len(pool.log_events("request_refused_suppressed"))
    exits = len(pool.log_events("worker_exited"))
    sent, answered, started = 0, [], time.monotonic()
    while time.monotonic() - started < FLOOD_SECONDS:
        send_raw(pool.socket, MALLOC_ABORTS[2])
        sent += 1
        if sent % 200 == 0:
            with connect(pool.socket) as s:
                s.sendall(request("/ping"))
                answered.append(read_response(s))
    elapsed = time.monotonic() - started

    def accounted():
        """Returns (request_refused lines, summaries) since the flood began once they tell of every
        refusal sent, else None."""
        new = pool.log_events("request_refused")[lines:]
        said = pool.log_events("request_refused_suppressed")[summaries:]
        return (new, said) if len(new) + sum(int(e["suppressed"]) for e in said) == sent else None

    new, said = wait_for("every refusal logged or summarised", accounted, 5, pool.logs)
    windows = WORKERS * (int(elapsed) + 2)      # each worker's seconds that the flood touched
    why = f"{sent} sent in {elapsed:.1f}s: {len(new)} lines, {len(said)} summaries\n" + pool.logs()[-3000:]
    assert sent > 10 * REFUSED_LOG_PER_SECOND * windows, why    # enough to overflow the limit
    assert len(new) <= REFUSED_LOG_PER_SECOND * windows, why
    assert 1 <= len(said) <= windows, why
    assert {e["reason"] for e in new} == {"management record"}, why
    assert metric(pool.metrics(), "tessera_requests_refused_total") - \
        metric(before, "tessera_requests_refused_total") == sent, why
    assert answered and all(out is not None and out.startswith(b"Status: 200") for out in answered), why
    assert pool.browser().get("/ping").status == 200, why
    assert len(pool.log_events("worker_exited")) == exits, why
