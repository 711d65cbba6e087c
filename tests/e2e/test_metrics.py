"""GET /metrics (Prometheus text 0.0.4) and the php-fpm fields of GET /status: both read the pool's
shared scoreboard, so what a test sends is what they count, whichever worker answers."""

import concurrent.futures
import os
import signal
import subprocess
import time

import pytest

from processes import wait_for
from stack import TEST_BIN
from telemetry import metric, parse_metrics

POOL_BINARY = TEST_BIN          # GET /_test/hang never answers
POOL_CONFIG = {"request_timeout": "2s", "slow_log": "1s", "workers": 2}
WORKERS = 2

PHP_FPM_FIELDS = {"pool", "start_time", "start_since", "accepted_conn", "listen_queue", "max_listen_queue",
                  "listen_queue_len", "idle_workers", "active_workers", "total_workers",
                  "max_active_workers", "max_workers_reached", "slow_requests", "workers_configured",
                  "version"}
FULL_WORKER_FIELDS = {"pid", "state", "start_time", "start_since", "requests", "last_request_route",
                      "last_request_duration_ms", "last_request_cpu_ms", "last_request_memory_bytes",
                      "memory_bytes"}
ENDED = ("signout", "ended_by_user", "expired_pruned", "evicted", "replaced", "password_changed")


def delta(after, before, name, **labels):
    """Returns how much sample name{labels} grew between two parse_metrics results."""
    return metric(after, name, **labels) - metric(before, name, **labels)


def test_metrics_count_every_request_by_route_and_code(pool):
    before = pool.metrics()
    browser = pool.browser()
    for _ in range(7):
        assert browser.get("/ping").status == 200
    for path in ("/nowhere", "/etc/passwd", "/ping/x"):
        assert browser.get(path).status == 404
    assert browser.get("/login").status == 405
    r = pool.browser().get("/metrics")
    after = parse_metrics(r.body)
    assert r.status == 200 and r.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8", r.describe()
    assert "no-store" in (r.header("Cache-Control") or ""), r.describe()
    assert delta(after, before, "tessera_requests_total", route="/ping", code="200") == 7
    # a path outside the route table never becomes a label of its own
    assert delta(after, before, "tessera_requests_total", route="other", code="404") == 3
    assert not [k for k in after if "passwd" in str(k) or "/nowhere" in str(k)], sorted(after)
    assert delta(after, before, "tessera_requests_total", route="/login", code="405") == 1
    # the scrape that took `before` is counted once it was answered
    assert delta(after, before, "tessera_requests_total", route="/metrics", code="200") == 1
    # durations: every /ping in the histogram, +Inf equal to the count, buckets cumulative
    assert delta(after, before, "tessera_request_duration_seconds_count", route="/ping") == 7
    inf = metric(after, "tessera_request_duration_seconds_bucket", route="/ping", le="+Inf")
    assert inf == metric(after, "tessera_request_duration_seconds_count", route="/ping")
    bounds = ["0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5",
              "10", "+Inf"]
    buckets = [metric(after, "tessera_request_duration_seconds_bucket", route="/ping", le=b) for b in bounds]
    assert buckets == sorted(buckets) and buckets[-1] >= 7, buckets
    assert 0 < metric(after, "tessera_request_duration_seconds_sum", route="/ping") < 7 * 10
    assert metric(after, "tessera_up") == 1 and metric(after, "tessera_database_up") == 1
    assert metric(after, "tessera_workers_configured") == WORKERS
    assert sum(metric(after, "tessera_workers", state=s) for s in ("starting", "idle", "accepting", "busy")) \
        == WORKERS
    assert metric(after, "tessera_workers", state="busy") >= 1      # the one answering
    assert abs(metric(after, "tessera_start_time_seconds") - (time.time() - pool.status()["start_since"])) <= 2
    assert [k for k in after if k[0] == "tessera_build_info"] == [("tessera_build_info", (("version", "0.9.0"),))]


def test_signin_sessions_and_gateway_are_counted_by_result(stack, pool):
    user, victim = stack.create_user(), stack.create_user()
    before = pool.metrics()
    b = pool.browser()
    assert b.login(user.name, "wrong password").status == 401
    assert b.login("nobody-" + user.name, user.password).status == 401
    assert b.post("/login", {"username": user.name, "password": user.password, "csrf": "x"}).status == 403
    assert b.get("/auth").status == 401
    assert b.login(user.name, user.password).status == 303
    assert b.get("/auth").status == 204
    other = pool.browser()
    assert other.login(user.name, user.password).status == 303
    end = b.get("/sessions").form("/sessions/end-others")
    assert b.post("/sessions/end-others", {"csrf": end["csrf"]}).status == 303
    assert b.logout().status == 303
    assert stack.tessera("user", "disable", victim.name).returncode == 0
    assert pool.browser().login(victim.name, victim.password).status == 401
    after = pool.metrics()
    counted = {r: delta(after, before, "tessera_signins_total", result=r)
               for r in ("ok", "failed", "throttled", "disabled", "csrf", "busy")}
    assert counted == {"ok": 2, "failed": 2, "throttled": 0, "disabled": 1, "csrf": 1, "busy": 0}, counted
    assert delta(after, before, "tessera_sessions_created_total") == 2
    assert delta(after, before, "tessera_sessions_ended_total", how="ended_by_user") == 1
    assert delta(after, before, "tessera_sessions_ended_total", how="signout") == 1
    assert delta(after, before, "tessera_signouts_total") == 1
    assert delta(after, before, "tessera_auth_requests_total", result="allowed") == 1
    assert delta(after, before, "tessera_auth_requests_total", result="denied") == 1
    # every attempt that reached the password check hashed once (Argon2id: well over a millisecond)
    hashed = delta(after, before, "tessera_password_hash_seconds_count")
    assert hashed >= 5, hashed
    assert delta(after, before, "tessera_password_hash_seconds_sum") > hashed * 0.001
    assert metric(after, "tessera_password_hash_seconds_bucket", le="+Inf") == \
        metric(after, "tessera_password_hash_seconds_count")


def ended(after, before):
    """Returns how many sessions ended between two parse_metrics results, by how (pruning left out:
    the workers prune the shared database's expired rows, other tests' included)."""
    return {how: delta(after, before, "tessera_sessions_ended_total", how=how)
            for how in ENDED if how != "expired_pruned"}


def test_every_way_the_pool_ends_a_session_is_counted_by_how(stack, pool):
    """A sign-in over a live session replaces it; past max_sessions_per_user the least recently used
    session is evicted; a password change ends every session of the user (this browser goes on with
    a new one). What was created less what ended is what the user has."""
    user, new_password = stack.create_user(), "a-brand-new-passphrase"
    try:
        pool.reload_pool({**pool.config, "max_sessions_per_user": "2"})
        before = pool.metrics()
        a, b, c = pool.browser(), pool.browser(), pool.browser()
        assert a.login(user.name, user.password).status == 303
        assert b.login(user.name, user.password).status == 303
        assert a.login(user.name, user.password).status == 303      # over a's live session
        assert c.login(user.name, user.password).status == 303      # a third: b's, the oldest, goes
        mid = pool.metrics()
        assert ended(mid, before) == {"signout": 0, "ended_by_user": 0, "evicted": 1, "replaced": 1,
                                      "password_changed": 0}, ended(mid, before)
        assert stack.session_count(user.name) == 2 and b.dashboard().status != 200
        fields = {"csrf": a.form_csrf("/account/password"), "current": user.password,
                  "new": new_password, "again": new_password}
        assert a.post("/account/password", fields).status == 200
        assert c.dashboard().status != 200 and a.dashboard().status == 200
        after = pool.metrics()
        assert ended(after, mid) == {"signout": 0, "ended_by_user": 0, "evicted": 0, "replaced": 0,
                                     "password_changed": 2}, ended(after, mid)
        created = delta(after, before, "tessera_sessions_created_total")
        assert created == 5 and created - sum(ended(after, before).values()) == stack.session_count(user.name)
        # a change refused (a wrong current password) ends nothing
        fields["csrf"], fields["current"] = a.form_csrf("/account/password"), "not the password"
        assert a.post("/account/password", fields).status == 401
        assert ended(pool.metrics(), after)["password_changed"] == 0
    finally:
        stack.forget_failures()
        pool.reload_pool(pool.config)


def test_throttled_sign_ins_are_counted_as_throttled(stack, pool):
    user = stack.create_user()
    before = pool.metrics()
    b, refused = pool.browser(), 0
    try:
        for _ in range(30):
            status = b.login(user.name, "not the password").status
            refused += status == 429
            if refused >= 2:
                break
        after = pool.metrics()
    finally:
        stack.forget_failures()
    assert refused >= 1, "no attempt was throttled"
    assert delta(after, before, "tessera_signins_total", result="throttled") == refused


def test_workers_leaving_are_counted_by_reason(pool):
    before = pool.metrics()
    victim = pool.worker_pids()[0]
    os.kill(victim, signal.SIGKILL)
    pool.wait_workers(WORKERS, [victim])
    with concurrent.futures.ThreadPoolExecutor(1) as ex:
        hung = ex.submit(pool.browser(timeout=30).get, "/_test/hang")
        assert hung.result(timeout=30).status in (502, 504)
    pool.wait_workers(WORKERS)
    pool.reload_pool()
    wait_for("the reload's workers counted", lambda: delta(pool.metrics(), before, "tessera_worker_restarts_total",
                                                          reason="reload") == WORKERS, 10, pool.logs)
    after = pool.metrics()
    reasons = {r: delta(after, before, "tessera_worker_restarts_total", reason=r)
               for r in ("crash", "timeout", "max_requests", "reload")}
    assert reasons == {"crash": 1, "timeout": 1, "max_requests": 0, "reload": WORKERS}, reasons
    assert delta(after, before, "tessera_slow_requests_total") == 1
    status = pool.status()
    assert status["crashes"] >= 1 and status["timeouts"] >= 1 and status["slow_requests"] >= 1, status
    assert status["restarts"] == sum(metric(after, "tessera_worker_restarts_total", reason=r)
                                     for r in ("crash", "timeout", "max_requests", "reload")), status


def test_recycled_workers_are_counted_as_max_requests(pool):
    before = pool.metrics()
    try:
        pool.reload_pool({**pool.config, "max_requests": 3})
        for _ in range(12):
            assert pool.browser().get("/ping").status == 200
        recycled = wait_for("recycled workers counted", lambda: delta(
            pool.metrics(), before, "tessera_worker_restarts_total", reason="max_requests") or None, 10, pool.logs)
    finally:
        pool.reload_pool(pool.config)
    assert recycled >= 2, recycled
    assert delta(pool.metrics(), before, "tessera_worker_restarts_total", reason="crash") == 0


def test_a_saturated_pool_shows_its_listen_queue_and_max_workers_reached(pool):
    """Every worker hangs while more requests wait in the socket's queue: the supervisor sees the
    queue (sock_diag), counts the saturation, and both stay visible once the pool serves again."""
    before = pool.status()
    assert before["listen_queue"] >= 0 and before["listen_queue_len"] > 0, before      # read (not -1)
    with concurrent.futures.ThreadPoolExecutor(WORKERS + 3) as ex:
        hung = [ex.submit(pool.browser(timeout=30).get, "/_test/hang") for _ in range(WORKERS)]
        time.sleep(0.5)                           # both workers inside the hang
        queued = [ex.submit(pool.browser(timeout=30).get, "/ping") for _ in range(3)]
        statuses = [f.result(timeout=30).status for f in hung + queued]
    assert statuses[-3:] == [200] * 3, statuses
    after = pool.status()
    assert after["max_listen_queue"] >= 3, after
    assert after["max_workers_reached"] > before["max_workers_reached"], after
    assert after["max_active_workers"] == WORKERS, after
    samples = pool.metrics()
    assert metric(samples, "tessera_listen_queue_peak") >= 3
    assert metric(samples, "tessera_listen_queue_max") == after["listen_queue_len"]
    assert metric(samples, "tessera_max_workers_reached_total") == after["max_workers_reached"]


def test_status_has_php_fpm_fields_and_full_adds_each_workers(pool):
    pool.browser().get("/ping")

    def started():
        """/status once no worker is starting (idle and active then add up to the total)."""
        s = pool.status()
        return s if s["idle_workers"] + s["active_workers"] == s["total_workers"] else None
    s = wait_for("every worker started", started, 10, pool.logs)
    assert PHP_FPM_FIELDS <= set(s), PHP_FPM_FIELDS - set(s)
    assert s["pool"] == str(pool.socket) and s["version"] == "0.9.0"
    assert s["total_workers"] == s["workers_configured"] == WORKERS, s
    assert s["active_workers"] >= 1, s
    assert s["accepted_conn"] == s["requests"] and abs(s["start_since"] - (time.time() - s["start_time"])) <= 2
    assert "memory_bytes" not in str(s["workers"]), s
    full = pool.status("?full")
    for w in full["workers"]:
        if w["requests"] == 0:
            continue
        assert FULL_WORKER_FIELDS <= set(w), (FULL_WORKER_FIELDS - set(w), w)
        assert w["memory_bytes"] > 1_000_000 and w["last_request_duration_ms"] >= 0
        assert 0 <= w["last_request_cpu_ms"] and w["last_request_memory_bytes"] >= 1_000_000, w
        assert w["last_request_route"] in ("/ping", "/status", "/metrics", "other"), w
    assert sorted(w["pid"] for w in full["workers"]) == pool.worker_pids()
    assert full["accepted_conn"] > s["accepted_conn"]


def last_on(pool, route):
    """Returns the ?full entries of the workers whose last request was on route."""
    return [w for w in pool.status("?full")["workers"] if w.get("last_request_route") == route]


def test_status_full_shows_the_cpu_time_and_memory_of_each_workers_last_request(stack, pool):
    """A sign-in verifies an Argon2id hash (64 MiB and 2 passes at the least password_memlimit and
    password_opslimit allow): tens of milliseconds of CPU, all within the request's own duration, and
    64 MiB touched. A /ping right after costs well under a millisecond: the figure is the last
    request's, not the worker's total."""
    user = stack.create_user()
    assert pool.browser().login(user.name, user.password).status == 303
    signed = last_on(pool, "/login")
    assert len(signed) == 1, signed
    w = signed[0]
    assert 10 <= w["last_request_cpu_ms"] <= w["last_request_duration_ms"] + 5, w
    assert w["last_request_memory_bytes"] >= 64 << 20, w
    for _ in range(50):     # until the worker that signed in answers one (the kernel picks)
        assert pool.browser().get("/ping").status == 200
        cheap = last_on(pool, "/ping")
        assert cheap and all(0 <= c["last_request_cpu_ms"] < 5 for c in cheap), cheap
        if [c for c in cheap if c["pid"] == w["pid"]]:
            break
    else:
        pytest.fail(f"worker {w['pid']} answered none of 50 requests")


def test_metrics_are_refused_outside_status_allow(pool):
    try:
        pool.reload_pool({**pool.config, "status_allow": "10.0.0.0/8"})
        r = pool.browser().get("/metrics")
        assert r.status == 403 and "tessera_" not in r.body, r.describe()
        refused = pool.log_events("status_refused")
        assert refused and refused[-1]["path"] == "/metrics", pool.logs()
    finally:
        pool.reload_pool(pool.config)
    assert pool.browser().get("/metrics").status == 200


def test_promtool_accepts_a_live_exposition(pool):
    pool.browser().get("/ping")
    pool.browser().login("nobody", "not a password")
    text = pool.browser().get("/metrics").body
    r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr + text
    assert r.stdout.strip() == "" and r.stderr.strip() == "", r.stdout + r.stderr
