/* GET /metrics: the scoreboard in Prometheus's text format (0.0.4), for the addresses in status_allow. */
#include "page.h"

#include <stdio.h>
#include <time.h>

#include "routes.h"
#include "scoreboard.h"

/* One counter of the scoreboard as a sample: its family, label and help (on a family's first). */
struct metrics_counter {
	const char	*name;
	const char	*label;		/* NULL: no label */
	const char	*value;
	const char	*help;		/* on the first counter of a family only */
};

/* Every counter of enum score_counter; a family's counters are consecutive. */
static const struct metrics_counter metrics_counters[SC__MAX] = {
	[SC_SIGNIN_OK] = { "tessera_signins_total", "result", "ok",
	    "Sign-in attempts (POST /login) by result." },
	[SC_SIGNIN_FAILED] = { "tessera_signins_total", "result", "failed", NULL },
	[SC_SIGNIN_THROTTLED] = { "tessera_signins_total", "result", "throttled", NULL },
	[SC_SIGNIN_DISABLED] = { "tessera_signins_total", "result", "disabled", NULL },
	[SC_SIGNIN_CSRF] = { "tessera_signins_total", "result", "csrf", NULL },
	[SC_SIGNIN_BUSY] = { "tessera_signins_total", "result", "busy", NULL },
	[SC_SIGNOUTS] = { "tessera_signouts_total", NULL, NULL,
	    "Sign-outs (POST /logout) answered." },
	[SC_SESSIONS_CREATED] = { "tessera_sessions_created_total", NULL, NULL,
	    "Sessions created." },
	[SC_SESSIONS_ENDED_SIGNOUT] = { "tessera_sessions_ended_total", "how",
	    "signout", "Sessions ended, by how." },
	[SC_SESSIONS_ENDED_BY_USER] = { "tessera_sessions_ended_total", "how",
	    "ended_by_user", NULL },
	[SC_SESSIONS_EXPIRED_PRUNED] = { "tessera_sessions_ended_total", "how",
	    "expired_pruned", NULL },
	[SC_SESSIONS_EVICTED] = { "tessera_sessions_ended_total", "how",
	    "evicted", NULL },
	[SC_SESSIONS_REPLACED] = { "tessera_sessions_ended_total", "how",
	    "replaced", NULL },
	[SC_SESSIONS_PASSWORD_CHANGED] = { "tessera_sessions_ended_total", "how",
	    "password_changed", NULL },
	[SC_AUTH_ALLOWED] = { "tessera_auth_requests_total", "result",
	    "allowed", "Gateway requests (GET /auth) by result." },
	[SC_AUTH_DENIED] = { "tessera_auth_requests_total", "result", "denied",
	    NULL },
	[SC_AUTH_FORBIDDEN] = { "tessera_auth_requests_total", "result",
	    "forbidden", NULL },
	[SC_DB_UNAVAILABLE] = { "tessera_database_errors_total", "kind",
	    "unavailable", "Failed database statements, by kind." },
	[SC_DB_TIMEOUT] = { "tessera_database_errors_total", "kind", "timeout",
	    NULL },
	[SC_DB_OTHER] = { "tessera_database_errors_total", "kind", "other", NULL },
	[SC_RESTART_CRASH] = { "tessera_worker_restarts_total", "reason",
	    "crash", "Workers that left and were replaced, by reason." },
	[SC_RESTART_TIMEOUT] = { "tessera_worker_restarts_total", "reason",
	    "timeout", NULL },
	[SC_RESTART_MAX_REQUESTS] = { "tessera_worker_restarts_total", "reason",
	    "max_requests", NULL },
	[SC_RESTART_RELOAD] = { "tessera_worker_restarts_total", "reason",
	    "reload", NULL },
	[SC_SLOW_REQUESTS] = { "tessera_slow_requests_total", NULL, NULL,
	    "Requests still running after slow_log." },
	[SC_MAX_WORKERS_REACHED] = { "tessera_max_workers_reached_total", NULL,
	    NULL, "Checks (4 a second) that found every worker busy while "
	    "connections waited." },
	[SC_REQUESTS_REFUSED] = { "tessera_requests_refused_total", NULL, NULL,
	    "Connections closed unread: no whole, well-formed FastCGI request "
	    "within request_read_timeout." },
};

/* Appends the HELP and TYPE lines of a family. */
static void
metrics_family(struct buf *b, const char *name, const char *type,
    const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Appends a family of one unlabelled sample. */
static void
metrics_gauge(struct buf *b, const char *name, const char *help,
    long long value)
{
	metrics_family(b, name, "gauge", help);
	buf_printf(b, "%s %lld\n", name, value);
}

/* Appends every counter of the table, each family's HELP and TYPE before its first. */
static void
metrics_counters_all(struct buf *b, const struct scoreboard *sb)
{
	const struct metrics_counter *m;
	int	 i;

	for (i = 0; i < SC__MAX; i++) {
		m = &metrics_counters[i];
		if (m->help != NULL)
			metrics_family(b, m->name, "counter", m->help);
		if (m->label != NULL)
			buf_printf(b, "%s{%s=\"%s\"} %llu\n", m->name, m->label,
			    m->value, (unsigned long long)
			    score_get(sb, (enum score_counter)i));
		else
			buf_printf(b, "%s %llu\n", m->name, (unsigned long long)
			    score_get(sb, (enum score_counter)i));
	}
}

/*
 * Appends histogram h's samples for name, with labels (`route="/x"`, or
 * "") before le; the count is the buckets' own total, so it always
 * equals the +Inf bucket.
 */
static void
metrics_histogram(struct buf *b, const char *name, const char *labels,
    const struct score_histogram *h, const int64_t *bounds, int n)
{
	const char	*sep = *labels != '\0' ? "," : "";
	uint64_t	 cumulative = 0;
	char		 le[16];
	int		 i;

	for (i = 0; i <= n; i++) {
		cumulative += atomic_load_explicit(&h->bucket[i],
		    memory_order_relaxed);
		if (i < n)
			snprintf(le, sizeof(le), "%g", (double)bounds[i] / 1e6);
		else
			snprintf(le, sizeof(le), "+Inf");
		buf_printf(b, "%s_bucket{%s%sle=\"%s\"} %llu\n", name, labels,
		    sep, le, (unsigned long long)cumulative);
	}
	buf_printf(b, "%s_sum%s%s%s %.6f\n", name, *sep ? "{" : "", labels,
	    *sep ? "}" : "", (double)atomic_load_explicit(&h->sum_us,
	    memory_order_relaxed) / 1e6);
	buf_printf(b, "%s_count%s%s%s %llu\n", name, *sep ? "{" : "", labels,
	    *sep ? "}" : "", (unsigned long long)cumulative);
}

/* Returns how many requests route id has counted (every status). */
static uint64_t
metrics_route_total(const struct scoreboard *sb, int id)
{
	uint64_t	 n = 0;
	int		 i;

	for (i = 0; i <= SCORE_REQUEST_BUCKETS; i++)
		n += atomic_load_explicit(&sb->duration[id].bucket[i],
		    memory_order_relaxed);
	return n;
}

/* Appends the requests by route and status, and their durations by route (routes seen so far). */
static void
metrics_requests(struct buf *b, const struct scoreboard *sb)
{
	const char	*route;
	char		 labels[SCORE_PATH_MAX + 16];
	uint64_t	 n;
	int		 id, code;

	metrics_family(b, "tessera_requests_total", "counter",
	    "Requests answered, by route (the route table's path, or other) "
	    "and status code.");
	for (id = 0; id < SCORE_ROUTES; id++) {
		if ((route = route_label(id)) == NULL)
			continue;
		for (code = 0; code < SCORE_STATUS_MAX; code++)
			if ((n = atomic_load_explicit(&sb->status[id][code],
			    memory_order_relaxed)) > 0)
				buf_printf(b, "tessera_requests_total{route=\"%s\","
				    "code=\"%d\"} %llu\n", route, code,
				    (unsigned long long)n);
	}
	metrics_family(b, "tessera_request_duration_seconds", "histogram",
	    "Time from a request's parameters to its answer, by route.");
	for (id = 0; id < SCORE_ROUTES; id++) {
		if ((route = route_label(id)) == NULL ||
		    metrics_route_total(sb, id) == 0)
			continue;
		snprintf(labels, sizeof(labels), "route=\"%s\"", route);
		metrics_histogram(b, "tessera_request_duration_seconds", labels,
		    &sb->duration[id], score_request_bounds_us,
		    SCORE_REQUEST_BUCKETS);
	}
}

/* Appends the workers by state, and the listening socket's queue when the kernel tells it. */
static void
metrics_workers(struct buf *b, const struct scoreboard *sb)
{
	struct score_tally t;

	score_tally(sb, &t);
	metrics_family(b, "tessera_workers", "gauge", "Live workers by state.");
	buf_printf(b, "tessera_workers{state=\"starting\"} %d\n"
	    "tessera_workers{state=\"idle\"} %d\n"
	    "tessera_workers{state=\"accepting\"} %d\n"
	    "tessera_workers{state=\"busy\"} %d\n", t.starting, t.idle,
	    t.accepting, t.busy);
	metrics_gauge(b, "tessera_workers_configured",
	    "Workers the configuration asks for.", sb->workers);
	if (sb->listen_queue < 0)
		return;
	metrics_gauge(b, "tessera_listen_queue",
	    "Connections waiting in the socket's accept queue.",
	    sb->listen_queue);
	metrics_gauge(b, "tessera_listen_queue_max",
	    "The socket's accept queue limit (backlog).", sb->listen_queue_max);
	metrics_gauge(b, "tessera_listen_queue_peak",
	    "Most connections seen waiting at once since the pool started.",
	    sb->listen_queue_peak);
}

/* GET /metrics: the pool's figures in Prometheus's text format; 403 unless in status_allow. */
void
page_metrics(struct ctx *c)
{
	const struct scoreboard *sb = c->app->score;
	struct buf	*b = &c->resp->body;

	if (!page_status_allowed(c))
		return;
	c->resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
	c->resp->no_store = 1;
	metrics_family(b, "tessera_build_info", "gauge",
	    "Always 1; the version is in the label.");
	buf_printf(b, "tessera_build_info{version=\"%s\"} 1\n", TESSERA_VERSION);
	metrics_gauge(b, "tessera_start_time_seconds",
	    "When the pool started, in seconds since the epoch.",
	    (long long)sb->started);
	metrics_gauge(b, "tessera_up", "1: the pool answers.", 1);
	metrics_gauge(b, "tessera_database_up",
	    "1: the answering worker's database connection answers SELECT 1.",
	    page_database_up(c));
	metrics_workers(b, sb);
	metrics_requests(b, sb);
	metrics_counters_all(b, sb);
	metrics_family(b, "tessera_password_hash_seconds", "histogram",
	    "Time to hash or verify one password (Argon2id).");
	metrics_histogram(b, "tessera_password_hash_seconds", "", &sb->hash,
	    score_hash_bounds_us, SCORE_HASH_BUCKETS);
}
