"""Deployment as an operator does it: files rendered from deploy/, Debian's apache2 running
deploy/apache/tessera.conf in front of a pool, and `make install` into a DESTDIR."""

import os
import re
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from browser import Site
from processes import IS_ROOT, REPO, RUN_USER, START_TIMEOUT, StackError, clean_env, free_port, run_ok, \
    stop_process_group, tail, wait_for
from stack import BIN, self_signed_cert

DEPLOY = REPO / "deploy"
APACHE_MODULES = ("mpm_event", "authz_core", "headers", "proxy", "proxy_fcgi", "ssl",
                  "socache_shmcb", "alias")


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



class ApacheFront(Site):
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


def makefile_variable(name):
    """Returns the value the Makefile gives name (its default, for PREFIX, SYSCONFDIR, VERSION)."""
    return re.search(rf"^{name}\s*\??=\s*(\S+)", (REPO / "Makefile").read_text(), re.M).group(1)


def make_install(destdir, prefix="/usr/local", target="install"):
    """Runs `make install` (or uninstall) into DESTDIR with PREFIX, installing BIN as it is (no
    rebuild). Returns the Result."""
    return run_ok(["make", "--no-print-directory", "-o", BIN, target, f"PROGRAM={BIN}",
                   f"DESTDIR={destdir}", f"PREFIX={prefix}"], timeout=120)
