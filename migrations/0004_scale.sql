-- Scale: storage and autovacuum settings for tessera.sessions, the high-churn table.
-- Every signed-in request updates its row (last_seen_at, expires_at, data), every sign-in inserts
-- one, every purge deletes many: each update leaves a dead row version behind. With the defaults
-- (vacuum at 20% dead rows) a 1,000,000-row table would carry 200,000 dead versions, bloating
-- the heap and its four indexes, before autovacuum starts. README "Scaling out" has the figures.

ALTER TABLE tessera.sessions SET (
    -- Leave 30% of each heap page free, so a row's new version fits on the same page: an
    -- update then touches one page, and it can be HOT (no new index entries) whenever no
    -- indexed column changes. Applies to pages written from now on.
    fillfactor = 70,
    -- Vacuum once 2% of the rows (plus 1000) are dead, not 20%: at 1,000,000 sessions that is
    -- 21,000 dead versions, which vacuum clears in well under a second.
    autovacuum_vacuum_scale_factor = 0.02,
    autovacuum_vacuum_threshold = 1000,
    -- Sign-ins only insert: vacuum after 5% new rows too, so the visibility map stays current
    -- and index-only scans stay cheap.
    autovacuum_vacuum_insert_scale_factor = 0.05,
    -- The planner's statistics follow the churn: the expiry distribution moves every minute.
    autovacuum_analyze_scale_factor = 0.05,
    -- Half the default pause (2ms) between vacuum's cost rounds: it keeps pace with a table
    -- that is rewritten as fast as requests arrive, while still yielding I/O to them.
    autovacuum_vacuum_cost_delay = 1
);
