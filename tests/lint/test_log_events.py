"""make lint: every event src/ logs has a level in the one table of src/log.c (log_levels[]), which
has no other, and the README and tessera(8) list them all with those levels."""

import re

from sources import DEPLOY, REPO, readme_section

LEVELS = {"info", "warning", "error", "alert"}


def level_table():
    """Returns {event: level} from log_levels[] in src/log.c."""
    src = (REPO / "src" / "log.c").read_text()
    body = re.search(r"log_levels\[\]\s*=\s*\{(.*?)\n\};", src, re.S).group(1)
    table = {m.group(1): m.group(2).lower()
             for m in re.finditer(r'\{\s*"(\w+)",\s*LOG_(\w+)\s*\}', body)}
    assert len(table) >= 30, f"could not read log_levels[]: {table}"
    return table


def logged_events():
    """Returns every event name src/ passes to log_event, log_event_at, sessions_end or login_log."""
    names = set()
    for path in (REPO / "src").glob("*.c"):
        text = path.read_text()
        for first in re.findall(r'log_event\(([^,]*),', text):
            names |= set(re.findall(r'"(\w+)"', first))
        for first in re.findall(r'log_event_at\([^,]+,([^,]*),', text):
            names |= set(re.findall(r'"(\w+)"', first))
        names |= set(re.findall(r'sessions_end\(c,[^;]*"(\w+)"\);', text))
        names |= set(re.findall(r'login_log\(c, "(\w+)"', text))
    names |= {"error"}                          # log_errorf
    return names


def readme_table():
    """Returns {event: level} from the README's table of log events."""
    return {m.group(1): m.group(2)
            for m in re.finditer(r"^\| `(\w+)` \| (\w+) \|", readme_section("Log events"), re.M)}


def man_events():
    """Returns {event: level} from the LOG EVENTS section of tessera(8)."""
    text = (DEPLOY / "man" / "tessera.8").read_text()
    section = text[text.index(".Sh LOG EVENTS"):]
    section = section[:section.index("\n.Sh ", 1)]
    return {m.group(1): m.group(2) for m in re.finditer(r"^\.It Li (\w+) Pq (\w+)$", section, re.M)}


def test_every_event_logged_has_a_level_and_the_table_has_no_others():
    table, logged = level_table(), logged_events()
    assert set(table.values()) <= LEVELS, table
    assert logged - set(table) == set(), "events without a level in log_levels[]"
    assert set(table) - logged == set(), "log_levels[] names events nothing logs"


def test_readme_and_man_page_list_every_event_with_its_level():
    table = level_table()
    table_doc = dict(table, worker_exited="info")    # and error for a crash: both documented
    assert readme_table() == table_doc, "README's table of log events differs from src/log.c"
    assert man_events() == table_doc, "tessera(8) LOG EVENTS differs from src/log.c"
