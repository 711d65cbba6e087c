"""The README's install commands, kept in deploy/install.sh and run here verbatim against a fresh
cluster set up as Debian's packaging sets one up (superuser `postgres`, peer authentication on the
socket, SCRAM over TCP): then the pool, connected as tessera_web alone, serves and signs in through
nginx. Without the superuser's step, an ordinary owner's `tessera migrate` says what to run."""

import os
import re
import secrets
import shutil
import tempfile
from pathlib import Path

import pytest

from deployment import DEPLOY, make_install
from processes import REPO, StackError, _run_user_dir, clean_env, free_port, run, run_ok, wait_for
from stack import Stack

INSTALL_SH = DEPLOY / "install.sh"
PG_SUPERUSER = "postgres"               # Debian's: the OS user and the role


def pg_bin(program):
    """Returns the path of a program of the newest installed PostgreSQL server."""
    newest = max(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parts[4]))
    return newest.parent / program


class DebianCluster:
    """A throwaway cluster made as pg_createcluster makes one: initdb as the OS user postgres, the
    superuser role postgres, peer authentication on the unix socket and SCRAM over TCP (localhost)."""

    def __init__(self, parent):
        self.dir = parent / "pg"
        self.port = free_port()
        self.dir.mkdir(mode=0o700)
        shutil.chown(self.dir, PG_SUPERUSER, PG_SUPERUSER)

    def as_postgres(self, args, **kw):
        """Runs args as the OS user postgres (peer authentication maps it to the role postgres)."""
        return run(["runuser", "-u", PG_SUPERUSER, "--", *map(str, args)], cwd="/", **kw)

    def start(self):
        """Initialises and starts the cluster; waits until the superuser can connect."""
        run_ok(["runuser", "-u", PG_SUPERUSER, "--", pg_bin("initdb"), "-D", self.dir, "-U", PG_SUPERUSER,
                "--auth-local=peer", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C"],
               cwd="/", timeout=120)
        with open(self.dir / "postgresql.conf", "a") as conf:
            conf.write(f"listen_addresses = 'localhost'\nport = {self.port}\n"
                       f"unix_socket_directories = '{self.dir}'\nfsync = off\n")
        r = self.as_postgres([pg_bin("pg_ctl"), "-w", "-D", self.dir, "-l", self.dir / "log", "start"],
                             timeout=60)
        if r.returncode != 0:
            raise StackError("the Debian-style cluster did not start:\n" + r.describe())

    def stop(self):
        """Stops the cluster (fast)."""
        self.as_postgres([pg_bin("pg_ctl"), "-w", "-D", self.dir, "-m", "fast", "stop"], timeout=60)

    def psql(self, sql, db="postgres"):
        """Runs sql as the superuser over the socket. Returns the stripped output; raises on failure."""
        r = self.as_postgres(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", self.dir,
                              "-p", self.port, "-d", db, "-c", sql], timeout=30)
        if r.returncode != 0:
            raise StackError("psql as postgres failed:\n" + r.describe())
        return r.stdout.strip()

    def env(self):
        """libpq's environment for this cluster, as install.sh takes it."""
        return {**clean_env(), "PGHOST": str(self.dir), "PGPORT": str(self.port)}


@pytest.fixture(scope="module")
def root():
    """A temp dir for the module: make install into it (DESTDIR), and the cluster."""
    d = Path(tempfile.mkdtemp(prefix="tessera-e2e-install-script-"))
    os.chmod(d, 0o755)
    make_install(d)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster(root):
    """The fresh Debian-style cluster, running for the module."""
    c = DebianCluster(root)
    c.start()
    yield c
    c.stop()


def plain_owner_config(root, cluster, name):
    """Makes role NAME (LOGIN, password, nothing else) and database NAME owned by it, as the issue's
    `CREATE ROLE plainowner LOGIN; CREATE DATABASE tessera OWNER plainowner`. Returns a config file
    that connects as it."""
    password = secrets.token_hex(12)
    cluster.psql(f"CREATE ROLE {name} LOGIN PASSWORD '{password}'")
    cluster.psql(f"CREATE DATABASE {name} OWNER {name}")
    conf = root / f"{name}.conf"
    conf.write_text(f"database = host=localhost port={cluster.port} dbname={name} user={name} "
                    f"password={password}\nmigrations = {REPO / 'migrations'}\n")
    return conf


def test_an_ordinary_owner_without_the_superusers_step_is_told_what_to_run(root, cluster):
    conf = plain_owner_config(root, cluster, "plainowner")
    r = run([root / "usr/local/sbin/tessera", "-c", conf, "migrate"])
    assert r.returncode == 1, r.describe()
    assert "roles.sql" in r.stderr and "superuser" in r.stderr, r.describe()
    assert r.stderr.startswith("tessera: 0003_administration.sql: ERROR:  role tessera_app is missing "
                               "and plainowner may not create it"), r.describe()
    assert len(r.stderr.strip().splitlines()) == 1, r.describe()


@pytest.fixture(scope="module")
def installed(root, cluster):
    """deploy/install.sh run verbatim as root with alice as the first user. Returns (etc, password)."""
    etc = root / "etc" / "tessera"
    password = secrets.token_urlsafe(12)
    r = run([INSTALL_SH, "alice"], input=password + "\n", timeout=120,
            env={**cluster.env(), "PREFIX": str(root / "usr/local"), "ETC": str(etc)})
    assert r.returncode == 0 and not r.timed_out, r.describe()
    return etc, password


def test_install_leaves_least_privilege_files(installed):
    etc, _ = installed
    modes = {f: (oct(os.stat(etc / f).st_mode & 0o777), os.stat(etc / f).st_uid)
             for f in ("secret", "owner.pgpass", "web.pgpass", "owner.conf")}
    tessera_uid = int(run_ok(["id", "-u", "tessera"]).stdout)
    assert modes == {"secret": ("0o640", 0), "owner.pgpass": ("0o600", 0),
                     "web.pgpass": ("0o600", tessera_uid), "owner.conf": ("0o600", 0)}, modes
    database = [line for line in (etc / "tessera.conf").read_text().splitlines()
                if line.startswith("database =")]
    assert len(database) == 1 and "user=tessera_web" in database[0], database


def test_roles_hold_only_what_they_need(installed, cluster):
    rows = cluster.psql("SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolcanlogin, "
                        "coalesce((SELECT string_agg(g.rolname, ',' ORDER BY g.rolname) FROM pg_auth_members m "
                        "JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid), '') "
                        "FROM pg_roles r WHERE rolname LIKE 'tessera%' ORDER BY rolname")
    assert rows.splitlines() == [
        "tessera_app|f|f|f|f|",
        "tessera_operator|f|f|f|f|",
        "tessera_owner|f|f|f|t|",
        "tessera_web|f|f|f|t|tessera_app",
    ], rows
    assert cluster.psql("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'tessera'") \
        == "tessera_owner"


@pytest.fixture(scope="module")
def served(root, installed):
    """The pool on install.sh's tessera.conf (only the installed paths and the socket changed for the
    test's DESTDIR), started as root and dropping to tessera, behind nginx."""
    etc, password = installed
    s = Stack("install-script")
    s.binary = root / "usr/local/sbin/tessera"
    _run_user_dir(s.run_dir)
    lines = [line for line in (etc / "tessera.conf").read_text().splitlines()
             if not line.startswith(("templates =", "migrations =", "user =", "group =", "listen =",
                                     "log_file ="))]
    lines += [f"templates = {root / 'usr/local/share/tessera/templates'}",
              f"listen = {s.socket}", f"log_file = {s.log_file}", "user = tessera", "group = tessera"]
    s.conf.write_text("\n".join(lines) + "\n")
    try:
        s.start_serving()
    except StackError:
        s.stop()
        raise
    yield s, password
    s.stop()


def test_the_pool_on_tessera_web_signs_alice_in_through_nginx(served, cluster):
    s, password = served
    b = s.browser()
    assert b.login("alice", password).status == 303
    r = b.dashboard()
    assert r.status == 200 and "Welcome back, alice" in r.body, r.describe()
    users = wait_for("the pool's connections", lambda: cluster.psql(
        "SELECT string_agg(DISTINCT usename, ',') FROM pg_stat_activity WHERE application_name = 'tessera'"),
        10)
    assert users == "tessera_web", users


def test_install_runs_again_and_changes_nothing_but_the_passwords(root, cluster, installed, served):
    etc, _ = installed
    s, password = served
    conf_before = (etc / "tessera.conf").read_text()
    r = run([INSTALL_SH], timeout=120,
            env={**cluster.env(), "PREFIX": str(root / "usr/local"), "ETC": str(etc)})
    assert r.returncode == 0, r.describe()
    assert (etc / "tessera.conf").read_text() == conf_before
    cluster.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'tessera_web'")
    b = s.browser()                 # the workers reconnect with the new password file
    wait_for("sign-in after the passwords changed",
             lambda: b.login("alice", password).status == 303, 15, s.logs)


def test_an_ordinary_owner_migrates_once_the_superusers_step_ran(root, cluster, installed):
    conf = plain_owner_config(root, cluster, "plainowner2")
    r = run([root / "usr/local/sbin/tessera", "-c", conf, "migrate"])
    assert r.returncode == 0, r.describe()


def readme_commands(section):
    """Returns the commands of the first indented block of README section `### SECTION`, each with
    its continuation lines joined."""
    readme = (REPO / "README.md").read_text()
    text = readme[readme.index(f"### {section}\n"):]
    text = text[:text.index("\n#", 1)]
    block = re.search(r"\n\n((?:    .*\n)+)", text).group(1)
    return [" ".join(c.split()) for c in block.replace("\\\n", " ").splitlines()]


def as_postgres_sh(cluster, command):
    """Runs a README command written `sudo -u postgres ...` as the OS user postgres, against the
    test's cluster (PGHOST, PGPORT). Returns the Result."""
    assert command.startswith("sudo -u postgres "), command
    return run(["runuser", "-u", PG_SUPERUSER, "--", "sh", "-c", command[len("sudo -u postgres "):]],
               env=cluster.env(), cwd="/", timeout=120)


def test_backup_and_restore_as_the_readme_says(root, cluster, served):
    s, password = served
    alice = s.browser()
    assert alice.login("alice", password).status == 303
    backups = root / "backups"
    backups.mkdir(mode=0o700)
    shutil.chown(backups, PG_SUPERUSER, PG_SUPERUSER)
    commands = [c.replace("/var/backups/tessera.dump", str(backups / "tessera.dump"))
                .replace("/usr/local/share/tessera/roles.sql", str(root / "usr/local/share/tessera/roles.sql"))
                for c in readme_commands("Backup and restore")]
    assert [c.split()[3] for c in commands] == ["pg_dump", "psql", "pg_restore"], commands
    r = as_postgres_sh(cluster, commands[0])
    assert r.returncode == 0, r.describe()
    r = run([root / "usr/local/sbin/tessera", "-c", root / "etc/tessera/owner.conf", "user", "add", "carol"],
            input="a password of carol\n")
    assert r.returncode == 0, r.describe()
    cluster.psql("DROP DATABASE tessera WITH (FORCE)")           # the loss
    for command in commands[1:]:
        r = as_postgres_sh(cluster, command)
        assert r.returncode == 0, r.describe()
    assert cluster.psql("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'tessera.users'::regclass",
                        "tessera") == "tessera_owner"
    wait_for("alice signed in after the restore",
             lambda: s.browser().login("alice", password).status == 303, 15, s.logs)
    assert s.browser().login("carol", "a password of carol").status == 401       # added after the dump
    r = alice.dashboard()                                                         # her session is gone
    assert r.status == 303 and r.header("Location").endswith("/"), r.describe()


def test_uninstall_drops_the_database_and_every_role(cluster, served):
    s, _ = served
    s.stop_pool()
    cluster.psql("DROP DATABASE IF EXISTS plainowner")     # this test's own, which granted to tessera_app too
    cluster.psql("DROP DATABASE IF EXISTS plainowner2")
    drop = [c for c in readme_commands("Uninstall") if "DROP DATABASE" in c]
    assert len(drop) == 1, readme_commands("Uninstall")
    r = as_postgres_sh(cluster, drop[0])
    assert r.returncode == 0, r.describe()
    assert cluster.psql("SELECT count(*) FROM pg_roles WHERE rolname LIKE 'tessera%'") == "0"
    assert cluster.psql("SELECT count(*) FROM pg_database WHERE datname = 'tessera'") == "0"


