/* The gateway: nginx auth_request (GET /auth) and Apache's FastCGI AUTHORIZER role, one judgement. */
#include "page.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bearer.h"
#include "log.h"
#include "rule.h"
#include "scoreboard.h"

#define AUTH_NEXT_MAX	(3 * HTTP_PATH_MAX + 16)	/* "/?next=" and a URI, percent-encoded */
#define AUTH_KEY_MAX	300			/* "bearer:" and a client address */

/* One identity header: its name for nginx (X-Tessera-*) and for Apache (Variable-*). */
struct auth_header {
	const char	*nginx;
	const char	*apache;
};

static const struct auth_header auth_user = { "X-Tessera-User", "Variable-REMOTE_USER" };
static const struct auth_header auth_groups = { "X-Tessera-Groups", "Variable-TESSERA_GROUPS" };
static const struct auth_header auth_name = { "X-Tessera-Name", "Variable-TESSERA_NAME" };
static const struct auth_header auth_email = { "X-Tessera-Email", "Variable-TESSERA_EMAIL" };
static const struct auth_header auth_level = { "X-Tessera-Assurance", "Variable-TESSERA_ASSURANCE" };

/*
 * Adds the identity of an allowed request: user, groups, name and email
 * when set, assurance level; under the Apache names when apache is set.
 */
static void
page_auth_identity(struct ctx *c, int apache)
{
	const struct sess_identity *id = &c->sess.identity;
	char		 level[8];

#define AUTH_NAME(h)	(apache ? (h).apache : (h).nginx)
	http_header_encoded(c->resp, AUTH_NAME(auth_user), c->sess.username);
	if (id->groups[0] != '\0')
		http_header(c->resp, AUTH_NAME(auth_groups), id->groups);
	if (id->display_name[0] != '\0')
		http_header_encoded(c->resp, AUTH_NAME(auth_name), id->display_name);
	if (id->email[0] != '\0')
		http_header_encoded(c->resp, AUTH_NAME(auth_email), id->email);
	snprintf(level, sizeof(level), "%d", c->sess.assurance);
	http_header(c->resp, AUTH_NAME(auth_level), level);
#undef AUTH_NAME
}

/*
 * Authenticates the request's bearer token in one statement (which also
 * throttles addresses that send unknown tokens and notes the token's last
 * use, at most once per touch_interval). Returns 1 with the user's
 * identity in the session (a token is no proof: assurance 1 and no proof
 * time, so factor=2 and fresh= refuse it), 0 for a malformed, unknown,
 * expired or throttled token (logged, never the token), or -1 on a
 * database failure.
 */
static int
page_auth_bearer(struct ctx *c)
{
	struct sess_identity *id = &c->sess.identity;
	unsigned char	 hash[TOKEN_BYTES];
	char		 key[AUTH_KEY_MAX], touch[16];
	const char	*values[3] = { (const char *)hash, key, touch }, *why;
	int		 lengths[3] = { TOKEN_BYTES, 0, 0 };
	PGresult	*res;

	if (!bearer_parse(c->req->authorization, hash)) {
		log_event("bearer_rejected", "reason", "malformed", "addr",
		    c->req->remote_addr, NULL);
		return 0;
	}
	snprintf(key, sizeof(key), "bearer:%s", c->req->remote_addr);
	snprintf(touch, sizeof(touch), "%d", c->app->cfg->touch_interval);
	if ((res = db_query(c->app->db, SQL_BEARER_AUTH, values, lengths)) == NULL)
		return -1;
	if (strcmp((why = PQgetvalue(res, 0, 0)), "ok") != 0) {
		log_event("bearer_rejected", "reason", why, "addr",
		    c->req->remote_addr, NULL);
		PQclear(res);
		return 0;
	}
	snprintf(c->sess.username, sizeof(c->sess.username), "%s",
	    PQgetvalue(res, 0, 1));
	id->groups = strdup(PQgetvalue(res, 0, 2));
	id->display_name = strdup(PQgetvalue(res, 0, 3));
	id->email = strdup(PQgetvalue(res, 0, 4));
	c->sess.assurance = 1;
	c->sess.proof_age = -1;
	PQclear(res);
	return id->groups && id->display_name && id->email ? 1 : -1;
}

/*
 * Parses the location's rule (TESSERA_REQUIRE), loads the session with
 * its identity (one statement, a write only past touch_interval), or
 * the bearer token's when an Authorization: Bearer header came, and
 * judges it. Returns 1 with *verdict set, 0 when there is no live
 * session, or -1 after answering (500 for a bad rule, logged; a database
 * failure).
 */
static int
page_auth_judge(struct ctx *c, enum rule_verdict *verdict)
{
	struct rule		 rule;
	struct rule_subject	 who;
	char			 err[160];
	int			 live;

	c->resp->no_store = 1;
	if (rule_parse(c->req->require, strlen(c->req->require), &rule, err,
	    sizeof(err)) == -1) {
		log_event("rule_invalid", "rule", c->req->require, "error", err,
		    NULL);
		page_error(c, 500, "This location's access rule is invalid.");
		return -1;
	}
	c->sess.want_identity = 1;
	if (c->req->authorization != NULL &&
	    bearer_is_scheme(c->req->authorization))
		live = page_auth_bearer(c);
	else
		live = sess_load(&c->env, &c->sess);
	if (live == -1) {
		page_db_error(c);
		return -1;
	}
	if (live == 0) {
		score_count(SC_AUTH_DENIED);
		return 0;
	}
	who.groups = c->sess.identity.groups;
	who.assurance = c->sess.assurance;
	who.proof_age = c->sess.proof_age;
	*verdict = rule_eval(&rule, &who);
	score_count(*verdict == RULE_ALLOW ? SC_AUTH_ALLOWED : SC_AUTH_FORBIDDEN);
	return 1;
}

/*
 * Writes prefix and then uri percent-encoded (all but unreserved
 * characters) into buf. Returns buf, or NULL when it does not fit.
 */
static const char *
page_auth_url(char buf[AUTH_NEXT_MAX], const char *prefix, const char *uri)
{
	static const char unreserved[] = "-_.~";
	size_t		 n;

	n = (size_t)snprintf(buf, AUTH_NEXT_MAX, "%s", prefix);
	for (; *uri != '\0' && n + 4 < AUTH_NEXT_MAX; uri++) {
		unsigned char ch = (unsigned char)*uri;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr(unreserved, ch) != NULL)
			buf[n++] = (char)ch;
		else
			n += (size_t)snprintf(buf + n, AUTH_NEXT_MAX - n, "%%%02X", ch);
	}
	buf[n] = '\0';
	return *uri == '\0' ? buf : NULL;
}

/*
 * Answers 403 with the page that says which requirement verdict failed and
 * links to the step that supplies it: setting up two-step verification
 * (or proving it again), or confirming the password again; each step then
 * leads back to next, the refused URI, when it is a path on this site
 * (page_login_next), else stays on the account pages.
 */
static void
page_auth_refuse(struct ctx *c, enum rule_verdict verdict, const char *uri)
{
	char		 step[PAGE_NEXT_URL_MAX];
	const char	*next = uri != NULL ? page_login_next(uri) : NULL;

	if (verdict == RULE_NEED_FACTOR)
		page_error_step(c, 403, "This page requires a second factor, and "
		    "this session was signed in with a password only. Turn on "
		    "two-step verification (this session then counts as signed "
		    "in with it), and come back.",
		    page_next_url(step, "/account/2fa", next),
		    "Set up two-step verification");
	else if (verdict == RULE_NEED_FRESH)
		page_error_step(c, 403, "This page requires a recent sign-in. "
		    "Confirm your password (or sign out and in again), and come "
		    "back.", page_next_url(step, "/account/confirm", next),
		    "Confirm it is you");
	else
		page_error(c, 403, "You are signed in, but your account is not "
		    "allowed to see this page.");
}

/*
 * GET /auth (nginx auth_request): 204 with the X-Tessera-* identity when
 * the rule allows, 401 without a session, 403 with X-Tessera-Denied
 * (group, factor or fresh) and no body: nginx shows /auth/denied instead.
 */
void
page_auth(struct ctx *c)
{
	enum rule_verdict verdict = RULE_DENY;

	switch (page_auth_judge(c, &verdict)) {
	case 0:
		c->resp->status = 401;
		return;
	case 1:
		break;
	default:
		return;
	}
	if (verdict == RULE_ALLOW) {
		c->resp->status = 204;
		page_auth_identity(c, 0);
		return;
	}
	c->resp->status = 403;
	http_header(c->resp, "X-Tessera-Denied", rule_verdict_name(verdict));
}

/*
 * GET /auth/denied?why=&next=: the page nginx shows (error_page 403) when
 * /auth refused a signed-in visitor; why says which requirement failed,
 * next is the refused URI the step leads back to.
 */
void
page_auth_denied(struct ctx *c)
{
	struct form	 query;
	const char	*why = NULL, *next = NULL;
	enum rule_verdict verdict = RULE_DENY;

	if (form_parse(&query, c->req->query, strlen(c->req->query)) == 0) {
		why = form_get(&query, "why");
		next = form_get(&query, "next");
	}
	if (why != NULL && strcmp(why, rule_verdict_name(RULE_NEED_FACTOR)) == 0)
		verdict = RULE_NEED_FACTOR;
	else if (why != NULL && strcmp(why, rule_verdict_name(RULE_NEED_FRESH)) == 0)
		verdict = RULE_NEED_FRESH;
	page_auth_refuse(c, verdict, next);
	form_free(&query);
}

/* Sends the visitor to the sign-in page with next = the URI they asked for, percent-encoded. */
static void
page_auth_signin(struct ctx *c, const char *uri)
{
	char		 loc[AUTH_NEXT_MAX];
	const char	*url = page_auth_url(loc, "/?next=", uri);

	http_redirect(c->resp, url != NULL ? url : "/");
}

/*
 * A FastCGI AUTHORIZER request (Apache mod_authnz_fcgi) for the URI in
 * uri, judged like /auth: 200 with Variable-REMOTE_USER and the other
 * identity variables, 303 to the sign-in page without a session, 403
 * with the rendered page when the rule refuses.
 */
void
page_authorizer(struct ctx *c, const char *uri)
{
	enum rule_verdict verdict = RULE_DENY;

	switch (page_auth_judge(c, &verdict)) {
	case 0:
		page_auth_signin(c, uri);
		return;
	case 1:
		break;
	default:
		return;
	}
	if (verdict != RULE_ALLOW) {
		page_auth_refuse(c, verdict, uri);
		return;
	}
	c->resp->status = 200;
	page_auth_identity(c, 1);
}
