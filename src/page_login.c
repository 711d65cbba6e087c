/* The sign-in page: GET / shows the form, POST /login checks the credentials and starts a session. */
#include "page.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "passwd.h"
#include "scoreboard.h"
#include "text.h"
#include "throttle.h"

#define LOGIN_FAILED	"Invalid username or password."

/*
 * Returns next if it is a path on this site that is safe to redirect to
 * (one leading '/', no "//" or "/\\" authority trick, no backslash, no
 * white space or control character), else the dashboard.
 */
const char *
page_login_next(const char *next)
{
	const unsigned char *p;

	if (next == NULL || next[0] != '/' || next[1] == '/' ||
	    next[1] == '\\' || strlen(next) > PAGE_NEXT_MAX)
		return "/dashboard";
	for (p = (const unsigned char *)next; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f || *p == '\\')
			return "/dashboard";
	return next;
}

/*
 * Writes path, and "?next=" with next percent-encoded (but for '/') when
 * next is a path other than the dashboard, into url. Returns url, or path
 * alone when next does not fit.
 */
const char *
page_next_url(char url[PAGE_NEXT_URL_MAX], const char *path, const char *next)
{
	size_t	 o = (size_t)snprintf(url, PAGE_NEXT_URL_MAX, "%s?next=", path);

	if (next == NULL || strcmp(next, "/dashboard") == 0 ||
	    o >= PAGE_NEXT_URL_MAX ||
	    text_percent_encode(next, "/", url + o, PAGE_NEXT_URL_MAX - o) == -1)
		snprintf(url, PAGE_NEXT_URL_MAX, "%s", path);
	return url;
}

/*
 * Renders a sign-in step, template tpl (the form, or the code step) titled
 * title, with status, an optional message, the name typed before (or
 * NULL) and where to go next.
 */
void
page_login_render(struct ctx *c, const char *tpl, const char *title,
    int status, const char *message, const char *username, const char *next)
{
	struct view_dict *dict;
	char		 csrf[TOKEN_CSRF_SIZE];

	if ((dict = view_dict_new()) == NULL) {
		page_error(c, 500, "Out of memory.");
		return;
	}
	sess_login_csrf(&c->env, csrf);
	view_set(dict, "CSRF", csrf);
	if (username != NULL)
		view_set(dict, "USERNAME", username);
	if (strcmp(next, "/dashboard") != 0)
		view_set(view_section_add(dict, "NEXT"), "PATH", next);
	if (message != NULL)
		view_set(view_section_add(dict, "MESSAGE"), "TEXT", message);
	c->resp->status = status;
	c->resp->no_store = 1;
	page_render(c, tpl, title, dict);
	view_dict_free(dict);
}

/* GET /[?next=PATH]: the form, or a redirect onwards for a visitor already signed in. */
void
page_login_form(struct ctx *c)
{
	struct form	 query;
	const char	*next = "/dashboard";

	if (form_parse(&query, c->req->query, strlen(c->req->query)) == 0)
		next = page_login_next(form_get(&query, "next"));
	switch (sess_load(&c->env, &c->sess)) {
	case 1:
		http_redirect(c->resp, next);
		break;
	case -1:
		page_db_error(c);
		break;
	default:
		page_login_render(c, "login", "Sign in", 200, NULL, "", next);
	}
	form_free(&query);
}

/*
 * Checks name and password against the users table. An unknown or disabled
 * user is verified against a dummy hash, so every failure takes the same
 * time. Returns 1 with what was verified in *v, 0 for bad credentials
 * (*disabled set when they were right for a disabled user), -1 on a
 * database failure.
 */
static int
login_check(struct ctx *c, const char *name, const char *pw, size_t pwlen,
    struct sess_verified *v, int *disabled)
{
	const char	*values[1] = { name };
	PGresult	*res = NULL;
	int		 found = 0, ok;

	/* A name that is not a valid username has no account: no lookup. */
	if (text_username_problem(name) == NULL) {
		if ((res = db_query(c->app->db, SQL_USER_LOOKUP, values,
		    NULL)) == NULL)
			return -1;
		found = PQntuples(res) == 1;
	}
	ok = passwd_verify(found ? PQgetvalue(res, 0, DB_USER_HASH) :
	    passwd_dummy_hash(), pw, pwlen) && found;
	*disabled = ok && PQgetvalue(res, 0, DB_USER_DISABLED)[0] != 'f';
	ok = ok && !*disabled &&
	    strlen(PQgetvalue(res, 0, DB_USER_HASH)) < sizeof(v->password_hash);
	if (ok) {
		v->proof.user_id = strtoll(PQgetvalue(res, 0, DB_USER_ID), NULL,
		    10);
		v->proof.auth_epoch = strtoll(PQgetvalue(res, 0, DB_USER_EPOCH),
		    NULL, 10);
		v->proof.proved_at = (int64_t)time(NULL);
		v->proof.factors = PROOF_PASSWORD | (form_get(&c->req->form,
		    "remember") != NULL ? PROOF_REMEMBER : 0);
		v->second_factor = PQgetvalue(res, 0, DB_USER_SECOND_FACTOR)[0] == 't';
		randombytes_buf(v->proof.id, sizeof(v->proof.id));
		snprintf(v->password_hash, sizeof(v->password_hash), "%s",
		    PQgetvalue(res, 0, DB_USER_HASH));
	}
	PQclear(res);
	return ok;
}

/*
 * Upgrades the hash just verified when it is weaker than configured, only
 * if it is still the stored one (a password change in between wins); logs
 * password_rehashed only when the row changed.
 */
static void
login_rehash(struct ctx *c, const char *name, const struct sess_verified *v,
    const char *pw, size_t pwlen)
{
	char		 fresh[crypto_pwhash_STRBYTES], id[24];
	const char	*values[3] = { id, fresh, v->password_hash };
	PGresult	*res;

	if (!passwd_needs_rehash(v->password_hash) ||
	    passwd_hash(pw, pwlen, fresh) != 0)
		return;
	snprintf(id, sizeof(id), "%lld", v->proof.user_id);
	if ((res = db_query(c->app->db, SQL_USER_REHASH, values, NULL)) == NULL)
		return;		/* logged by db_query */
	if (PQntuples(res) == 1)
		log_event("password_rehashed", "user", name, NULL);
	PQclear(res);
}

/* Redirects to the second-factor step, passing next on. */
static void
login_code_redirect(struct ctx *c, const char *next)
{
	char	 url[PAGE_NEXT_URL_MAX];

	http_redirect(c->resp, page_next_url(url, "/login/code", next));
}

/* Logs an attempt's outcome with the name (or its keyed hash, when no account has it) and address. */
static void
login_log(struct ctx *c, const char *event, const char *name,
    const struct throttle_claim *cl, const char *reason, const char *retry)
{
	const char	*key, *who = throttle_log_name(cl, name, &key);

	log_event(event, key, who, "addr", c->req->remote_addr, "reason", reason,
	    "device", cl->device ? "known" : "unknown",
	    retry != NULL ? "retry_after" : NULL, retry, NULL);
}

/* Answers 429 with Retry-After for an attempt that must still wait. Returns -1, for login_attempt to pass on. */
static int
login_refused(struct ctx *c, const char *name, const struct throttle_claim *cl)
{
	char	 retry[16];

	snprintf(retry, sizeof(retry), "%d", cl->retry);
	score_count(SC_SIGNIN_THROTTLED);
	login_log(c, "login_throttled", name, cl, "too many failures", retry);
	http_header(c->resp, "Retry-After", retry);
	page_error(c, 429, "Too many failed sign-ins. "
	    "Please wait a little and try again.");
	return -1;
}

/*
 * Checks the attempt while holding one of the pool's hash slots, once the
 * throttle has let it go ahead (and counted it); a password of unacceptable
 * length is refused without hashing, but only then, like any other guess.
 * A verified password makes the session, unless the account changed since
 * it was read (password, disable, revoke: then it is a failure like any
 * other), and then upgrades the hash if it must.
 * A user with a second factor gets no session here: 2, for the caller to
 * send the pending state (the attempt stays counted until the code).
 * Returns 1 signed in (*v says as whom), 2 password right but a code is
 * still needed, 0 for bad credentials (*disabled as login_check sets it),
 * -1 after answering the request itself (busy, throttled or no database).
 */
static int
login_attempt(struct ctx *c, const char *name, const char *pw, size_t pwlen,
    struct throttle_claim *cl, struct sess_verified *v, int *disabled)
{
	struct proof	 device;
	int		 rc = 0, slot;

	if ((slot = passwd_slot_take()) == -1) {
		score_count(SC_SIGNIN_BUSY);
		log_event("login_busy", "addr", c->req->remote_addr, NULL);
		page_error(c, 503, "Too many sign-ins at once. "
		    "Please try again in a few seconds.");
		return -1;
	}
	if (throttle_attempt(&c->env, name, sess_device_read(&c->env, &device) ?
	    &device : NULL, cl) == -1)
		rc = -1;
	else if (cl->retry > 0)
		rc = login_refused(c, name, cl);
	else if (pw != NULL && passwd_check(pw, pwlen) == NULL &&
	    (rc = login_check(c, name, pw, pwlen, v, disabled)) == 1) {
		switch (v->second_factor ? 2 : sess_create(&c->env, &c->sess, v)) {
		case 2:
			rc = 2;
			break;
		case 0:
			login_rehash(c, name, v, pw, pwlen);
			break;
		case 1:
			login_log(c, "login_raced", name, cl,
			    "account changed during sign-in", NULL);
			rc = 0;
			break;
		default:
			rc = -1;
		}
	}
	if (rc == -1 && cl->retry == 0)
		page_db_error(c);
	passwd_slot_give(slot);
	sodium_memzero(&device, sizeof(device));
	return rc;
}

/*
 * POST /login: a fresh session, a fresh device cookie and 303 to next, or
 * 401 with the form again.
 */
void
page_login(struct ctx *c)
{
	const char	*name = form_get(&c->req->form, "username");
	const char	*pw = form_get(&c->req->form, "password");
	const char	*next = page_login_next(form_get(&c->req->form, "next"));
	size_t		 pwlen = pw ? strlen(pw) : 0;
	struct throttle_claim cl;
	struct sess_verified v;
	char		 hash[TOKEN_NAME_HASH_SIZE];
	int		 rc, disabled = 0;

	if (name == NULL)
		name = "";
	if (!sess_login_csrf_ok(&c->env, form_get(&c->req->form, "csrf"))) {
		score_count(SC_SIGNIN_CSRF);
		token_name_hash(c->app->keys, name, strlen(name), hash);
		log_event("csrf_rejected", "path", c->req->path, "name_hash",
		    hash, "addr", c->req->remote_addr, "reason", "bad csrf",
		    NULL);
		page_error(c, 403, "This sign-in form has expired. "
		    "Go back, reload the page and try again.");
		return;
	}
	if ((rc = login_attempt(c, name, pw, pwlen, &cl, &v, &disabled)) == -1)
		goto out;
	if (rc == 0) {
		score_count(disabled ? SC_SIGNIN_DISABLED : SC_SIGNIN_FAILED);
		login_log(c, "login_failed", name, &cl, "bad credentials", NULL);
		page_login_render(c, "login", "Sign in", 401, LOGIN_FAILED, name,
		    next);
		goto out;
	}
	if (rc == 2) {
		throttle_halfway(&c->env, &cl);
		sess_pending_send(&c->env, &v.proof);
		log_event("login_password_ok", "user", name, "addr",
		    c->req->remote_addr, "next_step", "second factor", NULL);
		login_code_redirect(c, next);
		goto out;
	}
	throttle_succeeded(&c->env, name, &cl);
	sess_device_send(&c->env, &v.proof);
	score_count(SC_SIGNIN_OK);
	log_event("login_ok", "user", name, "addr", c->req->remote_addr,
	    "device", cl.device ? "known" : "unknown", NULL);
	http_redirect(c->resp, next);
out:
	sodium_memzero(&v, sizeof(v));
}
