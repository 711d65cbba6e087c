#!/usr/bin/env python3
"""make lint: no #include in src/ reaches up into a higher layer (README, Architecture).

A module is a .c/.cc file and its .h (page_login.c belongs to module page_login). A module may
include the headers of its own layer and of the layers below it, never above. Prints one line per
upward include and exits 1 if there is any; a module with no layer is a finding too (add it to
LAYERS, or name it so that PREFIXES places it).
usage: tests/lint/layers.py"""

import re
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"

# Lowest first. Each layer may use only itself and the layers before it.
LAYERS = [
    ("base", "parsing, encoding, crypto, logging, configuration, the database connection, templates",
     {"base32", "bearer", "buf", "clock", "config", "db", "fcgi_check", "fmt", "form", "http", "listenq", "log",
      "migrate", "netaddr", "netlist", "passwd", "proof", "qr", "ratelimit", "recovery", "rule", "scoreboard",
      "text", "token", "totp", "useragent", "vault", "view"}),
    ("domain", "sessions, sign-in throttling and pruning over the database",
     {"session", "throttle", "prune"}),
    ("app", "the request context, pages and routes, the account checks pages share",
     {"account", "app", "page", "routes"}),
    ("process", "start-up, a worker's loop and the supervisor", {"startup", "worker", "pool", "respawn"}),
    ("command", "the command line", {"cmd", "main"}),
]
# Modules placed by their name: each page and each command is a file of its own.
PREFIXES = {"page_": "app", "cmd_": "command"}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of(module):
    """Returns the index of module's layer in LAYERS, or None when it has none."""
    for i, (_, _, modules) in enumerate(LAYERS):
        if module in modules:
            return i
    for prefix, name in PREFIXES.items():
        if module.startswith(prefix):
            return [n for n, _, _ in LAYERS].index(name)
    return None


def module_of(path):
    """Returns the module a file of src/ belongs to: its name without the extension."""
    return path.name.rsplit(".", 1)[0]


def findings():
    """Yields one line per file with no layer and per upward include."""
    for path in sorted(SRC.iterdir()):
        if path.suffix not in (".c", ".cc", ".h"):
            continue
        mine = layer_of(module_of(path))
        if mine is None:
            yield f"src/{path.name}: module {module_of(path)} has no layer in tests/lint/layers.py"
            continue
        for header in INCLUDE.findall(path.read_text()):
            theirs = layer_of(module_of(Path(header)))
            if theirs is None:
                yield f"src/{path.name}: includes {header}, whose module has no layer"
            elif theirs > mine:
                yield (f"src/{path.name}: {LAYERS[mine][0]} includes {header} from the higher "
                       f"layer {LAYERS[theirs][0]}")


def main():
    """Prints every finding; returns 1 if there is any, else 0."""
    lines = list(findings())
    for line in lines:
        print(f"layers: {line}", file=sys.stderr)
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
