/* The sign-in page: GET / shows the form, POST /login checks the credentials and starts a session. */
#include "page.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "passwd.h"
#include "scoreboard.h"
#include "throttle.h"

#define LOGIN_FAILED	"Invalid username or password."
#define NEXT_MAX	512

/*
 * Returns next if it is a path on this site that is safe to redirect to
 * (one leading '/', no "//" or "/\\" authority trick, no backslash, no
 * white space or control character), else the dashboard.
 */
static const char *
login_next(const char *next)
{
	const unsigned char *p;

	if (next == NULL || next[0] != '/' || next[1] == '/' ||
	    next[1] == '\\' || strlen(next) > NEXT_MAX)
		return "/dashboard";
	for (p = (const unsigned char *)next; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f || *p == '\\')
			return "/dashboard";
	return next;
}

/* Renders the sign-in form with status, an optional message, the name typed before and where to go next. */
static void
login_render(struct ctx *c, int status, const char *message,
    const char *username, const char *next)
{
	struct view_dict *dict;
	char		 csrf[TOKEN_CSRF_SIZE];

	if ((dict = view_dict_new()) == NULL) {
		page_error(c, 500, "Out of memory.");
		return;
	}
	sess_login_csrf(c, csrf);
	view_set(dict, "CSRF", csrf);
	view_set(dict, "USERNAME", username);
	if (strcmp(next, "/dashboard") != 0)
		view_set(view_section_add(dict, "NEXT"), "PATH", next);
	if (message != NULL)
		view_set(view_section_add(dict, "MESSAGE"), "TEXT", message);
	c->resp->status = status;
	c->resp->no_store = 1;
	page_render(c, "login", "Sign in", dict);
	view_dict_free(dict);
}

/* GET /[?next=PATH]: the form, or a redirect onwards for a visitor already signed in. */
void
page_login_form(struct ctx *c)
{
	struct form	 query;
	const char	*next = "/dashboard";

	if (form_parse(&query, c->req->query, strlen(c->req->query)) == 0)
		next = login_next(form_get(&query, "next"));
	switch (sess_load(c)) {
	case 1:
		http_redirect(c->resp, next);
		break;
	case -1:
		page_db_error(c);
		break;
	default:
		login_render(c, 200, NULL, "", next);
	}
	form_free(&query);
}

/*
 * Checks name and password against the users table. An unknown or disabled
 * user is verified against a dummy hash, so every failure takes the same
 * time. Returns the user id, 0 for bad credentials (*disabled set when
 * they were right for a disabled user), -1 on a database failure.
 */
static long long
login_check(struct ctx *c, const char *name, const char *pw, size_t pwlen,
    int *disabled)
{
	const char	*values[2] = { name, NULL };
	char		 fresh[crypto_pwhash_STRBYTES];
	PGresult	*res;
	long long	 id = 0;
	int		 found, ok;

	if ((res = db_query(c->app->db, SQL_USER_LOOKUP, values, NULL)) == NULL)
		return -1;
	found = PQntuples(res) == 1;
	ok = passwd_verify(found ? PQgetvalue(res, 0, DB_USER_HASH) :
	    passwd_dummy_hash(), pw, pwlen);
	if (found && ok && PQgetvalue(res, 0, DB_USER_DISABLED)[0] == 'f')
		id = strtoll(PQgetvalue(res, 0, DB_USER_ID), NULL, 10);
	*disabled = found && ok && id == 0;
	if (id > 0 && passwd_needs_rehash(PQgetvalue(res, 0, DB_USER_HASH)) &&
	    passwd_hash(pw, pwlen, fresh) == 0) {
		PGresult *up;
		values[0] = PQgetvalue(res, 0, DB_USER_ID);
		values[1] = fresh;
		if ((up = db_query(c->app->db, SQL_USER_REHASH, values, NULL)))
			PQclear(up);
		log_event("password_rehashed", "user", name, NULL);
	}
	PQclear(res);
	return id;
}

/*
 * Answers 429 with Retry-After for an attempt that must still wait, or the
 * database error. Returns -1, for login_attempt to pass on.
 */
static long long
login_refused(struct ctx *c, const char *name, int wait)
{
	char	 retry[16];

	if (wait < 0) {
		page_db_error(c);
		return -1;
	}
	snprintf(retry, sizeof(retry), "%d", wait);
	score_count(SC_SIGNIN_THROTTLED);
	log_event("login_throttled", "user", name, "addr", c->req->remote_addr,
	    "reason", "too many failures", "retry_after", retry, NULL);
	http_header(c->resp, "Retry-After", retry);
	page_error(c, 429, "Too many failed sign-ins. "
	    "Please wait a little and try again.");
	return -1;
}

/*
 * Checks the attempt while holding one of the pool's hash slots, once the
 * throttle has let it go ahead (and counted it); a password of unacceptable
 * length is refused without hashing, but only then, like any other guess.
 * Returns the user id, 0 for bad credentials (*disabled as login_check
 * sets it), -1 after answering the request itself (busy, throttled or no
 * database).
 */
static long long
login_attempt(struct ctx *c, const char *name, const char *pw, size_t pwlen,
    int *disabled)
{
	long long	 id = 0;
	int		 wait, slot;

	if ((slot = passwd_slot_take()) == -1) {
		score_count(SC_SIGNIN_BUSY);
		log_event("login_busy", "addr", c->req->remote_addr, NULL);
		page_error(c, 503, "Too many sign-ins at once. "
		    "Please try again in a few seconds.");
		return -1;
	}
	if ((wait = throttle_attempt(c, name)) != 0)
		id = login_refused(c, name, wait);
	else if (pw != NULL && passwd_check(pw, pwlen) == NULL &&
	    (id = login_check(c, name, pw, pwlen, disabled)) == -1)
		page_db_error(c);
	passwd_slot_give(slot);
	return id;
}

/* POST /login: a fresh session and 303 to next, or 401 with the form again. */
void
page_login(struct ctx *c)
{
	const char	*name = form_get(&c->req->form, "username");
	const char	*pw = form_get(&c->req->form, "password");
	const char	*next = login_next(form_get(&c->req->form, "next"));
	size_t		 pwlen = pw ? strlen(pw) : 0;
	long long	 id = 0;
	int		 disabled = 0;

	if (!sess_login_csrf_ok(c, form_get(&c->req->form, "csrf"))) {
		score_count(SC_SIGNIN_CSRF);
		log_event("csrf_rejected", "path", c->req->path, "user", name,
		    "addr", c->req->remote_addr, "reason", "bad csrf", NULL);
		page_error(c, 403, "This sign-in form has expired. "
		    "Go back, reload the page and try again.");
		return;
	}
	if (name == NULL)
		name = "";
	if (*name != '\0' && strlen(name) <= DB_USERNAME_MAX &&
	    (id = login_attempt(c, name, pw, pwlen, &disabled)) == -1)
		return;
	if (id == 0) {
		score_count(disabled ? SC_SIGNIN_DISABLED : SC_SIGNIN_FAILED);
		log_event("login_failed", "user", name, "addr",
		    c->req->remote_addr, "reason", "bad credentials", NULL);
		login_render(c, 401, LOGIN_FAILED, name, next);
		return;
	}
	if (sess_create(c, id) == -1) {
		page_db_error(c);
		return;
	}
	throttle_succeeded(c, name);
	score_count(SC_SIGNIN_OK);
	log_event("login_ok", "user", name, "addr", c->req->remote_addr, NULL);
	http_redirect(c->resp, next);
}
