/* The route table: which handler answers which method on which path. */
#include "routes.h"

#include <stdio.h>
#include <string.h>

#include "page.h"
#include "scoreboard.h"

struct route {
	const char	*path;
	const char	*method;	/* GET also answers HEAD */
	route_handler	 handler;
};

static const struct route routes[] = {
	{ "/",			"GET",	page_login_form },
	{ "/login",		"POST",	page_login },
	{ "/login/code",	"GET",	page_login_code_form },
	{ "/login/code",	"POST",	page_login_code },
	{ "/account/password",	"GET",	page_account_password_form },
	{ "/account/password",	"POST",	page_account_password },
	{ "/account/2fa",	"GET",	page_account_2fa_form },
	{ "/account/2fa",	"POST",	page_account_2fa },
	{ "/account/confirm",	"GET",	page_account_confirm_form },
	{ "/account/confirm",	"POST",	page_account_confirm },
	{ "/account/tokens",	"GET",	page_account_tokens },
	{ "/account/tokens/revoke", "POST", page_account_tokens_revoke },
	{ "/dashboard",		"GET",	page_dashboard },
	{ "/logout",		"POST",	page_logout },
	{ "/sessions",		"GET",	page_sessions },
	{ "/sessions/end",	"POST",	page_sessions_end },
	{ "/sessions/end-others", "POST", page_sessions_end_others },
	{ "/static/style.css",	"GET",	page_static },
	{ "/favicon.ico",	"GET",	page_favicon },
	{ "/auth",		"GET",	page_auth },
	{ "/auth/denied",	"GET",	page_auth_denied },
	{ "/ping",		"GET",	page_ping },
	{ "/status",		"GET",	page_status },
	{ "/metrics",		"GET",	page_metrics },
#ifdef TESSERA_TEST_HOOKS
	{ "/_test/hang",	"GET",	page_test_hang },
#endif
};

#define ROUTES_N	(sizeof(routes) / sizeof(routes[0]))
#define ROUTE_OTHER	(SCORE_ROUTES - 1)

_Static_assert(ROUTES_N < SCORE_ROUTES, "every route needs an id below \"other\"");

/*
 * Returns the id the metrics count path under: the index of the first
 * route with that path (whatever its method), or the id of "other".
 */
int
route_id(const char *path)
{
	size_t	 i;

	for (i = 0; i < ROUTES_N; i++)
		if (strcmp(routes[i].path, path) == 0)
			return (int)i;
	return ROUTE_OTHER;
}

/*
 * Returns the label of route id: its path, "other", or NULL for an id
 * that names no path (past the table, or a second method of a path).
 */
const char *
route_label(int id)
{
	if (id == ROUTE_OTHER)
		return "other";
	if (id < 0 || (size_t)id >= ROUTES_N || route_id(routes[id].path) != id)
		return NULL;
	return routes[id].path;
}

/*
 * Finds the handler for method on path. Returns 0 with *handler set, 404
 * for an unknown path, or 405 with the methods the path takes in allow.
 */
int
route_find(const char *path, const char *method, route_handler *handler,
    char *allow, size_t allowsz)
{
	size_t	 i, len = 0;
	int	 known = 0;

	if (strcmp(method, "HEAD") == 0)
		method = "GET";
	allow[0] = '\0';
	for (i = 0; i < ROUTES_N; i++) {
		if (strcmp(routes[i].path, path) != 0)
			continue;
		if (strcmp(routes[i].method, method) == 0) {
			*handler = routes[i].handler;
			return 0;
		}
		known = 1;
		len += (size_t)snprintf(allow + len, len < allowsz ?
		    allowsz - len : 0, "%s%s%s", len ? ", " : "",
		    routes[i].method, strcmp(routes[i].method, "GET") ? "" : ", HEAD");
	}
	return known ? 405 : 404;
}
