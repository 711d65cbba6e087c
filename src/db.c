/* The worker's PostgreSQL connection and every SQL statement tessera runs. */
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "clock.h"
#include "log.h"
#include "scoreboard.h"

#define DB_QUERY_CANCELED	"57014"	/* SQLSTATE of statement_timeout */
#define DB_RETRY_MS	1000	/* between connection attempts while the server is away */

#define PRUNE_LOCK	"7465737365726170"	/* advisory lock key of pruning; any constant */

#define DB_PARAMS_MAX	16	/* parameters db_send can pass */

struct db_stmt {
	const char	*name;		/* prepared statement name */
	int		 nparams;	/* at most DB_PARAMS_MAX */
	int		 ncols;		/* the columns it returns; db_query checks */
	unsigned	 binary;	/* bit i set: parameter i+1 is binary */
	const char	*sql;
};

/*
 * One row of db_stmts: name, parameters, result columns (0 for none; an
 * enum db_*_col count where callers read them by name), binary parameters,
 * SQL. A statement with more parameters than DB_PARAMS_MAX does not compile.
 */
#define DB_STMT(name, nparams, ncols, binary, sql) { name, (nparams) + 0 * \
	(int)sizeof(struct { _Static_assert((nparams) <= DB_PARAMS_MAX, \
	name ": more parameters than DB_PARAMS_MAX"); char c; }), ncols, binary, sql }

/*
 * The columns a live session returns, in this order: nothing formatted or
 * aggregated in SQL (that cost PostgreSQL more than the write itself);
 * data as jsonb's own text, the creation time in epoch seconds (date_part,
 * a float, rather than extract, whose numeric arithmetic cost the touch 5 %
 * more CPU in PostgreSQL).
 */
#define SESSION_COLUMNS \
	"s.id, s.user_id, u.username, s.data, " \
	"floor(date_part('epoch', s.created_at))::bigint, s.assurance_level, " \
	"greatest(0, date_part('epoch', now() - s.authenticated_at))::bigint, " \
	"coalesce(s.remember_idle, 0)"

/* Whether the row was last touched more than the touch interval ($2) ago. */
#define SESSION_STALE	"s.last_seen_at < now() - make_interval(secs => $2::int)"

/*
 * A session is live when neither expiry has passed, its user is enabled
 * and the user's authentication epoch is still the one its sign-in saw
 * (migration 0005: a password change, disable or revoke moves it on).
 */
#define SESSION_LIVE \
	"s.token_hash = $1 AND least(s.expires_at, s.absolute_expires_at) > now() " \
	"AND u.id = s.user_id AND u.disabled_at IS NULL AND s.auth_epoch = u.auth_epoch"

/*
 * Marks the session seen, applies data changes and returns
 * SESSION_COLUMNS, then whether the idle expiry moved (DB_SESSION_SLID).
 * The idle expiry ($2 from now, never past the absolute one) moves only when it lags by more than the touch interval ($3): an
 * indexed column left alone keeps most updates HOT (no index writes, a
 * third of the WAL), and idle expiry stays exact to that interval.
 * Whether its commit waits for the disk is the caller's choice (db_query
 * or db_query_nowait), not the statement's.
 */
#define SESSION_NEW_EXPIRY \
	"least(now() + make_interval(secs => coalesce(s.remember_idle, $2::int)), " \
	"s.absolute_expires_at)"
#define SESSION_TOUCH_SET(data) \
	"UPDATE tessera.sessions s SET last_seen_at = now(), " \
	"expires_at = CASE WHEN s.expires_at < " SESSION_NEW_EXPIRY \
	" - make_interval(secs => $3::int) THEN " SESSION_NEW_EXPIRY \
	" ELSE s.expires_at END, data = " data \
	" FROM tessera.users u WHERE " SESSION_LIVE \
	" RETURNING " SESSION_COLUMNS ", s.expires_at = " SESSION_NEW_EXPIRY
/* Any queued changes: $4 keys to unset, $5 key/value pairs, $6 keys to add $7 to. */
#define SESSION_TOUCH \
	SESSION_TOUCH_SET("(s.data - $4::text[]) || jsonb_object($5::text[]) || " \
	"coalesce((SELECT jsonb_object_agg(i.k, CASE WHEN " \
	"jsonb_typeof(s.data -> i.k) = 'number' THEN (s.data ->> i.k)::bigint " \
	"ELSE 0 END + i.d) FROM unnest($6::text[], $7::bigint[]) AS i(k, d)), " \
	"'{}')")
/* The one change of a counted view: add $5 to the integer at key $4 (absent or not a number: 0). */
#define SESSION_TOUCH_INCR \
	SESSION_TOUCH_SET("jsonb_set(s.data, ARRAY[$4::text], to_jsonb(CASE WHEN " \
	"jsonb_typeof(s.data -> $4::text) = 'number' THEN " \
	"(s.data ->> $4::text)::bigint ELSE 0 END + $5::bigint))")

/*
 * What /auth passes on, after a session's other columns: the user's groups
 * (sorted bytewise, comma-separated), display name, email ('' when unset);
 * the assurance level and proof age are among SESSION_COLUMNS. Read on every request: no cache outlives one.
 */
#define SESSION_IDENTITY \
	"(SELECT coalesce(string_agg(g.name, ',' ORDER BY g.name COLLATE \"C\"), '') " \
	"FROM tessera.group_members m JOIN tessera.groups g ON g.id = m.group_id " \
	"WHERE m.user_id = u.id), coalesce(u.display_name, ''), " \
	"coalesce(u.email, '')"

/* A time as ISO 8601 in UTC, like 2026-01-31T23:59:59Z. */
#define ISO_UTC(col) \
	"to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* A time for people, in UTC to the minute, like 2026-01-31 23:59 UTC. */
#define SHOWN_UTC(col) \
	"to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI \"UTC\"')"

/* Text as hex of its UTF-8 bytes ('' for NULL), safe between any separators. */
#define HEX_TEXT(col) \
	"encode(convert_to(coalesce(" col ", ''), 'UTF8'), 'hex')"

/*
 * The user's live sessions (s, the touched row, first; then by last use;
 * at most 50) as id.created.last_seen.hex(address).hex(agent) joined
 * by '&', for page_sessions.c: one column, no JSON parser needed.
 */
#define SESSION_LIST_ORDER	"l.id <> s.id, l.last_seen_at DESC"
#define SESSION_LIST \
	"(SELECT coalesce(string_agg(concat_ws('.', l.id, " \
	ISO_UTC("l.created_at") ", " \
	ISO_UTC("CASE WHEN l.id = s.id THEN s.last_seen_at ELSE l.last_seen_at END") \
	", " HEX_TEXT("l.remote_addr") ", " HEX_TEXT("l.user_agent") "), '&' " \
	"ORDER BY " SESSION_LIST_ORDER "), '') FROM (SELECT * FROM " \
	"tessera.sessions l WHERE l.user_id = s.user_id AND " \
	"l.auth_epoch = u.auth_epoch AND " \
	"least(l.expires_at, l.absolute_expires_at) > now() ORDER BY " \
	SESSION_LIST_ORDER " LIMIT 50) l)"

/*
 * The proof a new session carries: signed in now, at the assurance level
 * its sign-in reached ($11: 1 password, 2 with a second factor).
 */
#define SESSION_PROOF_COLUMNS	"authenticated_at, assurance_level"
#define SESSION_PROOF_LEVEL	"now(), $11::smallint"

/* Live sessions for operators (tessera.live_sessions), $1: one user or NULL for all. */
#define ADMIN_SESSIONS_WHERE \
	" FROM tessera.live_sessions l WHERE $1::text IS NULL OR l.username = $1"

/* Accounts for operators (tessera.user_accounts), $1: one user or NULL for all. */
#define ADMIN_USERS_WHERE \
	" FROM tessera.user_accounts a WHERE $1::text IS NULL OR a.username = $1"

static const struct db_stmt db_stmts[SQL__MAX] = {
	/*
	 * Every statement of the pool finds rows by key. At the default
	 * random_page_cost (4, for disks that seek) the planner judged a
	 * small users table cheaper to read whole: below a few hundred users
	 * each signed-in request scanned all of them (a hash join) where one
	 * index lookup does; 1.1 is the usual value for data in memory or on
	 * SSDs, and keeps the index whatever the table's size.
	 */
	[SQL_CONNECTION_SETTINGS] = DB_STMT("connection_settings", 1, 2, 0,
	    "SELECT set_config('statement_timeout', $1, false), "
	    "set_config('random_page_cost', '1.1', false)"),
	/*
	 * A pool's connections commit without waiting for the disk unless a
	 * statement's transaction says otherwise (db_commit_nowait): db_query
	 * sends SQL_DURABLE_COMMIT first, so only db_query_nowait's
	 * statements (reads, and touches that only slide and count) skip it.
	 */
	[SQL_COMMIT_NOWAIT] = DB_STMT("commit_nowait", 0, 1, 0,
	    "SELECT set_config('synchronous_commit', 'off', false)"),
	[SQL_SESSION_READ] = DB_STMT("session_read", 2, DB_SESSION__COLUMNS + 1, 1u << 0,
	    "SELECT " SESSION_COLUMNS ", " SESSION_STALE
	    " FROM tessera.sessions s, tessera.users u WHERE " SESSION_LIVE),
	[SQL_SESSION_READ_AUTH] = DB_STMT("session_read_auth", 2, DB_SESSION_IDENTITY + 3, 1u << 0,
	    "SELECT " SESSION_COLUMNS ", " SESSION_STALE ", " SESSION_IDENTITY
	    " FROM tessera.sessions s, tessera.users u WHERE " SESSION_LIVE),
	/* the slid flag where SQL_SESSION_READ_AUTH has the stale one */
	[SQL_SESSION_TOUCH_AUTH] = DB_STMT("session_touch_auth", 7, DB_SESSION_IDENTITY + 3, 1u << 0,
	    SESSION_TOUCH ", " SESSION_IDENTITY),
	[SQL_SESSION_TOUCH] = DB_STMT("session_touch", 7, DB_SESSION__COLUMNS + 1, 1u << 0, SESSION_TOUCH),
	[SQL_SESSION_TOUCH_INCR] = DB_STMT("session_touch_incr", 5, DB_SESSION__COLUMNS + 1, 1u << 0,
	    SESSION_TOUCH_INCR),
	[SQL_SESSION_TOUCH_LIST] = DB_STMT("session_touch_list", 7, DB_SESSION_LIST + 1, 1u << 0,
	    SESSION_TOUCH ", " SESSION_LIST),
	/*
	 * Only while the user still has the hash verified ($8), the epoch seen
	 * ($9) and no disable; then the user keeps at most $10 sessions, this
	 * new one included (the least recently used others end). $11: the
	 * assurance level its proof gives (1 password, 2 with a second factor);
	 * $12: its own idle limit when remembered, else NULL.
	 */
	[SQL_SESSION_CREATE] = DB_STMT("session_create", 12, DB_CREATE__COLUMNS, 1u << 0 | 1u << 6,
	    "WITH verified AS (SELECT u.id, u.auth_epoch FROM tessera.users u "
	    "WHERE u.id = $2 AND u.password_hash = $8 AND u.auth_epoch = $9::bigint "
	    "AND u.disabled_at IS NULL), "
	    "replaced AS (DELETE FROM tessera.sessions WHERE token_hash = $7 "
	    "RETURNING id), "
	    "evicted AS (DELETE FROM tessera.sessions WHERE id IN (SELECT l.id "
	    "FROM tessera.sessions l, verified v WHERE l.user_id = v.id AND "
	    "l.token_hash IS DISTINCT FROM $7 ORDER BY l.last_seen_at DESC, l.id DESC "
	    "OFFSET $10::int - 1) RETURNING id) "
	    "INSERT INTO tessera.sessions (token_hash, user_id, expires_at, "
	    "absolute_expires_at, remote_addr, user_agent, auth_epoch, "
	    SESSION_PROOF_COLUMNS ", remember_idle) SELECT $1, "
	    "v.id, least(now() + make_interval(secs => $3::int), "
	    "now() + make_interval(secs => $4::int)), "
	    "now() + make_interval(secs => $4::int), $5, $6, v.auth_epoch, "
	    SESSION_PROOF_LEVEL ", $12::int FROM verified v "
	    "RETURNING id, (SELECT count(*) FROM evicted), "
	    "(SELECT count(*) FROM replaced)"),
	[SQL_SESSION_DELETE] = DB_STMT("session_delete", 1, 1, 1u << 0,
	    "DELETE FROM tessera.sessions s USING tessera.users u "
	    "WHERE s.token_hash = $1 AND u.id = s.user_id RETURNING u.username"),
	[SQL_USER_LOOKUP] = DB_STMT("user_lookup", 1, DB_USER__COLUMNS, 0,
	    "SELECT u.id, u.password_hash, u.disabled_at IS NOT NULL, u.auth_epoch, "
	    "EXISTS (SELECT 1 FROM tessera.second_factors f WHERE f.user_id = u.id "
	    "AND f.confirmed_at IS NOT NULL) FROM tessera.users u WHERE u.username = $1"),
	/* Only over the hash that was verified ($3): never undoes a password change. */
	[SQL_USER_REHASH] = DB_STMT("user_rehash", 3, 1, 0,
	    "UPDATE tessera.users SET password_hash = $2 "
	    "WHERE id = $1 AND password_hash = $3 RETURNING id"),
	[SQL_USER_ADD] = DB_STMT("user_add", 2, 1, 0,
	    "INSERT INTO tessera.users (username, password_hash) "
	    "VALUES ($1, $2) ON CONFLICT (username) DO NOTHING RETURNING id"),
	[SQL_USER_PASSWD] = DB_STMT("user_passwd", 2, 1, 0,
	    "WITH changed AS (UPDATE tessera.users SET password_hash = $2, "
	    "password_changed_at = now(), auth_epoch = auth_epoch + 1 "
	    "WHERE username = $1 RETURNING id), "
	    "ended AS (DELETE FROM tessera.sessions WHERE user_id IN "
	    "(SELECT id FROM changed)) SELECT id FROM changed"),
	[SQL_THROTTLE_ATTEMPT] = DB_STMT("throttle_attempt", 6, DB_THROTTLE__COLUMNS, 0,
	    "SELECT retry, device, known FROM tessera.login_attempt($1, $2, $3, "
	    "$4, $5::bigint, $6::bigint)"),
	[SQL_THROTTLE_SUCCEEDED] = DB_STMT("throttle_succeeded", 2, 1, 0,
	    "SELECT tessera.login_succeeded($1, $2)"),
	[SQL_SESSION_END] = DB_STMT("session_end", 2, 0, 0,
	    "DELETE FROM tessera.sessions WHERE id = $1 AND user_id = $2"),
	[SQL_SESSION_END_OTHERS] = DB_STMT("session_end_others", 2, 0, 0,
	    "DELETE FROM tessera.sessions WHERE id <> $1 AND user_id = $2"),
	/* The CASE calls the purge only under the lock; the materialized CTE
	 * calls it once (a field taken of a call would repeat it per field). */
	[SQL_SESSION_PRUNE] = DB_STMT("session_prune", 1, DB_PURGE__COLUMNS, 0,
	    "WITH p AS MATERIALIZED (SELECT CASE WHEN pg_try_advisory_xact_lock("
	    "x'" PRUNE_LOCK "'::bigint) THEN tessera.purge_expired_counts($1::int) "
	    "END AS c) SELECT (p.c).sessions, (p.c).failures FROM p"),
	[SQL_ADMIN_SESSIONS] = DB_STMT("admin_sessions", 1, 9, 0,
	    "SELECT l.id, l.username, " ISO_UTC("l.created_at") ", "
	    ISO_UTC("l.last_seen_at") ", " ISO_UTC("l.idle_expires_at") ", "
	    ISO_UTC("l.absolute_expires_at") ", CASE l.assurance_level WHEN 2 "
	    "THEN 'password+totp' ELSE 'password' END, coalesce(l.client_addr, ''), "
	    "coalesce(l.user_agent, '')" ADMIN_SESSIONS_WHERE
	    " ORDER BY l.username, l.last_seen_at DESC"),
	[SQL_ADMIN_SESSIONS_JSON] = DB_STMT("admin_sessions_json", 1, 1, 0,
	    "SELECT coalesce(json_agg(l ORDER BY l.username, l.last_seen_at DESC), "
	    "'[]')" ADMIN_SESSIONS_WHERE),
	[SQL_ADMIN_REVOKE] = DB_STMT("admin_revoke", 1, 1, 0,
	    "SELECT tessera.revoke_session($1::bigint)"),
	[SQL_ADMIN_REVOKE_USER] = DB_STMT("admin_revoke_user", 1, 1, 0,
	    "SELECT tessera.revoke_user_sessions($1)"),
	/* a function in FROM runs once and gives its composite's fields */
	[SQL_ADMIN_PURGE] = DB_STMT("admin_purge", 1, DB_PURGE__COLUMNS, 0,
	    "SELECT sessions, failures FROM tessera.purge_expired_counts($1::int)"),
	[SQL_ADMIN_USERS] = DB_STMT("admin_users", 1, 4, 0,
	    "SELECT a.username, " ISO_UTC("a.created_at") ", coalesce("
	    ISO_UTC("a.disabled_at") ", ''), a.live_sessions "
	    ADMIN_USERS_WHERE " ORDER BY a.username"),
	[SQL_ADMIN_USERS_JSON] = DB_STMT("admin_users_json", 1, 1, 0,
	    "SELECT coalesce(json_agg(a ORDER BY a.username), '[]')"
	    ADMIN_USERS_WHERE),
	[SQL_ADMIN_DISABLE] = DB_STMT("admin_disable", 1, 1, 0,
	    "SELECT tessera.disable_user($1)"),
	[SQL_ADMIN_ENABLE] = DB_STMT("admin_enable", 1, 1, 0,
	    "SELECT tessera.enable_user($1)"),
	[SQL_PING] = DB_STMT("ping", 0, 1, 0, "SELECT 1"),
	[SQL_FACTOR_READ] = DB_STMT("factor_read", 1, DB_FACTOR__COLUMNS, 0,
	    "SELECT u.username, u.password_hash, u.auth_epoch, f.secret, "
	    "f.confirmed_at IS NOT NULL, coalesce(f.last_step, 0) FROM tessera.users u "
	    "LEFT JOIN tessera.second_factors f ON f.user_id = u.id "
	    "WHERE u.id = $1 AND u.disabled_at IS NULL"),
	[SQL_FACTOR_BEGIN] = DB_STMT("factor_begin", 2, 1, 1u << 1,
	    "INSERT INTO tessera.second_factors AS f (user_id, secret) VALUES ($1, $2) "
	    "ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret, "
	    "created_at = now(), last_step = 0 WHERE f.confirmed_at IS NULL RETURNING 1"),
	/* The codes replace any earlier ones; $4 is a text[] of hex hashes. */
	[SQL_FACTOR_CONFIRM] = DB_STMT("factor_confirm", 4, 1, 1u << 2,
	    "WITH f AS (UPDATE tessera.second_factors SET confirmed_at = now(), "
	    "last_step = $2, secret = $3 WHERE user_id = $1 AND confirmed_at IS NULL "
	    "AND last_step < $2 RETURNING user_id), "
	    "d AS (DELETE FROM tessera.recovery_codes r USING f WHERE r.user_id = f.user_id), "
	    "i AS (INSERT INTO tessera.recovery_codes (user_id, code_hash) "
	    "SELECT f.user_id, decode(h, 'hex') FROM f, unnest($4::text[]) AS h) "
	    "SELECT user_id FROM f"),
	/* Atomic: two requests with one code cannot both take its step. */
	[SQL_FACTOR_USE] = DB_STMT("factor_use", 3, 1, 1u << 2,
	    "UPDATE tessera.second_factors SET last_step = $2, secret = $3 "
	    "WHERE user_id = $1 AND confirmed_at IS NOT NULL AND last_step < $2 "
	    "RETURNING 1"),
	[SQL_FACTOR_REMOVE] = DB_STMT("factor_remove", 1, 0, 0,
	    "WITH f AS (DELETE FROM tessera.second_factors WHERE user_id = $1), "
	    "r AS (DELETE FROM tessera.recovery_codes WHERE user_id = $1) "
	    "UPDATE tessera.sessions SET assurance_level = 1 WHERE user_id = $1"),
	[SQL_RECOVERY_USE] = DB_STMT("recovery_use", 2, 1, 1u << 1,
	    "UPDATE tessera.recovery_codes SET used_at = now() WHERE user_id = $1 "
	    "AND code_hash = $2 AND used_at IS NULL RETURNING 1"),
	[SQL_SESSION_PROVE] = DB_STMT("session_prove", 3, 1, 0,
	    "UPDATE tessera.sessions SET authenticated_at = now(), "
	    "assurance_level = $3::smallint WHERE id = $1 AND user_id = $2 RETURNING 1"),
	/* and how many sessions the user had: the change ends them all (read before it) */
	[SQL_PASSWORD_CHANGE] = DB_STMT("password_change", 3, DB_PASSWORD__COLUMNS, 0,
	    "SELECT tessera.change_password($1::bigint, $2, $3), (SELECT "
	    "count(*) FROM tessera.sessions WHERE user_id = $1::bigint)"),
	[SQL_ADMIN_FACTOR] = DB_STMT("admin_factor", 1, 2, 0,
	    "SELECT a.second_factor, a.recovery_codes_left" ADMIN_USERS_WHERE),
	[SQL_ADMIN_FACTOR_RESET] = DB_STMT("admin_factor_reset", 1, 1, 0,
	    "SELECT tessera.reset_second_factor($1)"),
	[SQL_ADMIN_GROUP_ADD] = DB_STMT("admin_group_add", 1, 1, 0,
	    "SELECT tessera.add_group($1)"),
	[SQL_ADMIN_GROUP_REMOVE] = DB_STMT("admin_group_remove", 1, 1, 0,
	    "SELECT tessera.remove_group($1)"),
	[SQL_ADMIN_GROUPS] = DB_STMT("admin_groups", 0, 3, 0,
	    "SELECT l.name, " ISO_UTC("l.created_at") ", l.members "
	    "FROM tessera.group_list l ORDER BY l.name COLLATE \"C\""),
	[SQL_ADMIN_GROUP_EXISTS] = DB_STMT("admin_group_exists", 1, 1, 0,
	    "SELECT EXISTS (SELECT 1 FROM tessera.group_list l WHERE l.name = $1)"),
	[SQL_ADMIN_USER_GROUP_ADD] = DB_STMT("admin_user_group_add", 2, 1, 0,
	    "SELECT tessera.add_user_group($1, $2)"),
	[SQL_ADMIN_USER_GROUP_REMOVE] = DB_STMT("admin_user_group_remove", 2, 1, 0,
	    "SELECT tessera.remove_user_group($1, $2)"),
	[SQL_ADMIN_USER_PROFILE] = DB_STMT("admin_user_profile", 1, 4, 0,
	    "SELECT p.username, coalesce(p.display_name, ''), "
	    "coalesce(p.email, ''), p.groups FROM tessera.user_profiles p "
	    "WHERE p.username = $1"),
	[SQL_ADMIN_USER_SET] = DB_STMT("admin_user_set", 3, 1, 0,
	    "SELECT tessera.set_user_profile($1, $2, $3)"),
	[SQL_BEARER_AUTH] = DB_STMT("bearer_auth", 3, 5, 1u << 0,
	    "SELECT b.result, coalesce(b.username, ''), coalesce(b.groups, ''), "
	    "coalesce(b.display_name, ''), coalesce(b.email, '') "
	    "FROM tessera.bearer_auth($1, $2, $3::int) b"),
	[SQL_ADMIN_TOKEN_ADD] = DB_STMT("admin_token_add", 4, 1, 0,
	    "SELECT tessera.add_token($1, $2, decode($3, 'hex'), $4::int)"),
	[SQL_ADMIN_TOKENS] = DB_STMT("admin_tokens", 1, 6, 0,
	    "SELECT l.id, l.username, l.label, " ISO_UTC("l.created_at") ", "
	    "coalesce(" ISO_UTC("l.expires_at") ", ''), coalesce("
	    ISO_UTC("l.last_used_at") ", '') FROM tessera.api_token_list l "
	    "WHERE $1::text IS NULL OR l.username = $1 ORDER BY l.username, l.id"),
	[SQL_ADMIN_TOKEN_REVOKE] = DB_STMT("admin_token_revoke", 1, 1, 0,
	    "SELECT tessera.revoke_token($1::bigint)"),
	[SQL_TOKENS_OWN] = DB_STMT("tokens_own", 1, 5, 0,
	    "SELECT t.id, t.label, " SHOWN_UTC("t.created_at") ", coalesce("
	    SHOWN_UTC("t.last_used_at") ", 'never'), coalesce("
	    SHOWN_UTC("t.expires_at") ", 'never') FROM tessera.api_tokens t "
	    "WHERE t.user_id = $1 ORDER BY t.id LIMIT 100"),
	[SQL_TOKEN_REVOKE_OWN] = DB_STMT("token_revoke_own", 2, 1, 0,
	    "SELECT tessera.revoke_own_token($1::bigint, $2::bigint)"),
	/* Sent before each db_query statement, in its transaction (db_send_durable; migration 0013). */
	[SQL_DURABLE_COMMIT] = DB_STMT("durable_commit", 0, 1, 0,
	    "SELECT tessera.commit_as_configured()"),
};

struct db {
	PGconn	*conn;
	char	*conninfo;
	char	 connect_timeout[16];
	char	 statement_timeout[16];	/* a set_config value, like "5s" */
	int	 nowait;	/* 1: commits do not wait unless db_query asks (db_commit_nowait) */
	int	 prepared;	/* 1: named prepared statements; 0: unnamed */
	int	 unavailable;	/* the last query could not be served: unreachable, or timed out */
	int	 down;		/* this handle's last connection attempt failed */
	volatile int *outage;	/* 1 from a db_unavailable line to its db_available */
	int	 own_outage;	/* what outage points to unless db_share_outage */
	const char *path;	/* the request the next queries serve, or NULL */
	int64_t	 retry_at_ms;	/* no new connection attempt before this */
	char	 error[256];	/* the last failure, one line */
};

/*
 * Makes a handle for conninfo; nothing connects until db_connect or the
 * first query. Returns NULL when out of memory.
 */
struct db *
db_new(const char *conninfo, int connect_timeout, int statement_timeout,
    int prepared)
{
	struct db	*db;

	if ((db = calloc(1, sizeof(*db))) == NULL)
		return NULL;
	if ((db->conninfo = strdup(conninfo)) == NULL) {
		free(db);
		return NULL;
	}
	snprintf(db->connect_timeout, sizeof(db->connect_timeout), "%d",
	    connect_timeout);
	snprintf(db->statement_timeout, sizeof(db->statement_timeout), "%ds",
	    statement_timeout);
	db->prepared = prepared;
	db->outage = &db->own_outage;
	return db;
}

/*
 * Makes the handle's connections commit without waiting for the disk,
 * except for db_query's statements (a pool's worker: its touches skip the
 * wait); from its next connection on.
 */
void
db_commit_nowait(struct db *db)
{
	db->nowait = 1;
}

/*
 * Makes the handles of a pool's workers share one outage flag (in the
 * scoreboard), so an outage is logged once for the pool, by the first
 * worker that meets it, and its end once, by the first that reconnects.
 */
void
db_share_outage(struct db *db, volatile int *outage)
{
	db->outage = outage;
}

/* Names the request (its path) the next queries serve, for the log; NULL: none. */
void
db_set_path(struct db *db, const char *path)
{
	db->path = path;
}

/* Closes the connection and frees the handle; accepts NULL. */
void
db_free(struct db *db)
{
	if (db == NULL)
		return;
	PQfinish(db->conn);
	free(db->conninfo);
	free(db);
}

/* Keeps the first line of msg as the handle's last error. */
static void
db_set_error(struct db *db, const char *msg)
{
	snprintf(db->error, sizeof(db->error), "%.*s",
	    (int)strcspn(msg, "\n"), msg);
}

/* Clears res; unless its status is want, keeps and logs its error. Returns 0 or -1. */
static int
db_setup_result(struct db *db, PGresult *res, ExecStatusType want,
    const char *statement)
{
	int	 ok = PQresultStatus(res) == want;

	if (!ok) {
		db_set_error(db, PQresultErrorMessage(res));
		log_event("db_setup_failed", "statement", statement, "error",
		    db->error, NULL);
	}
	PQclear(res);
	return ok ? 0 : -1;
}

/* Runs settings statement id unnamed (text values), before anything is prepared. Returns 0 or -1. */
static int
db_setup_set(struct db *db, enum db_sql id, const char *const *values)
{
	return db_setup_result(db, PQexecParams(db->conn, db_stmts[id].sql,
	    db_stmts[id].nparams, NULL, values, NULL, NULL, 0),
	    PGRES_TUPLES_OK, db_stmts[id].name);
}

/*
 * Readies a fresh connection: sets statement_timeout (and the planner's
 * random_page_cost) first, with an unnamed statement rather than the
 * startup packet's "options", which pgbouncer refuses (so preparing behind
 * a lock, a migration's say, waits no longer than any query), and for a
 * pool's handle commits that do not wait; then prepares every statement
 * (unless unnamed ones are wanted). Behind pgbouncer's transaction pooling
 * the settings reach one server connection only: there ALTER ROLE ... SET
 * covers the others, and db_query_nowait's statements wait for the disk
 * where the commit mode did not land. Returns 0 or -1.
 */
static int
db_setup(struct db *db)
{
	const char *const timeout[] = { db->statement_timeout };
	int		 i;

	if (db_setup_set(db, SQL_CONNECTION_SETTINGS, timeout) == -1 ||
	    (db->nowait && db_setup_set(db, SQL_COMMIT_NOWAIT, NULL) == -1))
		return -1;
	for (i = 0; db->prepared && i < SQL__MAX; i++)
		if (db_setup_result(db, PQprepare(db->conn, db_stmts[i].name,
		    db_stmts[i].sql, db_stmts[i].nparams, NULL),
		    PGRES_COMMAND_OK, db_stmts[i].name) == -1)
			return -1;
	return 0;
}

/*
 * (Re)connects: defaults first, then the operator's conninfo, whose keys
 * win. After a failure, further attempts wait DB_RETRY_MS, so requests
 * answer 503 at once instead of each waiting for connect_timeout; the
 * outage is logged once when it starts and once when it ends, for all the
 * handles that share its flag (db_share_outage). Returns 0,
 * or -1 with db_unavailable() set when the server cannot be reached.
 */
int
db_connect(struct db *db)
{
	const char *const keys[] = { "connect_timeout", "application_name",
	    "dbname", NULL };
	const char *const vals[] = { db->connect_timeout, "tessera",
	    db->conninfo, NULL };

	PQfinish(db->conn);
	db->conn = NULL;
	db->unavailable = 1;
	if (clock_ms() < db->retry_at_ms)
		return -1;
	db->conn = PQconnectdbParams(keys, vals, 1);
	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK) {
		db_set_error(db, db->conn ? PQerrorMessage(db->conn) :
		    "out of memory");
		if (!db->down && !__atomic_exchange_n(db->outage, 1,
		    __ATOMIC_SEQ_CST))
			log_event("db_unavailable", "error", db->error, NULL);
		PQfinish(db->conn);
		db->conn = NULL;
		db->down = 1;
		db->retry_at_ms = clock_ms() + DB_RETRY_MS;
		return -1;
	}
	db->unavailable = 0;
	db->down = 0;
	if (__atomic_exchange_n(db->outage, 0, __ATOMIC_SEQ_CST))
		log_event("db_available", NULL);
	if (db_setup(db) == -1) {	/* behind a lock past statement_timeout, say */
		PQfinish(db->conn);
		db->conn = NULL;
		db->unavailable = 1;
		return -1;
	}
	return 0;
}

/* Sends statement id without waiting for its result. Returns 1, or 0 if libpq refused it. */
static int
db_queue(struct db *db, enum db_sql id, const char *const *values,
    const int *lengths)
{
	const struct db_stmt *st = &db_stmts[id];
	int		 formats[DB_PARAMS_MAX] = { 0 }, i;

	_Static_assert(sizeof(st->binary) * 8 >= DB_PARAMS_MAX,
	    "db_stmt's binary has a bit for every parameter");
	for (i = 0; i < st->nparams; i++)
		formats[i] = (int)((st->binary >> i) & 1u);
	if (db->prepared)
		return PQsendQueryPrepared(db->conn, st->name, st->nparams,
		    values, lengths, formats, 0);
	return PQsendQueryParams(db->conn, st->sql, st->nparams, NULL, values,
	    lengths, formats, 0);
}

/*
 * Sends one statement in the connection's commit mode and returns its
 * result: an error result whatever failed, never NULL (but when out of
 * memory).
 */
static PGresult *
db_send(struct db *db, enum db_sql id, const char *const *values,
    const int *lengths)
{
	PGresult	*res = NULL, *r;

	if (!db_queue(db, id, values, lengths))
		return PQmakeEmptyPGresult(db->conn, PGRES_FATAL_ERROR);
	while ((r = PQgetResult(db->conn)) != NULL) {	/* one, then NULL */
		PQclear(res);
		res = r;
	}
	return res != NULL ? res : PQmakeEmptyPGresult(db->conn,
	    PGRES_FATAL_ERROR);
}

/*
 * Sends one statement whose commit waits as the server is configured: in
 * one round trip (a pipeline, which runs as one transaction), first
 * SQL_DURABLE_COMMIT sets the server's own synchronous_commit for that
 * transaction, then the statement. Returns the statement's result, or the
 * first error: an error result whatever failed, never NULL. A pipeline
 * left unfinished (a broken connection) closes the connection.
 */
static PGresult *
db_send_durable(struct db *db, enum db_sql id, const char *const *values,
    const int *lengths)
{
	PGresult	*res = NULL, *r;
	int		 q;

	if (!PQenterPipelineMode(db->conn))
		return PQmakeEmptyPGresult(db->conn, PGRES_FATAL_ERROR);
	if (db_queue(db, SQL_DURABLE_COMMIT, NULL, NULL) &&
	    db_queue(db, id, values, lengths) && PQpipelineSync(db->conn)) {
		for (q = 0; q < 2; q++)		/* each query's results end with NULL */
			while ((r = PQgetResult(db->conn)) != NULL)
				if (res == NULL && (q == 1 ||
				    PQresultStatus(r) != PGRES_TUPLES_OK))
					res = r;
				else
					PQclear(r);
		PQclear(PQgetResult(db->conn));	/* PGRES_PIPELINE_SYNC */
	}
	if (res == NULL)
		res = PQmakeEmptyPGresult(db->conn, PGRES_FATAL_ERROR);
	if (!PQexitPipelineMode(db->conn)) {
		PQfinish(db->conn);
		db->conn = NULL;	/* db_query reconnects */
	}
	return res;
}

/*
 * Keeps, counts and logs the error of a failed statement: db_timeout when
 * it ran past statement_timeout (or was cancelled), which counts as the
 * database being unavailable for this request, else db_error. The path of
 * the request is named when there is one.
 */
static void
db_log_failure(struct db *db, enum db_sql id, const PGresult *res)
{
	const char	*state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	int		 cancelled = state != NULL &&
			    strcmp(state, DB_QUERY_CANCELED) == 0;

	score_count(cancelled ? SC_DB_TIMEOUT : SC_DB_OTHER);
	db_set_error(db, PQresultErrorMessage(res));
	db->unavailable = cancelled;
	log_event(cancelled ? "db_timeout" : "db_error", "statement",
	    db_stmts[id].name, "error", db->error, db->path ? "path" : NULL,
	    db->path, NULL);
}

/*
 * Returns res if it has the columns statement id declares, else NULL after
 * clearing it and logging the mismatch as a db_error (as pgbouncer drops a
 * server that answers with an unexpected shape).
 */
static PGresult *
db_check_columns(struct db *db, enum db_sql id, PGresult *res)
{
	if (PQnfields(res) == db_stmts[id].ncols)
		return res;
	snprintf(db->error, sizeof(db->error), "returned %d columns where "
	    "db.c declares %d", PQnfields(res), db_stmts[id].ncols);
	log_event("db_error", "statement", db_stmts[id].name, "error",
	    db->error, db->path ? "path" : NULL, db->path, NULL);
	PQclear(res);
	return NULL;
}

/*
 * Runs statement id with its parameters (lengths matter for binary ones),
 * sent by send, connecting first if needed and retrying once on a
 * connection that broke since the last request (a restarted server).
 * Returns the result, to be PQclear'ed, or NULL: then db_unavailable()
 * says whether the database could not serve it (unreachable, or past
 * statement_timeout), else the statement failed, or returned other
 * columns than its row in db_stmts declares; either way it was logged.
 */
static PGresult *
db_run(struct db *db, enum db_sql id, const char *const *values,
    const int *lengths, PGresult *(*send)(struct db *, enum db_sql,
    const char *const *, const int *))
{
	PGresult	*res = NULL;
	ExecStatusType	 st;
	int		 attempt;

	db->unavailable = 0;
	for (attempt = 0; attempt < 2; attempt++) {
		if ((db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK) &&
		    db_connect(db) == -1) {
			score_count(SC_DB_UNAVAILABLE);
			return NULL;
		}
		res = send(db, id, values, lengths);
		st = PQresultStatus(res);
		if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
			return db_check_columns(db, id, res);
		if (PQstatus(db->conn) == CONNECTION_OK)
			break;
		PQclear(res);
		res = NULL;
		db->unavailable = 1;
	}
	if (res == NULL)
		score_count(SC_DB_UNAVAILABLE);
	else {
		db_log_failure(db, id, res);
		PQclear(res);
	}
	return NULL;
}

/*
 * Runs statement id (as db_run) in a transaction whose commit waits as
 * the server is configured: what a crash must not lose (sign-in, sign-out,
 * revocation, password change, anything an operator runs). The default.
 */
PGresult *
db_query(struct db *db, enum db_sql id, const char *const *values,
    const int *lengths)
{
	return db_run(db, id, values, lengths, db->nowait ? db_send_durable :
	    db_send);
}

/*
 * Runs statement id (as db_run) in the connection's own commit mode, which
 * for a pool's handle does not wait for the disk: for reads, and for
 * touches that only slide the idle expiry and count, whose last moments a
 * crash may lose.
 */
PGresult *
db_query_nowait(struct db *db, enum db_sql id, const char *const *values,
    const int *lengths)
{
	return db_run(db, id, values, lengths, db_send);
}

/* Returns 1 if the last query failed because the database could not serve it: unreachable, or past statement_timeout. */
int
db_unavailable(const struct db *db)
{
	return db->unavailable;
}

/* Returns the last failure's message (one line), or "". */
const char *
db_error(const struct db *db)
{
	return db->error;
}

/* Returns the live connection (connecting if needed) for one-off statements, or NULL. */
PGconn *
db_conn(struct db *db)
{
	if ((db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK) &&
	    db_connect(db) == -1)
		return NULL;
	return db->conn;
}

/*
 * Decodes len hex digits at hex into out (size bytes, NUL-terminated).
 * Returns 0, or -1 if they are not an even number of hex digits, do not fit,
 * or decode to text with a NUL byte.
 */
static int
db_unhex(const char *hex, size_t len, char *out, size_t size)
{
	size_t	 n;

	if (sodium_hex2bin((unsigned char *)out, size - 1, hex, len, NULL, &n,
	    NULL) != 0 || memchr(out, '\0', n) != NULL)
		return -1;
	out[n] = '\0';
	return 0;
}

/*
 * Decodes the entry at *cursor in a DB_SESSION_LIST column, as SESSION_LIST
 * encodes it (id.created.last_seen.hex(address).hex(agent), entries joined
 * by '&'), into e and moves *cursor past it. Returns 1 with e filled, 0 at
 * the end, -1 for an entry that does not decode or fit e (skipped).
 */
int
db_list_next(const char **cursor, struct db_list_entry *e)
{
	char *const	 outs[] = { e->id, e->created, e->last_seen, e->addr,
			    e->agent };
	const size_t	 sizes[] = { sizeof(e->id), sizeof(e->created),
			    sizeof(e->last_seen), sizeof(e->addr), sizeof(e->agent) };
	const size_t	 nfields = sizeof(outs) / sizeof(outs[0]);
	const char	*p = *cursor, *end, *dot;
	size_t		 i, len;

	if (*p == '\0')
		return 0;
	end = p + strcspn(p, "&");
	*cursor = *end ? end + 1 : end;
	for (i = 0; i < nfields; i++, p = dot + 1) {
		dot = i < nfields - 1 ? memchr(p, '.', (size_t)(end - p)) : end;
		if (dot == NULL)
			return -1;
		len = (size_t)(dot - p);
		if (i >= 3) {		/* the address and the agent: hex */
			if (db_unhex(p, len, outs[i], sizes[i]) == -1)
				return -1;
		} else if (len >= sizes[i])
			return -1;
		else {
			memcpy(outs[i], p, len);
			outs[i][len] = '\0';
		}
	}
	return 1;
}
