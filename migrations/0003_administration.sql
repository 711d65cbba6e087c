-- Administration: the roles the application and operators connect as, the live-sessions view,
-- and the functions operators (and `tessera sessions|user ...`) administer sessions with.
--
-- Two group roles (NOLOGIN), created once per cluster, by a superuser's share/tessera/roles.sql
-- (or here, when the owner may create roles); an operator makes LOGIN roles members:
--   CREATE ROLE tessera_web LOGIN PASSWORD '...' IN ROLE tessera_app;       -- the pool's `database`
--   CREATE ROLE alice LOGIN PASSWORD '...' IN ROLE tessera_operator;        -- a person, or a cron job
-- tessera_app may do exactly what the pages need and owns nothing; tessera_operator sees the views
-- and calls the functions below, which run as their owner (SECURITY DEFINER) with a fixed search_path.
-- Migrations keep running as the owner of the schema.

DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['tessera_app', 'tessera_operator'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', r);
            EXCEPTION
                WHEN duplicate_object OR unique_violation THEN
                    NULL;   -- another database of this cluster created it just now
                WHEN insufficient_privilege THEN
                    RAISE EXCEPTION 'role % is missing and % may not create it: run share/tessera/roles.sql as a superuser first (README, Install)',
                        r, current_user USING ERRCODE = 'insufficient_privilege';
            END;
        END IF;
    END LOOP;
END
$$;

-- The application: sessions through the statements in src/db.c, users read and rehashed,
-- sign-in throttling, and the schema version `serve` checks. No DDL, no other columns.
GRANT USAGE ON SCHEMA tessera TO tessera_app, tessera_operator;
GRANT SELECT ON tessera.schema_migrations TO tessera_app;
GRANT SELECT, DELETE ON tessera.sessions TO tessera_app;
GRANT INSERT (token_hash, user_id, expires_at, absolute_expires_at, remote_addr, user_agent)
    ON tessera.sessions TO tessera_app;
GRANT UPDATE (last_seen_at, expires_at, data) ON tessera.sessions TO tessera_app;
GRANT SELECT, UPDATE (password_hash) ON tessera.users TO tessera_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON tessera.login_failures TO tessera_app;

-- Sessions that would be honoured now: neither expiry passed, user enabled. No token hash.
CREATE VIEW tessera.live_sessions AS
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
  AND u.disabled_at IS NULL;

-- Every account with its live session count. No password hash.
CREATE VIEW tessera.user_accounts AS
SELECT u.username,
       u.created_at,
       u.password_changed_at,
       u.disabled_at,
       (SELECT count(*) FROM tessera.sessions s
        WHERE s.user_id = u.id AND least(s.expires_at, s.absolute_expires_at) > now()
          AND u.disabled_at IS NULL) AS live_sessions
FROM tessera.users u;

-- Ends one session by its public id. Returns true if it existed.
CREATE FUNCTION tessera.revoke_session(id bigint) RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    WITH gone AS (DELETE FROM tessera.sessions s WHERE s.id = revoke_session.id RETURNING 1)
    SELECT count(*) > 0 FROM gone
$$;

-- Ends every session of a user. Returns how many, or NULL when no user has that name.
CREATE FUNCTION tessera.revoke_user_sessions(username text) RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    WITH u AS (SELECT id FROM tessera.users WHERE users.username = revoke_user_sessions.username),
         gone AS (DELETE FROM tessera.sessions s USING u WHERE s.user_id = u.id RETURNING 1)
    SELECT CASE WHEN EXISTS (SELECT 1 FROM u) THEN (SELECT count(*)::integer FROM gone) END
$$;

-- Deletes up to batch expired sessions, skipping rows another transaction holds (a sign-in
-- replacing one), so it never waits on and never blocks sign-ins. Returns how many; call it
-- again, each call its own transaction, until it returns 0.
CREATE FUNCTION tessera.purge_expired(batch integer DEFAULT 10000) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n integer;
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
    RETURN n;
END
$$;

-- Disables a user (sign-in refused from now on) and ends their sessions.
-- Returns how many sessions ended, or NULL when no user has that name.
CREATE FUNCTION tessera.disable_user(username text) RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    WITH u AS (UPDATE tessera.users SET disabled_at = coalesce(disabled_at, now())
               WHERE users.username = disable_user.username RETURNING id),
         gone AS (DELETE FROM tessera.sessions s USING u WHERE s.user_id = u.id RETURNING 1)
    SELECT CASE WHEN EXISTS (SELECT 1 FROM u) THEN (SELECT count(*)::integer FROM gone) END
$$;

-- Lets a disabled user sign in again. Returns true, or false when no user has that name.
CREATE FUNCTION tessera.enable_user(username text) RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    WITH u AS (UPDATE tessera.users SET disabled_at = NULL
               WHERE users.username = enable_user.username RETURNING 1)
    SELECT count(*) > 0 FROM u
$$;

-- Functions are executable by PUBLIC unless revoked: only operators administer; the pool's
-- automatic pruning (src/prune.c) calls purge_expired too.
REVOKE ALL ON FUNCTION tessera.revoke_session(bigint), tessera.revoke_user_sessions(text),
    tessera.purge_expired(integer), tessera.disable_user(text), tessera.enable_user(text)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tessera.revoke_session(bigint), tessera.revoke_user_sessions(text),
    tessera.purge_expired(integer), tessera.disable_user(text), tessera.enable_user(text)
    TO tessera_operator;
GRANT EXECUTE ON FUNCTION tessera.purge_expired(integer) TO tessera_app;
GRANT SELECT ON tessera.live_sessions, tessera.user_accounts TO tessera_operator;
