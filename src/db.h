/* The worker's PostgreSQL connection and every SQL statement tessera runs. */
#ifndef TESSERA_DB_H
#define TESSERA_DB_H

#include <libpq-fe.h>

/* Limits of what the schema holds, one definition each for every layer that checks input. */
#define DB_USERNAME_MAX		64	/* bytes of a username (migrations/0001's CHECK) */
#define DB_ID_DIGITS		18	/* digits of an id taken from outside: any such number fits a bigint */
#define DB_USER_AGENT_MAX	512	/* bytes of a User-Agent kept in a session row */
#define DB_STR(n)		DB_STR_(n)	/* a limit as a string literal, for messages */
#define DB_STR_(n)		#n

/* Each statement's SQL lives in the table in db.c, in this order. */
enum db_sql {
	SQL_CONNECTION_SETTINGS, /* statement_timeout value: set on connect, with the planner's page cost */
	SQL_COMMIT_NOWAIT,	/* set on a pool's connections: commits do not wait (db_commit_nowait) */
	SQL_SESSION_READ,	/* token hash, touch interval -> live session */
	SQL_SESSION_TOUCH,	/* slide expiry and apply data changes -> session */
	SQL_SESSION_TOUCH_INCR,	/* slide expiry and add to one integer -> session */
	SQL_SESSION_CREATE,	/* new session if the user is as verified; deletes the one it replaces and the LRU past the cap */
	SQL_SESSION_DELETE,	/* token hash -> gone; returns the username */
	SQL_USER_LOOKUP,	/* username -> id, hash, disabled, auth epoch, second factor? */
	SQL_USER_REHASH,	/* id, new hash, verified hash -> id if it was still that */
	SQL_USER_ADD,		/* username, hash -> id */
	SQL_USER_PASSWD,	/* username, hash -> id; ends the user's sessions */
	SQL_THROTTLE_ATTEMPT,	/* name, name key, address key, device key, user, epoch -> wait, device?, known? */
	SQL_THROTTLE_SUCCEEDED,	/* key to forget, key to uncount: undo the attempt's count */
	SQL_SESSION_TOUCH_LIST,	/* as SQL_SESSION_TOUCH, + the user's sessions */
	SQL_SESSION_END,	/* id, user id -> gone (only that user's) */
	SQL_SESSION_END_OTHERS,	/* id kept, user id -> the user's others gone */
	SQL_SESSION_PRUNE,	/* batch -> sessions, failure counts purged; NULLs if another is pruning */
	SQL_ADMIN_SESSIONS,	/* username or NULL -> live sessions */
	SQL_ADMIN_SESSIONS_JSON, /* username or NULL -> them as a JSON array */
	SQL_ADMIN_REVOKE,	/* session id -> ended? */
	SQL_ADMIN_REVOKE_USER,	/* username -> sessions ended, NULL: no user */
	SQL_ADMIN_PURGE,	/* batch -> expired sessions, lapsed failure rows purged */
	SQL_ADMIN_USERS,	/* username or NULL -> accounts */
	SQL_ADMIN_USERS_JSON,	/* username or NULL -> them as a JSON array */
	SQL_ADMIN_DISABLE,	/* username -> sessions ended, NULL: no user */
	SQL_ADMIN_ENABLE,	/* username -> found? */
	SQL_PING,		/* -> 1: the database answers */
	SQL_FACTOR_READ,	/* user id -> username, hash, epoch, sealed secret, confirmed?, last step */
	SQL_FACTOR_BEGIN,	/* user id, sealed secret -> stored (only while not confirmed) */
	SQL_FACTOR_CONFIRM,	/* user id, step, sealed, hex code hashes -> confirmed, codes stored */
	SQL_FACTOR_USE,		/* user id, step, sealed -> taken (step after the last one used) */
	SQL_FACTOR_REMOVE,	/* user id -> factor and codes gone, sessions back to level 1 */
	SQL_RECOVERY_USE,	/* user id, code hash -> spent (was unspent) */
	SQL_SESSION_PROVE,	/* session id, user id, level -> proof renewed now */
	SQL_PASSWORD_CHANGE,	/* user id, verified hash, new hash -> new epoch, NULL if raced */
	SQL_ADMIN_FACTOR,	/* username -> second factor state, recovery codes left */
	SQL_ADMIN_FACTOR_RESET,	/* username -> sessions ended, NULL: no user */
	SQL_SESSION_READ_AUTH,	/* as SQL_SESSION_READ, + the identity /auth passes on */
	SQL_SESSION_TOUCH_AUTH,	/* as SQL_SESSION_TOUCH, + the identity /auth passes on */
	SQL_ADMIN_GROUP_ADD,	/* group name -> created? */
	SQL_ADMIN_GROUP_REMOVE,	/* group name -> removed? */
	SQL_ADMIN_GROUPS,	/* -> every group with its members */
	SQL_ADMIN_GROUP_EXISTS,	/* group name -> exists? */
	SQL_ADMIN_USER_GROUP_ADD, /* username, group -> 0 done, 1 no user, 2 no group */
	SQL_ADMIN_USER_GROUP_REMOVE, /* username, group -> as SQL_ADMIN_USER_GROUP_ADD */
	SQL_ADMIN_USER_PROFILE,	/* username -> name, email, groups */
	SQL_ADMIN_USER_SET,	/* username, email or NULL, name or NULL -> found? */
	SQL_BEARER_AUTH,	/* token hash, address key, touch interval -> result, identity */
	SQL_ADMIN_TOKEN_ADD,	/* username, label, hex hash, seconds or NULL -> id, NULL: no user */
	SQL_ADMIN_TOKENS,	/* username or NULL -> tokens */
	SQL_ADMIN_TOKEN_REVOKE,	/* token id -> revoked? */
	SQL_TOKENS_OWN,		/* user id -> the user's tokens (no hash) */
	SQL_TOKEN_REVOKE_OWN,	/* token id, user id -> revoked? (only that user's) */
	SQL_DURABLE_COMMIT,	/* this transaction commits as the server is configured (db_query) */
	SQL__MAX
};

/*
 * The columns of a live session row (SESSION_COLUMNS in db.c), in order;
 * a statement that returns more has them after DB_SESSION__COLUMNS.
 */
enum db_session_col {
	DB_SESSION_ID,
	DB_SESSION_USER_ID,
	DB_SESSION_USERNAME,
	DB_SESSION_DATA,	/* jsonb's text of a flat object: session.c reads it with jansson */
	DB_SESSION_CREATED,	/* epoch seconds */
	DB_SESSION_ASSURANCE,	/* 1: password; 2: with a second factor */
	DB_SESSION_PROOF_AGE,	/* seconds since authenticated_at */
	DB_SESSION_REMEMBER_IDLE, /* its idle limit in seconds when remembered, else 0 */
	DB_SESSION__COLUMNS,
	DB_SESSION_STALE = DB_SESSION__COLUMNS,	/* SQL_SESSION_READ*: 't' if a touch is due */
	DB_SESSION_SLID = DB_SESSION__COLUMNS,	/* SQL_SESSION_TOUCH*: 't' if the idle expiry moved */
	DB_SESSION_LIST,	/* SQL_SESSION_TOUCH_LIST, after the slid flag: db_list_next decodes it */
	/* SQL_SESSION_READ_AUTH, SQL_SESSION_TOUCH_AUTH: after the stale (or slid) flag, the identity */
	DB_SESSION_IDENTITY = DB_SESSION__COLUMNS + 1,
};

/* The columns of SQL_SESSION_CREATE, in order. */
enum db_create_col {
	DB_CREATE_ID,		/* the new session's id */
	DB_CREATE_EVICTED,	/* the user's sessions ended for max_sessions_per_user */
	DB_CREATE_REPLACED,	/* the session the cookie named, ended (0 or 1) */
	DB_CREATE__COLUMNS,
};

/* The columns of SQL_USER_LOOKUP, in order. */
enum db_user_col {
	DB_USER_ID,
	DB_USER_HASH,		/* the Argon2id hash */
	DB_USER_DISABLED,	/* 't' or 'f' */
	DB_USER_EPOCH,		/* auth_epoch, the digits of a bigint */
	DB_USER_SECOND_FACTOR,	/* 't' if a confirmed second factor awaits its code */
	DB_USER__COLUMNS,
};

/* The columns of SQL_FACTOR_READ, in order. */
enum db_factor_col {
	DB_FACTOR_USERNAME,
	DB_FACTOR_HASH,		/* the Argon2id hash */
	DB_FACTOR_EPOCH,	/* auth_epoch */
	DB_FACTOR_SECRET,	/* the sealed TOTP key as bytea text ("\\x" hex), NULL: none */
	DB_FACTOR_CONFIRMED,	/* 't' once a first code confirmed it */
	DB_FACTOR_LAST_STEP,	/* the step of the last code used, 0: none */
	DB_FACTOR__COLUMNS,
};

/* The columns of SQL_THROTTLE_ATTEMPT, in order. */
enum db_throttle_col {
	DB_THROTTLE_RETRY,	/* 0: go ahead (counted); else seconds to wait */
	DB_THROTTLE_DEVICE,	/* 't' if a valid device cookie decided alone */
	DB_THROTTLE_KNOWN,	/* 't' if an account has the name */
	DB_THROTTLE__COLUMNS,
};

/* The columns of SQL_PASSWORD_CHANGE, in order. */
enum db_password_col {
	DB_PASSWORD_EPOCH,	/* the user's new auth epoch; NULL: not changed */
	DB_PASSWORD_ENDED,	/* the user's sessions, which the change ended */
	DB_PASSWORD__COLUMNS,
};

/* The columns of SQL_SESSION_PRUNE and SQL_ADMIN_PURGE (tessera.purge_counts), in order. */
enum db_purge_col {
	DB_PURGE_SESSIONS,	/* expired sessions deleted; NULL: another is pruning */
	DB_PURGE_FAILURES,	/* lapsed sign-in failure rows deleted */
	DB_PURGE__COLUMNS,
};

/* The column of a statement that returns one. */
#define DB_ONLY_COLUMN		0

/* One entry of DB_SESSION_LIST, decoded. */
struct db_list_entry {
	char	 id[21];		/* the digits of a bigint */
	char	 created[24];		/* 2026-01-31T23:59:59Z */
	char	 last_seen[24];
	char	 addr[65];		/* "" when unknown */
	char	 agent[DB_USER_AGENT_MAX + 1];
};

struct db;

struct db	*db_new(const char *conninfo, int connect_timeout,
		    int statement_timeout, int prepared);
void		 db_free(struct db *);
void		 db_commit_nowait(struct db *);
void		 db_share_outage(struct db *, volatile int *outage);
void		 db_set_path(struct db *, const char *path);
int		 db_connect(struct db *) __attribute__((warn_unused_result));
PGresult	*db_query(struct db *, enum db_sql, const char *const *values,
		    const int *lengths) __attribute__((warn_unused_result));
PGresult	*db_query_nowait(struct db *, enum db_sql,
		    const char *const *values, const int *lengths)
		    __attribute__((warn_unused_result));
int		 db_unavailable(const struct db *);
const char	*db_error(const struct db *);
PGconn		*db_conn(struct db *);
int		 db_list_next(const char **cursor, struct db_list_entry *)
		    __attribute__((warn_unused_result));

#endif
