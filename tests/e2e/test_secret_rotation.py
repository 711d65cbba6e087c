"""Secret rotation: the first secret signs, every listed secret verifies, a dropped secret stops verifying."""

from stack import new_secret, write_secret_file


def signed_in_under(stack, secrets_list):
    """Restarts the pool with these secrets and returns a browser signed in as a fresh user."""
    restart_with(stack, secrets_list)
    return stack.signed_in_browser(stack.create_user())


def restart_with(stack, secrets_list):
    """Restarts the pool with these secrets."""
    write_secret_file(stack.secret_file, secrets_list)
    stack.restart_pool()


def test_cookie_signed_by_a_secret_now_second_in_the_list_is_honoured(private_stack):
    old, new = new_secret(), new_secret()
    b = signed_in_under(private_stack, [old])
    restart_with(private_stack, [new, old])
    r = b.dashboard()
    assert r.status == 200, r.describe()


def test_cookie_signed_by_a_dropped_secret_is_refused(private_stack):
    old, new = new_secret(), new_secret()
    b = signed_in_under(private_stack, [old])
    restart_with(private_stack, [new])
    r = b.dashboard()
    assert r.status == 303 and r.location == "/", r.describe()


def test_new_logins_are_signed_with_the_first_secret(private_stack):
    first, second = new_secret(), new_secret()
    b = signed_in_under(private_stack, [first, second])
    restart_with(private_stack, [first])
    r = b.dashboard()
    assert r.status == 200, r.describe()
