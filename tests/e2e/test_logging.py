"""The pool's log file: events are written, but never a password, a session cookie or a token."""


def test_log_never_contains_password_or_session_cookie(stack, signed_in, user):
    cookie = signed_in.session
    signed_in.dashboard()
    assert signed_in.logout().status == 303
    stack.browser().login(user.name, user.password + "-wrong")
    log = stack.log_file.read_text(errors="replace")
    assert log.strip(), "the pool's log file is empty"
    assert user.password not in log
    assert cookie not in log
    assert cookie[:20] not in log, "a prefix of the session cookie is in the log"
