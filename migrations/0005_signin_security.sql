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

-- Sign-in throttling, second version. Keys of tessera.login_failures:
--   'user:NAME'  an account that exists, for attempts from devices it does not know
--   'name:HASH'  a name no account has: src/token.c token_name_hash, a keyed hash, so a password
--                typed into the name field is never stored (an operator with the secret can
--                compute the hash of a name)
--   'addr:A'     a client address; IPv6 by its /64 prefix ('addr:2001:db8:1:2::/64')
--   'dev:ID'     a device cookie: a browser that once signed in as the user (hex of its random id)
-- An attempt that carries a valid device cookie for the account it names (same user, same
-- auth_epoch) is throttled by that device's key alone: never by its address, never by other
-- people's failures on the account. Any other attempt is throttled by the account's (or name's)
-- key and the address's. Each key: 5 free failures an hour, then each attempt waits 2^(n-5) s
-- since the last, at most 60 s (account, name, device) or 15 min (address). An attempt that
-- must wait writes nothing, so waiting attempts neither renew a wait nor add rows. Rows whose
-- last failure is over an hour old count for nothing and are deleted by purge_expired.

-- 0002's login_attempt(text, text) stays beside this one (another signature) for binaries still
-- running through an upgrade; its login_succeeded(user_key, addr_key) serves both unchanged: it
-- forgets the first key's failures and takes this attempt off the second's.

-- Claims a sign-in attempt for username (NULL: not a name any account can have), whose keyed
-- hash is name_key, from address key addr_key, with the device cookie device_key made for
-- device_user at device_epoch (all three NULL without one). retry: 0 when the attempt may go
-- ahead (and is now counted as a failure on every key it used), else the seconds it must still
-- wait (nothing written). device: the device cookie decided (only its key was used). known: an
-- account has that name.
CREATE FUNCTION tessera.login_attempt(username text, name_key text, addr_key text,
    device_key text, device_user bigint, device_epoch bigint,
    OUT retry integer, OUT device boolean, OUT known boolean)
LANGUAGE plpgsql AS $$
DECLARE
    uid bigint;
    epoch bigint;
    keys text[];
BEGIN
    SELECT u.id, u.auth_epoch INTO uid, epoch
    FROM tessera.users u WHERE u.username = login_attempt.username;
    known := uid IS NOT NULL;
    device := known AND device_key IS NOT NULL AND uid = device_user AND epoch = device_epoch;
    keys := CASE WHEN device THEN ARRAY[device_key]
                 WHEN known THEN ARRAY['user:' || username, addr_key]
                 ELSE ARRAY[name_key, addr_key] END;
    -- Every key, in one order for every caller (no deadlock), whether or not it has a row yet:
    -- guesses sent together when a wait ends cannot all be tried.
    PERFORM pg_advisory_xact_lock(hashtextextended(k, 0))
    FROM unnest(keys) AS k ORDER BY k;
    SELECT coalesce(max(ceil(extract(epoch FROM f.last_failure - now())
               + least(power(2, least(f.failures, 20) - 5),
                       CASE WHEN f.key LIKE 'addr:%' THEN 900 ELSE 60 END))), 0)::integer
    INTO retry
    FROM tessera.login_failures f
    WHERE f.key = ANY (keys) AND f.failures >= 5
      AND f.last_failure > now() - interval '1 hour';
    IF retry > 0 THEN
        RETURN;
    END IF;
    retry := 0;
    INSERT INTO tessera.login_failures AS f (key, failures, last_failure)
    SELECT k, 1, now() FROM unnest(keys) AS k
    ON CONFLICT (key) DO UPDATE
    SET failures = CASE WHEN f.last_failure < now() - interval '1 hour' THEN 1
                        ELSE f.failures + 1 END,
        last_failure = now();
END
$$;

-- Deletes up to batch rows that are dead: expired sessions first, then failure counts whose last
-- failure is over an hour old (they count for nothing), skipping rows another transaction holds,
-- so it never waits on and never blocks sign-ins. Returns how many; call it again, each call its
-- own transaction, until it returns 0.
CREATE OR REPLACE FUNCTION tessera.purge_expired(batch integer DEFAULT 10000) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n integer;
    m integer;
BEGIN
    IF batch IS NULL OR batch < 1 THEN
        RAISE EXCEPTION 'purge_expired: batch must be a positive number, not %', batch
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    WITH doomed AS (
        SELECT s.id FROM tessera.sessions s
        WHERE least(s.expires_at, s.absolute_expires_at) < now()   -- sessions_ends_at_idx
        LIMIT batch
        FOR UPDATE SKIP LOCKED
    )
    DELETE FROM tessera.sessions s USING doomed WHERE s.id = doomed.id;
    GET DIAGNOSTICS n = ROW_COUNT;
    WITH lapsed AS (
        SELECT f.key FROM tessera.login_failures f
        WHERE f.last_failure < now() - interval '1 hour'          -- login_failures_last_idx
        LIMIT batch - n
        FOR UPDATE SKIP LOCKED
    )
    DELETE FROM tessera.login_failures f USING lapsed WHERE f.key = lapsed.key;
    GET DIAGNOSTICS m = ROW_COUNT;
    RETURN n + m;
END
$$;

CREATE INDEX login_failures_last_idx ON tessera.login_failures (last_failure);
