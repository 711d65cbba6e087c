"""What a running pool says about itself, parsed: its log lines (src/log.c) and its Prometheus
metrics (GET /metrics)."""

import re


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
