"""The source tree as the lint tests (tests/lint/test_*.py) read it: where things are, the Makefile's
variables and the README's sections."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
README = REPO / "README.md"


def makefile_variable(name):
    """Returns the value the Makefile gives name (its default, for PREFIX and SYSCONFDIR)."""
    return re.search(rf"^{name}\s*\??=\s*(\S+)", (REPO / "Makefile").read_text(), re.M).group(1)


def readme_section(name):
    """Returns the text of README section `### NAME` up to the next heading."""
    text = README.read_text()
    body = text[text.index(f"\n### {name}\n") + 1:]
    return body[:body.index("\n#", 1)]
