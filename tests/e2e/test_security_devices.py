"""Issue 13, items 3 and 4: a throttle that cannot be turned against users, and that stores nothing it
should not. A browser that signed in as a user holds a sealed device cookie for that user; attempts
carrying a valid one are throttled per device only, never by their address or other people's
failures. Without one, per account (or per keyed hash of a name no account has) and per address.
Throttled attempts write nothing; lapsed rows are purged with expired sessions; names no account
has are stored and logged only as a keyed hash.

Client addresses vary by connecting from other 127.x addresses; counts are written with psql where
a test needs many, as test_security_throttle.py does."""

import base64
import secrets
import struct
import threading
import time
import urllib.parse

import pytest

from processes import wait_for
from stack import sql_literal

STACK_CONFIG = {"prune_interval": "1s"}
DEVICE_LIFETIME = 90 * 86400       # device_lifetime's default


pytestmark = pytest.mark.usefixtures("no_counted_private_failures")


def device_cookie_name(stack):
    return stack.cookie_name(suffix="_dev")


def known_device(stack, user, source=None):
    """A browser that signed in as user (so holds its device cookie), signed out again."""
    b = stack.signed_in_browser(user, source=source)
    assert device_cookie_name(stack) in b.cookies, b.cookies
    assert b.logout().status == 303
    return b


def row_count(stack):
    return int(stack.scalar("SELECT count(*) FROM tessera.login_failures"))


def throttle(stack, key, failures=10, seconds_ago=0):
    """Writes key's failure count as if the last failure was seconds_ago (10 just now: a 32 s wait,
    ample for the requests of a test even on a loaded machine)."""
    stack.psql("INSERT INTO tessera.login_failures (key, failures, last_failure) VALUES "
               f"({sql_literal(key)}, {failures}, now() - make_interval(secs => {seconds_ago})) "
               "ON CONFLICT (key) DO UPDATE SET failures = EXCLUDED.failures, "
               "last_failure = EXCLUDED.last_failure")


def post_login(browser, csrf, name, password):
    return browser.post("/login", {"username": name, "password": password, "csrf": csrf})


# ---- 3 (a): the six-address lock-out attack

def test_six_addresses_cannot_keep_a_user_with_a_device_cookie_out(private_stack):
    victim = private_stack.create_user()
    device = known_device(private_stack, victim, source="127.0.3.100")
    stop, answers = threading.Event(), []

    def attacker(source):
        b = private_stack.browser(source=source)
        csrf = b.login_csrf()
        while not stop.is_set():      # counted guesses, and free probes while each wait lasts
            answers.append(post_login(b, csrf, victim.name, "guess-" + secrets.token_hex(6)).status)

    threads = [threading.Thread(target=attacker, args=(f"127.0.3.{i + 1}",)) for i in range(6)]
    for t in threads:
        t.start()
    try:
        time.sleep(2)
        stranger = private_stack.browser(source="127.0.3.200").login(victim.name, victim.password)
        signed_in = []
        for _ in range(10):
            r = device.login(victim.name, victim.password)
            signed_in.append(r.status)
            if r.status == 303:
                device.logout()
            time.sleep(0.3)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert 429 in answers, "the attack never reached the throttle"
    assert stranger.status == 429, "the account was not under attack after all: " + stranger.describe()
    assert signed_in == [303] * 10, f"the user with a device cookie got {signed_in}"


# ---- 3 (b): an address full of failures does not stop a known device

def test_two_hundred_failures_from_an_address_do_not_stop_a_known_device_there(private_stack):
    user = private_stack.create_user()
    device = known_device(private_stack, user, source="127.0.4.1")
    attacker = private_stack.browser(source="127.0.4.1")
    csrf = attacker.login_csrf()
    start = time.monotonic()
    statuses = [post_login(attacker, csrf, "n" + secrets.token_hex(5), "guess-password").status
                for _ in range(200)]
    # 5 free failures, then one more each time a wait (1, 2, 4, ... s) has run out meanwhile
    allowed = 5 + sum(1 for n in range(10) if sum(2 ** k for k in range(n + 1)) <= time.monotonic() - start)
    assert 5 <= statuses.count(401) <= allowed and set(statuses) == {401, 429}, statuses[:12]
    stranger = private_stack.browser(source="127.0.4.1").login(user.name, user.password)
    assert stranger.status == 429, "the address was not throttled: " + stranger.describe()
    start = time.monotonic()
    r = device.login(user.name, user.password)
    assert r.status == 303, r.describe()
    assert time.monotonic() - start < 5


# ---- 3 (c): a stolen device cookie without the password is still limited

def test_a_stolen_device_cookie_is_limited_by_its_own_count(private_stack):
    user = private_stack.create_user()
    stolen = known_device(private_stack, user).cookies[device_cookie_name(private_stack)]
    statuses = []
    start = time.monotonic()
    for i in range(8):                 # from a new address each time: the address does not matter
        thief = private_stack.browser(source=f"127.0.5.{i + 1}")
        thief.cookies[device_cookie_name(private_stack)] = stolen
        statuses.append(thief.login(user.name, "guess-" + secrets.token_hex(6)).status)
    # 5 free failures, then one more each time a wait (1, 2, 4 s) has run out meanwhile
    allowed = 5 + sum(1 for n in range(3) if sum(2 ** k for k in range(n + 1)) <= time.monotonic() - start)
    assert statuses[:5] == [401] * 5 and 429 in statuses[5:], statuses
    assert statuses.count(401) <= allowed, statuses


def test_a_device_cookie_counts_only_for_its_own_user(private_stack):
    alice, bob = private_stack.create_user(), private_stack.create_user()
    b = known_device(private_stack, alice)
    throttle(private_stack, f"user:{bob.name}")
    assert b.login(bob.name, bob.password).status == 429, "alice's device cookie opened bob's throttle"
    throttle(private_stack, f"user:{alice.name}")
    assert b.login(alice.name, alice.password).status == 303


@pytest.mark.parametrize("command", [("user", "passwd"), ("user", "disable"), ("sessions", "revoke", "--user")],
                         ids=["passwd", "disable", "revoke"])
def test_device_cookies_end_with_the_users_sessions(private_stack, command):
    user = private_stack.create_user()
    b = known_device(private_stack, user)
    password = user.password
    extra = {}
    if command[-1] == "passwd":
        password = secrets.token_urlsafe(12)
        extra["input"] = password + "\n"
    r = private_stack.tessera(*command, user.name, **extra)
    assert r.returncode == 0, r.describe()
    if command[-1] == "disable":
        assert private_stack.tessera("user", "enable", user.name).returncode == 0
    throttle(private_stack, f"user:{user.name}")
    r = b.login(user.name, password)
    assert r.status == 429, "a device cookie from before the change still spared the throttle"


def sealed_device(stack, user_id, epoch, proved_at):
    """A device cookie value sealed with the stack's secret, as src/proof.c packs it."""
    data = struct.pack(">BBQQQ", 1, 1, user_id, epoch, proved_at) + secrets.token_bytes(16)
    raw = data + stack.mac("d", data)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_a_device_cookie_past_its_lifetime_is_not_honoured(private_stack):
    user = private_stack.create_user()
    uid = int(private_stack.scalar(f"SELECT id FROM tessera.users WHERE username = {sql_literal(user.name)}"))
    throttle(private_stack, f"user:{user.name}")
    for age, status in ((DEVICE_LIFETIME + 60, 429), (-3600, 429), (60, 303)):
        b = private_stack.browser()
        b.cookies[device_cookie_name(private_stack)] = sealed_device(
            private_stack, uid, 0, int(time.time()) - age)
        assert b.login(user.name, user.password).status == status, f"device cookie {age} s old"


def test_a_known_device_success_does_not_reset_the_accounts_count(private_stack):
    user = private_stack.create_user()
    b = known_device(private_stack, user)
    throttle(private_stack, f"user:{user.name}", failures=9)
    assert b.login(user.name, user.password).status == 303
    assert private_stack.scalar("SELECT failures FROM tessera.login_failures WHERE key = "
                                f"{sql_literal('user:' + user.name)}") == "9", \
        "the victim's sign-in gave the attacker fresh free guesses"


# ---- 4: what the throttle stores

def test_throttled_attempts_with_random_names_write_nothing(private_stack):
    throttle(private_stack, "addr:127.0.6.1", failures=20)      # waits the 15-minute cap
    before = row_count(private_stack)
    b = private_stack.browser(source="127.0.6.1")
    csrf = b.login_csrf()
    body_csrf = urllib.parse.quote(csrf)
    statuses = {}
    start = time.monotonic()
    for _ in range(3000):
        name = secrets.token_urlsafe(9)
        r = b.post("/login", f"username={name}&password=guess-password&csrf={body_csrf}")
        statuses[r.status] = statuses.get(r.status, 0) + 1
    elapsed = time.monotonic() - start
    assert statuses == {429: 3000}, statuses
    assert row_count(private_stack) == before, f"{row_count(private_stack) - before} rows written"
    print(f"3000 throttled POSTs in {elapsed:.1f} s")


def test_names_no_account_has_are_stored_only_as_a_keyed_hash(private_stack):
    typed = "correct horse battery " + secrets.token_hex(4)
    b = private_stack.browser(source="127.0.6.2")
    assert b.login(typed, "guess-password").status == 401
    keys = [row[0] for row in private_stack.psql("SELECT key FROM tessera.login_failures")]
    assert f"name:{private_stack.name_hash(typed)}" in keys, keys
    assert not any(typed in k for k in keys), keys
    assert typed not in private_stack.log_file.read_text(errors="replace")


def test_an_existing_account_keeps_its_readable_key(private_stack):
    user = private_stack.create_user()
    assert private_stack.browser(source="127.0.6.3").login(user.name, "guess-password").status == 401
    keys = [row[0] for row in private_stack.psql("SELECT key FROM tessera.login_failures")]
    assert f"user:{user.name}" in keys, keys


def test_lapsed_failure_rows_are_purged_with_expired_sessions(private_stack):
    for i in range(30):
        throttle(private_stack, f"addr:127.0.7.{i}", failures=3, seconds_ago=3601 + i)
    throttle(private_stack, "addr:127.0.8.1", failures=3, seconds_ago=10)
    assert private_stack.scalar("SELECT tessera.purge_expired(10)") == "10"
    lapsed = "SELECT count(*) FROM tessera.login_failures WHERE key LIKE 'addr:127.0.7.%'"

    def purged():
        private_stack.browser().get("/")       # the pool prunes after requests (prune_interval 1s)
        return private_stack.scalar(lapsed) == "0"
    wait_for("the lapsed failure rows purged", purged, 20, private_stack.logs)
    assert private_stack.scalar(
        "SELECT failures FROM tessera.login_failures WHERE key = 'addr:127.0.8.1'") == "3", \
        "a count still within its hour was purged"
