"""Issue 13, items 1 and 2: a sign-in in flight never outlives `user passwd`, `user disable` or
`sessions revoke --user`, and a hash upgrade at sign-in never undoes a password change.

A sign-in spends most of its time in Argon2id between reading the user and creating the session.
The deterministic tests make that time long on purpose (the user's stored hash is made with a
high opslimit, which the pool then also upgrades) and change the account while the sign-in is
hashing; the load tests hammer sign-ins from several threads while the command runs."""

import secrets
import threading
import time

import pytest

from page import signed_out

SLOW_OPSLIMIT = 64      # the stored hash (the highest opslimit): about 2.4 s to verify at 64 MiB
HAMMERS = 4             # threads signing in during the load tests
CHANGE_AT = 0.4         # seconds after a sign-in starts: it is hashing then


pytestmark = pytest.mark.usefixtures("no_counted_private_failures")


def slow_user(stack):
    """A user whose stored hash takes over a second to verify (and so needs upgrading)."""
    conf = stack.dir / "slow-hash-admin.conf"         # the command line's config, a costlier hash
    conf.write_text(stack.admin_conf.read_text() + f"\npassword_opslimit = {SLOW_OPSLIMIT}\n")
    name, password = "r" + secrets.token_hex(5), secrets.token_urlsafe(12)
    r = stack.tessera("user", "add", name, input=password + "\n", conf=conf)
    assert r.returncode == 0, r.describe()
    return name, password


def sign_in_in_background(stack, name, password):
    """Starts one sign-in in a thread. Returns (thread, result list that gets the Browser and
    its POST's Response)."""
    out = []
    b = stack.browser()
    csrf = b.login_csrf()

    def go():
        out.append((b, b.post("/login", {"username": name, "password": password, "csrf": csrf})))
    t = threading.Thread(target=go)
    t.start()
    return t, out


def live(stack, browser):
    """True when the browser's session cookie still opens the dashboard."""
    return browser.session is not None and not signed_out(browser.dashboard())


def change_during_sign_in(stack, name, password, *command, input=None):
    """Runs `tessera COMMAND` while a sign-in of name is hashing. Returns the sign-in's Browser
    and Response."""
    t, out = sign_in_in_background(stack, name, password)
    time.sleep(CHANGE_AT)
    assert t.is_alive(), "the sign-in ended before the account changed: the hash is too fast"
    r = stack.tessera(*command, input=input)
    assert r.returncode == 0, r.describe()
    assert t.is_alive(), "the command took longer than the sign-in's hash"
    t.join(30)
    return out[0]


def test_sign_in_racing_passwd_yields_no_live_session(private_stack):
    name, old = slow_user(private_stack)
    new = secrets.token_urlsafe(12)
    b, r = change_during_sign_in(private_stack, name, old, "user", "passwd", name, input=new + "\n")
    assert r.status in (303, 401), r.describe()
    assert not live(private_stack, b), "a session made with the old password outlived `user passwd`"


def test_hash_upgrade_racing_passwd_keeps_the_new_password(private_stack):
    name, old = slow_user(private_stack)
    new = secrets.token_urlsafe(12)
    change_during_sign_in(private_stack, name, old, "user", "passwd", name, input=new + "\n")
    private_stack.forget_failures()
    assert private_stack.browser().login(name, old).status == 401, "the old password works again"
    assert private_stack.browser().login(name, new).status == 303, "the new password was undone"
    assert not any(e.get("user") == name for e in private_stack.log_events("password_rehashed")), \
        "password_rehashed logged for an upgrade that did not happen"


def test_sign_in_racing_disable_stays_dead_after_enable(private_stack):
    name, password = slow_user(private_stack)
    b, r = change_during_sign_in(private_stack, name, password, "user", "disable", name)
    assert private_stack.tessera("user", "enable", name).returncode == 0
    assert not live(private_stack, b), "a session made during the disable is live after enable"


def test_sign_in_racing_revoke_yields_no_live_session(private_stack):
    name, password = slow_user(private_stack)
    b, r = change_during_sign_in(private_stack, name, password, "sessions", "revoke", "--user", name)
    assert not live(private_stack, b), "a sign-in in flight outlived `sessions revoke --user`"
    private_stack.forget_failures()
    assert private_stack.browser().login(name, password).status == 303, "revoke is not a lock-out"


def hammer(stack, name, password, stop, made):
    """Signs name in again and again until stop is set; appends each signed-in Browser to made."""
    while not stop.is_set():
        b = stack.browser()
        r = b.login(name, password)
        if r.status == 303:
            made.append(b)


def under_load(stack, name, password, *command, input=None):
    """Runs `tessera COMMAND` while HAMMERS threads sign name in. Returns the signed-in Browsers."""
    stop, made = threading.Event(), []
    threads = [threading.Thread(target=hammer, args=(stack, name, password, stop, made))
               for _ in range(HAMMERS)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    r = stack.tessera(*command, input=input)
    assert r.returncode == 0, r.describe()
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join(30)
    return made


@pytest.mark.parametrize("round_", range(3))
def test_sign_ins_under_load_racing_passwd_leave_no_live_session(private_stack, round_):
    user = private_stack.create_user()
    made = under_load(private_stack, user.name, user.password, "user", "passwd", user.name,
                      input=secrets.token_urlsafe(12) + "\n")
    assert made, "no sign-in succeeded before the password change"
    alive = [b for b in made if live(private_stack, b)]
    assert not alive, f"{len(alive)} of {len(made)} old-password sessions outlived `user passwd`"


@pytest.mark.parametrize("round_", range(3))
def test_sign_ins_under_load_racing_disable_leave_no_live_session(private_stack, round_):
    user = private_stack.create_user()
    made = under_load(private_stack, user.name, user.password, "user", "disable", user.name)
    assert private_stack.tessera("user", "enable", user.name).returncode == 0
    alive = [b for b in made if live(private_stack, b)]
    assert not alive, f"{len(alive)} of {len(made)} sessions made around the disable live after enable"
