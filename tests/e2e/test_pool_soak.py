"""A soak: well-formed traffic through nginx and straight at the socket, malformed and mutated FastCGI,
requests that complete just before or after request_read_timeout, requests killed at
request_timeout, workers recycled by max_requests, and SIGUSR1/SIGHUP arriving all the while. No
worker may crash (under make test SANITIZE=1 no sanitizer may report either). SOAK_SECONDS sets
the length (default 20); the figures are printed (pytest -s)."""

import os
import random
import signal
import threading
import time

from fcgi_raw import connect, read_response, request, send_raw
from load import Load
from stack import TEST_BIN
from test_pool_hostile import MALLOC_ABORTS

POOL_BINARY = TEST_BIN          # GET /_test/hang: a request killed at request_timeout
POOL_CONFIG = {"request_read_timeout": "1s", "request_timeout": "2s", "max_requests": 300}
SECONDS = float(os.environ.get("SOAK_SECONDS", "20"))
READ_TIMEOUT = 1.0


class Counts:
    """Thread-safe tallies of what each client did."""

    def __init__(self):
        self.lock, self.n = threading.Lock(), {}

    def add(self, what):
        """Counts one what."""
        with self.lock:
            self.n[what] = self.n.get(what, 0) + 1


def mutated(rng):
    """Returns a well-formed request with a few bytes changed, cut short, or both."""
    data = bytearray(request("/ping"))
    for _ in range(rng.randint(1, 4)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data[:rng.randint(1, len(data))])


def direct_client(sock, stop, counts, seed):
    """Well-formed requests straight at the socket, one per connection or several on a kept one."""
    rng = random.Random(seed)
    while not stop.is_set():
        keep = rng.random() < 0.3
        with connect(sock) as s:
            for i in range(rng.randint(2, 5) if keep else 1):
                try:
                    s.sendall(request("/ping", keep=keep))
                except OSError:
                    out = None
                else:
                    out = read_response(s)
                if out is None and i > 0:
                    counts.add("direct kept connection closed")    # a worker leaving (reload, max_requests)
                    break
                counts.add("direct answered" if out and out.startswith(b"Status: 200") else "direct FAILED")


def hostile_client(sock, stop, counts, seed):
    """Malformed and mutated FastCGI, whole or cut short."""
    rng = random.Random(seed)
    while not stop.is_set():
        send_raw(sock, rng.choice(MALLOC_ABORTS) if rng.random() < 0.3 else mutated(rng))
        counts.add("hostile sent")


def boundary_client(sock, stop, counts, seed):
    """Half a request, a pause around request_read_timeout, the rest: answered or closed, never a crash."""
    rng = random.Random(seed)
    while not stop.is_set():
        data = request("/ping")
        cut = rng.randint(1, len(data) - 1)
        with connect(sock) as s:
            s.sendall(data[:cut])
            time.sleep(READ_TIMEOUT + rng.uniform(-0.15, 0.15))
            try:
                s.sendall(data[cut:])
                out = read_response(s)
            except OSError:
                out = None
        counts.add("boundary answered" if out else "boundary closed")


def hang_client(pool, stop, counts):
    """GET /_test/hang through nginx now and then: the supervisor kills that worker at request_timeout."""
    while not stop.wait(3):
        counts.add(f"hang {pool.browser(timeout=15).get('/_test/hang').status}")


def signaller(pool, stop, counts):
    """SIGUSR1 to the supervisor every second (workers reopen their log), SIGHUP every fifth."""
    n = 0
    while not stop.wait(1):
        n += 1
        pool.signal_pool(signal.SIGHUP if n % 5 == 0 else signal.SIGUSR1)
        counts.add("SIGHUP" if n % 5 == 0 else "SIGUSR1")


def test_soak_of_good_bad_and_boundary_traffic_crashes_no_worker(pool, pool_cookies):
    before = pool.status()
    counts, stop = Counts(), threading.Event()
    clients = ([threading.Thread(target=direct_client, args=(pool.socket, stop, counts, i)) for i in range(2)]
               + [threading.Thread(target=hostile_client, args=(pool.socket, stop, counts, 10 + i)) for i in range(2)]
               + [threading.Thread(target=boundary_client, args=(pool.socket, stop, counts, 20 + i)) for i in range(2)]
               + [threading.Thread(target=hang_client, args=(pool, stop, counts)),
                  threading.Thread(target=signaller, args=(pool, stop, counts))])
    started = time.monotonic()
    with Load(pool, pool_cookies, threads=2, timeout=30) as load:
        for c in clients:
            c.start()
        load.run_for(SECONDS)
        stop.set()
        for c in clients:
            c.join(30)
    took = time.monotonic() - started
    after = pool.status()
    crashed = [e for e in pool.log_events("worker_exited") if e["how"].startswith("signal")
               and e["how"] != "signal 9"]
    figures = (f"soak: {took:.0f}s; through nginx {len(load.result.records)} {load.result.counts()}; "
               f"{dict(sorted(counts.n.items()))}; crashes {after['crashes'] - before['crashes']}, "
               f"timeouts {after['timeouts'] - before['timeouts']}, restarts {after['restarts'] - before['restarts']}")
    print("\n" + figures)
    why = figures + "\n" + load.result.describe() + pool.logs()
    assert after["crashes"] == before["crashes"] and not crashed, why
    assert counts.n.get("direct FAILED", 0) == 0, why
    assert load.result.failures() == [], why
    assert pool.pool.poll() is None, why
