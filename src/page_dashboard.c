/* The signed-in page: who you are, how often you saw it this session, since when; sign-out. */
#include "page.h"

#include <time.h>

#include "fmt.h"
#include "log.h"

/* Sets CREATED and CREATED_ISO to when the session began (epoch seconds), in UTC. */
static void
dashboard_set_created(struct view_dict *dict, long long epoch)
{
	char		 iso[FMT_ISO_MAX];

	fmt_iso_time(iso, (time_t)epoch);	/* empty for a year past 9999 */
	page_set_time(dict, "CREATED", iso);
}

/* GET /dashboard: counts this view (HEAD changes nothing) and shows the page, or 303 to / when not signed in. */
void
page_dashboard(struct ctx *c)
{
	struct view_dict *dict;
	long long	 views;

	if (!c->req->head && sess_incr(&c->sess, "views", 1) == -1) {
		page_error(c, 500, "Something went wrong on our side.");
		return;
	}
	if ((dict = page_signed_in_dict(c, "/")) == NULL)
		return;
	view_set(dict, "USERNAME", c->sess.username);
	views = sess_get_int(&c->sess, "views", 1);
	view_set_int(dict, "VIEWS", views);
	view_set(dict, "TIMES", views == 1 ? "time" : "times");
	dashboard_set_created(dict, c->sess.created_at);
	view_set(dict, "ASSURANCE", c->sess.assurance == 2 ?
	    "this session was signed in with a second factor" :
	    "this session was signed in with a password only");
	page_form_render(c, dict, "dashboard", "Dashboard", 200);
}
