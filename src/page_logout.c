/* Sign-out: POST /logout deletes the session row and expires the cookie. */
#include "page.h"

#include "log.h"
#include "scoreboard.h"

/* POST /logout: with this session's CSRF value, ends it; 303 to / either way it was already gone. */
void
page_logout(struct ctx *c)
{
	if (c->sess.has_token && !page_csrf_ok(c))
		return;
	if (sess_destroy(&c->env, &c->sess) == -1) {
		page_db_error(c);
		return;
	}
	score_count(SC_SIGNOUTS);
	log_event("logout", "user", c->sess.username, "addr",
	    c->req->remote_addr, NULL);
	http_redirect(c->resp, "/");
}
