/* The signed-in page: who you are, how often you saw it this session, since when; sign-out. */
#include "page.h"

#include "log.h"

/* GET /dashboard: counts this view (HEAD changes nothing) and shows the page, or 303 to / when not signed in. */
void
page_dashboard(struct ctx *c)
{
	struct view_dict *dict;
	char		 csrf[TOKEN_CSRF_SIZE];
	long long	 views;

	if (!c->req->head && sess_incr(&c->sess, "views", 1) == -1) {
		page_error(c, 500, "Something went wrong on our side.");
		return;
	}
	switch (sess_load(&c->env, &c->sess)) {
	case -1:
		page_db_error(c);
		return;
	case 0:
		http_redirect(c->resp, "/");
		return;
	}
	if ((dict = view_dict_new()) == NULL) {
		page_error(c, 500, "Out of memory.");
		return;
	}
	sess_csrf(&c->env, &c->sess, csrf);
	view_set(dict, "USERNAME", c->sess.username);
	views = sess_get_int(&c->sess, "views", 1);
	view_set_int(dict, "VIEWS", views);
	view_set(dict, "TIMES", views == 1 ? "time" : "times");
	view_set(dict, "CREATED", c->sess.created);
	view_set(dict, "CREATED_ISO", c->sess.created_iso);
	view_set(dict, "CSRF", csrf);
	view_set(dict, "ASSURANCE", c->sess.assurance == 2 ?
	    "this session was signed in with a second factor" :
	    "this session was signed in with a password only");
	c->resp->no_store = 1;
	page_render(c, "dashboard", "Dashboard", dict);
	view_dict_free(dict);
}
