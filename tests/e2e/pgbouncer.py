"""A private pgbouncer in front of a stack's PostgreSQL, for the tests that run the pool through a
connection pooler."""

import os
import re
import signal
import subprocess

from processes import RUN_USER, START_TIMEOUT, StackError, _killpg, _run_user_dir, as_run_user, clean_env, tail, \
    wait_for

PGBOUNCER = "/usr/sbin/pgbouncer"


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
