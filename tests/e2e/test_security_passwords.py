"""Issue 3, controls 6 and 7: no user enumeration (same status, body and time for an unknown user
and a wrong password), and password storage: Argon2id at the configured limits, upgraded on sign-in,
passwords of 8 to 1024 bytes of UTF-8 taken exactly, longer ones refused before hashing, and no more
hashes at once than cores (503 + Retry-After past that)."""

import os
import re
import secrets
import statistics
import threading
import time
import unicodedata

import pytest

from page import BAD_LOGIN, security_header_problems

CORES = os.cpu_count() or 1
FLOOD = 3 * CORES
# The module's own stack has a worker per request of the flood, so that hash slots, not workers, limit it.
STACK_CONFIG = {"workers": min(FLOOD, 256)}


pytestmark = pytest.mark.usefixtures("no_counted_failures")


def timed_post(browser, fields):
    """POSTs a sign-in. Returns (seconds, Response)."""
    start = time.perf_counter()
    r = browser.post("/login", fields)
    return time.perf_counter() - start, r


def argon2_params(encoded):
    """Returns the (m, t, p) of a libsodium Argon2id string, asserting the algorithm."""
    m = re.fullmatch(r"\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+", encoded)
    assert m, f"not an Argon2id hash: {encoded[:40]}..."
    return tuple(int(x) for x in m.groups())


# ---- 6. no user enumeration

def test_unknown_user_and_wrong_password_look_the_same(stack, user):
    b = stack.browser()
    csrf = b.login_csrf()
    answers = {}
    for name, password in ((user.name, "wrong-" + user.password), ("x" + user.name[1:], user.password)):
        _, r = timed_post(b, {"username": name, "password": password, "csrf": csrf})
        answers[name] = (r.status, sorted(k for k, _ in r.headers if k.lower() != "date"),
                         r.body.replace(name, "USERNAME").replace(csrf, "CSRF"))
    (known, unknown) = answers.values()
    assert known[0] == unknown[0] == 401
    assert known[1] == unknown[1], "the header names differ"
    assert known[2] == unknown[2], "the bodies differ beyond the username and the csrf value"
    assert BAD_LOGIN in known[2]


def test_unknown_user_takes_about_as_long_as_a_wrong_password(stack, user):
    """Medians of 7 interleaved tries each; skipping the dummy hash makes an unknown user about
    ten times faster, well outside the generous band that tolerates a loaded machine."""
    b = stack.browser()
    csrf = b.login_csrf()
    wrong, unknown = [], []
    for _ in range(7):
        stack.forget_failures()
        wrong.append(timed_post(b, {"username": user.name, "password": "wrong-password", "csrf": csrf})[0])
        unknown.append(timed_post(b, {"username": "nobody-" + user.name, "password": "wrong-password",
                                      "csrf": csrf})[0])
    ratio = statistics.median(unknown) / statistics.median(wrong)
    assert 0.5 < ratio < 2, f"unknown user {sorted(unknown)} vs wrong password {sorted(wrong)}"


# ---- 7. password storage

def test_stored_hash_is_argon2id_at_the_configured_limits(stack, user):
    m, t, _ = argon2_params(stack.password_hash(user.name))
    assert (m, t) == (64 * 1024, 2), "want libsodium's INTERACTIVE limits (the defaults): m=65536 KiB, t=2"


def _nfd(pw):
    """pw decomposed (NFD): the same text to a reader, other bytes."""
    return unicodedata.normalize("NFD", pw)


@pytest.mark.parametrize("password, near_misses", [
    ("abcdefgh", ["abcdefg", "abcdefgh "]),
    ("p" * 64 + "q" * 64, ["p" * 64 + "q" * 63, "p" * 64 + "q" * 8, "p" * 64]),
    ("z" * 1023 + "!", ["z" * 1023]),
    ("Grüße, 世界 🔑 café", [_nfd("Grüße, 世界 🔑 café"), "Grüße, 世界 🔑 caf"]),
    ("correct horse battery ", ["correct horse battery"]),
], ids=["8-bytes", "128-bytes", "1024-bytes", "utf-8", "trailing-space"])
def test_password_is_taken_exactly(stack, password, near_misses):
    user = stack.create_user(password=password)
    for other in near_misses:
        assert other != password
        r = stack.browser().login(user.name, other)
        assert r.status == 401, f"{other!r} signs in for {password!r}:\n" + r.describe()
    assert stack.browser().login(user.name, password).status == 303


def test_password_of_7_bytes_is_refused_by_user_add(stack):
    r = stack.tessera("user", "add", "u" + secrets.token_hex(5), input="abcdefg\n")
    assert r.returncode != 0, r.describe()


def test_password_over_1024_bytes_is_refused_fast_without_hashing(stack):
    password = "k" * 1024
    user = stack.create_user(password=password)
    b = stack.browser()
    csrf = b.login_csrf()
    hashed, refused = [], []
    for _ in range(3):
        stack.forget_failures()
        seconds, r = timed_post(b, {"username": user.name, "password": "j" * 1024, "csrf": csrf})
        assert r.status == 401, r.describe()
        hashed.append(seconds)
        seconds, r = timed_post(b, {"username": user.name, "password": password + "k", "csrf": csrf})
        assert r.status == 401 and BAD_LOGIN in r.text, "a 1025-byte password was truncated:\n" + r.describe()
        refused.append(seconds)
    assert statistics.median(refused) < 0.5 * statistics.median(hashed), \
        f"1025 bytes took {sorted(refused)}, a hashed 1024-byte guess {sorted(hashed)}"


def test_weaker_hash_is_upgraded_on_sign_in(private_stack):
    user = private_stack.create_user()
    assert argon2_params(private_stack.password_hash(user.name))[1] == 2
    with private_stack.configured(password_opslimit=3):
        assert private_stack.browser().login(user.name, user.password).status == 303
        assert argon2_params(private_stack.password_hash(user.name))[:2] == (64 * 1024, 3)
        assert private_stack.browser().login(user.name, user.password).status == 303
    assert private_stack.browser().login(user.name, user.password).status == 303


def test_a_flood_of_sign_ins_gets_503_past_the_hash_slots_and_kills_no_worker(private_stack):
    user = private_stack.create_user()
    workers = sorted(private_stack.pool_pids())
    statuses, busy = [], []
    for _ in range(3):                  # a round whose requests all overlap is enough
        browsers = [private_stack.browser() for _ in range(FLOOD)]
        csrfs = [b.login_csrf() for b in browsers]
        start = threading.Barrier(FLOOD)

        def sign_in(b, csrf):
            start.wait()
            r = b.post("/login", {"username": user.name, "password": user.password, "csrf": csrf})
            statuses.append(r.status)
            if r.status == 503:
                busy.append(r)

        threads = [threading.Thread(target=sign_in, args=pair) for pair in zip(browsers, csrfs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if busy:
            break
    assert set(statuses) <= {303, 503}, f"statuses {sorted(statuses)}"
    assert busy, f"{FLOOD} sign-ins at once on {CORES} cores, none answered 503: {sorted(statuses)}"
    for r in busy:
        assert (r.header("Retry-After") or "").isdigit(), r.describe()
        assert security_header_problems(r) == [], r.describe()
    assert sorted(private_stack.pool_pids()) == workers, "a worker died (or was replaced) in the flood"
    assert private_stack.browser().login(user.name, user.password).status == 303
