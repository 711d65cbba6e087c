-- Accounts: a TOTP second factor with single-use recovery codes, self-service password change,
-- the session's proof (how and when its user last proved who they are), remember-me.

-- The session's proof, as migration 0009 defines it (these statements do nothing after it):
-- authenticated_at moves at sign-in and at each re-authentication; assurance_level is 1 for a
-- password alone, 2 with a second factor. remember_idle: set for a sign-in with "remember me",
-- the session's own idle limit in seconds (remember_idle_timeout then), else NULL (idle_timeout).
ALTER TABLE tessera.sessions
    ADD COLUMN IF NOT EXISTS authenticated_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN IF NOT EXISTS assurance_level smallint NOT NULL DEFAULT 1
        CHECK (assurance_level BETWEEN 1 AND 2),
    ADD COLUMN remember_idle integer CHECK (remember_idle > 0);
GRANT INSERT (authenticated_at, assurance_level, remember_idle) ON tessera.sessions TO tessera_app;
GRANT UPDATE (authenticated_at, assurance_level) ON tessera.sessions TO tessera_app;

-- A user's TOTP secret, sealed by the pool (libsodium secretbox under a key derived from
-- secret_file, the user id inside the box): this table alone yields no code. confirmed_at is
-- NULL while enrolment waits for its first code. last_step: the 30-second step of the last code
-- accepted; a code of that step or an earlier one is refused, so each code works once.
CREATE TABLE tessera.second_factors (
    user_id      bigint PRIMARY KEY REFERENCES tessera.users (id) ON DELETE CASCADE,
    secret       bytea NOT NULL CHECK (octet_length(secret) BETWEEN 48 AND 160),
    created_at   timestamptz NOT NULL DEFAULT now(),
    confirmed_at timestamptz,
    last_step    bigint NOT NULL DEFAULT 0
);

-- Ten single-use recovery codes per enrolled user, as BLAKE2b-256 of the code (80 random bits:
-- a stolen hash is not worth searching). used_at set: spent.
CREATE TABLE tessera.recovery_codes (
    user_id   bigint NOT NULL REFERENCES tessera.users (id) ON DELETE CASCADE,
    code_hash bytea NOT NULL CHECK (octet_length(code_hash) = 32),
    used_at   timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON tessera.second_factors, tessera.recovery_codes
    TO tessera_app;

-- Self-service password change: only while the user still has the hash just verified
-- (verified_hash), so two changes racing cannot both win. Moves the auth epoch on, which ends
-- every session and sign-in in flight, and deletes the sessions; the caller then makes the one
-- session that continues. Returns the new epoch, or NULL if the password changed meanwhile.
CREATE FUNCTION tessera.change_password(user_id bigint, verified_hash text, new_hash text)
RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    WITH changed AS (UPDATE tessera.users u SET password_hash = change_password.new_hash,
                                               password_changed_at = now(),
                                               auth_epoch = u.auth_epoch + 1
                     WHERE u.id = change_password.user_id
                       AND u.password_hash = change_password.verified_hash
                       AND u.disabled_at IS NULL
                     RETURNING u.id, u.auth_epoch),
         ended AS (DELETE FROM tessera.sessions s USING changed c WHERE s.user_id = c.id)
    SELECT auth_epoch FROM changed
$$;
REVOKE ALL ON FUNCTION tessera.change_password(bigint, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tessera.change_password(bigint, text, text) TO tessera_app;

-- Operators: removes a user's second factor and recovery codes (a lost phone) and ends their
-- sessions and sign-ins in flight. Returns how many sessions ended, or NULL when no user has
-- that name.
CREATE FUNCTION tessera.reset_second_factor(username text) RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    WITH u AS (UPDATE tessera.users SET auth_epoch = auth_epoch + 1
               WHERE users.username = reset_second_factor.username RETURNING id),
         f AS (DELETE FROM tessera.second_factors x USING u WHERE x.user_id = u.id),
         r AS (DELETE FROM tessera.recovery_codes x USING u WHERE x.user_id = u.id),
         gone AS (DELETE FROM tessera.sessions s USING u WHERE s.user_id = u.id RETURNING 1)
    SELECT CASE WHEN EXISTS (SELECT 1 FROM u) THEN (SELECT count(*)::integer FROM gone) END
$$;
REVOKE ALL ON FUNCTION tessera.reset_second_factor(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tessera.reset_second_factor(text) TO tessera_operator;

-- Live sessions now say how their user proved who they are (1: password, 2: with a second
-- factor), when, and whether the session is remembered.
CREATE OR REPLACE VIEW tessera.live_sessions AS
SELECT s.id,
       u.username,
       s.created_at,
       s.last_seen_at,
       s.expires_at AS idle_expires_at,
       s.absolute_expires_at,
       s.remote_addr AS client_addr,
       s.user_agent,
       s.assurance_level,
       s.authenticated_at,
       s.remember_idle IS NOT NULL AS remembered
FROM tessera.sessions s
JOIN tessera.users u ON u.id = s.user_id
WHERE least(s.expires_at, s.absolute_expires_at) > now()
  AND u.disabled_at IS NULL
  AND s.auth_epoch = u.auth_epoch;

-- Accounts now say whether a second factor is enrolled ('totp'), waiting for its first code
-- ('pending') or absent ('none'), and how many recovery codes are left.
CREATE OR REPLACE VIEW tessera.user_accounts AS
SELECT u.username,
       u.created_at,
       u.password_changed_at,
       u.disabled_at,
       (SELECT count(*) FROM tessera.sessions s
        WHERE s.user_id = u.id AND least(s.expires_at, s.absolute_expires_at) > now()
          AND u.disabled_at IS NULL AND s.auth_epoch = u.auth_epoch) AS live_sessions,
       coalesce((SELECT CASE WHEN f.confirmed_at IS NULL THEN 'pending' ELSE 'totp' END
                 FROM tessera.second_factors f WHERE f.user_id = u.id), 'none') AS second_factor,
       (SELECT count(*) FROM tessera.recovery_codes r
        WHERE r.user_id = u.id AND r.used_at IS NULL) AS recovery_codes_left
FROM tessera.users u;
