"""pytest fixtures for the end-to-end tests: a shared stack, private stacks, browsers and users."""

import pytest

import reports
from load import signed_in_cookies
from processes import StackError
from secret_watch import SECRETS
from stack import BIN, Stack, write_config


def _started(name, **config):
    """Returns a started Stack, or fails the requesting tests with the reason the stack gave."""
    s = Stack(name, **config)
    try:
        s.start()
    except StackError as e:
        try:
            s.stop()
        except StackError as stop_error:
            pytest.fail(f"{e}\n(and then) {stop_error}", pytrace=False)
        pytest.fail(str(e), pytrace=False)
    return s


@pytest.fixture(scope="session", autouse=True)
def no_secret_in_any_log():
    """After the whole run (every stack stopped), fails if a pool log of any stack holds a cookie
    value, password, CSRF value or password hash that a test saw or used (issue 3, control 10)."""
    yield
    leaks = SECRETS.leaks()
    if leaks:
        pytest.fail(f"{len(leaks)} secret(s) a test saw or used are in pool logs:\n"
                    + "\n".join(f"{path}: {line}" for path, line in leaks[:20]), pytrace=False)


@pytest.fixture(scope="session")
def stack():
    """The stack the whole run shares; tests must leave it running and configured as they found it."""
    s = _started("shared")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def private_stack(request):
    """A stack of the test module's own (config overrides from the module's STACK_CONFIG dict)."""
    s = _started(request.module.__name__.replace("test_", "").replace("_", "-"),
                 **getattr(request.module, "STACK_CONFIG", {}))
    yield s
    s.stop()


@pytest.fixture(scope="module")
def private_pool(request, stack):
    """A pool and nginx of the test module's own on the shared stack's PostgreSQL (stack.add_host):
    config overrides from the module's POOL_CONFIG dict, program from its POOL_BINARY (default BIN)."""
    try:
        host = stack.add_host(request.module.__name__.replace("test_", "").replace("_", "-"),
                              getattr(request.module, "POOL_BINARY", BIN),
                              **getattr(request.module, "POOL_CONFIG", {}))
    except StackError as e:
        pytest.fail(str(e), pytrace=False)
    yield host
    host.stop()


@pytest.fixture(scope="module")
def pool_cookies(stack, private_pool):
    """The cookies of a session signed in on the module's private_pool, for load.Load."""
    return signed_in_cookies(stack, private_pool)


@pytest.fixture
def pool(private_pool):
    """The module's private_pool with all its workers up; its config file, should a test rewrite
    it, is written back as it was afterwards."""
    private_pool.wait_workers(int(private_pool.config["workers"]))
    yield private_pool
    write_config(private_pool.conf, private_pool.config)


@pytest.fixture
def browser(stack):
    """A browser with an empty cookie jar, pointed at the shared stack, whose failed sign-ins so far are forgotten.

    Every test signs in from 127.0.0.1, so without the reset the address throttle
    (5 free failures an hour) would turn later tests' sign-ins into 429s."""
    stack.forget_failures()
    return stack.browser()


@pytest.fixture
def no_counted_failures(stack):
    """The shared stack's failed sign-ins are forgotten before and after the test, for a module
    that fails sign-ins on purpose (pytestmark = pytest.mark.usefixtures("no_counted_failures"))."""
    stack.forget_failures()
    yield
    stack.forget_failures()


@pytest.fixture
def no_counted_private_failures(private_stack):
    """The module's private_stack forgets its failed sign-ins before the test, so that the address
    throttle never answers 429 to a test for what earlier ones failed on purpose."""
    private_stack.forget_failures()


@pytest.fixture
def user(stack):
    """A user created for this test only (random name and password) in the shared stack."""
    return stack.create_user()


@pytest.fixture(scope="module")
def member(stack):
    """One user of the shared stack for a whole test module (each sign-in still makes a session of its own)."""
    return stack.create_user()


@pytest.fixture(scope="module")
def account(private_stack):
    """One user of the module's private_stack for the whole module."""
    return private_stack.create_user()


@pytest.fixture
def signed_in(browser, user):
    """A browser signed in as `user` (Browser.sign_in)."""
    browser.sign_in(user)
    return browser


@pytest.fixture(autouse=True)
def no_error_reports():
    """Fails the test during which a tessera process reported a sanitizer or valgrind error
    (only when the Makefile set TESSERA_REPORT_DIR: make test SANITIZE=1, make valgrind)."""
    found = reports.check()
    if found:
        pytest.fail(reports.describe(found, "before this test, in earlier tests' set-up or "
                                     "tear-down"), pytrace=False)
    yield
    found = reports.check()
    if found:
        pytest.fail(reports.describe(found, "during this test"), pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def no_error_reports_at_exit():
    """After every stack has stopped, fails the run on reports not seen yet: leaks are reported
    only when a worker exits, so this is where valgrind's last word is read."""
    yield
    found = reports.check()
    if found:
        pytest.fail(reports.describe(found, "after the last test, as the stacks stopped"),
                    pytrace=False)
