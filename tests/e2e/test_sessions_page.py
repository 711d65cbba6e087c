"""The page of the user's sessions (/sessions): this one marked, each other endable, or all at once."""

import re

import pytest

from page import signed_out
from stack import APP_ROLE

FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME_ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/126.0.0.0 Mobile Safari/537.36")
SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")

ITEM = re.compile(r'<li class="session( this)?" data-id="(\d+)">(.*?)</li>', re.S)


def listed(response):
    """Returns the session list of a /sessions page: {id: {"this", "text", "endable"}}."""
    assert response.status == 200, response.describe()
    return {int(m.group(2)): {"this": bool(m.group(1)),
                              "text": " ".join(re.sub(r"<[^>]*>", " ", m.group(3)).split()),
                              "endable": 'action="/sessions/end"' in m.group(3)}
            for m in ITEM.finditer(response.body)}


def test_this_session_is_listed_marked_with_browser_address_and_times(stack, user):
    b = stack.signed_in_browser(user, FIREFOX_LINUX)
    (sid,) = stack.session_ids(user.name)
    entries = listed(b.get("/sessions"))
    assert list(entries) == [sid], entries
    entry = entries[sid]
    assert entry["this"] and "(this session)" in entry["text"], entry
    assert "Firefox on Linux" in entry["text"] and "127.0.0.1" in entry["text"], entry
    assert re.search(r"started \d{4}-\d\d-\d\d \d\d:\d\d UTC ?, last seen \d{4}-\d\d-\d\d \d\d:\d\d UTC",
                     entry["text"]), entry
    assert not entry["endable"], "this session offers to end itself: " + entry["text"]


def test_other_sessions_are_listed_each_with_an_end_button(stack, user):
    this = stack.signed_in_browser(user, FIREFOX_LINUX)
    stack.signed_in_browser(user, CHROME_ANDROID)
    stack.signed_in_browser(user, SAFARI_IPHONE)
    r = this.get("/sessions")
    entries = listed(r)
    assert sorted(entries) == stack.session_ids(user.name)
    others = [e for e in entries.values() if not e["this"]]
    assert len(others) == 2 and all(e["endable"] for e in others), entries
    texts = " | ".join(e["text"] for e in others)
    assert "Chrome on Android" in texts and "Safari on iPhone" in texts, texts
    assert r.form("/sessions/end-others") is not None, r.describe()


def test_alone_there_is_no_sign_out_everywhere_else(signed_in):
    r = signed_in.get("/sessions")
    assert r.form("/sessions/end-others") is None, r.describe()


def test_expired_sessions_are_not_listed(stack, user):
    this = stack.signed_in_browser(user, FIREFOX_LINUX)
    stack.signed_in_browser(user, CHROME_ANDROID)
    stack.psql(f"UPDATE tessera.sessions SET expires_at = now() - interval '1 second' "
               f"WHERE id = {max(stack.session_ids(user.name))}")
    assert len(listed(this.get("/sessions"))) == 1


def test_ending_another_session_signs_it_out_and_keeps_this_one(stack, user):
    this = stack.signed_in_browser(user, FIREFOX_LINUX)
    other = stack.signed_in_browser(user, CHROME_ANDROID)
    other_id = max(stack.session_ids(user.name))
    r = this.post("/sessions/end", {"csrf": this.dashboard_csrf(), "id": other_id})
    assert r.status == 303 and r.location == "/sessions", r.describe()
    assert signed_out(other.dashboard())
    assert list(listed(this.get("/sessions"))) == stack.session_ids(user.name)
    assert other_id not in stack.session_ids(user.name)


def test_sign_out_everywhere_else_ends_every_other_session(stack, user):
    this = stack.signed_in_browser(user, FIREFOX_LINUX)
    others = [stack.signed_in_browser(user, agent) for agent in (CHROME_ANDROID, SAFARI_IPHONE)]
    (mine,) = [sid for sid, e in listed(this.get("/sessions")).items() if e["this"]]
    r = this.post("/sessions/end-others", {"csrf": this.dashboard_csrf()})
    assert r.status == 303 and r.location == "/sessions", r.describe()
    assert all(signed_out(b.dashboard()) for b in others)
    assert stack.session_ids(user.name) == [mine]
    assert list(listed(this.get("/sessions"))) == [mine]


def test_a_user_cannot_end_another_users_session(stack, user):
    victim = stack.create_user()
    victim_browser = stack.signed_in_browser(victim, SAFARI_IPHONE)
    (victim_id,) = stack.session_ids(victim.name)
    attacker = stack.signed_in_browser(user, FIREFOX_LINUX)
    r = attacker.post("/sessions/end", {"csrf": attacker.dashboard_csrf(), "id": victim_id})
    assert r.status == 303, r.describe()
    assert stack.session_ids(victim.name) == [victim_id], "another user's session was deleted"
    assert victim_browser.dashboard().status == 200
    assert len(stack.session_ids(user.name)) == 1, "the attacker's own session went"


def test_sign_out_everywhere_else_leaves_other_users_alone(stack, user):
    bystander = stack.create_user()
    bystander_browser = stack.signed_in_browser(bystander, SAFARI_IPHONE)
    this = stack.signed_in_browser(user, FIREFOX_LINUX)
    assert this.post("/sessions/end-others", {"csrf": this.dashboard_csrf()}).status == 303
    assert bystander_browser.dashboard().status == 200


@pytest.mark.parametrize("path", ["/sessions/end", "/sessions/end-others"])
@pytest.mark.parametrize("csrf", ["missing", "another-sessions"])
def test_ending_sessions_needs_this_sessions_csrf_value(stack, user, path, csrf):
    this = stack.signed_in_browser(user, FIREFOX_LINUX)
    other = stack.signed_in_browser(user, CHROME_ANDROID)
    before = stack.session_ids(user.name)
    fields = {"id": max(before)}
    if csrf == "another-sessions":
        fields["csrf"] = other.dashboard_csrf()
    r = this.post(path, fields)
    assert r.status == 403, r.describe()
    assert stack.session_ids(user.name) == before


@pytest.mark.parametrize("path", ["/sessions/end", "/sessions/end-others"])
def test_ending_sessions_when_signed_out_goes_to_sign_in(browser, path):
    r = browser.post(path, {"csrf": "x", "id": "1"})
    assert signed_out(r), r.describe()


@pytest.mark.parametrize("sid", ["", "1 OR 1=1", "9" * 30])
def test_ending_a_malformed_session_id_is_400(stack, signed_in, user, sid):
    r = signed_in.post("/sessions/end", {"csrf": signed_in.dashboard_csrf(), "id": sid})
    assert r.status == 400, r.describe()
    assert len(stack.session_ids(user.name)) == 1


@pytest.mark.parametrize("path", ["/sessions/end", "/sessions/end-others"])
def test_get_on_the_ending_routes_is_405(signed_in, path):
    assert signed_in.get(path).status == 405


def test_the_dashboard_links_to_the_list_and_does_not_read_it(stack, user):
    """The dashboard's statement is one row's update: the list is on its own page."""
    this = stack.signed_in_browser(user, FIREFOX_LINUX)
    stack.signed_in_browser(user, CHROME_ANDROID)
    r = this.dashboard()
    assert r.status == 200 and 'href="/sessions"' in r.body, r.describe()
    assert listed(r) == {} and "Chrome on Android" not in r.body, r.body
    stack.psql("SELECT pg_stat_statements_reset()")
    this.dashboard()
    rows = stack.psql("SELECT query FROM pg_stat_statements "
                      f"WHERE userid = '{APP_ROLE}'::regrole AND calls > 0")
    assert len(rows) == 1 and "tessera.sessions l" not in rows[0][0], rows


def test_the_list_comes_in_the_one_statement_that_touches_the_session(stack, signed_in):
    """One round trip per signed-in request, the session list included."""
    signed_in.get("/sessions")
    stack.psql("SELECT pg_stat_statements_reset()")
    r = signed_in.get("/sessions")
    rows = stack.psql("SELECT calls, query FROM pg_stat_statements "
                      f"WHERE userid = '{APP_ROLE}'::regrole AND calls > 0")
    assert len(listed(r)) == 1
    assert len(rows) == 1 and rows[0][0] == "1", rows
    assert rows[0][1].startswith("UPDATE tessera.sessions"), rows


def test_the_list_page_when_signed_out_goes_to_sign_in(browser):
    assert signed_out(browser.get("/sessions"))
