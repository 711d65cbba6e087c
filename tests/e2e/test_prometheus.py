"""Debian's Prometheus scrapes tessera through nginx with deploy/prometheus's files (the /metrics
location, the scrape job, the alert rules) while load runs, and its HTTP API gives back what the
test did: the requests it sent, a worker it killed, a database it stopped."""

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from load import Load, signed_in_cookies
from processes import REPO, free_port, wait_for

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
DEPLOY = REPO / "deploy" / "prometheus"
SCRAPE_S = 1                    # scrape and rule evaluation interval in the test
STACK_CONFIG = {"connect_timeout": "2s"}
WAIT = 20                       # seconds for Prometheus to see a change (a few scrapes, loaded machine)


class Prometheus:
    """prometheus on 127.0.0.1 with its own temp dir, scraping one target through nginx."""

    def __init__(self, directory, target):
        self.dir = Path(directory)
        self.port = free_port()
        self.dir.mkdir(parents=True, exist_ok=True)
        shutil.copy(DEPLOY / "tessera.rules.yml", self.dir / "tessera.rules.yml")
        conf = (DEPLOY / "prometheus.yml").read_text()
        conf = conf.replace("scrape_interval: 15s", f"scrape_interval: {SCRAPE_S}s")
        conf = conf.replace("evaluation_interval: 15s", f"evaluation_interval: {SCRAPE_S}s")
        conf = conf.replace("scheme: https", "scheme: http").replace("tessera.example.org:443", target)
        assert target in conf and f"scrape_interval: {SCRAPE_S}s" in conf, conf
        (self.dir / "prometheus.yml").write_text(conf)
        self.log = open(self.dir / "prometheus.log", "wb")
        self.proc = subprocess.Popen(
            [PROMETHEUS, f"--config.file={self.dir / 'prometheus.yml'}",
             f"--storage.tsdb.path={self.dir / 'data'}", f"--web.listen-address=127.0.0.1:{self.port}",
             "--storage.tsdb.retention.time=1h", "--web.enable-lifecycle"],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for("prometheus ready", lambda: self._ready(), 30, self.logs)

    def logs(self):
        """Returns the tail of Prometheus's own log."""
        return "\n--- prometheus\n" + "\n".join(
            (self.dir / "prometheus.log").read_text(errors="replace").splitlines()[-20:])

    def _ready(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/-/ready", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def query(self, expr):
        """Runs an instant query. Returns {labels as tuple of items: float} of its vector."""
        url = f"http://127.0.0.1:{self.port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        with urllib.request.urlopen(url, timeout=10) as r:
            doc = json.load(r)
        assert doc["status"] == "success", doc
        return {tuple(sorted(v["metric"].items())): float(v["value"][1]) for v in doc["data"]["result"]}

    def value(self, expr):
        """Returns the single value of expr, or None when its vector is empty."""
        result = self.query(expr)
        assert len(result) <= 1, result
        return next(iter(result.values()), None)

    def scraped_after(self, t):
        """Waits until a scrape that started after wall-clock time t is stored."""
        wait_for("a scrape after the mark", lambda: (self.value('timestamp(tessera_up{job="tessera"})') or 0) > t,
                 WAIT, self.logs)

    def stop(self):
        """Stops Prometheus (SIGTERM, then SIGKILL after 10 s)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def with_metrics_location(stack):
    """Returns a start_nginx edit that adds deploy/prometheus/tessera-metrics.conf, allowed from
    127.0.0.1 only, as a server.d drop-in (and leaves nginx.conf as rendered)."""
    text = (DEPLOY / "tessera-metrics.conf").read_text()
    assert "allow 192.0.2.10;" in text and "deny all;" in text, text

    def edit(conf):
        (stack.nginx_dir / "server.d").mkdir(exist_ok=True)
        (stack.nginx_dir / "server.d" / "metrics.conf").write_text(text.replace("192.0.2.10", "127.0.0.1"))
        return conf
    return edit


@pytest.fixture(scope="module")
def scraped(private_stack):
    """The module's stack behind nginx with the /metrics location, and a Prometheus scraping it."""
    stack = private_stack
    stack.stop_nginx()
    stack.start_nginx(edit=with_metrics_location(stack))
    prom = Prometheus(stack.dir / "prometheus", f"127.0.0.1:{stack.port}")
    try:
        wait_for("the first scrape", lambda: prom.value('up{job="tessera"}') == 1, WAIT, prom.logs)
        yield stack, prom
    finally:
        prom.stop()


def get_from(port, source, path):
    """GET path from 127.0.0.1:port with the connection's source address bound to source. Returns the status."""
    with socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0)) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        head = s.recv(4096).decode(errors="replace")
    return int(head.split()[1])


def test_nginx_lets_only_the_monitoring_address_read_metrics(scraped):
    stack, _ = scraped
    assert get_from(stack.port, "127.0.0.1", "/metrics") == 200
    assert get_from(stack.port, "127.0.0.2", "/metrics") == 403
    assert get_from(stack.port, "127.0.0.2", "/ping") == 200


def test_prometheus_counts_the_requests_sent_under_load(scraped):
    stack, prom = scraped
    cookies = signed_in_cookies(stack)
    query = 'sum(tessera_requests_total{job="tessera", route=~"/dashboard|/ping", code="200"})'
    mark = time.time()
    prom.scraped_after(mark)
    before = prom.value(query) or 0
    scrapes_before = prom.value('count_over_time(tessera_up{job="tessera"}[1h])')
    with Load(stack, cookies, paths=("/dashboard", "/ping"), threads=2) as load:
        load.run_for(4)
    end = time.time()
    prom.scraped_after(end)
    sent = len(load.result.records)
    assert load.result.failures() == [], load.result.describe()
    assert prom.value(query) - before == sent, (before, prom.value(query), sent)
    assert prom.value('count_over_time(tessera_up{job="tessera"}[1h])') - scrapes_before >= 3, \
        "Prometheus did not scrape during the load"
    assert prom.value('sum(tessera_request_duration_seconds_count{route="/dashboard"})') >= \
        len([r for r in load.result.records if r.path == "/dashboard"])
    assert prom.value('tessera_workers_configured') == int(stack.config["workers"])
    rules = json.load(urllib.request.urlopen(f"http://127.0.0.1:{prom.port}/api/v1/rules", timeout=10))
    loaded = {r["name"] for g in rules["data"]["groups"] for r in g["rules"]}
    assert {"TesseraPoolSaturated", "TesseraCrashLoop", "TesseraDatabaseDown", "TesseraSigninFailureSpike",
            "TesseraErrorRate", "TesseraSlowRequests"} <= loaded, loaded


def test_prometheus_sees_a_killed_worker_in_restarts(scraped):
    stack, prom = scraped
    crashes = 'tessera_worker_restarts_total{job="tessera", reason="crash"}'
    prom.scraped_after(time.time())
    before = prom.value(crashes)
    victim = stack.worker_pids()[0]
    os.kill(victim, signal.SIGKILL)
    stack.wait_workers(int(stack.config["workers"]), [victim])
    wait_for("the crash in Prometheus", lambda: prom.value(crashes) == before + 1, WAIT, prom.logs)


def test_prometheus_sees_the_database_stop_and_come_back(scraped):
    stack, prom = scraped
    up = 'tessera_database_up{job="tessera"}'
    assert prom.value(up) == 1
    stack.pg_stop()
    try:
        wait_for("tessera_database_up 0 in Prometheus", lambda: prom.value(up) == 0, WAIT, prom.logs)
        assert prom.value('up{job="tessera"}') == 1       # /metrics itself still answers
        r = stack.browser().get("/status")
        assert r.status == 503 and '"database":false' in r.body, r.describe()
        wait_for("TesseraDatabaseDown pending", lambda: prom.value(
            'ALERTS{alertname="TesseraDatabaseDown", alertstate="pending"}') == 1, WAIT, prom.logs)
        assert prom.value('sum(increase(tessera_database_errors_total{kind="unavailable"}[1h]))') > 0
    finally:
        stack.pg_start()
    wait_for("tessera_database_up 1 in Prometheus", lambda: prom.value(up) == 1, WAIT, prom.logs)
    assert stack.browser().get("/status").status == 200
