/* The gateway for nginx auth_request: the session's identity for an allowed request, else why not. */
#include "page.h"

#include <string.h>

#include "log.h"
#include "rule.h"
#include "scoreboard.h"

/* Adds the identity headers of an allowed request: user, groups, name and email when set, assurance. */
static void
page_auth_identity(struct ctx *c)
{
	const struct sess_identity *id = &c->sess.identity;
	char		 level[8];

	http_header_encoded(c->resp, "X-Tessera-User", c->sess.username);
	if (id->groups[0] != '\0')
		http_header(c->resp, "X-Tessera-Groups", id->groups);
	if (id->display_name[0] != '\0')
		http_header_encoded(c->resp, "X-Tessera-Name", id->display_name);
	if (id->email[0] != '\0')
		http_header_encoded(c->resp, "X-Tessera-Email", id->email);
	snprintf(level, sizeof(level), "%d", id->assurance);
	http_header(c->resp, "X-Tessera-Assurance", level);
}

/*
 * GET /auth. Reads the session and the user's groups and profile without
 * writing unless the row was last touched more than touch_interval ago,
 * so most hits are one indexed read; then judges the location's rule
 * (TESSERA_REQUIRE). 204 allowed, 401 no session, 403 with X-Tessera-Denied
 * (group, factor or fresh); a rule that does not parse is a 500, logged.
 */
void
page_auth(struct ctx *c)
{
	struct rule		 rule;
	struct rule_subject	 who;
	enum rule_verdict	 verdict;
	char			 err[160];

	c->resp->no_store = 1;
	if (rule_parse(c->req->require, strlen(c->req->require), &rule, err,
	    sizeof(err)) == -1) {
		log_event("rule_invalid", "rule", c->req->require, "error", err,
		    NULL);
		page_error(c, 500, "This location's access rule is invalid.");
		return;
	}
	c->sess.want_identity = 1;
	switch (sess_load(c)) {
	case 1:
		break;
	case 0:
		c->resp->status = 401;
		score_count(SC_AUTH_DENIED);
		return;
	default:
		page_db_error(c);
		return;
	}
	who.groups = c->sess.identity.groups;
	who.assurance = c->sess.identity.assurance;
	who.proof_age = c->sess.identity.proof_age;
	if ((verdict = rule_eval(&rule, &who)) == RULE_ALLOW) {
		c->resp->status = 204;
		score_count(SC_AUTH_ALLOWED);
		page_auth_identity(c);
		return;
	}
	c->resp->status = 403;
	score_count(SC_AUTH_FORBIDDEN);
	http_header(c->resp, "X-Tessera-Denied", rule_verdict_name(verdict));
}

/*
 * GET /auth/denied: the page nginx shows (error_page 403) when /auth
 * refused a signed-in visitor; ?why= says which requirement failed.
 */
void
page_auth_denied(struct ctx *c)
{
	struct form	 query;
	const char	*why = NULL;

	if (form_parse(&query, c->req->query, strlen(c->req->query)) == 0)
		why = form_get(&query, "why");
	if (why != NULL && strcmp(why, "factor") == 0)
		page_error(c, 403, "This page requires a second factor, and you "
		    "signed in with a password only. This site does not offer "
		    "a second factor yet.");
	else if (why != NULL && strcmp(why, "fresh") == 0)
		page_error(c, 403, "This page requires a recent sign-in. Sign "
		    "out, sign in again, and come back.");
	else
		page_error(c, 403, "You are signed in, but your account is not "
		    "allowed to see this page.");
	form_free(&query);
}
