/* The user's own API tokens: GET /account/tokens lists them (never the token), POST /account/tokens/revoke deletes one. */
#include "page.h"

#include <stdio.h>
#include <string.h>

#include "log.h"

/* The columns of SQL_TOKENS_OWN, in order. */
enum tokens_col {
	TOKENS_ID,
	TOKENS_LABEL,
	TOKENS_CREATED,
	TOKENS_LAST_USED,
	TOKENS_EXPIRES,
};

/*
 * Adds the signed-in user's tokens to dict: a TOKENS section (the table)
 * holding a TOKEN section each (id, label, created, last used and expiry,
 * "never" when unset), or NONE. Returns 0, or -1 after answering the
 * database error.
 */
static int
tokens_list(struct ctx *c, struct view_dict *dict)
{
	char		 uid[24];
	const char	*values[1] = { uid };
	struct view_dict *table = NULL, *row;
	PGresult	*res;
	int		 i;

	snprintf(uid, sizeof(uid), "%lld", c->sess.user_id);
	if ((res = db_query(c->app->db, SQL_TOKENS_OWN, values, NULL)) == NULL) {
		page_db_error(c);
		return -1;
	}
	for (i = 0; i < PQntuples(res); i++) {
		if (table == NULL)
			table = view_section_add(dict, "TOKENS");
		row = view_section_add(table, "TOKEN");
		view_set(row, "ID", PQgetvalue(res, i, TOKENS_ID));
		view_set(row, "LABEL", PQgetvalue(res, i, TOKENS_LABEL));
		view_set(row, "CREATED", PQgetvalue(res, i, TOKENS_CREATED));
		view_set(row, "LAST_USED", PQgetvalue(res, i, TOKENS_LAST_USED));
		view_set(row, "EXPIRES", PQgetvalue(res, i, TOKENS_EXPIRES));
	}
	if (i == 0)
		view_section_add(dict, "NONE");
	PQclear(res);
	return 0;
}

/* GET /account/tokens: the user's API tokens, each with a revoke button; 303 to the sign-in form (and back) when not signed in. */
void
page_account_tokens(struct ctx *c)
{
	struct view_dict *dict;

	if ((dict = page_signed_in_dict(c, "/?next=/account/tokens")) == NULL)
		return;
	if (tokens_list(c, dict) == -1) {
		view_dict_free(dict);
		return;
	}
	page_form_render(c, dict, "account_tokens", "Your API tokens", 200);
}

/*
 * POST /account/tokens/revoke (csrf, id): deletes that token if it is the
 * user's (refused at /auth from the next request on); 303 to the list, or
 * 404 for an id that is no token of the user's.
 */
void
page_account_tokens_revoke(struct ctx *c)
{
	const char	*id = form_get(&c->req->form, "id");
	const char	*values[2];
	char		 uid[24];
	PGresult	*res;
	int		 gone;

	if (!page_session_post(c))
		return;
	if (id == NULL || *id == '\0' || strlen(id) > DB_ID_DIGITS ||
	    strspn(id, "0123456789") != strlen(id)) {
		page_error(c, 400, "That is not a token of yours.");
		return;
	}
	snprintf(uid, sizeof(uid), "%lld", c->sess.user_id);
	values[0] = id;
	values[1] = uid;
	if ((res = db_query(c->app->db, SQL_TOKEN_REVOKE_OWN, values, NULL)) == NULL) {
		page_db_error(c);
		return;
	}
	gone = PQntuples(res) == 1 && PQgetvalue(res, 0, DB_ONLY_COLUMN)[0] == 't';
	PQclear(res);
	if (!gone) {
		page_error(c, 404, "That is not a token of yours.");
		return;
	}
	log_event("token_revoked", "user", c->sess.username, "addr",
	    c->req->remote_addr, "id", id, NULL);
	http_redirect(c->resp, "/account/tokens");
}
