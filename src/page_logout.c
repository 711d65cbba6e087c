/* Sign-out: POST /logout deletes the session row and expires the cookie. */
#include "page.h"

#include "log.h"

/* POST /logout: with this session's CSRF value, ends it; 303 to / either way it was already gone. */
void
page_logout(struct ctx *c)
{
	if (c->sess.has_token &&
	    !sess_csrf_ok(c, form_get(&c->req->form, "csrf"))) {
		log_event("csrf_rejected", "path", c->req->path, "addr",
		    c->req->remote_addr, "reason", "bad csrf", NULL);
		page_error(c, 403, "This form has expired. Go back, reload "
		    "the page and try again.");
		return;
	}
	if (sess_destroy(c) == -1) {
		page_db_error(c);
		return;
	}
	log_event("logout", "user", c->sess.username, "addr",
	    c->req->remote_addr, NULL);
	http_redirect(c->resp, "/");
}
