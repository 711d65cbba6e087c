/* Re-authentication before sensitive actions: a proof older than reauth_window makes the action ask for the password (and code) first. */
#include "page.h"

#include <string.h>

#include "account.h"
#include "log.h"

#define REAUTH_FAILED	"That did not match. Please try again."
#define REAUTH_PATH	"/account/confirm"
#define REAUTH_WHAT	"go on to the page you asked for"

/*
 * Renders the confirm page for action (a form value) and what (the words),
 * with status and an optional message; next (or NULL) is carried as a form
 * value.
 */
static void
reauth_render(struct ctx *c, int status, const char *action, const char *what,
    int enrolled, const char *message, const char *next)
{
	struct view_dict *dict;

	if ((dict = page_form_dict(c)) == NULL)
		return;
	view_set(dict, "PATH", c->req->path);
	view_set(dict, "WHAT", what);
	if (action != NULL)
		view_set(view_section_add(dict, "ACTION"), "VALUE", action);
	if (next != NULL)
		view_set(view_section_add(dict, "NEXT"), "VALUE", next);
	if (enrolled)
		view_section_add(dict, "CODE");
	if (message != NULL)
		view_set(view_section_add(dict, "MESSAGE"), "TEXT", message);
	page_form_render(c, dict, "reauth", "Confirm it is you", status);
}

/*
 * Checks the confirm page's answers for a's user: the password and, with a
 * second factor, a code, throttled like a sign-in; a success renews the
 * session's proof. Returns 1 proved, 0 wrong (logged), -1 after
 * answering the request (throttled, busy, database).
 */
static int
reauth_check(struct ctx *c, struct account *a)
{
	struct throttle_claim cl;
	int		 rc, factor = 0;

	if (!account_throttle(c, a, &cl))
		return -1;
	rc = account_check_password(a, form_get(&c->req->form, "password"));
	if (rc == 1 && a->enrolled)
		rc = (factor = account_check_factor(c, a,
		    form_get(&c->req->form, "code"), NULL)) > 0 ? 1 : factor;
	if (rc == 1 && sess_prove(&c->env, &c->sess,
	    PROOF_LEVEL(PROOF_PASSWORD | (unsigned)factor)) == -1)
		rc = -2;
	switch (rc) {
	case 1:
		throttle_succeeded(&c->env, a->username, &cl);
		log_event("reauthenticated", "user", a->username, "addr",
		    c->req->remote_addr, "path", c->req->path, NULL);
		return 1;
	case 0:
		log_event("reauth_failed", "user", a->username, "addr",
		    c->req->remote_addr, "path", c->req->path, "reason",
		    "bad credentials", NULL);
		return 0;
	case -1:
		if (factor == 0) {
			page_error(c, 503, "Too many sign-ins at once. "
			    "Please try again in a few seconds.");
			return -1;
		}
		/* FALLTHROUGH */
	default:
		page_db_error(c);
		return -1;
	}
}

/*
 * Lets a sensitive action of the live session go ahead: at once when the
 * session's proof is within reauth_window; else when this very form came
 * from the confirm page with the right password (and code); else answers
 * with the confirm page (again, 401, after a wrong answer). action is the
 * form's "action" value to carry (or NULL), what the action in words; the
 * form's next, when it is a path on this site, is carried too.
 * Returns 1 to carry the action out, 0 with the response made.
 */
int
page_reauth(struct ctx *c, const char *action, const char *what)
{
	struct account	 a;
	const char	*next = form_get(&c->req->form, "next");
	int		 rc;

	if (sess_fresh(&c->env, &c->sess))
		return 1;
	if (!account_of_session(c, &a))
		return 0;
	rc = 0;
	if (next != NULL)
		next = page_login_next(next);
	if (form_get(&c->req->form, "password") == NULL)
		reauth_render(c, 200, action, what, a.enrolled, NULL, next);
	else if ((rc = reauth_check(c, &a)) == 0)
		reauth_render(c, 401, action, what, a.enrolled, REAUTH_FAILED,
		    next);
	account_wipe(&a);
	return rc == 1;
}

/*
 * GET /account/confirm?next=PATH: the confirm page on its own, however
 * recent the session's proof (a location's fresh= may ask for a more recent
 * one than reauth_window); not signed in: 303 to the sign-in form.
 */
void
page_account_confirm_form(struct ctx *c)
{
	struct account	 a;
	struct form	 query;
	const char	*next = NULL;

	if (!account_open(c, &a, REAUTH_PATH))
		return;
	if (form_parse(&query, c->req->query, strlen(c->req->query)) == 0)
		next = page_login_next(form_get(&query, "next"));
	reauth_render(c, 200, NULL, REAUTH_WHAT, a.enrolled, NULL, next);
	form_free(&query);
	account_wipe(&a);
}

/*
 * POST /account/confirm: the password (and code) renew the session's
 * proof, then 303 to next when it is a local path, else to /dashboard;
 * wrong: 401 and the page again.
 */
void
page_account_confirm(struct ctx *c)
{
	struct account	 a;
	const char	*next = page_login_next(form_get(&c->req->form, "next"));
	int		 rc;

	if (!page_session_post(c) || !account_of_session(c, &a))
		return;
	if (form_get(&c->req->form, "password") == NULL)
		reauth_render(c, 200, NULL, REAUTH_WHAT, a.enrolled, NULL, next);
	else if ((rc = reauth_check(c, &a)) == 1)
		http_redirect(c->resp, next != NULL ? next : "/dashboard");
	else if (rc == 0)
		reauth_render(c, 401, NULL, REAUTH_WHAT, a.enrolled,
		    REAUTH_FAILED, next);
	account_wipe(&a);
}
