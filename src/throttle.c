/*
 * Brute-force throttling of sign-ins, kept in PostgreSQL. The policy lives
 * in tessera.login_attempt (migration 0005): an attempt carrying a valid
 * device cookie for the account it names is counted against that device
 * only; any other against the account (or, for a name no account has, the
 * name's keyed hash) and the client address (IPv6 by /64). Each key: 5
 * free failures an hour, then waits of 2^(n-5) s capped at 60 s (15 min
 * for an address). Every attempt is counted before its password is checked
 * and uncounted if it signs in, so parallel guesses cannot slip past a
 * wait; an attempt that must wait writes nothing.
 */
#include "throttle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "http.h"
#include "netaddr.h"
#include "session.h"
#include "text.h"

#define KEY_MAX	300

/*
 * Claims a sign-in attempt for username from this request's address, with
 * the request's device cookie (or NULL). Returns 0 with the answer in *cl,
 * or -1 on a database failure.
 */
int
throttle_attempt(const struct sess_env *e, const char *username,
    const struct proof *device, struct throttle_claim *cl)
{
	char		 name[KEY_MAX], addr[KEY_MAX], key[NETADDR_KEY_SIZE];
	char		 uid[24], epoch[24];
	const char	*values[6] = { NULL, name, addr, NULL, NULL, NULL };
	PGresult	*res;

	memset(cl, 0, sizeof(*cl));
	token_name_hash(e->keys, username, strlen(username), cl->name_hash);
	if (text_username_problem(username) == NULL)
		values[0] = username;	/* else no account has it, nor could */
	snprintf(name, sizeof(name), "name:%s", cl->name_hash);
	netaddr_throttle_key(e->req->remote_addr, key);
	snprintf(addr, sizeof(addr), "addr:%s", key);
	if (device != NULL) {
		memcpy(cl->device_key, "dev:", 4);
		sodium_bin2hex(cl->device_key + 4, sizeof(cl->device_key) - 4,
		    device->id, PROOF_ID_BYTES);
		snprintf(uid, sizeof(uid), "%lld", device->user_id);
		snprintf(epoch, sizeof(epoch), "%lld", device->auth_epoch);
		values[3] = cl->device_key;
		values[4] = uid;
		values[5] = epoch;
	}
	if ((res = db_query(e->db, SQL_THROTTLE_ATTEMPT, values, NULL)) == NULL)
		return -1;
	cl->retry = atoi(PQgetvalue(res, 0, DB_THROTTLE_RETRY));
	cl->device = PQgetvalue(res, 0, DB_THROTTLE_DEVICE)[0] == 't';
	cl->known = PQgetvalue(res, 0, DB_THROTTLE_KNOWN)[0] == 't';
	PQclear(res);
	if (cl->retry < 0)
		cl->retry = 0;
	return 0;
}

/*
 * Undoes the count of an attempt that signed in: the device's failures
 * are forgotten when it decided, else the account's, and the address
 * loses the one this attempt added.
 */
void
throttle_succeeded(const struct sess_env *e, const char *username,
    const struct throttle_claim *cl)
{
	char		 user[KEY_MAX], addr[KEY_MAX], key[NETADDR_KEY_SIZE];
	const char	*values[2] = { user, NULL };
	PGresult	*res;

	if (cl->device)
		snprintf(user, sizeof(user), "%s", cl->device_key);
	else {
		snprintf(user, sizeof(user), "user:%s", username);
		netaddr_throttle_key(e->req->remote_addr, key);
		snprintf(addr, sizeof(addr), "addr:%s", key);
		values[1] = addr;
	}
	res = db_query(e->db, SQL_THROTTLE_SUCCEEDED, values, NULL);
	PQclear(res);
}

/*
 * For a right password that still needs its second factor: the address
 * loses the one this attempt added (a user who signs in is no stranger
 * guessing from it), while the account's or device's count stands until
 * the code step succeeds, so codes and passwords share one budget.
 */
void
throttle_halfway(const struct sess_env *e, const struct throttle_claim *cl)
{
	char		 addr[KEY_MAX], key[NETADDR_KEY_SIZE];
	const char	*values[2] = { NULL, addr };
	PGresult	*res;

	if (cl->device)
		return;
	netaddr_throttle_key(e->req->remote_addr, key);
	snprintf(addr, sizeof(addr), "addr:%s", key);
	res = db_query(e->db, SQL_THROTTLE_SUCCEEDED, values, NULL);
	PQclear(res);
}

/*
 * Returns how a log line may name the account of an attempt: the name when
 * an account has it, else its keyed hash (a password typed in the wrong
 * field never reaches a log); *key is the field's name ("user" or
 * "name_hash").
 */
const char *
throttle_log_name(const struct throttle_claim *cl, const char *username,
    const char **key)
{
	*key = cl->known ? "user" : "name_hash";
	return cl->known ? username : cl->name_hash;
}
