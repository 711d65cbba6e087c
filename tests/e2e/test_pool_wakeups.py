"""A connection wakes one idle worker, not every one: the workers wait on the listening socket with
epoll and EPOLLEXCLUSIVE. With poll, each connection woke all the idle workers and all but one found
nothing to accept, a cost that grows with the idle workers, so most at light load."""

import fcgi_raw

WORKERS = 4
POOL_CONFIG = {"workers": WORKERS}
REQUESTS = 300


def voluntary_switches(pids):
    """Returns how many times processes pids gave up the CPU to wait (context switches)."""
    total = 0
    for pid in pids:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("voluntary_ctxt_switches:"):
                total += int(line.split()[1])
    return total


def one_request_at_a_time(sock, n):
    """Sends n requests for /favicon.ico (no database), each after the previous answer."""
    for _ in range(n):
        with fcgi_raw.connect(sock) as s:
            s.sendall(fcgi_raw.request("/favicon.ico"))
            answer = fcgi_raw.read_response(s)
            assert answer is not None and answer.startswith(b"Status: 204"), answer


def test_one_connection_wakes_one_of_the_idle_workers(pool):
    pids = pool.worker_pids()
    assert len(pids) == WORKERS
    one_request_at_a_time(pool.socket, 20)          # every worker settled in its wait
    before = voluntary_switches(pids)
    one_request_at_a_time(pool.socket, REQUESTS)
    per_request = (voluntary_switches(pids) - before) / REQUESTS
    assert pool.worker_pids() == pids, "a worker was replaced meanwhile"
    # the worker that answers waits for the connection, then for the request's bytes at most: 2;
    # each other idle worker woken for nothing adds 1 (with poll: 3 more, 5 in all)
    assert per_request < 3, f"{per_request:.2f} waits per request in the {WORKERS} workers"
