/* The gateway for nginx auth_request: 204 with the user's name for a live session, else 401. */
#include "page.h"

#include "scoreboard.h"

/*
 * GET /auth. Reads the session without writing unless it was last touched
 * more than touch_interval ago, so most hits are one indexed read.
 */
void
page_auth(struct ctx *c)
{
	c->resp->no_store = 1;
	switch (sess_load(c)) {
	case 1:
		c->resp->status = 204;
		score_count(SC_AUTH_ALLOWED);
		http_header(c->resp, "X-Tessera-User", c->sess.username);
		return;
	case 0:
		c->resp->status = 401;
		score_count(SC_AUTH_DENIED);
		return;
	default:
		page_db_error(c);
	}
}
