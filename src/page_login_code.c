/* The sign-in's second step: GET /login/code asks for a TOTP or recovery code, POST /login/code checks it and starts the session. */
#include "page.h"

#include <string.h>

#include "account.h"
#include "log.h"
#include "scoreboard.h"

#define CODE_FAILED	"That code is not valid. Try the current one."
#define CODE_EXPIRED	"This sign-in has expired. Please sign in again."

/* Renders the code form with status, an optional message and where to go next. */
static void
code_render(struct ctx *c, int status, const char *message, const char *next)
{
	page_login_render(c, "login_code", "Two-step verification", status,
	    message, NULL, next);
}

/* GET /login/code[?next=PATH]: the code form while a password step is pending, else 303 to the sign-in form. */
void
page_login_code_form(struct ctx *c)
{
	struct form	 query;
	struct proof	 p;
	const char	*next = "/dashboard";

	if (form_parse(&query, c->req->query, strlen(c->req->query)) == 0)
		next = page_login_next(form_get(&query, "next"));
	if (sess_pending_read(&c->env, &p))
		code_render(c, 200, NULL, next);
	else
		http_redirect(c->resp, "/");
	sodium_memzero(&p, sizeof(p));
	form_free(&query);
}

/*
 * Checks the code against the pending user's second factor, throttled
 * like a sign-in. Returns 1 with the session made, 0 for a wrong code
 * (answered: 401 and the form), -1 after answering otherwise (expired,
 * throttled, database).
 */
static int
code_attempt(struct ctx *c, const struct proof *p, const char *next,
    struct throttle_claim *cl, struct account *a)
{
	struct sess_verified v;
	int		 rc;

	if ((rc = account_load(c, p->user_id, a)) == -1) {
		page_db_error(c);
		return -1;
	}
	if (rc == 0 || a->auth_epoch != p->auth_epoch || !a->enrolled) {
		page_error(c, 403, CODE_EXPIRED);
		return -1;
	}
	if (!account_throttle(c, a, cl))
		return -1;
	rc = account_check_factor(c, a, form_get(&c->req->form, "code"),
	    form_get(&c->req->form, "recovery"));
	memset(&v, 0, sizeof(v));
	if (rc > 0) {
		v.proof = *p;
		v.proof.factors |= (unsigned)rc;
		memcpy(v.password_hash, a->password_hash, sizeof(v.password_hash));
		if ((rc = sess_create(&c->env, &c->sess, &v)) == 0)
			rc = 1;
		else if (rc == 1) {	/* the account changed meanwhile */
			page_error(c, 403, CODE_EXPIRED);
			rc = -1;
		} else
			page_db_error(c);
		if (rc == 1)
			log_event("login_ok", "user", a->username, "addr",
			    c->req->remote_addr, "factor", v.proof.factors &
			    PROOF_TOTP ? "totp" : "recovery code", "device",
			    cl->device ? "known" : "unknown", NULL);
	} else if (rc == 0) {
		score_count(SC_SIGNIN_FAILED);
		log_event("login_failed", "user", a->username, "addr",
		    c->req->remote_addr, "reason", "bad second factor", "device",
		    cl->device ? "known" : "unknown", NULL);
		code_render(c, 401, CODE_FAILED, next);
	} else
		page_db_error(c);
	sodium_memzero(&v, sizeof(v));
	return rc;
}

/* POST /login/code: the session, a fresh device cookie and 303 to next; or 401 with the form again. */
void
page_login_code(struct ctx *c)
{
	const char	*next = page_login_next(form_get(&c->req->form, "next"));
	struct throttle_claim cl;
	struct account	 a;
	struct proof	 p;

	memset(&a, 0, sizeof(a));
	if (!sess_login_csrf_ok(&c->env, form_get(&c->req->form, "csrf"))) {
		score_count(SC_SIGNIN_CSRF);
		log_event("csrf_rejected", "path", c->req->path, "addr",
		    c->req->remote_addr, "reason", "bad csrf", NULL);
		page_error(c, 403, "This sign-in form has expired. "
		    "Go back, reload the page and try again.");
		return;
	}
	if (!sess_pending_read(&c->env, &p)) {
		page_error(c, 403, CODE_EXPIRED);
		return;
	}
	if (code_attempt(c, &p, next, &cl, &a) == 1) {
		throttle_succeeded(&c->env, a.username, &cl);
		sess_device_send(&c->env, &p);
		sess_pending_clear(&c->env);
		score_count(SC_SIGNIN_OK);
		http_redirect(c->resp, next);
	}
	account_wipe(&a);
	sodium_memzero(&p, sizeof(p));
}
