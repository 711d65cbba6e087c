"""Shared helpers for the end-to-end tests: a throwaway tessera stack and a cookie-keeping HTTP client."""

import base64
import concurrent.futures
import csv
import email.utils
import hashlib
import hmac
import html
import html.parser
import http.client
import io
import json
import os
import pwd
import grp
import re
import resource
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# The program under test: bin/tessera unless TESSERA_BIN names another (make test SANITIZE=1).
BIN = Path(os.environ.get("TESSERA_BIN") or REPO / "bin" / "tessera")
# A command `tessera serve` runs under, its forked workers with it (make valgrind: memcheck).
WRAPPER = os.environ.get("TESSERA_WRAPPER", "").split()
# BIN plus the test-only routes of tests/hooks/ (TESSERA_TEST_BIN: make test SANITIZE=1)
TEST_BIN = Path(os.environ.get("TESSERA_TEST_BIN") or REPO / "bin" / "tessera-test")
PG_SH = REPO / "deploy" / "local" / "pg.sh"
NGINX_SH = REPO / "deploy" / "local" / "nginx.sh"
PGBOUNCER = "/usr/sbin/pgbouncer"
TEMPLATES = REPO / "templates"
MIGRATIONS = REPO / "migrations"

APP_ROLE = "tessera_web"        # the pool's LOGIN role, a member of tessera_app only (migration 0003)
COOKIE = "tessera_session"      # config cookie_name, default
PRE_COOKIE = COOKIE + "_pre"
HOST_PREFIX = "__Host-"         # the pool's prefix for Secure cookies
BAD_LOGIN = "Invalid username or password."

IS_ROOT = os.geteuid() == 0
RUN_USER = "tessera"            # PostgreSQL and the pool run as this user when we are root

# A crashed process leaves a core (for gdb) in its working directory (a pool: its run_dir) when
# the kernel's core_pattern is a plain name, as on Debian without systemd-coredump.
resource.setrlimit(resource.RLIMIT_CORE, (resource.getrlimit(resource.RLIMIT_CORE)[1],) * 2)

START_TIMEOUT = 20.0            # seconds for any one part of the stack to become ready
HTTP_TIMEOUT = 10.0             # seconds for one HTTP request


class StackError(RuntimeError):
    """Something in the stack did not start, stop or answer as expected."""


# --------------------------------------------------------------------------
# processes


@dataclass
class Result:
    """The outcome of one command: exit status, output, and whether it had to be killed."""
    args: list
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool = False

    def describe(self):
        """Returns the command and its output, for assertion messages."""
        how = "timed out (killed)" if self.timed_out else f"exit {self.returncode}"
        return (f"$ {' '.join(map(str, self.args))}\n{how}\n"
                f"--- stdout\n{self.stdout}--- stderr\n{self.stderr}")


def clean_env():
    """Returns the environment without TESSERA_* variables, which would override config keys."""
    return {k: v for k, v in os.environ.items() if not k.startswith("TESSERA_")}


def run(args, *, input=None, timeout=60.0, as_tessera=False, env=None, cwd=None):
    """Runs args in its own process group; on timeout kills the whole group. Returns a Result."""
    args = as_run_user(args) if as_tessera else [str(a) for a in args]
    proc = subprocess.Popen(
        args, stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True, env=env if env is not None else clean_env(),
        cwd=str(cwd) if cwd else ("/" if as_tessera else str(REPO)))
    try:
        out, err = proc.communicate(input, timeout=timeout)
        return Result(args, proc.returncode, out, err)
    except subprocess.TimeoutExpired:
        _killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        return Result(args, proc.returncode, out, err, timed_out=True)


def as_run_user(args):
    """Returns args as strings, prefixed to run as the tessera user when we are root."""
    args = [str(a) for a in args]
    return ["runuser", "-u", RUN_USER, "--"] + args if IS_ROOT else args


def run_ok(args, **kw):
    """Runs args like run() and raises StackError unless it exits 0. Returns the Result."""
    r = run(args, **kw)
    if r.timed_out or r.returncode != 0:
        raise StackError("command failed:\n" + r.describe())
    return r


def _killpg(pgid, sig):
    """Sends sig to a process group, ignoring one that is already gone."""
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def tail(path, lines=30):
    """Returns the last lines of a file, or a note that it does not exist."""
    try:
        text = Path(path).read_text(errors="replace")
    except OSError as e:
        return f"({path}: {e.strerror})\n"
    return f"--- last {lines} lines of {path}\n" + "\n".join(text.splitlines()[-lines:]) + "\n"


def socket_fds(pid):
    """Returns how many sockets process pid holds open (a worker: its listening socket, then its
    database connection and the connection it answers, when it has them)."""
    return sum(os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
               for fd in os.listdir(f"/proc/{pid}/fd"))


def free_port():
    """Returns a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, check, timeout, diagnose=lambda: ""):
    """Polls check() until it returns a true value, which it returns; else raises StackError."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            value = check()
            if value:
                return value
        except Exception as e:  # noqa: BLE001 - any failure just means "not yet"
            last = e
        if time.monotonic() > deadline:
            raise StackError(f"{what}: not ready after {timeout:.0f}s"
                             + (f" (last error: {last!r})" if last else "") + "\n" + diagnose())
        time.sleep(0.1)


def _chown_to_run_user(path):
    """When root, gives path to the tessera user so the dropped-privilege pool can use it."""
    if IS_ROOT:
        pw = pwd.getpwnam(RUN_USER)
        os.chown(path, pw.pw_uid, pw.pw_gid)


def _run_user_dir(path):
    """Creates directory path (mode 0755) for the tessera user to write in. Returns it."""
    path.mkdir()
    os.chmod(path, 0o755)
    _chown_to_run_user(path)
    return path


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


# --------------------------------------------------------------------------
# secrets that must never reach a log


class SecretWatch:
    """Every secret a test saw or used (cookie values, passwords, CSRF values, hashes) and the pool
    logs of every stack, so that a check can prove that no log holds one.

    Values shorter than MIN_LEN are not kept: they could match a log by chance."""

    MIN_LEN = 16

    def __init__(self):
        self.values = set()
        self.live = []      # stacks whose logs are still on disk
        self.kept = {}      # log path -> its text, for stacks already stopped (their dirs are gone)

    def remember(self, value):
        """Notes value (a str) as a secret, when long enough."""
        if isinstance(value, str) and len(value) >= self.MIN_LEN:
            self.values.add(value)

    def watch(self, stack):
        """Starts following a stack's pool logs."""
        self.live.append(stack)

    def keep_logs(self, stack):
        """Reads a stack's pool logs into memory before its temp dir is removed."""
        self.kept.update(_read_pool_logs(stack))
        if stack in self.live:
            self.live.remove(stack)

    def leaks(self):
        """Returns (log path, line) for every remembered secret found in a pool log so far."""
        logs = dict(self.kept)
        for stack in self.live:
            logs.update(_read_pool_logs(stack))
        found = []
        for path, text in logs.items():
            for value in self.values:
                at = text.find(value)
                if at >= 0:
                    start, end = text.rfind("\n", 0, at) + 1, text.find("\n", at)
                    found.append((path, text[start:end if end >= 0 else len(text)]))
        return found


def _read_pool_logs(stack):
    """Returns {path: text} of a stack's pool logs: its serve output and every *.log in its run dir."""
    logs = {}
    for path in [stack.serve_out, *sorted(stack.run_dir.glob("*.log"))]:
        try:
            logs[str(path)] = path.read_text(errors="replace")
        except OSError:
            pass
    return logs


SECRETS = SecretWatch()


# --------------------------------------------------------------------------
# the stack


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


class Stack:
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

    def session_count(self, username=None):
        """Returns how many rows tessera.sessions has, for one user or all."""
        if username is None:
            return int(self.scalar("SELECT count(*) FROM tessera.sessions"))
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

    def reconfigure_pool(self, **changes):
        """Changes keys of the pool's config (None drops one), rewrites it and restarts the pool."""
        self.config.update(changes)
        write_config(self.conf, self.config)
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

    def browser(self, **kw):
        """Returns a new Browser (empty cookie jar) pointed at this stack's nginx."""
        return Browser(self, **kw)

    def signed_in_browser(self, user, user_agent=None):
        """Returns a new Browser (sending user_agent when given) signed in as user."""
        b = self.browser()
        if user_agent is not None:
            b.user_agent = user_agent
        r = b.login(user.name, user.password)
        if r.status != 303:
            raise StackError(f"sign-in of {user.name!r} failed:\n" + r.describe())
        return b


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


class Pgbouncer:
    """A private pgbouncer in front of a stack's PostgreSQL: config, unix socket and log in one dir.

    auth_type trust (the user must still be in auth_file); run as the tessera user when root.
    """

    PORT = 6432     # only names the socket file: no TCP listener

    def __init__(self, stack, pool_mode, pool_size):
        self.stack = stack
        self.pool_mode = pool_mode
        self.pool_size = pool_size
        self.dir = stack.dir / f"pgbouncer-{pool_mode}"
        self.ini = self.dir / "pgbouncer.ini"
        self.log = self.dir / "pgbouncer.log"
        self.proc = None

    def conninfo(self, dbname="tessera"):
        """Returns the libpq string for dbname through this pgbouncer ("pgbouncer": its console)."""
        return f"host={self.dir} port={self.PORT} dbname={dbname} user={RUN_USER}"

    def start(self):
        """Writes the config, starts pgbouncer in the foreground of its own group, waits for SELECT 1."""
        if not os.access(PGBOUNCER, os.X_OK):
            raise StackError(f"{PGBOUNCER} is missing: run `deploy/local/deps.sh test` first")
        _run_user_dir(self.dir)
        (self.dir / "userlist.txt").write_text(f'"{RUN_USER}" ""\n')
        pg_host = re.search(r"host=(\S+)", self.stack.conninfo).group(1)
        self.ini.write_text(f"""[databases]
tessera = host={pg_host} port=5432 dbname=tessera
[pgbouncer]
listen_addr =
listen_port = {self.PORT}
unix_socket_dir = {self.dir}
auth_type = trust
auth_file = {self.dir}/userlist.txt
admin_users = {RUN_USER}
pool_mode = {self.pool_mode}
default_pool_size = {self.pool_size}
max_client_conn = 100
logfile = {self.log}
pidfile = {self.dir}/pgbouncer.pid
""")
        self.proc = subprocess.Popen(as_run_user([PGBOUNCER, self.ini]), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True, env=clean_env(), cwd="/")
        try:
            wait_for("pgbouncer", lambda: self.stack.psql("SELECT 1", self.conninfo()) == [("1",)],
                     START_TIMEOUT, lambda: tail(self.log))
        except StackError:
            self.stop()
            raise
        return self

    def show(self, what):
        """Returns the rows of SHOW what (SERVERS, CLIENTS, POOLS...) from the admin console."""
        return self.stack.psql(f"SHOW {what}", self.conninfo("pgbouncer"))

    def stop(self):
        """Stops pgbouncer at once (SIGTERM to its group) and waits for it."""
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        _killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            _killpg(proc.pid, signal.SIGKILL)
            proc.wait()


_LOG_LINE = re.compile(r"(\S+) tessera\[(\d+)\] (\S+)(.*)")
_LOG_PAIR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)')


def parse_log_line(line):
    """Parses one pool log line (src/log.c) into a dict: time, process (the pid that logged it),
    event and its keys. Returns None for a line that is not an event."""
    m = _LOG_LINE.fullmatch(line)
    if m is None:
        return None
    event = {"time": m.group(1), "process": int(m.group(2)), "event": m.group(3)}
    for key, value in _LOG_PAIR.findall(m.group(4)):
        if value.startswith('"'):
            value = re.sub(r"\\x([0-9a-f]{2})", lambda x: chr(int(x.group(1), 16)), value[1:-1])
        event[key] = value
    return event


_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?')


def parse_metrics(text):
    """Parses Prometheus text exposition into {(name, ((label, value), ...)): float}, labels sorted.

    Raises ValueError on a line that is neither a comment nor a sample."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if m is None:
            raise ValueError(f"not a sample: {line!r}")
        labels = tuple(sorted(_LABEL.findall(m.group(2) or "")))
        samples[(m.group(1), labels)] = float(m.group(3))
    return samples


def metric(samples, name, **labels):
    """Returns the sample name{labels} of parse_metrics output, 0.0 when absent."""
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def sql_literal(text):
    """Returns text as an SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def token_hash_hex(cookie_value):
    """Returns in hex the BLAKE2b-256 of the token inside a signed cookie value: what its row stores."""
    raw = base64.urlsafe_b64decode(cookie_value + "=" * (-len(cookie_value) % 4))
    return hashlib.blake2b(raw[:32], digest_size=32).hexdigest()


# --------------------------------------------------------------------------
# HTTP


class _FormParser(html.parser.HTMLParser):
    """Collects every <form> (action, method) and its <input> names and values."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self._current = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._current = {"action": a.get("action", ""), "method": a.get("method", "get").lower(),
                             "inputs": {}}
            self.forms.append(self._current)
        elif tag in ("input", "button") and "name" in a:
            form = self._current
            if form is None:
                form = {"action": None, "method": None, "inputs": {}}
                self.forms.append(form)
                self._current = form
            form["inputs"][a["name"]] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


@dataclass
class SetCookie:
    """One parsed Set-Cookie header: name, value and lower-cased attributes."""
    name: str
    value: str
    attrs: dict

    def expired(self):
        """Returns True when the header deletes the cookie (Max-Age <= 0 or Expires in the past)."""
        if "max-age" in self.attrs:
            try:
                return int(self.attrs["max-age"]) <= 0
            except ValueError:
                return False
        if "expires" in self.attrs:
            try:
                when = email.utils.parsedate_to_datetime(self.attrs["expires"])
            except (TypeError, ValueError):
                return False
            if when.tzinfo is None:
                when = when.replace(tzinfo=timezone.utc)
            return when <= datetime.now(timezone.utc)
        return False


def parse_set_cookie(header):
    """Parses one Set-Cookie header value into a SetCookie."""
    parts = [p.strip() for p in header.split(";")]
    name, _, value = parts[0].partition("=")
    attrs = {}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        attrs[k.strip().lower()] = v.strip()
    return SetCookie(name.strip(), value.strip(), attrs)


@dataclass
class Response:
    """An HTTP response: status, headers (in order, repeats kept), decoded body, parsed Set-Cookies."""
    status: int
    reason: str
    headers: list
    body: str
    set_cookies: dict = field(default_factory=dict)

    def header(self, name):
        """Returns the first value of header name (any case), or None."""
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    @property
    def location(self):
        """Returns the path of the Location header ('' when absent)."""
        return urllib.parse.urlsplit(self.header("Location") or "").path

    @property
    def is_html(self):
        """Returns True for a text/html response whose body looks like an HTML page."""
        ctype = (self.header("Content-Type") or "").lower()
        return ctype.startswith("text/html") and "<html" in self.body.lower()

    def forms(self):
        """Returns the forms of the page: dicts with action, method and inputs."""
        p = _FormParser()
        p.feed(self.body)
        p.close()
        return p.forms

    def form(self, action):
        """Returns the inputs of the first form posting to action, or None."""
        for f in self.forms():
            if f["action"] is not None and urllib.parse.urlsplit(f["action"]).path == action:
                return f["inputs"]
        return None

    @property
    def text(self):
        """Returns the body with tags removed, entities decoded and white space collapsed."""
        return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", self.body)).split())

    def describe(self):
        """Returns status, headers and the start of the body, for assertion messages."""
        heads = "\n".join(f"{k}: {v}" for k, v in self.headers)
        return f"HTTP {self.status} {self.reason}\n{heads}\n\n{self.body[:1500]}"


class Browser:
    """A tiny HTTP client for the stack's nginx: one cookie jar, never follows redirects."""

    user_agent = "tessera-e2e"      # the User-Agent header it sends; set one per browser to vary it

    def __init__(self, stack, timeout=HTTP_TIMEOUT, tls=False, source=None):
        self.host = "127.0.0.1"
        self.tls = tls                  # to a Stack's TLS listener (tls_port)
        self.port = stack.tls_port if tls else stack.port
        self.ca_file = stack.tls_cert if tls else getattr(stack, "ca_file", None)  # set: HTTPS, verified
        self.source = source            # the client address to connect from (any 127.x.y.z), or None
        self.timeout = timeout
        self.cookies = {}
        self.cookie_name = stack.cookie_name(https=tls) if isinstance(stack, Stack) else COOKIE

    @property
    def session(self):
        """Returns the value of the session cookie in the jar, or None."""
        return self.cookies.get(self.cookie_name)

    @property
    def origin(self):
        """Returns this site's origin, as a browser sends it in an Origin header."""
        return f"{'https' if self.ca_file else 'http'}://{self.host}:{self.port}"

    def request(self, method, path, body=None, headers=None, cookies=None):
        """Sends one request (cookies: the jar unless given) and updates the jar. Returns a Response."""
        jar = self.cookies if cookies is None else cookies
        hdrs = {"User-Agent": self.user_agent}
        if jar:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
            for v in jar.values():
                SECRETS.remember(v)
        hdrs.update(headers or {})
        source = (self.source, 0) if self.source else None
        if self.ca_file:
            conn = http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout,
                                               context=ssl.create_default_context(cafile=self.ca_file),
                                               source_address=source)
        else:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout,
                                              source_address=source)
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            raw = resp.read()
            headers_out = resp.getheaders()
            status, reason = resp.status, resp.reason
        finally:
            conn.close()
        set_cookies = {}
        for k, v in headers_out:
            if k.lower() == "set-cookie":
                c = parse_set_cookie(v)
                set_cookies[c.name] = c
                SECRETS.remember(c.value)
                if c.expired():
                    self.cookies.pop(c.name, None)
                else:
                    self.cookies[c.name] = c.value
        return Response(status, reason, headers_out, raw.decode("utf-8", "replace"), set_cookies)

    def get(self, path, **kw):
        """GET path."""
        return self.request("GET", path, **kw)

    def post(self, path, fields, **kw):
        """POST a form: fields is a dict (url-encoded here) or a ready-made str/bytes body."""
        if isinstance(fields, dict):
            if str(fields.get("password")) not in str(fields.get("username")):   # the name is logged
                SECRETS.remember(fields.get("password"))
            SECRETS.remember(fields.get("csrf"))
            body = urllib.parse.urlencode(fields)
        else:
            body = fields
        if isinstance(body, str):
            body = body.encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        headers.update(kw.pop("headers", None) or {})
        return self.request("POST", path, body=body, headers=headers, **kw)

    def login_csrf(self):
        """GETs the sign-in form (without sending the session cookie) and returns its csrf value."""
        jar = {k: v for k, v in self.cookies.items() if k != self.cookie_name}
        r = self.get("/", cookies=jar)     # Set-Cookie (tessera_pre) still lands in self.cookies
        inputs = r.form("/login")
        if r.status != 200 or not inputs or not inputs.get("csrf"):
            raise StackError("GET / did not give a sign-in form with a csrf field:\n" + r.describe())
        return inputs["csrf"]

    def login(self, username, password, remember=False):
        """Signs in through the form (GET / for csrf, then POST /login), ticking "remember me" if
        remember. Returns the POST's Response."""
        fields = {"username": username, "password": password, "csrf": self.login_csrf()}
        if remember:
            fields["remember"] = "on"
        return self.post("/login", fields)

    def dashboard(self):
        """GET /dashboard."""
        return self.get("/dashboard")

    def logout(self):
        """Signs out through the dashboard's sign-out form. Returns the POST /logout Response."""
        r = self.dashboard()
        inputs = r.form("/logout")
        if r.status != 200 or inputs is None or not inputs.get("csrf"):
            raise StackError("dashboard has no sign-out form with a csrf field:\n" + r.describe())
        return self.post("/logout", {"csrf": inputs["csrf"]})


HSTS_MIN_AGE = 31536000        # a year, as ASVS asks of Strict-Transport-Security


def security_header_problems(response, https=False):
    """Returns what is wrong with the headers every response must carry (issue 3, control 9):
    nosniff, a CSP with default-src 'self' and frame-ancestors 'none', Referrer-Policy same-origin,
    each once; Cache-Control no-store with any Set-Cookie; HSTS of a year or more over HTTPS only.
    Returns [] when nothing is wrong."""
    def values(name):
        return [v.strip() for k, v in response.headers if k.lower() == name.lower()]

    problems = []
    if values("X-Content-Type-Options") != ["nosniff"]:
        problems.append(f"X-Content-Type-Options {values('X-Content-Type-Options')}, want ['nosniff']")
    csp = values("Content-Security-Policy")
    if len(csp) != 1:
        problems.append(f"Content-Security-Policy {csp}, want exactly one")
    else:
        directives = {d.split()[0].lower(): d.split()[1:] for d in csp[0].split(";") if d.strip()}
        for name, want in (("default-src", ["'self'"]), ("frame-ancestors", ["'none'"])):
            if directives.get(name) != want:
                problems.append(f"CSP {name} is {directives.get(name)}, want {want}")
    if values("Referrer-Policy") != ["same-origin"]:
        problems.append(f"Referrer-Policy {values('Referrer-Policy')}, want ['same-origin']")
    if values("Set-Cookie") and not any("no-store" in v.lower() for v in values("Cache-Control")):
        problems.append(f"Set-Cookie with Cache-Control {values('Cache-Control')}, want no-store")
    hsts = values("Strict-Transport-Security")
    if not https and hsts:
        problems.append(f"Strict-Transport-Security {hsts} over plain HTTP")
    if https:
        age = re.search(r"max-age=(\d+)", hsts[0]) if len(hsts) == 1 else None
        if not age or int(age.group(1)) < HSTS_MIN_AGE:
            problems.append(f"Strict-Transport-Security {hsts} over HTTPS, want one of max-age >= {HSTS_MIN_AGE}")
    return problems


def signed_out(response):
    """Returns True when a response sends the visitor back to the sign-in page (303 to /)."""
    return response.status == 303 and response.location == "/"


def view_count(response):
    """Returns N from 'This page has been viewed N times', or None when absent."""
    m = re.search(r"viewed\s+(\d+)\s+times?", response.text)
    return int(m.group(1)) if m else None


def error_line(result):
    """Asserts result is a prompt failure with exactly one line on stderr; returns that line."""
    assert not result.timed_out, "command did not finish in time:\n" + result.describe()
    assert result.returncode != 0, "command succeeded but should have failed:\n" + result.describe()
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, "expected a one-line error on stderr:\n" + result.describe()
    return lines[0]


# --------------------------------------------------------------------------
# deployment: pools started by other launchers, web servers rendered from deploy/


DEPLOY = REPO / "deploy"
APACHE_MODULES = ("mpm_event", "authz_core", "headers", "proxy", "proxy_fcgi", "ssl",
                  "socache_shmcb", "alias")


def start_pool_process(argv, sock, out_path, diagnose=lambda: "", cwd=REPO, **popen_kw):
    """Starts a pool (argv: serve, or a launcher that ends up exec'ing it) in its own process group,
    in directory cwd, output appended to out_path, and waits until sock (a unix socket path, or a
    (host, port) TCP address) accepts a connection.

    Returns the Popen; on failure kills the process group and raises StackError.
    """
    with open(out_path, "ab") as out:
        proc = subprocess.Popen([str(a) for a in argv], stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                env=popen_kw.pop("env", clean_env()), cwd=str(cwd), **popen_kw)

    def accepting():
        if proc.poll() is not None:
            return "exited"
        if isinstance(sock, tuple):
            socket.create_connection(sock, timeout=1).close()
            return "accepting"
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(1)
            s.connect(str(sock))
        return "accepting"

    try:
        if wait_for(f"pool socket {sock}", accepting, START_TIMEOUT, diagnose) == "exited":
            raise StackError(f"{argv[0]} exited with {proc.returncode}\n" + diagnose())
    except StackError:
        stop_process_group(proc, 0)
        raise
    return proc


def stop_process_group(proc, timeout=15.0, sig=signal.SIGTERM):
    """Sends sig to proc and waits up to timeout, then SIGKILLs its process group. Returns the exit
    status, or None when it had to be killed."""
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        rc = proc.wait(timeout)
    except subprocess.TimeoutExpired:
        rc = None
    _killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    return rc


def render(text, replacements):
    """Returns text with each key of replacements replaced by its value (str()).

    Raises StackError for a key not in text: the deploy/ file changed, and a test rendering it
    would otherwise run against something other than what it claims to check.
    """
    for old, new in replacements.items():
        if old not in text:
            raise StackError(f"{old!r} is no longer in the text being rendered")
        text = text.replace(old, str(new))
    return text


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


class ApacheFront:
    """Debian's apache2 running deploy/apache/tessera.conf on 127.0.0.1, everything in a temp dir:
    the HTTPS vhost on port (self-signed certificate, ca_file for Browser), the redirecting HTTP
    vhost on http_port. As root its children run as the tessera user, to reach the pool's socket.
    """

    def __init__(self, sock):
        self.dir = Path(tempfile.mkdtemp(prefix="tessera-e2e-apache-", dir="/tmp"))
        os.chmod(self.dir, 0o755)
        self.socket = sock
        self.conf = self.dir / "apache2.conf"
        self.port = self.http_port = None
        self.ca_file = None
        self.proc = None

    def logs(self):
        """Returns the tails of Apache's output and error logs."""
        return tail(self.dir / "apache2.out") + tail(self.dir / "error.log") + tail(
            self.dir / "tessera.error.log")

    def render_vhost(self, cert, key):
        """Returns deploy/apache/tessera.conf with this instance's ports, certificate, logs, socket."""
        return render((DEPLOY / "apache" / "tessera.conf").read_text(), {
            "<VirtualHost *:80>": f"<VirtualHost 127.0.0.1:{self.http_port}>",
            "<VirtualHost *:443>": f"<VirtualHost 127.0.0.1:{self.port}>",
            "https://tessera.example.org/": f"https://localhost:{self.port}/",
            "/etc/ssl/tessera/fullchain.pem": cert,
            "/etc/ssl/tessera/privkey.pem": key,
            "/var/log/apache2/": f"{self.dir}/",
            "/run/tessera/tessera.sock": self.socket,
        })

    def main_config(self):
        """Returns the server-wide configuration Debian's apache2.conf would give, confined to dir."""
        modules = "\n".join(f"LoadModule {m}_module /usr/lib/apache2/modules/mod_{m}.so"
                            for m in APACHE_MODULES)
        user = f"User {RUN_USER}\nGroup {RUN_USER}\n" if IS_ROOT else ""
        return (f'ServerRoot "{self.dir}"\nServerName localhost\n'
                f'DefaultRuntimeDir "{self.dir}"\nPidFile "{self.dir}/apache2.pid"\n'
                f'ErrorLog "{self.dir}/error.log"\nLogLevel warn\n{user}{modules}\n'
                'LogFormat "%h %l %u %t \\"%r\\" %>s %O \\"%{Referer}i\\" \\"%{User-Agent}i\\"" combined\n'
                f'SSLSessionCache "shmcb:{self.dir}/ssl_scache(512000)"\n'
                f"Listen 127.0.0.1:{self.http_port}\nListen 127.0.0.1:{self.port} https\n"
                f'Include "{self.dir}/tessera.conf"\n')

    def start(self):
        """Renders the configuration, checks it (apache2 -t), starts Apache in the foreground and
        waits until both ports accept. Returns self."""
        cert, key = self_signed_cert(self.dir)
        self.ca_file = cert
        self.port, self.http_port = free_port(), free_port()
        (self.dir / "tessera.conf").write_text(self.render_vhost(cert, key))
        self.conf.write_text(self.main_config())
        run_ok(["apache2", "-t", "-f", self.conf], timeout=30)
        with open(self.dir / "apache2.out", "ab") as out:
            self.proc = subprocess.Popen(["apache2", "-f", str(self.conf), "-DFOREGROUND"],
                                         stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True, env=clean_env(), cwd=str(self.dir))

        def listening():
            if self.proc.poll() is not None:
                return "exited"
            for port in (self.port, self.http_port):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return "listening"

        try:
            if wait_for("apache2", listening, START_TIMEOUT, self.logs) == "exited":
                raise StackError(f"apache2 exited with {self.proc.returncode}\n" + self.logs())
        except StackError:
            self.stop()
            raise
        return self

    def stop(self):
        """Stops Apache (SIGTERM to the parent, then its whole group) and removes the temp dir."""
        if self.proc is not None:
            stop_process_group(self.proc, 10)
            self.proc = None
        if not os.environ.get("TESSERA_E2E_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)

    def browser(self, **kw):
        """Returns a new Browser for the HTTPS vhost."""
        return Browser(self, **kw)


def make_install(destdir, prefix="/usr/local", target="install"):
    """Runs `make install` (or uninstall) into DESTDIR with PREFIX, installing BIN as it is (no
    rebuild). Returns the Result."""
    return run_ok(["make", "--no-print-directory", "-o", BIN, target, f"PROGRAM={BIN}",
                   f"DESTDIR={destdir}", f"PREFIX={prefix}"], timeout=120)
