"""SIGHUP under load: a good configuration replaces every worker without a failed request, a bad one is
refused and the old workers keep serving. SIGUSR1: the log file is reopened (after rotation)."""

import concurrent.futures
import os
import shutil
import subprocess
import signal
import time

import pytest

from load import Load
from processes import IS_ROOT, RUN_USER, wait_for
from stack import TEMPLATES, new_secret, write_secret_file

WORKERS = 2


def test_sighup_under_load_replaces_every_worker_without_a_failed_request(pool, pool_cookies):
    before = pool.worker_pids()
    with Load(pool, pool_cookies, threads=4) as load:
        load.run_for(0.3)
        sent_at = time.monotonic()
        pool.reload_pool()
        after = pool.wait_workers(WORKERS, before)
        load.run_for(1.0)
    why = f"workers {before} -> {after}\n" + load.result.describe(sent_at) + pool.logs()
    assert load.result.failures() == [], "requests failed during the reload\n" + why
    assert len(load.result.started_after(sent_at)) >= 20, "too few requests during the reload\n" + why
    assert sorted(w["pid"] for w in pool.status()["workers"]) == after


@pytest.mark.parametrize("key, value", [("workers", "banana"), ("request_timeout", "-1"),
                                        ("no_such_key", "1")])
def test_bad_configuration_is_refused_and_the_old_workers_keep_serving(pool, pool_cookies, key, value):
    before = pool.worker_pids()
    with Load(pool, pool_cookies, threads=2) as load:
        refused = pool.reload_pool({**pool.config, key: value}, "reload_refused")
        load.run_for(0.5)
    why = load.result.describe() + pool.logs()
    assert key in refused["reason"], refused
    assert pool.worker_pids() == before, "workers were replaced by a refused reload\n" + why
    assert load.result.failures() == [], why


def test_template_without_the_autoescape_pragma_is_refused(pool, pool_cookies):
    bad = pool.dir / "templates-bad"
    shutil.copytree(TEMPLATES, bad)
    page = bad / "dashboard.tpl"
    page.write_text(page.read_text().replace('{{%AUTOESCAPE context="HTML"}}\n', "", 1))
    before = pool.worker_pids()
    with Load(pool, pool_cookies, threads=2) as load:
        refused = pool.reload_pool({**pool.config, "templates": bad}, "reload_refused")
        load.run_for(0.5)
    why = load.result.describe() + pool.logs()
    assert "dashboard" in refused["reason"], refused
    assert pool.worker_pids() == before, "workers were replaced by a refused reload\n" + why
    assert load.result.failures() == [], "the old templates stopped serving\n" + why


@pytest.mark.parametrize("name", sorted(p.stem for p in TEMPLATES.glob("*.tpl")))
def test_every_template_is_checked_at_reload(pool, name):
    """Every page's template is checked, not only those of the first pages a visitor sees: one
    without the pragma (its values would be rendered unescaped) or missing is refused, and the
    pool keeps the set it has."""
    bad = pool.dir / f"templates-{name}"
    shutil.copytree(TEMPLATES, bad)
    page = bad / f"{name}.tpl"
    page.write_text(page.read_text().replace('{{%AUTOESCAPE context="HTML"}}\n', "", 1))
    before = pool.worker_pids()
    refused = pool.reload_pool({**pool.config, "templates": bad}, "reload_refused")
    assert f"{name}.tpl must begin with" in refused["reason"], refused
    page.unlink()
    refused = pool.reload_pool({**pool.config, "templates": bad}, "reload_refused")
    assert f"cannot read {page}" in refused["reason"], refused
    assert pool.worker_pids() == before, "workers were replaced by a refused reload\n" + pool.logs()
    assert pool.browser().get("/ping").status == 200


def test_a_reload_names_the_keys_that_wait_for_a_restart(pool):
    """listen and socket_mode are CF_NO_RELOAD in conf_keys[]: the reload applies the rest and says
    which keys keep their old value until the next start; the pool keeps its socket."""
    try:
        pool.reload_pool({**pool.config, "listen": pool.run_dir / "elsewhere.sock", "socket_mode": "0600"})
        partial = pool.log_events("reload_partial")[-1]
        assert partial["keys"] == "listen, socket_mode", partial
        assert not (pool.run_dir / "elsewhere.sock").exists()
        assert pool.browser().get("/ping").status == 200
    finally:
        pool.reload_pool(pool.config)


def test_more_workers_take_effect_at_reload(pool):
    pool.reload_pool({**pool.config, "workers": 3})
    pool.wait_workers(3)
    assert len(pool.status()["workers"]) == 3
    pool.reload_pool(pool.config)
    pool.wait_workers(WORKERS)


def test_a_new_secret_takes_effect_at_reload(stack, pool):
    old = pool.config["secret_file"].read_text().split()
    secret_file = write_secret_file(pool.dir / "secret", old)
    pool.reload_pool({**pool.config, "secret_file": secret_file})
    user = stack.create_user()
    first = pool.browser()
    assert first.login(user.name, user.password).status == 303
    signed_by_old = dict(first.cookies)
    new = new_secret()
    write_secret_file(secret_file, [new] + old)          # the new one signs, the old ones still verify
    pool.reload_pool()
    r = first.get("/dashboard", cookies=signed_by_old)
    assert r.status == 200, "a cookie signed by the old secret was refused:\n" + r.describe()
    second = pool.browser()
    assert second.login(user.name, user.password).status == 303
    write_secret_file(secret_file, [new])                 # the old secret dropped
    pool.reload_pool()
    assert second.dashboard().status == 200, "the cookie signed after the reload was refused"
    r = first.get("/dashboard", cookies=signed_by_old)
    assert r.status == 303 and r.location == "/", "the dropped secret still verifies:\n" + r.describe()


def test_sigusr1_reopens_the_log_file(pool):
    workers = pool.worker_pids()
    rotated = pool.log_file.with_name("tessera.log.1")
    pool.log_file.rename(rotated)
    pool.signal_pool(signal.SIGUSR1)
    time.sleep(0.5)                 # workers reopen between requests: let the signal land
    settled = rotated.stat().st_size

    def every_worker_logged():      # a foreign Origin: each worker logs origin_rejected, cheaply
        with concurrent.futures.ThreadPoolExecutor(8) as ex:
            list(ex.map(lambda _: pool.browser().post("/login", {}, headers={
                "Origin": "http://elsewhere.example"}), range(8)))
        return {e["process"] for e in pool.log_events("origin_rejected")} >= set(workers)

    wait_for("an event from every worker in the new file", every_worker_logged, 15, pool.logs)
    os.kill(workers[0], signal.SIGTERM)     # the supervisor logs worker_exited
    wait_for("the supervisor's worker_exited in the new file",
             lambda: [e for e in pool.log_events("worker_exited") if e["pid"] == str(workers[0])],
             10, pool.logs)
    assert rotated.stat().st_size == settled, "events still go to the rotated file"
    assert pool.log_file.stat().st_mode & 0o777 == 0o640


def set_soft_nproc(pid, soft):
    """Sets process pid's soft RLIMIT_NPROC to soft (a number or "unlimited"), as the user it runs as:
    lowering or restoring a limit needs no privilege then (root here may lack CAP_SYS_RESOURCE)."""
    as_user = ["runuser", "-u", RUN_USER, "--"] if IS_ROOT else []
    subprocess.run([*as_user, "prlimit", "--pid", str(pid), f"--nproc={soft}:"], check=True)


def soft_nproc(pid):
    """Returns process pid's soft RLIMIT_NPROC as prlimit takes it."""
    line = next(x for x in open(f"/proc/{pid}/limits") if x.startswith("Max processes"))
    return line.split()[2]


def test_a_reload_while_fork_fails_keeps_the_old_workers_and_backs_off(pool):
    """fork failing (the supervisor's RLIMIT_NPROC at 1) neither blocks the supervisor nor spins it: the
    old workers keep serving, forks are retried after 250 ms, 500 ms, 1 s..., and once fork works again
    the reload finishes."""
    supervisor, before = pool.pool.pid, pool.worker_pids()
    limit = soft_nproc(supervisor)
    errors, done = len(pool.log_events("error")), len(pool.log_events("reload_done"))
    set_soft_nproc(supervisor, 1)
    try:
        pool.signal_pool(signal.SIGHUP)
        time.sleep(1.0)             # forks tried at 0, 250 and 750 ms
        forks = [e for e in pool.log_events("error")[errors:] if e["msg"].startswith("fork:")]
        assert 2 <= len(forks) <= 5, f"{len(forks)} failed forks in 1 s\n" + pool.logs()
        assert pool.worker_pids() == before, "an old worker left with no new one in its place"
        assert pool.browser().get("/ping").status == 200
        assert pool.log_events("reload_done")[done:] == []
    finally:
        set_soft_nproc(supervisor, limit)
    wait_for("reload_done", lambda: pool.log_events("reload_done")[done:], 40, pool.logs)
    pool.wait_workers(WORKERS, before, timeout=15)
