"""The secret watcher: every secret a test saw or used and every pool log of every stack, so that
conftest's no_secret_in_any_log can prove at the end of the run that no log holds one."""


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
