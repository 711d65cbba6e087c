/* Event log: one line per event, key=value pairs; never a token or a password. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_LEVEL_ROOM	24	/* " level=warning" and the newline, kept free */

static char	log_path[4096];	/* empty: standard error */
static int	log_fd = STDERR_FILENO;

static const char *const log_level_names[LOG__MAX] = {
	[LOG_INFO] = "info",
	[LOG_WARNING] = "warning",
	[LOG_ERROR] = "error",
	[LOG_ALERT] = "alert",
};

/*
 * Every event tessera logs and its level: info (the normal course of
 * things), warning (a refusal or a slowness worth a look), error (a failure
 * that lost a request or a connection), alert (needs an operator now). The
 * README's table of log events and tessera(8) list the same.
 */
static const struct {
	const char	*event;
	enum log_level	 level;
} log_levels[] = {
	{ "ALERT_workers_crashing",	LOG_ALERT },
	{ "backoff_ended",		LOG_INFO },
	{ "bearer_rejected",		LOG_WARNING },
	{ "cookie_rejected",		LOG_WARNING },
	{ "csrf_rejected",		LOG_WARNING },
	{ "db_available",		LOG_INFO },
	{ "db_error",			LOG_ERROR },
	{ "db_setup_failed",		LOG_ERROR },
	{ "db_timeout",			LOG_WARNING },
	{ "db_unavailable",		LOG_ERROR },
	{ "error",			LOG_ERROR },
	{ "login_busy",			LOG_WARNING },
	{ "login_failed",		LOG_WARNING },
	{ "login_ok",			LOG_INFO },
	{ "login_password_ok",		LOG_INFO },
	{ "login_raced",		LOG_WARNING },
	{ "login_throttled",		LOG_WARNING },
	{ "logout",			LOG_INFO },
	{ "migration_applied",		LOG_INFO },
	{ "origin_rejected",		LOG_WARNING },
	{ "password_change_refused",	LOG_WARNING },
	{ "password_changed",		LOG_INFO },
	{ "password_rehashed",		LOG_INFO },
	{ "pool_started",		LOG_INFO },
	{ "pool_stopped",		LOG_INFO },
	{ "pool_stopping",		LOG_INFO },
	{ "qr_failed",			LOG_ERROR },
	{ "reauth_failed",		LOG_WARNING },
	{ "reauthenticated",		LOG_INFO },
	{ "reload_done",		LOG_INFO },
	{ "reload_partial",		LOG_WARNING },
	{ "reload_refused",		LOG_ERROR },
	{ "render_failed",		LOG_ERROR },
	{ "request_refused",		LOG_WARNING },
	{ "request_refused_suppressed",	LOG_WARNING },
	{ "request_timeout",		LOG_ERROR },
	{ "response_failed",		LOG_WARNING },
	{ "rule_invalid",		LOG_ERROR },
	{ "schema_unchecked",		LOG_WARNING },
	{ "second_factor_begun",	LOG_INFO },
	{ "second_factor_enrolled",	LOG_INFO },
	{ "second_factor_refused",	LOG_WARNING },
	{ "second_factor_removed",	LOG_INFO },
	{ "second_factor_unreadable",	LOG_ERROR },
	{ "serve_start",		LOG_INFO },
	{ "session_ended",		LOG_INFO },
	{ "sessions_ended_others",	LOG_INFO },
	{ "sessions_evicted",		LOG_INFO },
	{ "sessions_pruned",		LOG_INFO },
	{ "slow_request",		LOG_WARNING },
	{ "status_refused",		LOG_WARNING },
	{ "token_revoked",		LOG_INFO },
	{ "worker_exited",		LOG_INFO },	/* a crash: error (pool.c) */
	{ "worker_started",		LOG_INFO },
};

/*
 * Sends events to path (appended, created 0640), or to standard error when
 * path is NULL or empty. Returns 0, or -1 with errno set.
 */
int
log_open(const char *path)
{
	if (path == NULL || *path == '\0') {
		log_path[0] = '\0';
		log_fd = STDERR_FILENO;
		return 0;
	}
	if (strlen(path) >= sizeof(log_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(log_path, path);
	return log_reopen();
}

/* Reopens the log file (after rotation). Returns 0, or -1 and keeps the old one. */
int
log_reopen(void)
{
	int	 fd;

	if (log_path[0] == '\0')
		return 0;
	fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1)
		return -1;
	if (log_fd != STDERR_FILENO)
		close(log_fd);
	log_fd = fd;
	return 0;
}

/* Appends s to line, quoting it when needed and escaping anything unprintable. */
static void
log_put_value(char *line, size_t size, size_t *len, const char *s)
{
	int	 quote = (*s == '\0');
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0' && !quote; p++)
		if (*p <= ' ' || *p == '"' || *p == '=' || *p >= 0x7f)
			quote = 1;
	if (quote && *len + 1 < size)
		line[(*len)++] = '"';
	for (p = (const unsigned char *)s; *p != '\0' && *len + 5 < size; p++) {
		if (*p < ' ' || *p == 0x7f || *p == '"' || *p == '\\')
			*len += (size_t)snprintf(line + *len, size - *len,
			    "\\x%02x", *p);
		else
			line[(*len)++] = (char)*p;
	}
	if (quote && *len + 1 < size)
		line[(*len)++] = '"';
}

/*
 * Writes one finished line, in a single write(2) unless the kernel takes
 * only part of it (then the rest follows), so workers never interleave whole
 * lines. When the log file cannot be written, says so on standard error,
 * once until a write succeeds again, with the line it lost.
 */
static void
log_write_line(char *line, size_t len, size_t size)
{
	static int	 failing;
	size_t		 off = 0;
	ssize_t		 rc = 0;

	if (len >= size - 1)
		len = size - 2;
	line[len++] = '\n';
	while (off < len) {
		rc = write(log_fd, line + off, len - off);
		if (rc == -1 && errno == EINTR)
			continue;
		if (rc <= 0)
			break;
		off += (size_t)rc;
	}
	if (off == len || log_fd == STDERR_FILENO) {
		failing = 0;
		return;
	}
	if (!failing)
		dprintf(STDERR_FILENO, "tessera: log file %s: %s; lost: %.*s",
		    log_path, rc == 0 ? "nothing written" : strerror(errno),
		    (int)len, line);
	failing = 1;
}

/* Returns the level of event in log_levels[]; an event missing there is a warning. */
static enum log_level
log_level_of(const char *event)
{
	size_t	 i;

	for (i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]); i++)
		if (strcmp(log_levels[i].event, event) == 0)
			return log_levels[i].level;
	return LOG_WARNING;
}

/* Starts a line with the UTC time, the pid and the event name. Returns its length. */
static size_t
log_begin(char *line, size_t size, const char *event)
{
	struct timespec	 ts;
	struct tm	 tm;
	size_t		 len;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	len = strftime(line, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
	len += (size_t)snprintf(line + len, size - len, " tessera[%d] %s",
	    (int)getpid(), event);
	return len < size ? len : size - 1;
}

/*
 * Writes event with the key, value pairs of ap (ending with NULL), then its
 * level last (room kept for it), so that "event key=value" reads as before.
 */
static void
log_vevent(enum log_level level, const char *event, va_list ap)
{
	char		 line[2048];
	size_t		 len, room = sizeof(line) - LOG_LEVEL_ROOM;
	const char	*key, *val;

	len = log_begin(line, room, event);
	while ((key = va_arg(ap, const char *)) != NULL) {
		val = va_arg(ap, const char *);
		if (len + strlen(key) + 3 >= room)
			break;
		len += (size_t)snprintf(line + len, room - len, " %s=", key);
		log_put_value(line, room, &len, val ? val : "");
	}
	len += (size_t)snprintf(line + len, sizeof(line) - len, " level=%s",
	    log_level_names[level]);
	log_write_line(line, len, sizeof(line));
}

/*
 * Logs an event at its level in log_levels[], followed by key, value
 * string pairs ending with NULL:
 * log_event("login_ok", "user", name, "addr", addr, NULL).
 * Values are quoted and escaped, so no input can forge a line.
 */
void
log_event(const char *event, ...)
{
	va_list	 ap;

	va_start(ap, event);
	log_vevent(log_level_of(event), event, ap);
	va_end(ap);
}

/* Logs an event like log_event, but at level instead of the event's usual one. */
void
log_event_at(enum log_level level, const char *event, ...)
{
	va_list	 ap;

	va_start(ap, event);
	log_vevent(level, event, ap);
	va_end(ap);
}

/* Logs an "error" event with a formatted message (for start-up and internal faults). */
void
log_errorf(const char *fmt, ...)
{
	char	 msg[1024];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_event("error", "msg", msg, NULL);
}
