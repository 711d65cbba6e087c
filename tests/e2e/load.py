"""Load from a second process for the pool tests: N threads GET paths through nginx until stopped.

Run as a script it reads a JSON spec on stdin, prints "started" once the first answer is in, and
on SIGTERM/SIGINT (or after `seconds`) prints every request's outcome as one JSON document:

    {"port": 8080, "paths": ["/dashboard", "/ping"], "cookies": {"tessera_session": "..."},
     "threads": 4, "seconds": 60, "timeout": 20}

Tests use it through Load, which starts it, stops it and returns a LoadResult to assert on.
Times are time.monotonic(), the system-wide CLOCK_MONOTONIC, so they compare with the test's own.
"""

import collections
import http.client
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass


# --------------------------------------------------------------------------
# the second process


def _one_request(spec, path):
    """Sends GET path to nginx with the spec's cookies. Returns (status or error name, Retry-After)."""
    conn = http.client.HTTPConnection("127.0.0.1", spec["port"], timeout=spec.get("timeout", 20))
    headers = {"User-Agent": "tessera-e2e-load", "Connection": "close"}
    if spec.get("cookies"):
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in spec["cookies"].items())
    try:
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        resp.read()
        return resp.status, resp.getheader("Retry-After")
    except Exception as e:  # noqa: BLE001 - every failure is an outcome to report
        return type(e).__name__, None
    finally:
        conn.close()


def _generate(spec):
    """Runs the threads until the deadline or a stop signal. Returns the list of outcomes."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    records, lock, first = [], threading.Lock(), threading.Event()
    paths = spec.get("paths", ["/ping"])

    def worker(n):
        i = n
        while not stop.is_set():
            path = paths[i % len(paths)]
            i += 1
            t0 = time.monotonic()
            status, retry_after = _one_request(spec, path)
            with lock:
                records.append([t0, time.monotonic(), path, status, retry_after])
            first.set()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True)
               for n in range(spec.get("threads", 4))]
    for t in threads:
        t.start()
    if first.wait(spec.get("timeout", 20)):
        print("started", flush=True)
    stop.wait(spec.get("seconds", 60))
    stop.set()
    for t in threads:
        t.join(spec.get("timeout", 20) + 5)
    with lock:
        return sorted(records)


def main():
    """Reads the spec on stdin, generates load, prints the outcomes as JSON."""
    spec = json.load(sys.stdin)
    records = _generate(spec)
    json.dump({"records": records}, sys.stdout)
    sys.stdout.write("\n")


# --------------------------------------------------------------------------
# the test's side


@dataclass
class Record:
    """One request: when it started and ended (monotonic), its path, and its HTTP status or error name."""
    start: float
    end: float
    path: str
    status: object
    retry_after: object = None

    def ok(self):
        """Returns True for a 200."""
        return self.status == 200

    def __str__(self):
        return (f"{self.path} {self.status} [{self.start:.3f}..{self.end:.3f}, "
                f"{self.end - self.start:.2f}s]")


class LoadResult:
    """Every outcome of one Load run, and the questions the tests ask about them."""

    def __init__(self, records, stderr=""):
        self.records = [Record(*r) for r in records]
        self.stderr = stderr

    def counts(self, records=None):
        """Returns {status or error name: count} for records (default: all)."""
        return dict(collections.Counter(str(r.status) for r in
                                        (self.records if records is None else records)))

    def failures(self):
        """Returns the records that are not 200."""
        return [r for r in self.records if not r.ok()]

    def started_after(self, t):
        """Returns the records that started at or after monotonic time t."""
        return [r for r in self.records if r.start >= t]

    def slowest(self):
        """Returns the longest request's duration in seconds (0 when none)."""
        return max((r.end - r.start for r in self.records), default=0.0)

    def describe(self, mark=None, limit=15):
        """Returns counts, the slowest duration and the first failures (times relative to mark)."""
        base = mark if mark is not None else (self.records[0].start if self.records else 0)
        lines = [f"load: {len(self.records)} requests {self.counts()}, slowest {self.slowest():.2f}s"]
        for r in self.failures()[:limit]:
            lines.append(f"  {r.path} {r.status} started {r.start - base:+.3f}s "
                         f"ended {r.end - base:+.3f}s (relative to mark)")
        if self.stderr.strip():
            lines.append("load stderr:\n" + self.stderr[-2000:])
        return "\n".join(lines) + "\n"


class Load:
    """load.py run against a stack's nginx as a second process; a context manager that stops it.

    with Load(stack, cookies) as load:
        ... do something to the pool ...
    result = load.result        # a LoadResult
    """

    def __init__(self, stack, cookies=None, paths=("/dashboard", "/ping"), threads=4,
                 seconds=120, timeout=20):
        self.spec = {"port": stack.port, "paths": list(paths), "cookies": cookies or {},
                     "threads": threads, "seconds": seconds, "timeout": timeout}
        self.proc = None
        self.result = None

    def start(self):
        """Starts the process and returns once a first answer came back. Returns self."""
        self.proc = subprocess.Popen([sys.executable, os.path.abspath(__file__)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, start_new_session=True)
        self.proc.stdin.write(json.dumps(self.spec).encode())
        self.proc.stdin.close()
        self.proc.stdin = None          # communicate() must not flush it again
        ready, _, _ = select.select([self.proc.stdout], [], [], self.spec["timeout"] + 10)
        line = self.proc.stdout.readline() if ready else b""
        if line.strip() != b"started":
            self.proc.kill()
            _, err = self.proc.communicate()
            raise RuntimeError(f"load.py did not start: {line!r}\n{err.decode(errors='replace')}")
        return self

    def run_for(self, seconds):
        """Lets the load run a while longer (requests keep flowing meanwhile)."""
        time.sleep(seconds)

    def stop(self):
        """Stops the threads (SIGTERM), waits for every request in flight, returns the LoadResult."""
        if self.result is not None:
            return self.result
        self.proc.send_signal(signal.SIGTERM)
        try:
            out, err = self.proc.communicate(timeout=self.spec["timeout"] + 30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
            raise RuntimeError("load.py did not stop:\n" + err.decode(errors="replace")) from None
        try:
            doc = json.loads(out.decode().strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise RuntimeError(f"load.py printed no result:\n{out!r}\n{err!r}") from None
        self.result = LoadResult(doc["records"], err.decode(errors="replace"))
        return self.result

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        if self.proc is not None and self.result is None:
            if exc[0] is None:
                self.stop()
            else:
                self.proc.kill()
                self.proc.communicate()
        return False


def signed_in_cookies(stack, front=None):
    """Creates a user in stack's database, signs in through front's nginx (default: stack's) and
    returns the browser's cookies, for Load."""
    user = stack.create_user()
    return dict((front or stack).signed_in_browser(user).cookies)


if __name__ == "__main__":
    main()
