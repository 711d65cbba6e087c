"""Secret rotation: the first secret signs, every listed secret verifies, a dropped secret stops verifying."""

from stack import new_secret


def signed_in_under(stack, secrets_list):
    """Restarts the pool with these secrets and returns a browser signed in as a fresh user."""
    stack.restart_with_secrets(secrets_list)
    return stack.signed_in_browser(stack.create_user())


def test_cookie_signed_by_a_secret_now_second_in_the_list_is_honoured(private_stack):
    old, new = new_secret(), new_secret()
    b = signed_in_under(private_stack, [old])
    private_stack.restart_with_secrets([new, old])
    r = b.dashboard()
    assert r.status == 200, r.describe()


def test_cookie_signed_by_a_dropped_secret_is_refused(private_stack):
    old, new = new_secret(), new_secret()
    b = signed_in_under(private_stack, [old])
    private_stack.restart_with_secrets([new])
    r = b.dashboard()
    assert r.status == 303 and r.location == "/", r.describe()


def test_new_logins_are_signed_with_the_first_secret(private_stack):
    first, second = new_secret(), new_secret()
    b = signed_in_under(private_stack, [first, second])
    private_stack.restart_with_secrets([first])
    r = b.dashboard()
    assert r.status == 200, r.describe()
