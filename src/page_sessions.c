/* The user's own sessions: their page (GET /sessions), ending one other, ending all others. */
#include "page.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "scoreboard.h"
#include "useragent.h"

/*
 * Adds the signed-in user's live sessions (c->sess.list, fetched by
 * sess_load when c->sess.want_list was set) to dict: a SESSION section
 * each, THIS in the current one, OTHER in the others, and OTHERS once
 * when there is any other. The forms take CSRF from dict.
 */
static void
sessions_list(struct ctx *c, struct view_dict *dict)
{
	struct db_list_entry	 e;
	struct view_dict	*row;
	const char		*cursor = c->sess.list ? c->sess.list : "";
	char			 browser[UA_SUMMARY_MAX];
	int			 rc, others = 0;

	while ((rc = db_list_next(&cursor, &e)) != 0) {
		if (rc == -1)
			continue;
		row = view_section_add(dict, "SESSION");
		view_set(row, "ID", e.id);
		view_set(row, "ADDR", e.addr[0] ? e.addr : "an unknown address");
		view_set(row, "BROWSER", ua_summary(e.agent, browser,
		    sizeof(browser)));
		page_set_time(row, "STARTED", e.created);
		page_set_time(row, "LAST_SEEN", e.last_seen);
		if (strtoll(e.id, NULL, 10) == c->sess.id)
			view_section_add(row, "THIS");
		else {
			view_section_add(row, "OTHER");
			others++;
		}
	}
	if (others > 0)
		view_section_add(dict, "OTHERS");
}

/*
 * GET /sessions: the user's live sessions (at most 50, this one first,
 * then by last use), read in the same statement that touches this one;
 * 303 to / when not signed in. The dashboard only links here, so its own
 * statement stays one row's update.
 */
void
page_sessions(struct ctx *c)
{
	struct view_dict *dict;

	c->sess.want_list = 1;
	if ((dict = page_signed_in_dict(c, "/")) == NULL)
		return;
	sessions_list(c, dict);
	page_form_render(c, dict, "sessions", "Where you are signed in", 200);
}

/*
 * Runs statement stmt (END or END_OTHERS) with session id sid and the
 * signed-in user's id, logs event with how many sessions ended, and
 * answers 303 to /sessions (or the database error).
 */
static void
sessions_end(struct ctx *c, enum db_sql stmt, const char *sid,
    const char *event)
{
	char		 uid[24];
	const char	*values[2] = { sid, uid };
	PGresult	*res;

	snprintf(uid, sizeof(uid), "%lld", c->sess.user_id);
	if ((res = db_query(c->app->db, stmt, values, NULL)) == NULL) {
		page_db_error(c);
		return;
	}
	score_add(SC_SESSIONS_ENDED_BY_USER,
	    strtoull(PQcmdTuples(res), NULL, 10));
	log_event(event, "user", c->sess.username, "addr", c->req->remote_addr,
	    "id", sid, "ended", PQcmdTuples(res), NULL);
	PQclear(res);
	http_redirect(c->resp, "/sessions");
}

/* POST /sessions/end (csrf, id): ends that session if it is one of the user's; 303 to /sessions. */
void
page_sessions_end(struct ctx *c)
{
	const char	*id = form_get(&c->req->form, "id");

	if (!page_session_post(c))
		return;
	if (id == NULL || *id == '\0' || strlen(id) > DB_ID_DIGITS ||
	    strspn(id, "0123456789") != strlen(id)) {
		page_error(c, 400, "That is not a session of yours.");
		return;
	}
	sessions_end(c, SQL_SESSION_END, id, "session_ended");
}

/* POST /sessions/end-others (csrf): ends every session of the user but this one; 303 to /sessions. */
void
page_sessions_end_others(struct ctx *c)
{
	char	 own[24];

	if (!page_session_post(c) ||
	    !page_reauth(c, NULL, "sign out everywhere else"))
		return;
	snprintf(own, sizeof(own), "%lld", c->sess.id);
	sessions_end(c, SQL_SESSION_END_OTHERS, own, "sessions_ended_others");
}
