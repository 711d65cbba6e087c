"""deploy/logrotate/tessera through the real logrotate: the log is rotated, the new file belongs to
tessera (0640), and after the postrotate SIGUSR1 the supervisor and every worker write to it."""

import os
import pwd
import signal
import stat

from deployment import DEPLOY
from processes import run, wait_for



def logrotate_conf(pool):
    """Writes the logrotate file as installed for this pool: its log_file and its program's path in
    place of /var/log/tessera/tessera.log and /usr/local/sbin/tessera. Returns its path."""
    text = (DEPLOY / "logrotate" / "tessera").read_text()
    assert "/var/log/tessera/tessera.log {" in text and "/usr/local/sbin/tessera" in text
    conf = pool.dir / "logrotate.conf"
    conf.write_text(text.replace("/var/log/tessera/tessera.log", str(pool.log_file))
                    .replace("/usr/local/sbin/tessera", str(pool.binary)))
    os.chmod(conf, 0o644)
    return conf


def test_logrotate_rotates_and_the_pool_writes_to_the_new_file(stack, pool):
    stack.forget_failures()
    user = stack.create_user()
    assert pool.browser().login(user.name, user.password + "-wrong").status == 401
    old = wait_for("a login_failed line", lambda: pool.log_events("login_failed"), 10, pool.logs)
    r = run(["logrotate", "-f", "-s", pool.dir / "logrotate.state", logrotate_conf(pool)])
    assert r.returncode == 0, r.describe()
    rotated = pool.log_file.with_name(pool.log_file.name + ".1")
    assert "login_failed" in rotated.read_text(), r.describe()
    st = pool.log_file.stat()
    assert pwd.getpwuid(st.st_uid).pw_name == "tessera" and stat.S_IMODE(st.st_mode) == 0o640, st
    assert old and pool.log_events("login_failed") == []

    assert pool.browser().login(user.name, user.password).status == 303    # a worker writes
    wait_for("login_ok in the new file", lambda: pool.log_events("login_ok"), 10, pool.logs)
    victim = pool.worker_pids()[0]                                          # the supervisor writes
    os.kill(victim, signal.SIGTERM)
    wait_for("worker_exited in the new file",
             lambda: [e for e in pool.log_events("worker_exited") if e["pid"] == str(victim)], 10, pool.logs)
    assert "login_ok" not in rotated.read_text() and "worker_exited" not in rotated.read_text()
