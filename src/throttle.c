/*
 * Brute-force throttling of sign-ins, per account and per client address,
 * kept in PostgreSQL. The policy (in the SQL of db.c): the first 5 failures
 * within an hour are free; after that each further attempt must wait 2^(n-5)
 * seconds since the last failure, at most 60 s for an account (so nobody can
 * lock a real user out for longer, and an account sees at most about 70
 * failures an hour) and at most 15 minutes for an address. Attempts refused
 * while waiting verify no password and count nothing.
 */
#include "throttle.h"

#include <stdio.h>
#include <stdlib.h>

#include "app.h"
#include "log.h"

#define KEY_MAX	300

/* Writes the two counter keys of a sign-in attempt. */
static void
throttle_keys(const struct ctx *c, const char *username, char user[KEY_MAX],
    char addr[KEY_MAX])
{
	snprintf(user, KEY_MAX, "user:%s", username);
	snprintf(addr, KEY_MAX, "addr:%s", c->req->remote_addr);
}

/* Runs one throttle statement on the attempt's keys (the account's first); returns the result or NULL. */
static PGresult *
throttle_query(struct ctx *c, enum db_sql id, const char *username)
{
	char		 user[KEY_MAX], addr[KEY_MAX];
	const char	*values[2] = { user, addr };

	throttle_keys(c, username, user, addr);
	return db_query(c->app->db, id, values, NULL);
}

/*
 * Returns how many seconds this attempt must still wait (0: go ahead), or
 * -1 on a database failure.
 */
int
throttle_wait(struct ctx *c, const char *username)
{
	PGresult	*res = throttle_query(c, SQL_THROTTLE_CHECK, username);
	int		 wait;

	if (res == NULL)
		return -1;
	wait = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	return wait > 0 ? wait : 0;
}

/* Counts a failed attempt against the account and the address. */
void
throttle_failed(struct ctx *c, const char *username)
{
	PGresult	*res = throttle_query(c, SQL_THROTTLE_FAIL, username);

	PQclear(res);
}

/* Forgets the account's failures after a good sign-in (the address keeps its count). */
void
throttle_succeeded(struct ctx *c, const char *username)
{
	PGresult	*res = throttle_query(c, SQL_THROTTLE_CLEAR, username);

	PQclear(res);
}
