/* Health pages: GET /ping (no database) and GET /status (the pool as JSON, php-fpm's fields, for allowed addresses). */
#include "page.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "form.h"
#include "netlist.h"
#include "routes.h"
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

/*
 * Answers 403 (and logs it) unless the client is in status_allow, for
 * /status and /metrics. Returns 1 if it may read them, else 0.
 */
int
page_status_allowed(struct ctx *c)
{
	if (netlist_match(c->app->cfg->status_allow, c->req->remote_addr))
		return 1;
	log_event("status_refused", "path", c->req->path, "addr",
	    c->req->remote_addr, NULL);
	page_error(c, 403, "The status page is not open to your address.");
	return 0;
}

/* Returns 1 if this worker's connection answers SELECT 1 just now, else 0. */
int
page_database_up(struct ctx *c)
{
	const char	*ping[1] = { NULL };
	PGresult	*res;

	res = db_query(c->app->db, SQL_PING, ping, NULL);
	PQclear(res);
	return res != NULL;
}

/* Returns a worker's resident memory now (bytes) from /proc/PID/statm, or -1 when it cannot be read. */
static long long
status_rss(pid_t pid)
{
	char		 path[32];
	long		 pages;
	FILE		*f;
	int		 n;

	snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	n = fscanf(f, "%*d %ld", &pages);
	fclose(f);
	return n == 1 ? (long long)pages * sysconf(_SC_PAGESIZE) : -1;
}

/*
 * Appends slot s's fields that only ?full shows: start, the last request
 * (route, duration, CPU time, the worker's peak memory after it) and the
 * worker's memory now.
 */
static void
status_worker_full(struct buf *b, const struct score_slot *s, time_t now)
{
	const char	*route = route_label(s->last_route);
	long long	 rss = status_rss(s->pid);

	buf_printf(b, ",\"start_time\":%lld,\"start_since\":%lld",
	    (long long)s->started, (long long)(now - s->started));
	if (s->requests > 0 && route != NULL) {
		buf_puts(b, ",\"last_request_route\":");
		status_json_string(b, route);
		buf_printf(b, ",\"last_request_duration_ms\":%.3f,"
		    "\"last_request_cpu_ms\":%.3f,"
		    "\"last_request_memory_bytes\":%lld",
		    (double)s->last_us / 1000.0, (double)s->last_cpu_us / 1000.0,
		    (long long)s->last_peak_kb * 1024);
	}
	if (rss >= 0)
		buf_printf(b, ",\"memory_bytes\":%lld", rss);
}

/* Appends the workers' slots as a JSON array (with ?full's fields when full). */
static void
status_workers(struct buf *b, const struct scoreboard *sb, int full)
{
	static const char *const states[] = { "empty", "starting", "idle",
	    "accepting", "busy" };
	const struct score_slot *s;
	int64_t		 now = clock_ms(), busy;
	time_t		 wall = time(NULL);
	int		 i, first = 1, state;

	buf_puts(b, "[");
	for (i = 0; i < SCORE_MAX_WORKERS; i++) {
		s = &sb->slot[i];
		if (s->pid <= 0)
			continue;
		busy = score_busy_ms(s, now);
		state = s->state >= 0 && s->state <= SCORE_BUSY ? s->state : 0;
		if (busy >= 0)
			state = SCORE_BUSY;
		else if (state == SCORE_BUSY)
			state = SCORE_IDLE;	/* ending its request as we read */
		buf_printf(b, "%s{\"pid\":%d,\"state\":\"%s\",\"requests\":%llu",
		    first ? "" : ",", (int)s->pid, states[state],
		    (unsigned long long)s->requests);
		if (busy >= 0) {
			buf_printf(b, ",\"busy_ms\":%lld,\"path\":",
			    (long long)busy);
			status_json_string(b, s->path);
		}
		if (full)
			status_worker_full(b, s, wall);
		buf_puts(b, "}");
		first = 0;
	}
	buf_puts(b, "]");
}

/* Returns 1 if the query string has a parameter named full (?full), else 0. */
static int
status_full(const struct ctx *c)
{
	struct form	 query;
	int		 full = 0;

	if (form_parse(&query, c->req->query, strlen(c->req->query)) == 0) {
		full = form_get(&query, "full") != NULL;
		form_free(&query);
	}
	return full;
}

/*
 * GET /status[?full]: the pool as JSON with php-fpm's fields (?full: each
 * worker's too); 403 unless the client is in status_allow; 503 when this
 * worker cannot reach the database, for load balancers' health checks.
 */
void
page_status(struct ctx *c)
{
	const struct scoreboard *sb = c->app->score;
	const struct config *cfg = c->app->cfg;
	struct score_tally t;
	struct buf	*b = &c->resp->body;
	time_t		 now = time(NULL);
	int		 db_ok;

	if (!page_status_allowed(c))
		return;
	db_ok = page_database_up(c);
	score_tally(sb, &t);
	c->resp->status = db_ok ? 200 : 503;
	c->resp->content_type = "application/json";
	c->resp->no_store = 1;
	buf_puts(b, "{\"pool\":");
	status_json_string(b, cfg->listen[0] != '\0' ? cfg->listen : "inherited");
	buf_printf(b, ",\"version\":\"%s\",\"start_time\":%lld,"
	    "\"start_since\":%lld,\"uptime\":%lld,\"accepted_conn\":%llu,"
	    "\"requests\":%llu,\"listen_queue\":%d,\"max_listen_queue\":%d,"
	    "\"listen_queue_len\":%d,\"idle_workers\":%d,\"active_workers\":%d,"
	    "\"total_workers\":%d,\"max_active_workers\":%d,"
	    "\"max_workers_reached\":%llu,\"slow_requests\":%llu,"
	    "\"workers_configured\":%d,\"workers\":", TESSERA_VERSION,
	    (long long)sb->started, (long long)(now - sb->started),
	    (long long)(now - sb->started), (unsigned long long)t.requests,
	    (unsigned long long)t.requests, sb->listen_queue,
	    sb->listen_queue_peak, sb->listen_queue_max,
	    t.idle, t.busy + t.accepting, t.total, sb->busy_peak,
	    (unsigned long long)score_get(sb, SC_MAX_WORKERS_REACHED),
	    (unsigned long long)score_get(sb, SC_SLOW_REQUESTS), sb->workers);
	status_workers(b, sb, status_full(c));
	buf_printf(b, ",\"restarts\":%llu,\"crashes\":%llu,\"timeouts\":%llu,"
	    "\"database\":%s}\n", (unsigned long long)t.restarts,
	    (unsigned long long)score_get(sb, SC_RESTART_CRASH),
	    (unsigned long long)score_get(sb, SC_RESTART_TIMEOUT),
	    db_ok ? "true" : "false");
}
