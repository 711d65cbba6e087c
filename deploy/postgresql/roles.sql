-- The superuser's part of installing tessera: its roles and its database, once per cluster.
-- Run with psql as a superuser (Debian: sudo -u postgres psql -X -v ON_ERROR_STOP=1 -f roles.sql);
-- the install script does, with passwords for the two LOGIN roles. Running it again changes nothing
-- but the passwords it is given.
--
--   tessera_app       NOLOGIN  what the pages need (granted by migration 0003), owns nothing
--   tessera_operator  NOLOGIN  the views and functions operators administer sessions with
--   tessera_owner     LOGIN    owns the database and the schema: runs `tessera migrate` and
--                              `tessera user add|passwd`; no CREATEROLE, no CREATEDB, no superuser
--   tessera_web       LOGIN    the pool's `database` role: a member of tessera_app only
--
-- Optional psql variables: owner_password, web_password (stored as SCRAM by the server; without
-- them a role has no password and can only sign in by peer or trust authentication).

SELECT format('CREATE ROLE %I NOLOGIN', r)
FROM unnest(ARRAY['tessera_app', 'tessera_operator']) AS r
WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = r) \gexec

SELECT 'CREATE ROLE tessera_owner LOGIN'
WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'tessera_owner') \gexec

SELECT 'CREATE ROLE tessera_web LOGIN IN ROLE tessera_app'
WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'tessera_web') \gexec

\if :{?owner_password}
ALTER ROLE tessera_owner PASSWORD :'owner_password';
\endif
\if :{?web_password}
ALTER ROLE tessera_web PASSWORD :'web_password';
\endif

SELECT 'CREATE DATABASE tessera OWNER tessera_owner'
WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = 'tessera') \gexec

-- Only the roles that serve it may connect (PUBLIC may by default).
REVOKE CONNECT, TEMPORARY ON DATABASE tessera FROM PUBLIC;
GRANT CONNECT ON DATABASE tessera TO tessera_owner, tessera_app, tessera_operator;
