/* Plumbing shared by the pages: rendering inside the layout, times as pages show them, and every error page. */
#include "page.h"

#include <string.h>

#include "fmt.h"
#include "log.h"

/* Renders page with dict into the response body; a failure becomes a plain 500. */
void
page_render(struct ctx *c, const char *page, const char *title,
    struct view_dict *dict)
{
	buf_reset(&c->resp->body);
	if (view_render(page, title, dict, &c->resp->body) == 0 && !c->resp->body.failed)
		return;
	log_event("render_failed", "page", page, NULL);
	buf_reset(&c->resp->body);
	buf_puts(&c->resp->body, "<!DOCTYPE html><title>Error</title>"
	    "<h1>500 Internal Server Error</h1>");
	c->resp->status = 500;
}

/*
 * Answers with the rendered error page for status, saying message, and
 * when href is not NULL a link to it (text) to the step that would help.
 */
void
page_error_step(struct ctx *c, int status, const char *message,
    const char *href, const char *text)
{
	struct view_dict *dict, *step;

	c->resp->status = status;
	c->resp->no_store = 1;
	if (status == 503)
		http_header(c->resp, "Retry-After", "5");
	if ((dict = view_dict_new()) == NULL) {
		buf_puts(&c->resp->body, "<!DOCTYPE html><title>Error</title>");
		return;
	}
	view_set_int(dict, "STATUS", status);
	view_set(dict, "REASON", http_status_text(status));
	view_set(dict, "MESSAGE", message);
	if (href != NULL) {
		step = view_section_add(dict, "STEP");
		view_set(step, "HREF", href);
		view_set(step, "TEXT", text);
	}
	page_render(c, "error", http_status_text(status), dict);
	view_dict_free(dict);
	c->resp->status = status;
}

/* Answers with the rendered error page for status, saying message. */
void
page_error(struct ctx *c, int status, const char *message)
{
	page_error_step(c, status, message, NULL, NULL);
}

/* Answers a failed database call: 503 when the server is unreachable, else 500. */
void
page_db_error(struct ctx *c)
{
	if (db_unavailable(c->app->db))
		page_error(c, 503, "The service is briefly unavailable. "
		    "Please try again in a few seconds.");
	else
		page_error(c, 500, "Something went wrong on our side.");
}

/*
 * Checks the form's csrf field against this session's CSRF value. Returns
 * 1 if it matches; else logs the refusal, answers 403 and returns 0.
 */
int
page_csrf_ok(struct ctx *c)
{
	if (sess_csrf_ok(&c->env, &c->sess, form_get(&c->req->form, "csrf")))
		return 1;
	log_event("csrf_rejected", "path", c->req->path, "addr",
	    c->req->remote_addr, "reason", "bad csrf", NULL);
	page_error(c, 403, "This form has expired. Go back, reload "
	    "the page and try again.");
	return 0;
}

/*
 * Loads this request's session for a signed-in page. Returns 1 when it is
 * live, else 0 with the response made: 303 to signed_out without one, the
 * error page when the database failed.
 */
static int
page_session_live(struct ctx *c, const char *signed_out)
{
	switch (sess_load(&c->env, &c->sess)) {
	case 1:
		return 1;
	case 0:
		http_redirect(c->resp, signed_out);
		return 0;
	default:
		page_db_error(c);
		return 0;
	}
}

/*
 * What every signed-in form checks first: a session cookie (else 303 to /), this
 * session's CSRF value (else 403), a live session (else 303 to /).
 * Returns 1 to go on, or 0 with the response made.
 */
int
page_session_post(struct ctx *c)
{
	if (!c->sess.has_token) {
		http_redirect(c->resp, "/");
		return 0;
	}
	return page_csrf_ok(c) && page_session_live(c, "/");
}

/* Returns a new dictionary holding this session's CSRF value, or NULL after answering 500. */
struct view_dict *
page_form_dict(struct ctx *c)
{
	struct view_dict *dict;
	char		 csrf[TOKEN_CSRF_SIZE];

	if ((dict = view_dict_new()) == NULL) {
		page_error(c, 500, "Out of memory.");
		return NULL;
	}
	sess_csrf(&c->env, &c->sess, csrf);
	view_set(dict, "CSRF", csrf);
	return dict;
}

/*
 * What a signed-in page (GET) starts with: its live session and a new
 * dictionary holding the session's CSRF value. Returns the dictionary, or
 * NULL with the response made (303 to signed_out when signed out, an
 * error page).
 */
struct view_dict *
page_signed_in_dict(struct ctx *c, const char *signed_out)
{
	return page_session_live(c, signed_out) ? page_form_dict(c) : NULL;
}

/* Renders signed-in page tpl (titled title) from dict with status, never stored; frees dict. */
void
page_form_render(struct ctx *c, struct view_dict *dict, const char *tpl,
    const char *title, int status)
{
	c->resp->status = status;
	c->resp->no_store = 1;
	page_render(c, tpl, title, dict);
	view_dict_free(dict);
}

/*
 * Sets NAME_ISO to an ISO time like 2026-01-31T23:59:59Z and NAME to
 * "2026-01-31 23:59 UTC"; NAME empty when iso is not of that form.
 */
void
page_set_time(struct view_dict *d, const char *name, const char *iso)
{
	char	 key[32], shown[sizeof("2026-01-31 23:59 UTC")];

	shown[0] = '\0';
	if (strlen(iso) == FMT_ISO_MAX - 1) {
		memcpy(shown, iso, 10);			/* the date */
		shown[10] = ' ';
		memcpy(shown + 11, iso + 11, 5);	/* hours and minutes */
		memcpy(shown + 16, " UTC", sizeof(" UTC"));
	}
	view_set(d, name, shown);
	if (fmt_copy(key, sizeof(key), name) > sizeof(key) - sizeof("_ISO"))
		return;		/* not for names this long: the pages' are short */
	strcat(key, "_ISO");
	view_set(d, key, iso);
}
