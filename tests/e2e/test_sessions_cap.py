"""max_sessions_per_user: a sign-in past the cap ends that user's least recently used sessions, and
only that user's; the new session always survives."""

from page import signed_out, view_count

STACK_CONFIG = {"max_sessions_per_user": "3", "touch_interval": "0"}


def test_a_sign_in_past_the_cap_ends_the_least_recently_used_session(private_stack):
    user = private_stack.create_user()
    first, second, third = (private_stack.signed_in_browser(user) for _ in range(3))
    assert first.dashboard().status == 200     # first is now the most recent, second the least
    fourth = private_stack.signed_in_browser(user)
    assert signed_out(second.dashboard()), "the least recently used session outlived the cap"
    for b in (first, third, fourth):
        assert b.dashboard().status == 200
    assert len(private_stack.session_ids(user.name)) == 3
    (event,) = [e for e in private_stack.log_events("sessions_evicted") if e.get("max") == "3"][-1:]
    assert event["ended"] == "1", event


def test_the_cap_leaves_other_users_alone(private_stack):
    user, bystander = private_stack.create_user(), private_stack.create_user()
    theirs = [private_stack.signed_in_browser(bystander) for _ in range(3)]
    for _ in range(5):
        private_stack.signed_in_browser(user)
    assert len(private_stack.session_ids(user.name)) == 3
    assert all(view_count(b.dashboard()) == 1 for b in theirs)
    assert len(private_stack.session_ids(bystander.name)) == 3


def test_rows_over_the_cap_are_cut_back_at_the_next_sign_in(private_stack):
    """Rows added behind the pool's back (or before the cap was lowered) go at the next sign-in."""
    user = private_stack.create_user()
    kept = private_stack.signed_in_browser(user)
    private_stack.psql("INSERT INTO tessera.sessions (token_hash, user_id, expires_at, absolute_expires_at, "
                       "last_seen_at) SELECT decode(md5(random()::text) || md5(random()::text), 'hex'), u.id, now() + interval '1 hour', "
                       "now() + interval '1 hour', now() - interval '1 hour' FROM tessera.users u, "
                       f"generate_series(1, 10) WHERE u.username = '{user.name}'")
    assert len(private_stack.session_ids(user.name)) == 11
    newest = private_stack.signed_in_browser(user)
    assert len(private_stack.session_ids(user.name)) == 3
    assert kept.dashboard().status == 200 and newest.dashboard().status == 200
