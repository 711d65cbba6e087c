"""The stack of the end-to-end tests: a throwaway PostgreSQL cluster, the tessera pool (its
config, secret file, workers, log) and nginx in front of it, all under one temp dir; more app hosts
on the same database (add_host), an nginx of its own (nginx_front); the pool's config and secret
files, and the SQL and token helpers the tests use to look into its database."""

import base64
import concurrent.futures
import contextlib
import csv
import grp
import hashlib
import hmac
import io
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from browser import COOKIE, HOST_PREFIX, Browser, Site
from processes import IS_ROOT, REPO, RUN_USER, START_TIMEOUT, StackError, _killpg, _run_user_dir, as_run_user, \
    clean_env, free_port, run, run_ok, socket_fds, start_pool_process, tail, wait_for
from secret_watch import SECRETS
from telemetry import parse_log_line, parse_metrics

# The program under test: bin/tessera unless TESSERA_BIN names another (make test SANITIZE=1).
BIN = Path(os.environ.get("TESSERA_BIN") or REPO / "bin" / "tessera")
# A command `tessera serve` runs under, its forked workers with it (make valgrind: memcheck).
WRAPPER = os.environ.get("TESSERA_WRAPPER", "").split()
# BIN plus the test-only routes of tests/hooks/ (TESSERA_TEST_BIN: make test SANITIZE=1)
TEST_BIN = Path(os.environ.get("TESSERA_TEST_BIN") or REPO / "bin" / "tessera-test")
PG_SH = REPO / "deploy" / "local" / "pg.sh"
NGINX_SH = REPO / "deploy" / "local" / "nginx.sh"
TEMPLATES = REPO / "templates"
MIGRATIONS = REPO / "migrations"

APP_ROLE = "tessera_web"        # the pool's LOGIN role, a member of tessera_app only (migration 0003)


def write_config(path, values):
    """Writes a tessera config file of key = value lines; keys whose value is None are left out."""
    lines = ["# written by tests/e2e/stack.py"]
    lines += [f"{k} = {v}" for k, v in values.items() if v is not None]
    Path(path).write_text("\n".join(lines) + "\n")
    os.chmod(path, 0o644)
    return Path(path)


def write_secret_file(path, secrets_list):
    """Writes a secret file (one secret per line), readable by the pool's group only."""
    path = Path(path)
    path.write_text("".join(s + "\n" for s in secrets_list))
    if IS_ROOT:
        os.chown(path, 0, grp.getgrnam(RUN_USER).gr_gid)
        os.chmod(path, 0o640)
    else:
        os.chmod(path, 0o600)
    return path


def new_secret():
    """Returns a fresh random secret: 64 hex characters."""
    return secrets.token_hex(32)


@dataclass
class PoolExit:
    """How the pool ended: the supervisor's exit status and pool processes that outlived it."""
    returncode: int
    leftovers: list


@dataclass
class User:
    """A user created in the stack's database, with the clear-text password."""
    name: str
    password: str


class Stack(Site):
    """A throwaway PostgreSQL cluster, the tessera pool and nginx, all under one temp dir."""

    def __init__(self, name="stack", tls=False, **config_overrides):
        self.name = name
        self.dir = Path(tempfile.mkdtemp(prefix=f"tessera-e2e-{name}-", dir="/tmp"))
        self.tls = tls                  # nginx also listens with TLS on tls_port (tls_cert, self-signed)
        self.tls_port = self.tls_cert = None
        os.chmod(self.dir, 0o755)       # the tessera user must traverse it when we are root
        self.pg_dir = self.dir / "pg"
        self.run_dir = self.dir / "run"  # the pool's socket and log: writable by the pool's user
        self.nginx_dir = self.dir / "nginx"
        self.conf = self.dir / "tessera.conf"         # the pool's: connects as APP_ROLE
        self.admin_conf = self.dir / "admin.conf"    # the command line's: the owner, for migrate etc.
        self.secret_file = self.dir / "secret"
        self.socket = self.run_dir / "tessera.sock"
        self.log_file = self.run_dir / "tessera.log"
        self.serve_out = self.dir / "serve.out"
        self.config_overrides = config_overrides
        self.config = {}
        self.conninfo = None
        self.port = None
        self.pool = None
        self.binary = BIN                # the program start_pool runs
        self._pg_running = False
        self._nginx_running = False
        self._operator = None
        SECRETS.watch(self)

    # ---- diagnostics

    def logs(self):
        """Returns the tails of the pool's output and log and of nginx's error log."""
        return (tail(self.serve_out) + tail(self.log_file)
                + tail(self.nginx_dir / "error.log"))

    # ---- whole stack

    def start(self):
        """Starts PostgreSQL, migrates, starts the pool and nginx, and waits until / answers 200."""
        for path, hint in ((BIN, "run `make` first"), (PG_SH, "deploy/local/pg.sh is missing"),
                           (NGINX_SH, "deploy/local/nginx.sh is missing")):
            if not os.access(path, os.X_OK):
                raise StackError(f"{path} is not executable: {hint}")
        if IS_ROOT:
            try:
                pwd.getpwnam(RUN_USER)
            except KeyError:
                raise StackError(f"no user {RUN_USER!r}: run `deploy/local/deps.sh test` first") from None
        _run_user_dir(self.run_dir)
        self.pg_init()
        self.pg_start()
        write_secret_file(self.secret_file, [new_secret()])
        self.config = {
            "database": self.conninfo,
            "secret_file": self.secret_file,
            "templates": TEMPLATES,
            "migrations": MIGRATIONS,
            "workers": 2,
            "listen": self.socket,
            "log_file": self.log_file,
            "user": RUN_USER if IS_ROOT else None,
            "group": RUN_USER if IS_ROOT else None,
        }
        self.config.update(self.config_overrides)
        write_config(self.admin_conf, self.config)
        r = self.tessera("migrate")
        if r.returncode != 0 or r.timed_out:
            raise StackError("migrate failed:\n" + r.describe())
        if "database" not in self.config_overrides:
            self.config["database"] = self.create_login_role(APP_ROLE, "tessera_app")
        write_config(self.conf, self.config)
        if self.tls:
            self._tls_dropin()
        self.start_serving()
        return self

    def start_serving(self):
        """Starts the pool and nginx and waits until / answers 200."""
        self.start_pool()
        self.start_nginx()
        self.wait_http_ready()

    def add_host(self, name, binary=BIN, **overrides):
        """Starts another app host on this stack's PostgreSQL and secret file, as a second machine would.

        It has its own config (this stack's, with overrides), pool socket, log and nginx port, and
        runs binary (TEST_BIN for the test-only routes).
        Returns it as a Stack whose stop() leaves this stack's PostgreSQL running.
        """
        host = Stack(name)
        host.binary = binary
        host.conninfo, host.secret_file = self.conninfo, self.secret_file
        _run_user_dir(host.run_dir)
        host.config = {**self.config, "listen": host.socket, "log_file": host.log_file, **overrides}
        write_config(host.conf, host.config)
        try:
            host.start_serving()
        except StackError:
            host.stop()
            raise
        return host

    def stop(self):
        """Stops nginx, the pool and PostgreSQL, and removes the temp dir. Raises after trying all."""
        errors = []
        for step in (self.stop_nginx, self.stop_pool, self.pg_stop):
            try:
                step()
            except Exception as e:  # noqa: BLE001 - keep tearing down
                errors.append(f"{step.__name__}: {e}")
        SECRETS.keep_logs(self)
        if not errors and not os.environ.get("TESSERA_E2E_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)
        if errors:
            raise StackError(f"teardown of {self.dir} failed:\n" + "\n".join(errors))

    # ---- PostgreSQL

    def pg_init(self):
        """Creates the throwaway cluster (pg.sh init --fast) and learns its conninfo."""
        run_ok([PG_SH, "init", self.pg_dir, "--fast"], timeout=120)
        self.conninfo = run_ok([PG_SH, "conninfo", self.pg_dir]).stdout.strip()
        if not self.conninfo:
            raise StackError("pg.sh conninfo printed nothing")

    def pg_start(self):
        """Starts PostgreSQL and waits until it accepts a query."""
        run_ok([PG_SH, "start", self.pg_dir], timeout=60)
        self._pg_running = True
        wait_for("PostgreSQL", lambda: self.psql("SELECT 1") == [("1",)], START_TIMEOUT,
                 lambda: tail(self.pg_dir / "postgresql.log"))

    def pg_stop(self):
        """Stops PostgreSQL (pg.sh stop)."""
        if self._pg_running:
            run_ok([PG_SH, "stop", self.pg_dir], timeout=60)
            self._pg_running = False

    def psql_run(self, sql, conninfo=None):
        """Runs one SQL command with psql (as the tessera user when root). Returns the Result."""
        return run(["psql", "-X", "-q", "-t", "--csv", "-v", "ON_ERROR_STOP=1",
                    "-d", conninfo or self.conninfo, "-c", sql], as_tessera=True, timeout=30)

    def psql(self, sql, conninfo=None):
        """Runs one SQL command with psql (as the tessera user when root). Returns rows of strings."""
        r = self.psql_run(sql, conninfo)
        if r.returncode != 0 or r.timed_out:
            raise StackError("psql failed:\n" + r.describe())
        return [tuple(row) for row in csv.reader(io.StringIO(r.stdout)) if row]

    def scalar(self, sql):
        """Runs a query returning one value and returns it as a string."""
        rows = self.psql(sql)
        if len(rows) != 1 or len(rows[0]) != 1:
            raise StackError(f"expected one value from {sql!r}, got {rows!r}")
        return rows[0][0]

    def session_count(self, username):
        """Returns how many rows tessera.sessions has for one user."""
        return int(self.scalar(
            "SELECT count(*) FROM tessera.sessions s JOIN tessera.users u ON u.id = s.user_id "
            f"WHERE u.username = {sql_literal(username)}"))

    def create_database(self, name=None):
        """Creates an empty database in the cluster (owned by tessera). Returns its conninfo."""
        name = name or "db_" + secrets.token_hex(4)
        self.psql(f'CREATE DATABASE "{name}" OWNER tessera')
        return re.sub(r"dbname=\S+", f"dbname={name}", self.conninfo)

    def session_ids(self, username):
        """Returns the public ids of the user's session rows, oldest first."""
        return [int(r[0]) for r in self.psql(
            "SELECT s.id FROM tessera.sessions s JOIN tessera.users u ON u.id = s.user_id "
            f"WHERE u.username = {sql_literal(username)} ORDER BY s.id")]

    def create_login_role(self, name, group):
        """Creates LOGIN role name, a member of group (tessera_app or tessera_operator), as the
        README tells operators to. Returns the conninfo that connects as it."""
        self.psql(f'CREATE ROLE "{name}" LOGIN IN ROLE {group}')
        return self.role_conninfo(name)

    def role_conninfo(self, role):
        """Returns the conninfo that connects to this stack's database as role."""
        return re.sub(r"user=\S+", f"user={role}", self.conninfo)

    def operator(self):
        """Returns (conninfo, config file) of a LOGIN role in tessera_operator only, made on first use."""
        if self._operator is None:
            conninfo = self.create_login_role("tessera_ops", "tessera_operator")
            self._operator = (conninfo, self.write_variant_config("operator", database=conninfo))
        return self._operator

    def insert_expired_sessions(self, username, n):
        """Inserts n session rows of the user that expired an hour ago (random token hashes),
        100000 per statement so each stays well within psql's time limit."""
        for first in range(0, int(n), 100000):
            self.psql("INSERT INTO tessera.sessions (token_hash, user_id, expires_at, absolute_expires_at) "
                      "SELECT sha256(convert_to(gen_random_uuid()::text, 'UTF8')), u.id, "
                      "now() - interval '1 hour', now() - interval '1 hour' "
                      f"FROM tessera.users u, generate_series(1, {min(100000, int(n) - first)}) "
                      f"WHERE u.username = {sql_literal(username)}")

    def expired_count(self):
        """Returns how many session rows have passed either expiry (what purge_expired deletes)."""
        return int(self.scalar("SELECT count(*) FROM tessera.sessions "
                               "WHERE least(expires_at, absolute_expires_at) < now()"))

    # ---- the tessera binary

    def tessera(self, *args, input=None, timeout=30.0, conf=None, env=None):
        """Runs bin/tessera -c CONF ARGS... (CONF: the owner's admin.conf unless given) and returns
        a Result (killed on timeout)."""
        return run([BIN, "-c", conf or self.admin_conf, *args], input=input, timeout=timeout, env=env)

    def create_user(self, name=None, password=None):
        """Creates a user with `user add` (password on stdin); random name/password when not given."""
        user = User(name or "u" + secrets.token_hex(5), password or secrets.token_urlsafe(12))
        r = self.tessera("user", "add", user.name, input=user.password + "\n")
        if r.returncode != 0 or r.timed_out:
            raise StackError(f"user add {user.name!r} failed:\n" + r.describe())
        return user

    def password_hash(self, username):
        """Returns the user's stored password hash (remembered as a secret no log may hold)."""
        value = self.scalar(f"SELECT password_hash FROM tessera.users WHERE username = {sql_literal(username)}")
        SECRETS.remember(value)
        return value

    def forget_failures(self):
        """Deletes every counted failed sign-in (tessera.login_failures)."""
        self.psql("DELETE FROM tessera.login_failures")

    def cookie_name(self, https=False, suffix=""):
        """Returns the name the pool gives its session cookie (+ suffix) on a request over http or https."""
        setting = str(self.config.get("cookie_secure", "auto"))
        secure = setting == "on" or (setting == "auto" and https)
        return (HOST_PREFIX if secure else "") + str(self.config.get("cookie_name", COOKIE)) + suffix

    def sign_token(self, token, purpose="s"):
        """Returns the cookie value the pool would make for token (32 bytes) and purpose ('s' session,
        'p' pre-session), as src/token.c does: base64url(token || HMAC-SHA-512/256(purpose || token))
        keyed with BLAKE2b-256 of the first secret. A forgery only a holder of the secret can make."""
        secret = next(line for line in self.secret_file.read_text().splitlines() if line)
        key = hashlib.blake2b(secret.encode(), digest_size=32).digest()
        mac = hmac.new(key, purpose.encode() + token, hashlib.sha512).digest()[:32]
        return base64.urlsafe_b64encode(token + mac).decode().rstrip("=")

    def mac(self, purpose, data):
        """HMAC-SHA-512/256 of purpose || data (bytes) under the first secret, as src/token.c makes
        every MAC: keyed with BLAKE2b-256 of the secret."""
        secret = next(line for line in self.secret_file.read_text().splitlines() if line)
        key = hashlib.blake2b(secret.encode(), digest_size=32).digest()
        return hmac.new(key, purpose.encode() + data, hashlib.sha512).digest()[:32]

    def name_hash(self, name):
        """The keyed hash the pool stores and logs for a name no account has (src/token.c
        token_name_hash): hex of 16 bytes of the MAC of 'n' || name."""
        return self.mac("n", name.encode() if isinstance(name, str) else name)[:16].hex()

    def session_row_exists(self, cookie_value):
        """Returns True when tessera.sessions has a row for the token inside a session cookie value."""
        return self.scalar("SELECT count(*) FROM tessera.sessions "
                           f"WHERE token_hash = '\\x{token_hash_hex(cookie_value)}'") == "1"

    def reconfigure(self, **changes):
        """Rewrites the pool's config with changes (None drops a key) and restarts the pool.

        Returns the values the keys had before, so that reconfigure(**returned) undoes it."""
        before = {k: self.config.get(k) for k in changes}
        self.config.update(changes)
        self.config = {k: v for k, v in self.config.items() if v is not None}
        write_config(self.conf, self.config)
        self.restart_pool()
        return before

    @contextlib.contextmanager
    def configured(self, **changes):
        """Runs the pool with config changes (reconfigure) for the duration of a with block, then
        as before."""
        before = self.reconfigure(**changes)
        try:
            yield self
        finally:
            self.reconfigure(**before)

    def write_variant_config(self, name, **overrides):
        """Writes DIR/NAME.conf: this stack's config with some keys changed (None drops a key).

        Its listen socket is a separate path, so a `serve` run with it never touches the live pool.
        """
        values = dict(self.config)
        values["listen"] = self.run_dir / f"{name}.sock"
        values["log_file"] = None
        values.update(overrides)
        return write_config(self.dir / f"{name}.conf", values)

    # ---- the pool

    def start_pool(self):
        """Starts `tessera serve` in its own process group and waits until its socket accepts."""
        if self.pool is not None:
            raise StackError("pool already running")
        self.pool = start_pool_process([*WRAPPER, self.binary, "-c", self.conf, "serve"], self.socket,
                                       self.serve_out, self.logs, cwd=self.run_dir)

    def pool_pids(self):
        """Returns the pids of live processes whose command line names this stack's config file."""
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if str(self.conf).encode() in argv and any(str(BIN).encode() in a for a in argv):
                pids.append(int(entry))
        return pids

    def worker_pids(self):
        """Returns the sorted pids of the pool's live workers (its processes but the supervisor)."""
        return sorted(pid for pid in self.pool_pids() if self.pool is None or pid != self.pool.pid)

    def signal_pool(self, sig):
        """Sends sig to the pool's supervisor."""
        self.pool.send_signal(sig)

    def status(self, query=""):
        """Returns GET /status[?query] through nginx, parsed (raises StackError unless JSON with 200,
        or with 503 when it says the database is down)."""
        r = Browser(self).get("/status" + query)
        try:
            if r.status in (200, 503):
                doc = json.loads(r.body)
                if (r.status == 503) == (doc.get("database") is False):
                    return doc
        except ValueError:
            pass
        raise StackError("GET /status did not answer JSON:\n" + r.describe())

    def metrics(self):
        """Returns GET /metrics through nginx as parse_metrics samples (StackError unless 200)."""
        r = Browser(self).get("/metrics")
        if r.status != 200:
            raise StackError("GET /metrics did not answer 200:\n" + r.describe())
        return parse_metrics(r.body)

    def busy_worker(self, path, at_least_ms=0):
        """Returns the pid of a worker /status shows busy with path for at least at_least_ms, or None."""
        for w in self.status()["workers"]:
            if w["state"] == "busy" and w.get("path") == path and w["busy_ms"] >= at_least_ms:
                return w["pid"]
        return None

    def connect_workers(self, timeout=10.0):
        """Sends /status (it runs SELECT 1) from a few threads until every worker holds its database
        connection, which a worker makes at its first request that needs one. Returns the pids."""
        def connected():
            with concurrent.futures.ThreadPoolExecutor(4) as ex:
                list(ex.map(lambda _: Browser(self).get("/status"), range(4)))
            pids = self.worker_pids()
            return pids if pids and all(socket_fds(pid) > 1 for pid in pids) else None
        return wait_for("every worker connected to PostgreSQL", connected, timeout, self.logs)

    def wait_workers(self, count, replaced=(), timeout=10.0):
        """Waits until the pool runs count workers, none of them in replaced. Returns their pids."""
        def ready():
            pids = self.worker_pids()
            return pids if len(pids) == count and not set(pids) & set(replaced) else None
        return wait_for(f"{count} workers" + (f" replacing {sorted(replaced)}" if replaced else ""),
                        ready, timeout, self.logs)

    def reload_pool(self, config=None, event="reload_done"):
        """Writes config (when given) as the pool's file, sends SIGHUP and waits for the supervisor's
        next event named event (reload_done, or reload_refused); after reload_done, also until every
        old worker has left (none can answer with the old configuration). Returns that event."""
        if config is not None:
            write_config(self.conf, config)
        seen, old = len(self.log_events(event)), self.worker_pids()
        self.signal_pool(signal.SIGHUP)
        done = wait_for(f"{event} in the log", lambda: self.log_events(event)[seen:], 15, self.logs)[0]
        if event == "reload_done":
            wait_for("the old workers gone", lambda: not set(self.worker_pids()) & set(old), 15, self.logs)
        return done

    def log_events(self, event=None):
        """Returns the pool log's events (parse_log_line dicts) named event, or all of them."""
        try:
            text = self.log_file.read_text(errors="replace")
        except FileNotFoundError:
            return []
        return [e for e in map(parse_log_line, text.splitlines())
                if e is not None and (event is None or e["event"] == event)]

    def stop_pool(self, timeout=15.0):
        """Sends SIGTERM to the supervisor and waits; kills what is left. Returns a PoolExit."""
        if self.pool is None:
            return None
        proc, self.pool = self.pool, None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            _killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            self._kill(self.pool_pids())
            raise StackError(f"pool did not stop within {timeout:.0f}s of SIGTERM\n" + self.logs()) from None
        deadline = time.monotonic() + 3
        leftovers = self.pool_pids()
        while leftovers and time.monotonic() < deadline:
            time.sleep(0.05)
            leftovers = self.pool_pids()
        self._kill(leftovers)
        _killpg(proc.pid, signal.SIGKILL)
        return PoolExit(proc.returncode, leftovers)

    @staticmethod
    def _kill(pids):
        """Sends SIGKILL to each pid (processes this stack started)."""
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def restart_pool(self):
        """Stops the pool with SIGTERM, starts it again, waits for HTTP. Returns the old PoolExit."""
        ended = self.stop_pool()
        self.start_pool()
        self.wait_http_ready()
        return ended

    def restart_with_secrets(self, secrets_list):
        """Writes secrets_list as the secret file (the first signs, all verify) and restarts the pool."""
        write_secret_file(self.secret_file, secrets_list)
        self.restart_pool()

    # ---- nginx

    def start_nginx(self, edit=None):
        """Renders and starts nginx on a free 127.0.0.1 port in front of the pool's socket.

        edit, when given, takes the rendered nginx.conf text and returns the text to run instead.
        """
        last = None
        for _ in range(3):
            self.port = free_port()
            run_ok([NGINX_SH, "render", self.nginx_dir, self.port, self.socket])
            if edit is not None:
                conf = self.nginx_dir / "nginx.conf"
                conf.write_text(edit(conf.read_text()))
            r = run([NGINX_SH, "start", self.nginx_dir], timeout=30)
            if r.returncode == 0 and not r.timed_out:
                self._nginx_running = True
                return
            last = r
        raise StackError("nginx did not start:\n" + last.describe() + self.logs())

    def _tls_dropin(self):
        """Makes nginx also listen with TLS on a free port (drop-in server.d/tls.conf), with a
        self-signed certificate for 127.0.0.1, so that the pool sees HTTPS=on there."""
        self.tls_cert, key = self_signed_cert(self.dir)
        self.tls_port = free_port()
        dropin = self.nginx_dir / "server.d" / "tls.conf"
        dropin.parent.mkdir(parents=True, exist_ok=True)
        dropin.write_text(f'listen 127.0.0.1:{self.tls_port} ssl;\n'
                          f'ssl_certificate "{self.tls_cert}";\nssl_certificate_key "{key}";\n')

    def stop_nginx(self):
        """Stops nginx (nginx.sh stop)."""
        if self._nginx_running:
            run_ok([NGINX_SH, "stop", self.nginx_dir], timeout=30)
            self._nginx_running = False

    def wait_http_ready(self):
        """Waits until GET / through nginx answers 200 (that is, the pool answers)."""
        wait_for(f"GET http://127.0.0.1:{self.port}/",
                 lambda: Browser(self, timeout=2).get("/").status == 200, START_TIMEOUT, self.logs)
        if self.tls:
            wait_for(f"GET https://127.0.0.1:{self.tls_port}/",
                     lambda: Browser(self, timeout=2, tls=True).get("/").status == 200, START_TIMEOUT, self.logs)


class TableLock:
    """A transaction of the database owner (psql, left open) holding ACCESS EXCLUSIVE on a table,
    so that any request touching the table waits until release(): a request slow on purpose.

    with TableLock(stack, "tessera.sessions"):
        ... requests reading sessions wait here ...
    """

    def __init__(self, stack, table):
        self.stack = stack
        self.table = table
        self.proc = None

    def __enter__(self):
        self.proc = subprocess.Popen(
            as_run_user(["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d",
                         self.stack.conninfo]),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True, env=clean_env(), cwd="/")
        self.proc.stdin.write(f"BEGIN; LOCK TABLE {self.table} IN ACCESS EXCLUSIVE MODE; "
                              "SELECT 'locked';\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()     # psql answers once the lock is held
        if line.strip() != "locked":
            self.proc.kill()
            raise StackError(f"could not lock {self.table}: {line!r} {self.proc.stderr.read()!r}")
        return self

    def release(self):
        """Commits (the waiting requests go on) and waits for psql to exit."""
        if self.proc is not None:
            proc, self.proc = self.proc, None
            proc.communicate("COMMIT;\n", timeout=30)

    def __exit__(self, *exc):
        self.release()
        return False



def sql_literal(text):
    """Returns text as an SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def token_hash_hex(cookie_value):
    """Returns in hex the BLAKE2b-256 of the token inside a signed cookie value: what its row stores."""
    raw = base64.urlsafe_b64decode(cookie_value + "=" * (-len(cookie_value) % 4))
    return hashlib.blake2b(raw[:32], digest_size=32).hexdigest()



def self_signed_cert(directory):
    """Writes a throwaway key and certificate for 127.0.0.1/localhost into directory.

    Returns (cert, key) paths; the certificate is its own CA, for Browser's ca_file.
    """
    cert, key = Path(directory) / "cert.pem", Path(directory) / "key.pem"
    run_ok(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout", key, "-out", cert], timeout=60)
    return cert, key


def nginx_front(name, sock, dropins=None):
    """Starts an nginx of its own (deploy/local/nginx.sh, like the stack's) in front of unix socket
    sock, with drop-in files {"main.d/x.conf" | "http.d/x.conf" | "server.d/x.conf": text} in which
    @OUTDIR@ stands for nginx's directory.

    Returns a Stack that runs only that nginx (in nginx_dir): port, browser() and stop() work.
    """
    front = Stack(name)
    front.socket = sock
    for rel, text in (dropins or {}).items():
        (front.nginx_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        (front.nginx_dir / rel).write_text(text.replace("@OUTDIR@", str(front.nginx_dir)))
    try:
        front.start_nginx()
    except StackError:
        front.stop()
        raise
    return front
