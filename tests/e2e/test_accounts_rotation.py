"""Second-factor keys at rest across a rotation of secret_file: every listed secret opens them, the
first reseals them at the next code, and a key whose secret was dropped no longer works."""

import pytest

from accounts import code_step, enrol, password_step, totp
from stack import new_secret


pytestmark = pytest.mark.usefixtures("no_counted_private_failures")


def sealed(stack, user):
    """Returns the user's sealed key as stored (hex)."""
    return stack.scalar("SELECT encode(f.secret, 'hex') FROM tessera.second_factors f JOIN "
                        f"tessera.users u ON u.id = f.user_id WHERE u.username = '{user.name}'")


def test_a_key_sealed_under_an_old_secret_opens_and_is_resealed_under_the_first(private_stack):
    old, new = new_secret(), new_secret()
    private_stack.restart_with_secrets([old])
    user = private_stack.create_user()
    secret, _, _ = enrol(private_stack.signed_in_browser(user))
    before = sealed(private_stack, user)
    private_stack.restart_with_secrets([new, old])
    b = private_stack.browser()
    password_step(b, user)
    assert code_step(b, {"code": totp(secret)}).status == 303
    after = sealed(private_stack, user)
    assert after != before
    private_stack.restart_with_secrets([new])                  # the old secret dropped: resealed under new
    b = private_stack.browser()
    password_step(b, user)
    assert code_step(b, {"code": totp(secret, offset=1)}).status == 303


def test_a_key_whose_secret_was_dropped_no_longer_works(private_stack):
    old, new = new_secret(), new_secret()
    private_stack.restart_with_secrets([old])
    user = private_stack.create_user()
    secret, _, _ = enrol(private_stack.signed_in_browser(user))
    private_stack.restart_with_secrets([new])
    b = private_stack.browser()
    password_step(b, user)
    assert code_step(b, {"code": totp(secret)}).status == 401
    assert any(e.get("user") == user.name for e in private_stack.log_events("second_factor_unreadable"))
