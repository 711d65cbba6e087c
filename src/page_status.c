/* Health pages: GET /ping (no database) and GET /status (the pool as JSON, for allowed addresses). */
#include "page.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "netlist.h"
#include "scoreboard.h"

/* GET /ping: "pong", for load balancers; touches nothing. */
void
page_ping(struct ctx *c)
{
	c->resp->content_type = "text/plain; charset=utf-8";
	c->resp->no_store = 1;
	buf_puts(&c->resp->body, "pong\n");
}

/* Appends s as a JSON string. */
static void
status_json_string(struct buf *b, const char *s)
{
	buf_puts(b, "\"");
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			buf_printf(b, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			buf_printf(b, "\\u%04x", (unsigned char)*s);
		else
			buf_append(b, s, 1);
	}
	buf_puts(b, "\"");
}

/* Appends the workers' slots as a JSON array; adds what they served to *requests. */
static void
status_workers(struct buf *b, const struct scoreboard *sb, int n,
    unsigned long long *requests)
{
	static const char *const states[] = { "empty", "starting", "idle",
	    "accepting", "busy" };
	const struct score_slot *s;
	int64_t		 now = clock_ms();
	int		 i, first = 1, state;

	buf_puts(b, "[");
	for (i = 0; i < n; i++) {
		s = &sb->slot[i];
		if (s->pid <= 0)
			continue;
		state = s->state >= 0 && s->state <= SCORE_BUSY ? s->state : 0;
		buf_printf(b, "%s{\"pid\":%d,\"state\":\"%s\",\"requests\":%llu",
		    first ? "" : ",", (int)s->pid, states[state],
		    (unsigned long long)s->requests);
		if (state == SCORE_BUSY) {
			buf_printf(b, ",\"busy_ms\":%lld,\"path\":",
			    (long long)(now - s->busy_since_ms));
			status_json_string(b, s->path);
		}
		buf_puts(b, "}");
		*requests += s->requests;
		first = 0;
	}
	buf_puts(b, "]");
}

/* GET /status: the pool as JSON; 403 unless the client is in status_allow. */
void
page_status(struct ctx *c)
{
	const struct scoreboard *sb = c->app->score;
	const char	*ping[1] = { NULL };
	unsigned long long requests;
	PGresult	*res;
	struct buf	*b = &c->resp->body;
	int		 db_ok;

	if (!netlist_match(c->app->cfg->status_allow, c->req->remote_addr)) {
		log_event("status_refused", "addr", c->req->remote_addr, NULL);
		page_error(c, 403, "The status page is not open to your address.");
		return;
	}
	res = db_query(c->app->db, SQL_PING, ping, NULL);
	db_ok = res != NULL;
	PQclear(res);
	requests = sb->requests;
	c->resp->content_type = "application/json";
	c->resp->no_store = 1;
	buf_printf(b, "{\"version\":\"%s\",\"uptime\":%lld,\"workers\":",
	    TESSERA_VERSION, (long long)(time(NULL) - sb->started));
	status_workers(b, sb, SCORE_MAX_WORKERS, &requests);
	buf_printf(b, ",\"requests\":%llu,\"restarts\":%llu,\"crashes\":%llu,"
	    "\"timeouts\":%llu,\"database\":%s}\n", requests,
	    (unsigned long long)sb->restarts, (unsigned long long)sb->crashes,
	    (unsigned long long)sb->timeouts, db_ok ? "true" : "false");
}
