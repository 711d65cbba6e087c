/*
 * Brute-force throttling of sign-ins, per account and per client address,
 * kept in PostgreSQL. The policy lives in tessera.login_attempt (migration
 * 0002): 5 free failures an hour, then waits of 2^(n-5) s capped at 60 s per
 * account and 15 min per address. Every attempt is counted before its
 * password is checked and uncounted if it signs in, so parallel guesses
 * cannot slip past a wait.
 */
#include "throttle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "text.h"

#define KEY_MAX	300

/* Runs one throttle statement on the attempt's account and address keys; returns the result or NULL. */
static PGresult *
throttle_query(struct ctx *c, enum db_sql id, const char *username)
{
	char		 user[KEY_MAX], addr[KEY_MAX];
	const char	*values[2] = { user, addr };

	char		 hash[TOKEN_NAME_HASH_SIZE];

	if (text_username_problem(username) == NULL)
		snprintf(user, sizeof(user), "user:%s", username);
	else {	/* no account has it, and it may not be text PostgreSQL takes */
		token_name_hash(c->app->keys, username, strlen(username), hash);
		snprintf(user, sizeof(user), "name:%s", hash);
	}
	snprintf(addr, sizeof(addr), "addr:%s", c->req->remote_addr);
	return db_query(c->app->db, id, values, NULL);
}

/*
 * Claims a sign-in attempt. Returns 0 when it may go ahead (it now counts
 * as a failure), the seconds it must still wait, or -1 on a database failure.
 */
int
throttle_attempt(struct ctx *c, const char *username)
{
	PGresult	*res = throttle_query(c, SQL_THROTTLE_ATTEMPT, username);
	int		 wait;

	if (res == NULL)
		return -1;
	wait = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	return wait > 0 ? wait : 0;
}

/* Undoes the count of an attempt that signed in (the account's failures are forgotten). */
void
throttle_succeeded(struct ctx *c, const char *username)
{
	PGresult	*res = throttle_query(c, SQL_THROTTLE_SUCCEEDED, username);

	PQclear(res);
}
