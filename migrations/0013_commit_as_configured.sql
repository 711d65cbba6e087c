-- The pool's connections commit without waiting for the disk by default (db.c), so that a touch
-- that only slides the idle expiry and counts a view needs no setting of its own. Every other
-- statement of the pool calls this first, in the same transaction, and commits as the server is
-- configured: what RESET would restore (postgresql.conf, ALTER ROLE or DATABASE ... SET), a
-- reload included. SET LOCAL sent by a client outside a transaction block warns on every call;
-- inside a function it does not.
CREATE FUNCTION tessera.commit_as_configured() RETURNS void
LANGUAGE sql
AS $$ SET LOCAL synchronous_commit TO DEFAULT $$;

REVOKE ALL ON FUNCTION tessera.commit_as_configured() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tessera.commit_as_configured() TO tessera_app;
