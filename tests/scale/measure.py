#!/usr/bin/python3
"""Measures what the README's "Scaling out" section quotes, on a private stack (tests/e2e/stack.py).

Sign-ins/s; dashboard req/s with db_prepared on and off (wrk); WAL bytes, row updates and HOT
updates per request; bytes per session row and per index entry over N rows; purge rate; and
what HOT would do for the every-request UPDATE if expires_at moved only once per touch_interval.
Prints a table; --json FILE also writes the figures. About two minutes on 2 cores.
"""

import argparse
import concurrent.futures
import json
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from browser import COOKIE  # noqa: E402
from processes import run, run_ok  # noqa: E402
from stack import Stack, write_config  # noqa: E402

WRK_SCRIPT = """
local cookies = {}
for line in io.lines("%s") do cookies[#cookies + 1] = line end
local n = 0
request = function()
    n = n + 1
    return wrk.format("GET", "/dashboard", { ["Cookie"] = cookies[n %% #cookies + 1] })
end
"""

# Realistic session rows, each of its own user (so no index entry is deduplicated away): a
# 32-byte hash, distinct expiries rising as sign-ins' do (already past, for the purge), an
# address, a 110-byte User-Agent, a small data object.
FILL_ROWS = """
WITH u AS (INSERT INTO tessera.users (username, password_hash)
           SELECT 'fill' || i, 'unusable' FROM generate_series(1, %d) AS i RETURNING id)
INSERT INTO tessera.sessions (token_hash, user_id, data, expires_at, absolute_expires_at,
                              remote_addr, user_agent)
SELECT sha256(('fill' || id)::bytea), id, '{"views": 12}',
       now() - interval '1 hour' + id * interval '1 ms',
       now() + interval '11 hours' + id * interval '1 ms', '203.0.113.7',
       'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) '
       'Chrome/120.0.0.0 Safari/537.36'
FROM u
"""

# The every-request UPDATE as db.c's SESSION_TOUCH writes it, and as it would with expires_at
# moved only when it is more than touch_interval (60s) behind: that leaves every indexed column
# unchanged on most requests, so the update can be HOT.
TOUCH_NOW = ("UPDATE tessera.sessions SET last_seen_at = now(), "
             "expires_at = least(now() + interval '30 minutes', absolute_expires_at), "
             "data = jsonb_set(data, '{views}', to_jsonb(coalesce((data->>'views')::int, 0) + 1)) "
             "WHERE id = :id;")
TOUCH_LAZY = ("UPDATE tessera.sessions SET last_seen_at = now(), "
              "expires_at = CASE WHEN expires_at < now() + interval '29 minutes' "
              "THEN least(now() + interval '30 minutes', absolute_expires_at) ELSE expires_at END, "
              "data = jsonb_set(data, '{views}', to_jsonb(coalesce((data->>'views')::int, 0) + 1)) "
              "WHERE id = :id;")


def counters(stack):
    """Returns (WAL LSN, sessions row updates, HOT updates) as seen now (stats flushed first)."""
    time.sleep(1.2)     # other backends flush their table statistics at most once a second
    row = stack.psql("SELECT pg_current_wal_lsn(), n_tup_upd, n_tup_hot_upd "
                     "FROM pg_stat_user_tables WHERE relid = 'tessera.sessions'::regclass")[0]
    return row[0], int(row[1]), int(row[2])


def deltas(stack, before, after, requests):
    """Returns WAL bytes, updates and HOT updates per request between two counters() readings."""
    wal = int(stack.scalar(f"SELECT pg_wal_lsn_diff('{after[0]}', '{before[0]}')"))
    return {"wal_bytes_per_request": round(wal / requests), "updates_per_request":
            round((after[1] - before[1]) / requests, 3),
            "hot_share": round((after[2] - before[2]) / max(1, after[1] - before[1]), 3)}


def sign_in_all(stack, users, password, workers):
    """Signs every user in, workers at a time. Returns (Cookie header values, sign-ins per second)."""
    def one(name):
        b = stack.browser(timeout=60)
        r = b.login(name, password)
        while r.status == 503:      # every hash slot busy: retry, as a person would
            time.sleep(0.05)
            r = b.login(name, password)
        if r.status != 303 or not b.session:
            raise RuntimeError("sign-in failed:\n" + r.describe())
        return f"{COOKIE}={b.session}"
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        cookies = list(pool.map(one, users))
    return cookies, len(users) / (time.monotonic() - started)


def wrk(stack, script, seconds, connections):
    """Runs wrk on /dashboard. Returns requests, req/s, p50/p99 ms and non-2xx/3xx + socket errors."""
    r = run_ok(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script,
                f"http://127.0.0.1:{stack.port}/dashboard"], timeout=seconds + 60)
    out = r.stdout

    def ms(pct):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        return round(float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)], 2)
    bad = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    bad += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return {"requests": int(re.search(r"(\d+) requests in", out).group(1)),
            "req_per_s": round(float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))),
            "p50_ms": ms(50), "p99_ms": ms(99), "errors": bad}


def dashboard_runs(stack, script, seconds, connections):
    """Measures the dashboard with db_prepared on, then off. Returns {on: {...}, off: {...}}."""
    runs = {}
    for prepared in ("on", "off"):
        stack.config["db_prepared"] = prepared
        write_config(stack.conf, stack.config)
        stack.restart_pool()
        wrk(stack, script, 2, connections)                      # warm-up: connections, caches
        stack.psql("CHECKPOINT")        # the run then pays its full-page images, as production does
        before = counters(stack)
        res = wrk(stack, script, seconds, connections)
        res.update(deltas(stack, before, counters(stack), res["requests"]))
        runs[prepared] = res
    return runs


def touch_variants(stack, seconds):
    """pgbench of the every-request UPDATE as it is and with a lazy expires_at. Returns per-variant figures."""
    ids = stack.scalar("SELECT min(id) || ' ' || max(id) FROM tessera.sessions WHERE user_agent = 'tessera-e2e'")
    lo, hi = ids.split()
    out = {}
    for name, sql in (("expires_at_every_request", TOUCH_NOW), ("expires_at_once_per_minute", TOUCH_LAZY)):
        with tempfile.NamedTemporaryFile("w", suffix=".sql", dir=stack.dir, delete=False) as f:
            f.write(f"\\set id random({lo}, {hi})\n{sql}\n")
        Path(f.name).chmod(0o644)
        before = counters(stack)
        r = run(["pgbench", "-n", "-c", "4", "-j", "2", "-T", str(seconds), "-f", f.name, "-d",
                 stack.conninfo], as_tessera=True, timeout=seconds + 60)
        done = int(re.search(r"number of transactions actually processed: (\d+)", r.stdout).group(1))
        res = {"updates_per_s": round(done / seconds)}
        res.update(deltas(stack, before, counters(stack), done))
        del res["updates_per_request"]
        out[name] = res
    return out


def sizes_and_purge(stack, rows):
    """Adds rows expired sessions; returns bytes per row and per index entry, then the purge rate."""
    started = time.monotonic()
    stack.psql(FILL_ROWS % rows)
    insert_s = time.monotonic() - started
    stack.psql("VACUUM ANALYZE tessera.sessions")
    n = int(stack.scalar("SELECT count(*) FROM tessera.sessions"))
    res = {"rows": n, "insert_rows_per_s": round(rows / insert_s),
           "row_bytes": round(float(stack.scalar(
               "SELECT avg(pg_column_size(s.*)) FROM tessera.sessions s"))),
           "heap_bytes_per_row": round(int(stack.scalar(
               "SELECT pg_relation_size('tessera.sessions')")) / n)}
    for name, size in stack.psql("SELECT indexrelid::regclass, pg_relation_size(indexrelid) "
                                 "FROM pg_index WHERE indrelid = 'tessera.sessions'::regclass"):
        res[f"{name.split('.')[-1]}_bytes_per_entry"] = round(int(size) / n)
    started, purged = time.monotonic(), 0
    while True:
        batch = int(stack.scalar("SELECT tessera.purge_expired(10000)"))
        purged += batch
        if batch == 0:
            break
    res["purged"] = purged
    res["purge_rows_per_s"] = round(purged / (time.monotonic() - started))
    return res


def main():
    """Parses the options, runs every measurement on a fresh stack, prints (and writes) the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=200, help="users signed in, one session each")
    ap.add_argument("--seconds", type=int, default=10, help="length of each measured wrk run")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--rows", type=int, default=200000, help="expired rows for sizes and purge")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()

    stack = Stack("measure", workers=4).start()
    try:
        stack.psql("ALTER SYSTEM SET full_page_writes = on")    # pg.sh --fast turns it off
        stack.psql("SELECT pg_reload_conf()")
        first = stack.create_user(password="measure password 1")
        names = [f"m{i}" for i in range(1, args.sessions)]
        stack.psql("INSERT INTO tessera.users (username, password_hash) SELECT n, u.password_hash "
                   f"FROM unnest(ARRAY[{','.join(repr(n) for n in names)}]) AS n, tessera.users u "
                   f"WHERE u.username = '{first.name}'")
        cookies, signins = sign_in_all(stack, [first.name] + names, first.password, 2)
        cookie_file = stack.dir / "cookies.txt"
        cookie_file.write_text("\n".join(cookies) + "\n")
        script = stack.dir / "dashboard.lua"
        script.write_text(WRK_SCRIPT % cookie_file)
        # Sizes first, on rows not yet bloated by the runs; the purge then empties the table again.
        figures = {"sign_ins_per_s": round(signins, 1), "storage": sizes_and_purge(stack, args.rows)}
        stack.psql("VACUUM tessera.sessions")
        figures["dashboard"] = dashboard_runs(stack, script, args.seconds, args.connections)
        figures["touch_update"] = touch_variants(stack, args.seconds // 2 or 1)
    finally:
        stack.stop()
    on, off = figures["dashboard"]["on"], figures["dashboard"]["off"]
    figures["unnamed_cost"] = round(1 - off["req_per_s"] / on["req_per_s"], 3)
    print(f"sign-ins/s (2 at a time)                 {figures['sign_ins_per_s']}")
    for k in ("on", "off"):
        d = figures["dashboard"][k]
        print(f"dashboard db_prepared={k:<3} req/s {d['req_per_s']:>6}  p50 {d['p50_ms']} ms  "
              f"p99 {d['p99_ms']} ms  errors {d['errors']}  WAL {d['wal_bytes_per_request']} B/req  "
              f"updates/req {d['updates_per_request']}  HOT {d['hot_share']:.0%}")
    print(f"unnamed statements cost                  {figures['unnamed_cost']:.1%} of req/s")
    for k, d in figures["touch_update"].items():
        print(f"UPDATE, {k:<27} {d['updates_per_s']:>6}/s  WAL {d['wal_bytes_per_request']} B  "
              f"HOT {d['hot_share']:.0%}")
    for k, v in figures["storage"].items():
        print(f"{k:<40} {v}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
