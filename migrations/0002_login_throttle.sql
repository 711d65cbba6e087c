-- Failed sign-ins, counted per account ('user:NAME') and per client address
-- ('addr:ADDRESS'), so that throttling is shared by every worker and host and
-- survives restarts. Rows older than an hour no longer count and may be
-- deleted at any time.
--
-- The policy: the first 5 failures within an hour are free; after that each
-- further attempt must wait 2^(n-5) seconds since the last one, at most 60 s
-- for an account (so nobody can lock a real user out for longer, and an
-- account sees at most about 70 failures an hour) and at most 15 minutes for
-- an address. An attempt is counted before its password is checked, with
-- both rows locked, so guesses sent together when a wait ends cannot all be
-- tried: one goes ahead, the others are told to wait.

CREATE TABLE tessera.login_failures (
    key          text PRIMARY KEY,
    failures     integer NOT NULL CHECK (failures >= 0),
    last_failure timestamptz NOT NULL
);

-- Claims a sign-in attempt for an account and an address. Returns 0 when it
-- may go ahead (and counts it as a failure until login_succeeded says
-- otherwise), or the seconds it must still wait (and counts nothing).
CREATE FUNCTION tessera.login_attempt(user_key text, addr_key text)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    wait integer;
BEGIN
    INSERT INTO tessera.login_failures (key, failures, last_failure)
    VALUES (user_key, 0, now()), (addr_key, 0, now())
    ON CONFLICT (key) DO NOTHING;
    -- Both rows, in one order for every caller, so two attempts never deadlock.
    PERFORM 1 FROM tessera.login_failures
    WHERE key IN (user_key, addr_key) ORDER BY key FOR UPDATE;
    SELECT coalesce(max(ceil(extract(epoch FROM f.last_failure - now())
               + least(power(2, least(f.failures, 20) - 5),
                       CASE WHEN f.key = user_key THEN 60 ELSE 900 END))), 0)::integer
    INTO wait
    FROM tessera.login_failures f
    WHERE f.key IN (user_key, addr_key) AND f.failures >= 5
      AND f.last_failure > now() - interval '1 hour';
    IF wait > 0 THEN
        RETURN wait;
    END IF;
    UPDATE tessera.login_failures
    SET failures = CASE WHEN last_failure < now() - interval '1 hour' THEN 1
                        ELSE failures + 1 END,
        last_failure = now()
    WHERE key IN (user_key, addr_key);
    RETURN 0;
END
$$;

-- Undoes the count of an attempt that signed in: the account's failures are
-- forgotten, the address keeps the others it had.
CREATE FUNCTION tessera.login_succeeded(user_key text, addr_key text)
RETURNS void LANGUAGE sql AS $$
    DELETE FROM tessera.login_failures WHERE key = user_key;
    UPDATE tessera.login_failures SET failures = failures - 1
    WHERE key = addr_key AND failures > 0;
$$;
