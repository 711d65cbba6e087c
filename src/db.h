/* The worker's PostgreSQL connection and every SQL statement tessera runs. */
#ifndef TESSERA_DB_H
#define TESSERA_DB_H

#include <libpq-fe.h>

/* Each statement's SQL lives in the table in db.c, in this order. */
enum db_sql {
	SQL_SET_TIMEOUT,	/* statement_timeout value: set on connect */
	SQL_SESSION_READ,	/* token hash, touch interval -> live session */
	SQL_SESSION_TOUCH,	/* slide expiry and apply data changes -> session */
	SQL_SESSION_CREATE,	/* new session, deleting the one it replaces */
	SQL_SESSION_DELETE,	/* token hash -> gone; returns the username */
	SQL_USER_LOOKUP,	/* username -> id, hash, disabled */
	SQL_USER_REHASH,	/* id, new hash */
	SQL_USER_ADD,		/* username, hash -> id */
	SQL_USER_PASSWD,	/* username, hash -> id; ends the user's sessions */
	SQL_THROTTLE_ATTEMPT,	/* user key, address key -> seconds to wait, 0: go (counted) */
	SQL_THROTTLE_SUCCEEDED,	/* user key, address key: undo the attempt's count */
	SQL_SESSION_TOUCH_LIST,	/* as SQL_SESSION_TOUCH, + the user's sessions */
	SQL_SESSION_END,	/* id, user id -> gone (only that user's) */
	SQL_SESSION_END_OTHERS,	/* id kept, user id -> the user's others gone */
	SQL_SESSION_PRUNE,	/* batch -> purged, NULL if another is pruning */
	SQL_ADMIN_SESSIONS,	/* username or NULL -> live sessions */
	SQL_ADMIN_SESSIONS_JSON, /* username or NULL -> them as a JSON array */
	SQL_ADMIN_REVOKE,	/* session id -> ended? */
	SQL_ADMIN_REVOKE_USER,	/* username -> sessions ended, NULL: no user */
	SQL_ADMIN_PURGE,	/* batch -> expired sessions purged */
	SQL_ADMIN_USERS,	/* username or NULL -> accounts */
	SQL_ADMIN_DISABLE,	/* username -> sessions ended, NULL: no user */
	SQL_ADMIN_ENABLE,	/* username -> found? */
	SQL_PING,		/* -> 1: the database answers */
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
	SQL__MAX
};

struct db;

struct db	*db_new(const char *conninfo, int connect_timeout,
		    int statement_timeout, int prepared);
void		 db_free(struct db *);
int		 db_connect(struct db *) __attribute__((warn_unused_result));
PGresult	*db_query(struct db *, enum db_sql, const char *const *values,
		    const int *lengths) __attribute__((warn_unused_result));
int		 db_unavailable(const struct db *);
const char	*db_error(const struct db *);
PGconn		*db_conn(struct db *);

#endif
