"""GET /ping answers without the database; GET /status describes the pool as JSON, only to the
addresses in status_allow (nginx connects from 127.0.0.1, the client address the pool sees)."""

import re
import time

import pytest

from load import Load, signed_in_cookies
from processes import REPO

POOL_CONFIG = {"status_allow": "10.0.0.0/8"}    # the module's own pool: not 127.0.0.1


def test_ping_answers_pong(stack):
    r = stack.browser().get("/ping")
    assert r.status == 200, r.describe()
    assert r.body == "pong\n"
    assert (r.header("Content-Type") or "").startswith("text/plain"), r.describe()
    assert "no-store" in (r.header("Cache-Control") or ""), r.describe()


def test_status_describes_the_pool_under_load(stack):
    cookies = signed_in_cookies(stack)
    with Load(stack, cookies, threads=2) as load:
        load.run_for(0.3)
        first = stack.status()
        after_first = time.monotonic()     # the first count was taken before this
        load.run_for(0.7)
        before_second = time.monotonic()   # the second count is taken after this
        second = stack.status()
    assert set(second) >= {"uptime", "workers", "requests", "restarts", "crashes", "timeouts", "database"}
    assert second["database"] is True
    assert isinstance(second["uptime"], int) and second["uptime"] >= first["uptime"] >= 0
    for key in ("requests", "restarts", "crashes", "timeouts"):
        assert isinstance(second[key], int) and second[key] >= first[key] >= 0, (key, first, second)
    # A worker counts a request before the client sees its answer, so every request that began
    # after the first answer arrived and ended before the second was asked for lies between them.
    between = [r for r in load.result.records if r.start >= after_first and r.end <= before_second]
    assert second["requests"] - first["requests"] >= len(between), (first, second, len(between))
    workers = second["workers"]
    assert sorted(w["pid"] for w in workers) == stack.worker_pids(), workers
    assert all(w["state"] in ("starting", "idle", "accepting", "busy") and w["requests"] >= 0 for w in workers)
    me = [w for w in workers if w["state"] == "busy" and w.get("path") == "/status"]
    assert len(me) == 1 and me[0]["busy_ms"] >= 0, workers
    assert load.result.failures() == [], load.result.describe()


def test_status_is_refused_outside_status_allow(private_pool):
    r = private_pool.browser().get("/status")
    assert r.status == 403, r.describe()
    assert r.is_html and '"workers"' not in r.body, r.describe()
    refused = private_pool.log_events("status_refused")
    assert refused and refused[-1]["addr"] == "127.0.0.1", private_pool.logs()
    assert private_pool.browser().get("/ping").status == 200


def test_status_allow_takes_a_list_of_prefixes(private_pool):
    try:
        private_pool.reload_pool({**private_pool.config, "status_allow": "10.0.0.0/8, 127.0.0.0/8 ::1"})
        assert private_pool.status()["database"] is True
    finally:
        private_pool.reload_pool(private_pool.config)


@pytest.mark.parametrize("entry", ["127.0.0.1/x", "127.0.0.1/", "127.0.0.1/99", "banana"])
def test_a_malformed_entry_in_status_allow_is_refused_and_opens_nothing(private_pool, entry):
    """An entry that does not parse is refused when the file is read, naming it (it once meant /0:
    everyone, then silently nothing): the reload is refused and the old list stays."""
    try:
        refused = private_pool.reload_pool({**private_pool.config, "status_allow": entry},
                                           event="reload_refused")
        assert "status_allow" in refused["reason"] and f'"{entry}"' in refused["reason"], refused
        r = private_pool.browser().get("/status")
        assert r.status == 403, r.describe()
    finally:
        private_pool.reload_pool(private_pool.config)


def test_status_shows_the_version(stack):
    version = re.search(r"^VERSION\s*=\s*(\S+)", (REPO / "Makefile").read_text(), re.M).group(1)
    assert stack.status()["version"] == version
