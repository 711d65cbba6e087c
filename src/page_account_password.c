/* Self-service password change: GET /account/password shows the form, POST checks the current password and sets the new one. */
#include "page.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "log.h"
#include "passwd.h"
#include "scoreboard.h"

#define WRONG_CURRENT	"Your current password (or code) is not right."

/* Renders the form with status and an optional message (role alert, or role status when ok). */
static void
password_render(struct ctx *c, const struct account *a, int status,
    const char *message, int ok)
{
	struct view_dict *dict;

	if ((dict = page_form_dict(c)) == NULL)
		return;
	if (message != NULL)
		view_set(view_section_add(dict, ok ? "DONE" : "MESSAGE"), "TEXT",
		    message);
	if (a->enrolled && !sess_fresh(&c->env, &c->sess))
		view_section_add(dict, "CODE");
	view_set_int(dict, "MIN", PASSWD_MIN);
	page_form_render(c, dict, "account_password", "Change your password",
	    status);
}

/* GET /account/password: the form; 303 to / (and back after sign-in) when not signed in. */
void
page_account_password_form(struct ctx *c)
{
	struct account	 a;

	if (account_open(c, &a, "/account/password"))
		password_render(c, &a, 200, NULL, 0);
	account_wipe(&a);
}

/*
 * Checks the current password (and, with a second factor and no recent
 * proof, a code), throttled like a sign-in. Returns 1 right, 0 wrong
 * (answered: 401 and the form), -1 after answering otherwise.
 */
static int
password_prove(struct ctx *c, struct account *a, struct throttle_claim *cl)
{
	int	 rc;

	if (!account_throttle(c, a, cl))
		return -1;
	rc = account_check_password(a, form_get(&c->req->form, "current"));
	if (rc == 1 && a->enrolled && !sess_fresh(&c->env, &c->sess))
		rc = account_check_factor(c, a, form_get(&c->req->form, "code"),
		    NULL) > 0 ? 1 : 0;
	if (rc == -1) {
		page_error(c, 503, "Too many sign-ins at once. "
		    "Please try again in a few seconds.");
		return -1;
	}
	if (rc == 0) {
		log_event("password_change_refused", "user", a->username, "addr",
		    c->req->remote_addr, "reason", "bad credentials", NULL);
		password_render(c, a, 401, WRONG_CURRENT, 0);
	}
	return rc;
}

/*
 * Sets hash as a's password: the user's auth epoch moves on (every other
 * session, device cookie and sign-in in flight ends) and this browser gets
 * a fresh session of the same assurance and a fresh device cookie.
 * Returns 0, 1 if the password changed meanwhile, -1 on a database failure.
 */
static int
password_set(struct ctx *c, const struct account *a, const char *hash)
{
	struct sess_verified v;
	char		 uid[24];
	const char	*values[3] = { uid, a->password_hash, hash };
	PGresult	*res;
	int		 rc = 1;

	snprintf(uid, sizeof(uid), "%lld", a->user_id);
	if ((res = db_query(c->app->db, SQL_PASSWORD_CHANGE, values, NULL)) == NULL)
		return -1;
	memset(&v, 0, sizeof(v));
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, DB_PASSWORD_EPOCH)) {
		v.proof.user_id = a->user_id;
		v.proof.auth_epoch = strtoll(PQgetvalue(res, 0, DB_PASSWORD_EPOCH), NULL, 10);
		score_add(SC_SESSIONS_PASSWORD_CHANGED, strtoull(PQgetvalue(res,
		    0, DB_PASSWORD_ENDED), NULL, 10));
		v.proof.proved_at = (int64_t)time(NULL);
		v.proof.factors = PROOF_PASSWORD |
		    (c->sess.assurance == 2 ? PROOF_TOTP : 0) |
		    (c->sess.remember_idle > 0 ? PROOF_REMEMBER : 0);
		randombytes_buf(v.proof.id, sizeof(v.proof.id));
		snprintf(v.password_hash, sizeof(v.password_hash), "%s", hash);
		rc = 0;
	}
	PQclear(res);
	if (rc == 0 && (rc = sess_create(&c->env, &c->sess, &v)) == 0)
		sess_device_send(&c->env, &v.proof);
	sodium_memzero(&v, sizeof(v));
	return rc;
}

/* POST /account/password (csrf, current, new, again[, code]): the new password, this session continued on a fresh token. */
void
page_account_password(struct ctx *c)
{
	const char	*fresh = form_get(&c->req->form, "new");
	const char	*again = form_get(&c->req->form, "again");
	const char	*why;
	char		 hash[crypto_pwhash_STRBYTES];
	struct throttle_claim cl;
	struct account	 a;

	if (!page_session_post(c) || !account_of_session(c, &a))
		return;
	if (fresh == NULL || again == NULL || strcmp(fresh, again) != 0)
		password_render(c, &a, 400, "The new passwords do not match.", 0);
	else if ((why = passwd_check(fresh, strlen(fresh))) != NULL) {
		char msg[128];
		snprintf(msg, sizeof(msg), "Not changed: %s.", why);
		password_render(c, &a, 400, msg, 0);
	} else if (password_prove(c, &a, &cl) == 1) {
		if (passwd_hash(fresh, strlen(fresh), hash) != 0)
			page_error(c, 500, "Something went wrong on our side.");
		else switch (password_set(c, &a, hash)) {
		case 0:
			throttle_succeeded(&c->env, a.username, &cl);
			log_event("password_changed", "user", a.username, "addr",
			    c->req->remote_addr, "by", "user", NULL);
			password_render(c, &a, 200, "Your password has been changed. "
			    "You are signed out everywhere else.", 1);
			break;
		case 1:
			page_error(c, 409, "Your password was changed meanwhile. "
			    "Please sign in again.");
			break;
		default:
			page_db_error(c);
		}
		sodium_memzero(hash, sizeof(hash));
	}
	account_wipe(&a);
}
