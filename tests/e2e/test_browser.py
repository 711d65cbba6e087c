"""A real browser against the shared stack: tests/browser/*.test.mjs in Debian's Chromium."""

import os
import re
import shutil

import pytest

from processes import REPO, clean_env, run
from secret_watch import SECRETS

BROWSER_DIR = REPO / "tests" / "browser"
OUT_DIR = REPO / "tests" / "out" / "browser"
CHROMIUM = "/usr/bin/chromium"
NODE_MAJOR_MIN = 20                 # playwright-core's engines field


def _node_major():
    """Returns the major version of `node` on PATH, or None when there is no node."""
    if not shutil.which("node"):
        return None
    m = re.match(r"v(\d+)\.", run(["node", "--version"], timeout=30).stdout)
    return int(m.group(1)) if m else None


@pytest.fixture(scope="module")
def playwright_core():
    """Makes sure node, Debian's chromium and tests/browser/node_modules (npm ci) are there."""
    major = _node_major()
    assert major is not None and major >= NODE_MAJOR_MIN, (
        f"node >= {NODE_MAJOR_MIN} is needed for the browser test (found: {major}); "
        "run `deploy/local/deps.sh test`")
    assert os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} is missing: run `deploy/local/deps.sh test`"
    if not (BROWSER_DIR / "node_modules" / "playwright-core").is_dir():
        env = clean_env()
        env["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1"    # never a downloaded browser
        r = run(["npm", "ci", "--no-audit", "--no-fund"], cwd=BROWSER_DIR, env=env, timeout=300)
        assert r.returncode == 0 and not r.timed_out, "npm ci failed:\n" + r.describe()


def run_in_chromium(stack, user, script, screenshots):
    """Runs tests/browser/SCRIPT with node against the shared stack as user, after removing the
    screenshots it is to take, and forgets the failed sign-ins it made. Asserts that it passed and
    took every screenshot; returns its Result."""
    for name in screenshots:
        (OUT_DIR / f"{name}.png").unlink(missing_ok=True)
    env = clean_env()
    env.update(BROWSER_BASE_URL=f"http://127.0.0.1:{stack.port}", BROWSER_USERNAME=user.name,
               BROWSER_PASSWORD=user.password, BROWSER_OUT_DIR=str(OUT_DIR))
    r = run(["node", "--test", "--test-reporter=tap", script], cwd=BROWSER_DIR, env=env, timeout=180)
    stack.forget_failures()
    assert not r.timed_out and r.returncode == 0, r.describe() + stack.logs()
    assert re.search(r"^# fail 0$", r.stdout, re.M), r.describe()
    for name in screenshots:
        assert (OUT_DIR / f"{name}.png").stat().st_size > 0, f"no screenshot {name}.png"
    return r


def test_sign_in_reload_sign_out_back_and_keyboard_in_chromium(stack, user, playwright_core):
    r = run_in_chromium(stack, user, "signin.test.mjs", ("signin", "dashboard"))
    passed = re.search(r"^# pass (\d+)$", r.stdout, re.M)
    assert passed and int(passed.group(1)) >= 3, r.describe()


def test_two_step_verification_set_up_and_used_in_chromium_without_wcag_violations(stack, playwright_core):
    user = stack.create_user()
    token = stack.tessera("token", "add", user.name, "--label", "a <b> & c")
    assert token.returncode == 0, token.describe()
    SECRETS.remember(token.stdout.strip())
    r = run_in_chromium(stack, user, "accounts.test.mjs",
                        ("account-tokens", "twofa-setup", "twofa-codes", "signin-code",
                         "signed-in-with-recovery-code"))
    assert re.search(r"^# pass 1$", r.stdout, re.M), r.describe()
    assert stack.tessera("user", "2fa", user.name).stdout.strip().endswith("9 recovery codes left")
    assert user.name not in stack.tessera("token", "list").stdout, "the token was not revoked"
