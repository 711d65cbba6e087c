-- Sign-in security: a user's authentication epoch, which ends at once everything a past proof of
-- identity gave (sessions, device cookies), even a sign-in still checking its password.
--
-- users.auth_epoch moves on at every password change (`user passwd`), `user disable` and
-- revoke_user_sessions. A session records the epoch its sign-in checked the password against
-- and is live only while the user's epoch is still that one; sign-in inserts the session only if
-- the user still has the hash it verified, that epoch and no disabled_at (one statement, src/db.c
-- SESSION_CREATE). So a sign-in racing a password change, a disable or a revoke either fails or
-- yields a dead session: never a live one. Signed state kept in no row (device cookies) carries
-- the epoch too and dies with it.

ALTER TABLE tessera.users ADD COLUMN auth_epoch bigint NOT NULL DEFAULT 0;
ALTER TABLE tessera.sessions ADD COLUMN auth_epoch bigint NOT NULL DEFAULT 0;
GRANT INSERT (auth_epoch) ON tessera.sessions TO tessera_app;

-- Sessions that would be honoured now: neither expiry passed, user enabled, epoch current.
CREATE OR REPLACE VIEW tessera.live_sessions AS
SELECT s.id,
       u.username,
       s.created_at,
       s.last_seen_at,
       s.expires_at AS idle_expires_at,
       s.absolute_expires_at,
       s.remote_addr AS client_addr,
       s.user_agent
FROM tessera.sessions s
JOIN tessera.users u ON u.id = s.user_id
WHERE least(s.expires_at, s.absolute_expires_at) > now()
  AND u.disabled_at IS NULL
  AND s.auth_epoch = u.auth_epoch;

CREATE OR REPLACE VIEW tessera.user_accounts AS
SELECT u.username,
       u.created_at,
       u.password_changed_at,
       u.disabled_at,
       (SELECT count(*) FROM tessera.sessions s
        WHERE s.user_id = u.id AND least(s.expires_at, s.absolute_expires_at) > now()
          AND u.disabled_at IS NULL AND s.auth_epoch = u.auth_epoch) AS live_sessions
FROM tessera.users u;

-- Ends every session of a user, and every sign-in in flight. Returns how many sessions ended,
-- or NULL when no user has that name.
CREATE OR REPLACE FUNCTION tessera.revoke_user_sessions(username text) RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    WITH u AS (UPDATE tessera.users SET auth_epoch = auth_epoch + 1
               WHERE users.username = revoke_user_sessions.username RETURNING id),
         gone AS (DELETE FROM tessera.sessions s USING u WHERE s.user_id = u.id RETURNING 1)
    SELECT CASE WHEN EXISTS (SELECT 1 FROM u) THEN (SELECT count(*)::integer FROM gone) END
$$;

-- Disables a user (sign-in refused from now on) and ends their sessions and sign-ins in flight.
-- Returns how many sessions ended, or NULL when no user has that name.
CREATE OR REPLACE FUNCTION tessera.disable_user(username text) RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    WITH u AS (UPDATE tessera.users SET disabled_at = coalesce(disabled_at, now()),
                                        auth_epoch = auth_epoch + 1
               WHERE users.username = disable_user.username RETURNING id),
         gone AS (DELETE FROM tessera.sessions s USING u WHERE s.user_id = u.id RETURNING 1)
    SELECT CASE WHEN EXISTS (SELECT 1 FROM u) THEN (SELECT count(*)::integer FROM gone) END
$$;
