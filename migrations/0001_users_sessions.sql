-- Users and their sessions: what sign-in, the dashboard and sign-out need.
-- Every time is timestamptz and judged by the database's now(), never a worker's clock.

CREATE TABLE tessera.users (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username            text NOT NULL UNIQUE
                        CHECK (octet_length(username) BETWEEN 1 AND 64),
    password_hash       text NOT NULL,          -- Argon2id, libsodium's crypto_pwhash_str format
    created_at          timestamptz NOT NULL DEFAULT now(),
    password_changed_at timestamptz NOT NULL DEFAULT now(),
    disabled_at         timestamptz             -- set: the user cannot sign in, sessions are dead
);

CREATE TABLE tessera.sessions (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- public, for operators
    token_hash          bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),  -- BLAKE2b-256 of the token
    user_id             bigint NOT NULL REFERENCES tessera.users (id) ON DELETE CASCADE,
    data                jsonb NOT NULL DEFAULT '{}',  -- per-session key/value data (strings, integers)
    created_at          timestamptz NOT NULL DEFAULT now(),
    last_seen_at        timestamptz NOT NULL DEFAULT now(),
    expires_at          timestamptz NOT NULL,   -- idle expiry, slides; never past absolute_expires_at
    absolute_expires_at timestamptz NOT NULL,   -- hard cap from sign-in
    remote_addr         text,
    user_agent          text
);

-- A session ends at the earlier of its two expiries (an operator may move either);
-- purging scans by that; a user's sessions are found by user.
CREATE INDEX sessions_ends_at_idx ON tessera.sessions (least(expires_at, absolute_expires_at));
CREATE INDEX sessions_user_id_idx ON tessera.sessions (user_id);
