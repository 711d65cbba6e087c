-- Failed sign-ins, counted per account ('user:NAME') and per client address
-- ('addr:ADDRESS'), so that throttling is shared by every worker and host and
-- survives restarts. src/throttle.c holds the policy; rows older than an hour
-- no longer count and may be deleted at any time.

CREATE TABLE tessera.login_failures (
    key          text PRIMARY KEY,
    failures     integer NOT NULL CHECK (failures > 0),
    last_failure timestamptz NOT NULL
);
