-- The gateway: groups and profiles for /auth's identity headers and rules, and the session's
-- proof (when its user last proved who they are, and with how many factors).

-- A group's name travels in X-Tessera-Groups (comma-separated) and in rules: letters, digits,
-- '.', '_' and '-' only, so it needs no quoting anywhere.
CREATE TABLE tessera.groups (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9._-]{1,64}$'),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tessera.group_members (
    group_id bigint NOT NULL REFERENCES tessera.groups (id) ON DELETE CASCADE,
    user_id  bigint NOT NULL REFERENCES tessera.users (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, group_id)     -- /auth reads one user's groups
);
CREATE INDEX group_members_group_id_idx ON tessera.group_members (group_id);

-- Optional profile, passed on by /auth. No control characters: they could end a header line.
ALTER TABLE tessera.users
    ADD COLUMN display_name text CHECK (octet_length(display_name) BETWEEN 1 AND 256
                                        AND display_name !~ '[[:cntrl:]]'),
    ADD COLUMN email text CHECK (octet_length(email) BETWEEN 3 AND 254
                                 AND email ~ '^[^[:cntrl:][:space:]@]+@[^[:cntrl:][:space:]@]+$');

-- The session's proof: when its user last proved who they are (set at sign-in; a re-authentication
-- moves it) and how many factors that proof used (1: password; 2: password and a second factor).
-- Sessions created before this migration count as proven at their creation with a password.
ALTER TABLE tessera.sessions
    ADD COLUMN authenticated_at timestamptz,
    ADD COLUMN assurance_level smallint NOT NULL DEFAULT 1 CHECK (assurance_level BETWEEN 1 AND 2);
UPDATE tessera.sessions SET authenticated_at = created_at;
ALTER TABLE tessera.sessions
    ALTER COLUMN authenticated_at SET DEFAULT now(),
    ALTER COLUMN authenticated_at SET NOT NULL;

GRANT INSERT (authenticated_at, assurance_level) ON tessera.sessions TO tessera_app;
GRANT SELECT ON tessera.groups, tessera.group_members TO tessera_app;

-- Operators: every group with its members, and every account's profile and groups.
CREATE VIEW tessera.group_list AS
SELECT g.name,
       g.created_at,
       coalesce((SELECT string_agg(u.username, ',' ORDER BY u.username COLLATE "C")
                 FROM tessera.group_members m JOIN tessera.users u ON u.id = m.user_id
                 WHERE m.group_id = g.id), '') AS members
FROM tessera.groups g;

CREATE VIEW tessera.user_profiles AS
SELECT u.username,
       u.display_name,
       u.email,
       coalesce((SELECT string_agg(g.name, ',' ORDER BY g.name COLLATE "C")
                 FROM tessera.group_members m JOIN tessera.groups g ON g.id = m.group_id
                 WHERE m.user_id = u.id), '') AS groups
FROM tessera.users u;

-- Creates a group. Returns true, or false when it already exists.
CREATE FUNCTION tessera.add_group(name text) RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    WITH g AS (INSERT INTO tessera.groups (name) VALUES (add_group.name)
               ON CONFLICT DO NOTHING RETURNING 1)
    SELECT count(*) > 0 FROM g
$$;

-- Removes a group and every membership in it (effective at each member's next request).
-- Returns true, or false when no group has that name.
CREATE FUNCTION tessera.remove_group(name text) RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    WITH g AS (DELETE FROM tessera.groups WHERE groups.name = remove_group.name RETURNING 1)
    SELECT count(*) > 0 FROM g
$$;

-- Puts a user in a group (a no-op when already there). Returns 0 done, 1 no such user,
-- 2 no such group. Takes effect at the user's next request: /auth reads groups every time.
CREATE FUNCTION tessera.add_user_group(username text, groupname text) RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    WITH u AS (SELECT id FROM tessera.users WHERE users.username = add_user_group.username),
         g AS (SELECT id FROM tessera.groups WHERE groups.name = add_user_group.groupname),
         m AS (INSERT INTO tessera.group_members (group_id, user_id)
               SELECT g.id, u.id FROM u, g ON CONFLICT DO NOTHING RETURNING 1)
    SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM u) THEN 1
                WHEN NOT EXISTS (SELECT 1 FROM g) THEN 2
                ELSE 0 END   -- m, a data-modifying WITH, runs either way
$$;

-- Takes a user out of a group (a no-op when not in it). Returns as add_user_group.
CREATE FUNCTION tessera.remove_user_group(username text, groupname text) RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    WITH u AS (SELECT id FROM tessera.users WHERE users.username = remove_user_group.username),
         g AS (SELECT id FROM tessera.groups WHERE groups.name = remove_user_group.groupname),
         m AS (DELETE FROM tessera.group_members USING u, g
               WHERE group_members.user_id = u.id AND group_members.group_id = g.id RETURNING 1)
    SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM u) THEN 1
                WHEN NOT EXISTS (SELECT 1 FROM g) THEN 2
                ELSE 0 END   -- m, a data-modifying WITH, runs either way
$$;

-- Sets a user's email and display name; a NULL argument leaves that field alone, '' clears it.
-- Returns true, or false when no user has that name.
CREATE FUNCTION tessera.set_user_profile(username text, email text, display_name text)
RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    WITH u AS (UPDATE tessera.users
               SET email = CASE WHEN set_user_profile.email IS NULL THEN users.email
                                ELSE nullif(set_user_profile.email, '') END,
                   display_name = CASE WHEN set_user_profile.display_name IS NULL
                                       THEN users.display_name
                                       ELSE nullif(set_user_profile.display_name, '') END
               WHERE users.username = set_user_profile.username RETURNING 1)
    SELECT count(*) > 0 FROM u
$$;

REVOKE ALL ON FUNCTION tessera.add_group(text), tessera.remove_group(text),
    tessera.add_user_group(text, text), tessera.remove_user_group(text, text),
    tessera.set_user_profile(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tessera.add_group(text), tessera.remove_group(text),
    tessera.add_user_group(text, text), tessera.remove_user_group(text, text),
    tessera.set_user_profile(text, text, text) TO tessera_operator;
GRANT SELECT ON tessera.group_list, tessera.user_profiles TO tessera_operator;

-- Bearer tokens for scripts at /auth: only a BLAKE2b-256 hash of each is stored, like session
-- tokens. A token stands for its user (groups and profile as they are at each request) but never
-- for a proof: rules with factor=2 or fresh= refuse it.
CREATE TABLE tessera.api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- public, for operators
    token_hash   bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    user_id      bigint NOT NULL REFERENCES tessera.users (id) ON DELETE CASCADE,
    label        text NOT NULL CHECK (octet_length(label) BETWEEN 1 AND 64
                                      AND label !~ '[[:cntrl:]]'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,                   -- NULL: until revoked
    last_used_at timestamptz                    -- moved at most once per touch interval
);
CREATE INDEX api_tokens_user_id_idx ON tessera.api_tokens (user_id);

-- /auth with "Authorization: Bearer": in one statement, refuses an address that sent too many
-- unknown tokens (10 free an hour, then waits of 2^(n-10) s up to 15 min since the last one,
-- counted in login_failures under 'bearer:ADDRESS', apart from sign-in's buckets), else looks the
-- token up (live, unexpired, user enabled), counts a failure when it is unknown, and moves
-- last_used_at when it lags by more than touch_secs. Returns one row: result 'ok', 'unknown' or
-- 'throttled', then for 'ok' the user's name, groups (sorted, comma-separated), display name
-- and email ('' when unset).
CREATE FUNCTION tessera.bearer_auth(hash bytea, addr_key text, touch_secs integer,
    OUT result text, OUT username text, OUT groups text, OUT display_name text, OUT email text)
LANGUAGE plpgsql AS $$
DECLARE
    tok_id bigint;
    stale boolean;
BEGIN
    IF EXISTS (SELECT 1 FROM tessera.login_failures f
               WHERE f.key = addr_key AND f.failures >= 10
                 AND f.last_failure > now() - interval '1 hour'
                 AND f.last_failure + make_interval(secs => least(power(2, least(f.failures, 20) - 10), 900))
                     > now()) THEN
        result := 'throttled';
        RETURN;
    END IF;
    SELECT t.id, t.last_used_at IS NULL OR t.last_used_at < now() - make_interval(secs => touch_secs),
           u.username, coalesce(u.display_name, ''), coalesce(u.email, ''),
           (SELECT coalesce(string_agg(g.name, ',' ORDER BY g.name COLLATE "C"), '')
            FROM tessera.group_members m JOIN tessera.groups g ON g.id = m.group_id
            WHERE m.user_id = u.id)
    INTO tok_id, stale, username, display_name, email, groups
    FROM tessera.api_tokens t JOIN tessera.users u ON u.id = t.user_id
    WHERE t.token_hash = hash AND (t.expires_at IS NULL OR t.expires_at > now())
      AND u.disabled_at IS NULL;
    IF tok_id IS NULL THEN
        INSERT INTO tessera.login_failures AS f (key, failures, last_failure)
        VALUES (addr_key, 1, now())
        ON CONFLICT (key) DO UPDATE
        SET failures = CASE WHEN f.last_failure < now() - interval '1 hour' THEN 1
                            ELSE f.failures + 1 END,
            last_failure = now();
        result := 'unknown';
        RETURN;
    END IF;
    IF stale THEN
        UPDATE tessera.api_tokens SET last_used_at = now() WHERE id = tok_id;
    END IF;
    result := 'ok';
END
$$;

GRANT SELECT, UPDATE (last_used_at) ON tessera.api_tokens TO tessera_app;

-- Operators: every token with its user and use, never its hash.
CREATE VIEW tessera.api_token_list AS
SELECT t.id, u.username, t.label, t.created_at, t.expires_at, t.last_used_at
FROM tessera.api_tokens t JOIN tessera.users u ON u.id = t.user_id;

-- Stores a new token's hash for a user (`tessera token add` makes the token and prints it once).
-- Returns its id, or NULL when no user has that name.
CREATE FUNCTION tessera.add_token(username text, label text, token_hash bytea,
    expires_secs integer DEFAULT NULL) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO tessera.api_tokens (token_hash, user_id, label, expires_at)
    SELECT add_token.token_hash, u.id, add_token.label,
           now() + make_interval(secs => add_token.expires_secs)
    FROM tessera.users u WHERE u.username = add_token.username
    RETURNING id
$$;

-- Revokes (deletes) a token by id: refused from the next request on. Returns true if it existed.
CREATE FUNCTION tessera.revoke_token(id bigint) RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    WITH gone AS (DELETE FROM tessera.api_tokens t WHERE t.id = revoke_token.id RETURNING 1)
    SELECT count(*) > 0 FROM gone
$$;

REVOKE ALL ON FUNCTION tessera.add_token(text, text, bytea, integer), tessera.revoke_token(bigint),
    tessera.bearer_auth(bytea, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tessera.add_token(text, text, bytea, integer), tessera.revoke_token(bigint)
    TO tessera_operator;
GRANT EXECUTE ON FUNCTION tessera.bearer_auth(bytea, text, integer) TO tessera_app;
GRANT SELECT ON tessera.api_token_list TO tessera_operator;
