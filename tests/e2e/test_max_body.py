"""The pool's own max_body limit (set below nginx's 16k here, so the pool itself must answer 413)."""

from page import BAD_LOGIN

STACK_CONFIG = {"max_body": "4k"}


def login_body(browser, user, size):
    """Returns a urlencoded login body with a bad password, padded to exactly size bytes."""
    body = f"username={user.name}&password=wrong&csrf={browser.login_csrf()}&pad=".encode()
    return body + b"x" * (size - len(body))


def test_pool_answers_413_for_body_over_its_max_body(private_stack):
    u = private_stack.create_user()
    b = private_stack.browser()
    r = b.post("/login", login_body(b, u, 6 * 1024))
    assert r.status == 413, r.describe()
    assert r.is_html, r.describe()


def test_pool_accepts_body_of_exactly_max_body(private_stack):
    u = private_stack.create_user()
    b = private_stack.browser()
    r = b.post("/login", login_body(b, u, 4 * 1024))
    assert r.status == 401, r.describe()
    assert BAD_LOGIN in r.text
