-- Extra rows for tessera.sessions, made in one statement by tests/bench/bench.sh (psql variables):
--   :n        how many rows
--   :expired  percent of them already expired (half past the idle expiry, half past the absolute one)
--   :tag      keeps the names and token hashes of separate calls apart (a token hash here is the
--             SHA-256 of tag || i, never a real token's)
-- They belong to new users, four each (sharing the first user's password hash), so the signed-in
-- bench users' own pages do not grow with them; they look like real rows (counter, address, agent).
WITH owners AS (
    INSERT INTO tessera.users (username, password_hash)
    SELECT 'extra-' || :'tag' || g, (SELECT password_hash FROM tessera.users ORDER BY id LIMIT 1)
    FROM generate_series(1, (:n + 3) / 4) AS g
    RETURNING id
), u AS (
    SELECT array_agg(id ORDER BY id) AS ids FROM owners
)
INSERT INTO tessera.sessions (token_hash, user_id, data, created_at, last_seen_at,
                              expires_at, absolute_expires_at, remote_addr, user_agent)
SELECT sha256(convert_to(:'tag' || i, 'UTF8')),
       u.ids[1 + (i - 1) / 4],
       jsonb_build_object('views', i % 100),
       t.now - interval '6 hours',
       t.now - interval '10 minutes',
       CASE WHEN i % 100 >= :expired THEN t.now + (60 + i % 1740) * interval '1 second'
            WHEN i % 2 = 0 THEN t.now - (1 + i % 86400) * interval '1 second'
            ELSE t.now - interval '1 second' END,
       CASE WHEN i % 100 >= :expired OR i % 2 = 0 THEN t.now + interval '6 hours'
            ELSE t.now - interval '1 second' END,
       '192.0.2.' || (i % 250 + 1),
       'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'
FROM generate_series(1, :n) AS i, u, (SELECT now() AS now) AS t;
