/* A signed-in or half-signed-in user's proofs: their password, TOTP code or recovery code, checked and throttled like sign-in. */
#include "account.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "page.h"
#include "log.h"
#include "passwd.h"
#include "recovery.h"
#include "vault.h"

#define SEALED_MAX	VAULT_SEALED_SIZE(TOTP_SECRET_BYTES)

/*
 * Opens a sealed secret given as bytea text ("\x" and hex).
 * Returns 1 with it in a->secret, or 0 if it does not decode or open (a
 * lost secret_file, a row moved between users): logged.
 */
static int
account_open_secret(struct ctx *c, struct account *a, const char *text)
{
	unsigned char	 sealed[SEALED_MAX];
	size_t		 len = 0;
	int		 ok;

	ok = text[0] == '\\' && text[1] == 'x' &&
	    sodium_hex2bin(sealed, sizeof(sealed), text + 2, strlen(text + 2),
	    NULL, &len, NULL) == 0 &&
	    vault_open(c->app->keys, a->user_id, sealed, len, a->secret,
	    sizeof(a->secret)) == TOTP_SECRET_BYTES;
	if (!ok)
		log_event("second_factor_unreadable", "user", a->username,
		    "reason", "no configured secret opens it", NULL);
	sodium_memzero(sealed, sizeof(sealed));
	return ok;
}

/*
 * Reads user_id's name, password hash, epoch and second factor (opened)
 * into a. Returns 1, 0 if no enabled user has that id, -1 on a database
 * failure.
 */
int
account_load(struct ctx *c, long long user_id, struct account *a)
{
	char		 uid[24];
	const char	*values[1] = { uid };
	PGresult	*res;
	int		 found;

	memset(a, 0, sizeof(*a));
	snprintf(uid, sizeof(uid), "%lld", user_id);
	if ((res = db_query(c->app->db, SQL_FACTOR_READ, values, NULL)) == NULL)
		return -1;
	found = PQntuples(res) == 1 &&
	    strlen(PQgetvalue(res, 0, DB_FACTOR_USERNAME)) < sizeof(a->username) &&
	    strlen(PQgetvalue(res, 0, DB_FACTOR_HASH)) < sizeof(a->password_hash);
	if (found) {
		a->user_id = user_id;
		snprintf(a->username, sizeof(a->username), "%s",
		    PQgetvalue(res, 0, DB_FACTOR_USERNAME));
		snprintf(a->password_hash, sizeof(a->password_hash), "%s",
		    PQgetvalue(res, 0, DB_FACTOR_HASH));
		a->auth_epoch = strtoll(PQgetvalue(res, 0, DB_FACTOR_EPOCH), NULL, 10);
		a->has_secret = !PQgetisnull(res, 0, DB_FACTOR_SECRET) &&
		    account_open_secret(c, a, PQgetvalue(res, 0, DB_FACTOR_SECRET));
		a->enrolled = PQgetvalue(res, 0, DB_FACTOR_CONFIRMED)[0] == 't';
		a->last_step = strtoll(PQgetvalue(res, 0, DB_FACTOR_LAST_STEP), NULL,
		    10);
	}
	PQclear(res);
	return found;
}

/*
 * Loads the live session's account into a. Returns 1, or 0 with the
 * response made (303 to / when the user is gone, or the database error).
 */
int
account_of_session(struct ctx *c, struct account *a)
{
	int	 rc = account_load(c, c->sess.user_id, a);

	if (rc == 0)
		http_redirect(c->resp, "/");
	else if (rc == -1)
		page_db_error(c);
	return rc == 1;
}

/*
 * For GET of an account page at path: loads the session and its account.
 * Returns 1, or 0 with the response made (not signed in: 303 to the
 * sign-in form, which comes back to path; or the database error).
 */
int
account_open(struct ctx *c, struct account *a, const char *path)
{
	char	 url[64];

	memset(a, 0, sizeof(*a));
	switch (sess_load(&c->env, &c->sess)) {
	case -1:
		page_db_error(c);
		return 0;
	case 0:
		snprintf(url, sizeof(url), "/?next=%s", path);
		http_redirect(c->resp, url);
		return 0;
	}
	return account_of_session(c, a);
}

/* Erases the secret and hash account_load read. */
void
account_wipe(struct account *a)
{
	sodium_memzero(a, sizeof(*a));
}

/*
 * Claims an attempt at one of a's proofs from the sign-in throttle (the
 * account's or this browser's device key, and the address), as a sign-in
 * attempt would. Returns 1 to go ahead, or 0 after answering the request
 * itself (429 with Retry-After, or the database error).
 */
int
account_throttle(struct ctx *c, const struct account *a,
    struct throttle_claim *cl)
{
	struct proof	 device;
	char		 retry[16];
	int		 rc;

	rc = throttle_attempt(&c->env, a->username,
	    sess_device_read(&c->env, &device) ? &device : NULL, cl);
	sodium_memzero(&device, sizeof(device));
	if (rc == -1) {
		page_db_error(c);
		return 0;
	}
	if (cl->retry == 0)
		return 1;
	snprintf(retry, sizeof(retry), "%d", cl->retry);
	log_event("login_throttled", "user", a->username, "addr",
	    c->req->remote_addr, "reason", "too many failures", "path",
	    c->req->path, "retry_after", retry, NULL);
	http_header(c->resp, "Retry-After", retry);
	page_error(c, 429, "Too many failed attempts. "
	    "Please wait a little and try again.");
	return 0;
}

/*
 * Verifies pw against a's password hash, holding one of the pool's hash
 * slots; a password of unacceptable length is wrong without hashing.
 * Returns 1 right, 0 wrong, -1 when every slot is busy (nothing checked).
 */
int
account_check_password(const struct account *a, const char *pw)
{
	size_t	 len = pw != NULL ? strlen(pw) : 0;
	int	 slot, ok;

	if (pw == NULL || passwd_check(pw, len) != NULL)
		return 0;
	if ((slot = passwd_slot_take()) == -1)
		return -1;
	ok = passwd_verify(a->password_hash, pw, len);
	passwd_slot_give(slot);
	return ok;
}

/* Stores the TOTP step just matched, atomically after the last one used. Returns 1 taken, 0 already used, -1 on a database failure. */
static int
account_take_step(struct ctx *c, struct account *a, int64_t step)
{
	unsigned char	 sealed[SEALED_MAX];
	char		 uid[24], st[24];
	const char	*values[3] = { uid, st, (const char *)sealed };
	int		 lengths[3] = { 0, 0, 0 }, n;
	PGresult	*res;

	if ((n = account_seal(c, a, sealed, sizeof(sealed))) < 0)
		return -1;
	lengths[2] = n;
	snprintf(uid, sizeof(uid), "%lld", a->user_id);
	snprintf(st, sizeof(st), "%lld", (long long)step);
	res = db_query(c->app->db, SQL_FACTOR_USE, values, lengths);
	sodium_memzero(sealed, sizeof(sealed));
	if (res == NULL)
		return -1;
	n = PQntuples(res) == 1;
	PQclear(res);
	if (n)
		a->last_step = step;
	return n;
}

/* Spends recovery code canon of a's user. Returns 1 spent now, 0 unknown or spent before, -1 on a database failure. */
static int
account_spend_recovery(struct ctx *c, const struct account *a, const char *canon)
{
	unsigned char	 hash[RECOVERY_HASH_BYTES];
	char		 uid[24];
	const char	*values[2] = { uid, (const char *)hash };
	int		 lengths[2] = { 0, RECOVERY_HASH_BYTES }, n;
	PGresult	*res;

	recovery_hash(canon, hash);
	snprintf(uid, sizeof(uid), "%lld", a->user_id);
	if ((res = db_query(c->app->db, SQL_RECOVERY_USE, values, lengths)) == NULL)
		return -1;
	n = PQntuples(res) == 1;
	PQclear(res);
	return n;
}

/*
 * Checks a second factor of an enrolled user: code (a TOTP code, used
 * once: its step must come after the last one used) or, when code is
 * empty, recovery (a recovery code, spent). Returns PROOF_TOTP or
 * PROOF_RECOVERY for a proof just taken, 0 for a wrong, reused or missing
 * one, -1 on a database failure.
 */
int
account_check_factor(struct ctx *c, struct account *a, const char *code,
    const char *recovery)
{
	char	 digits[TOTP_DIGITS + 1], canon[RECOVERY_CHARS + 1];
	int64_t	 step;
	int	 rc = 0;

	if (!a->enrolled)
		return 0;
	if (code != NULL && *code != '\0') {
		if (!a->has_secret || totp_code_parse(code, digits) == -1)
			return 0;
		if ((step = totp_verify(a->secret, sizeof(a->secret), digits,
		    time(NULL), a->last_step)) < 0)
			return -1;
		if (step > 0 && (rc = account_take_step(c, a, step)) == 1)
			rc = PROOF_TOTP;
	} else if (recovery != NULL && recovery_parse(recovery, canon) == 0) {
		if ((rc = account_spend_recovery(c, a, canon)) == 1)
			rc = PROOF_RECOVERY;
		sodium_memzero(canon, sizeof(canon));
	}
	return rc;
}

/* Seals a's secret for its row (under the first configured secret). Returns its length, or -1. */
int
account_seal(struct ctx *c, const struct account *a, unsigned char *out,
    size_t outsz)
{
	return vault_seal(c->app->keys, a->user_id, a->secret, sizeof(a->secret),
	    out, outsz);
}
