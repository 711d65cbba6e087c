"""max_requests: a worker leaves after answering N requests and a fresh one takes its place, with no
request lost and nothing counted as a crash."""

from load import Load

POOL_CONFIG = {"max_requests": 5}
WORKERS = 2


def test_workers_are_recycled_after_max_requests_without_a_failed_request(pool, pool_cookies):
    first = pool.wait_workers(WORKERS)
    before = pool.status()
    with Load(pool, pool_cookies, threads=2) as load:
        load.run_for(1.5)
    why = load.result.describe() + pool.logs()
    assert load.result.failures() == [], "requests failed while workers were recycled\n" + why
    assert len(load.result.records) >= 50, "too few requests to judge\n" + why
    now = pool.wait_workers(WORKERS)
    assert not set(now) & set(first), f"workers {first} still run after {len(load.result.records)} requests"
    status = pool.status()
    served = len(load.result.records)
    assert status["restarts"] - before["restarts"] >= served // 5 - WORKERS, status
    assert status["crashes"] == before["crashes"], "a recycled worker counted as a crash: " + str(status)
    assert all(w["requests"] < 5 for w in status["workers"]), status
    exits = pool.log_events("worker_exited")
    assert exits and all(e["how"] == "exit 0" for e in exits), why
