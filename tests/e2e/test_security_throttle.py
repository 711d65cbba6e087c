"""Issue 3, control 5: failed sign-ins are counted per account and per client address in PostgreSQL;
past 5 an hour each further attempt waits 2^(n-5) s (429 + Retry-After), at most 60 s for an account
and 15 minutes for an address; counts survive a pool restart and lapse after an hour.

Many failures are simulated by writing tessera.login_failures rows with psql; time passes by moving
last_failure back. Client addresses vary by connecting from other 127.x addresses."""

import secrets
import threading

import pytest

from page import security_header_problems
from stack import sql_literal

ACCOUNT_CAP = 60
WRONG = "wrong-password"
ADDRESS_CAP = 15 * 60


pytestmark = pytest.mark.usefixtures("no_counted_private_failures")


def attempt(stack, name, password, source=None):
    """One sign-in from client address source (default 127.0.0.1). Returns the POST's Response."""
    return stack.browser(source=source).login(name, password)


def fail(stack, name, source=None):
    """One failed sign-in, asserted to be counted (401)."""
    r = attempt(stack, name, "wrong-" + secrets.token_hex(8), source)
    assert r.status == 401, r.describe()


def retry_after(response):
    """Asserts a 429 with an integer Retry-After of 1 s or more, and returns it."""
    assert response.status == 429, response.describe()
    value = response.header("Retry-After")
    assert value and value.isdigit() and int(value) >= 1, response.describe()
    return int(value)


def set_failures(stack, key, failures, seconds_ago=0):
    """Writes the failure count of key ('user:NAME' or 'addr:ADDRESS') as if the last was seconds ago."""
    stack.psql("INSERT INTO tessera.login_failures (key, failures, last_failure) VALUES "
               f"({sql_literal(key)}, {failures}, now() - make_interval(secs => {seconds_ago})) "
               "ON CONFLICT (key) DO UPDATE SET failures = EXCLUDED.failures, "
               "last_failure = EXCLUDED.last_failure")


def failures(stack, key):
    """Returns the failure count stored for key (0 when there is no row)."""
    rows = stack.psql(f"SELECT failures FROM tessera.login_failures WHERE key = {sql_literal(key)}")
    return int(rows[0][0]) if rows else 0


def move_back(stack, seconds):
    """Moves every last failure seconds into the past, as if that much time had passed."""
    stack.psql(f"UPDATE tessera.login_failures SET last_failure = last_failure - make_interval(secs => {seconds})")


def five_failures(stack, user):
    """Counts 5 failures against user and 127.0.0.1, the last one just now (as 5 real ones would)."""
    for key in (f"user:{user.name}", "addr:127.0.0.1"):
        set_failures(stack, key, 5)


def test_five_failures_are_free_then_429_with_retry_after(private_stack, account):
    for _ in range(5):
        fail(private_stack, account.name)
    r = attempt(private_stack, account.name, WRONG)
    assert retry_after(r) == 1
    assert security_header_problems(r) == [], r.describe()


def test_a_throttled_attempt_with_the_right_password_does_not_sign_in(private_stack, account):
    five_failures(private_stack, account)
    b = private_stack.browser()
    r = b.login(account.name, account.password)
    retry_after(r)
    assert b.session is None


def test_throttled_attempts_are_not_counted(private_stack, account):
    five_failures(private_stack, account)
    for _ in range(3):
        retry_after(attempt(private_stack, account.name, WRONG))
    assert failures(private_stack, f"user:{account.name}") == 5


@pytest.mark.parametrize("length", [1, 1025], ids=["too-short", "too-long"])
def test_passwords_of_any_length_are_throttled_and_counted_alike(private_stack, account, length):
    five_failures(private_stack, account)
    for _ in range(3):
        retry_after(attempt(private_stack, account.name, "x" * length))
    assert failures(private_stack, f"user:{account.name}") == 5


def test_the_wait_doubles_with_each_further_failure(private_stack, account):
    five_failures(private_stack, account)
    waits = []
    for _ in range(4):
        waits.append(retry_after(attempt(private_stack, account.name, WRONG)))
        move_back(private_stack, waits[-1])
        fail(private_stack, account.name)
    assert waits == [1, 2, 4, 8]


def test_failures_from_one_address_on_many_accounts_are_throttled(private_stack, account):
    for _ in range(5):
        fail(private_stack, "nobody-" + secrets.token_hex(4), source="127.0.0.21")
    retry_after(attempt(private_stack, account.name, account.password, source="127.0.0.21"))
    assert attempt(private_stack, account.name, account.password, source="127.0.0.22").status == 303


def test_failures_on_one_account_from_many_addresses_are_throttled(private_stack, account):
    for i in range(5):
        fail(private_stack, account.name, source=f"127.0.0.{31 + i}")
    retry_after(attempt(private_stack, account.name, account.password, source="127.0.0.39"))


def test_counts_survive_a_pool_restart(private_stack, account):
    five_failures(private_stack, account)
    private_stack.restart_pool()
    retry_after(attempt(private_stack, account.name, WRONG))


def test_a_good_sign_in_clears_the_account_count_but_not_the_address_count(private_stack, account):
    for _ in range(3):
        fail(private_stack, account.name, source="127.0.0.41")
    assert attempt(private_stack, account.name, account.password, source="127.0.0.41").status == 303
    assert failures(private_stack, f"user:{account.name}") == 0
    assert failures(private_stack, "addr:127.0.0.41") == 3


@pytest.mark.parametrize("key, cap", [("user:NAME", ACCOUNT_CAP), ("addr:127.0.0.51", ADDRESS_CAP)],
                         ids=["account", "address"])
def test_waits_follow_2_to_the_n_minus_5_up_to_the_cap(private_stack, account, key, cap):
    key = key.replace("NAME", account.name)
    waits = {}
    for n in (5, 6, 7, 8, 10, 11, 12, 15, 20, 40, 100):
        set_failures(private_stack, key, n)
        waits[n] = retry_after(attempt(private_stack, account.name, WRONG, source="127.0.0.51"))
    assert waits == {n: min(2 ** (n - 5), cap) for n in waits}


def test_an_account_sees_fewer_than_100_failures_an_hour(private_stack, account):
    """Replays an attacker who guesses the moment each wait ends, using the waits the pool
    announces for each count (from 127.0.0.x addresses that are never throttled themselves)."""
    key = f"user:{account.name}"
    elapsed, n = 0, 5
    while n < 100:
        set_failures(private_stack, key, n)
        wait = retry_after(attempt(private_stack, account.name, WRONG, source=f"127.0.1.{n}"))
        if elapsed + wait > 3600:
            break
        elapsed, n = elapsed + wait, n + 1
        if wait == ACCOUNT_CAP:         # from here on every failure waits the cap
            n += (3600 - elapsed) // ACCOUNT_CAP
            break
    assert n < 100, f"{n} failures fit in an hour"


def test_an_attacker_cannot_lock_the_user_out_for_more_than_a_minute(private_stack, account):
    set_failures(private_stack, f"user:{account.name}", 30, seconds_ago=ACCOUNT_CAP + 1)
    assert attempt(private_stack, account.name, account.password, source="127.0.0.61").status == 303


def test_thousands_of_failures_still_wait_only_the_cap(private_stack, account):
    set_failures(private_stack, f"user:{account.name}", 5000)
    assert retry_after(attempt(private_stack, account.name, WRONG, source="127.0.0.71")) == ACCOUNT_CAP
    set_failures(private_stack, f"user:{account.name}", 5000, seconds_ago=ACCOUNT_CAP + 1)
    assert attempt(private_stack, account.name, account.password, source="127.0.0.72").status == 303


def test_an_hour_old_count_no_longer_throttles_and_starts_again_at_one(private_stack, account):
    for key in (f"user:{account.name}", "addr:127.0.0.81"):
        set_failures(private_stack, key, 50, seconds_ago=3601)
    fail(private_stack, account.name, source="127.0.0.81")
    assert failures(private_stack, f"user:{account.name}") == 1
    assert failures(private_stack, "addr:127.0.0.81") == 1
    assert attempt(private_stack, account.name, account.password, source="127.0.0.81").status == 303


def test_attempts_sent_together_when_the_wait_ends_verify_one_password(private_stack, account):
    set_failures(private_stack, f"user:{account.name}", 5, seconds_ago=2)
    browsers = [private_stack.browser(source=f"127.0.2.{i + 1}") for i in range(4)]
    fields = [{"username": account.name, "password": WRONG, "csrf": b.login_csrf()} for b in browsers]
    start, statuses = threading.Barrier(len(browsers)), []

    def guess(b, f):
        start.wait()
        statuses.append(b.post("/login", f).status)

    threads = [threading.Thread(target=guess, args=pair) for pair in zip(browsers, fields)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses.count(401) == 1, f"statuses {sorted(statuses)}: more than one guess was verified"
