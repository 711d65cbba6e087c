"""Processes for the end-to-end tests: commands run with a time limit and their Result, process
groups started and stopped, waiting until something is ready, free ports, files for the tessera
user. Nothing here knows what tessera is."""

import os
import pwd
import resource
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

IS_ROOT = os.geteuid() == 0
RUN_USER = "tessera"            # PostgreSQL and the pool run as this user when we are root

# A crashed process leaves a core (for gdb) in its working directory (a pool: its run_dir) when
# the kernel's core_pattern is a plain name, as on Debian without systemd-coredump.
resource.setrlimit(resource.RLIMIT_CORE, (resource.getrlimit(resource.RLIMIT_CORE)[1],) * 2)

START_TIMEOUT = 20.0            # seconds for any one part of the stack to become ready


class StackError(RuntimeError):
    """Something in the stack did not start, stop or answer as expected."""



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



def error_line(result):
    """Asserts result is a prompt failure with exactly one line on stderr; returns that line."""
    assert not result.timed_out, "command did not finish in time:\n" + result.describe()
    assert result.returncode != 0, "command succeeded but should have failed:\n" + result.describe()
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, "expected a one-line error on stderr:\n" + result.describe()
    return lines[0]



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
