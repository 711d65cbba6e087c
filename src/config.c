/* Configuration: the key = value file, environment overrides, defaults, validation. */
#include "config.h"

#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netlist.h"
#include "token.h"

extern char **environ;

enum conf_type {
	CONF_STRING,
	CONF_INT,	/* whole number within [min, max] */
	CONF_SIZE,	/* bytes, with an optional k or M suffix */
	CONF_DURATION,	/* seconds, with an optional s, m, h or d suffix */
	CONF_BOOL,	/* on/off, yes/no, true/false, 1/0 */
	CONF_MODE,	/* octal file mode */
	CONF_SECURE,	/* auto, on or off */
	CONF_MAC,	/* blake2b or hmac (enum token_mac) */
	CONF_LISTEN,	/* a unix socket path, or host:port with a port 1 to 65535 */
	CONF_NETS,	/* addresses and CIDR prefixes (netlist.h) */
};

#define CF_NO_RELOAD	0x1	/* read at start only: a change needs a restart */

struct conf_key {
	const char	*name;
	size_t		 offset;
	const char	*def;		/* NULL: computed (workers) or empty */
	long long	 min, max;
	enum conf_type	 type;
	int		 flags;		/* CF_* */
};

#define STR(k, t, d, f)	{ .name = #k, .type = (t), .offset = offsetof(struct config, k), \
			  .def = (d), .flags = (f) }
#define NUM(k, t, d, lo, hi, f) { .name = #k, .type = (t), .offset = offsetof(struct config, k), \
			  .def = (d), .min = (lo), .max = (hi), .flags = (f) }

/*
 * Every key: its type, default, bounds and whether a reload applies it. One line here is one
 * key in tessera.conf(5), whose item says "Needs a restart" exactly for the CF_NO_RELOAD ones.
 */
static const struct conf_key conf_keys[] = {
	STR(database, CONF_STRING, "dbname=tessera", 0),
	STR(secret_file, CONF_STRING, TESSERA_CONFDIR "/secret", 0),
	STR(listen, CONF_LISTEN, "", CF_NO_RELOAD),
	STR(templates, CONF_STRING, TESSERA_DATADIR "/templates", 0),
	STR(migrations, CONF_STRING, TESSERA_DATADIR "/migrations", 0),
	STR(log_file, CONF_STRING, "", CF_NO_RELOAD),
	STR(cookie_name, CONF_STRING, "tessera_session", 0),
	STR(user, CONF_STRING, "", CF_NO_RELOAD),
	STR(group, CONF_STRING, "", CF_NO_RELOAD),
	STR(socket_user, CONF_STRING, "", CF_NO_RELOAD),
	STR(socket_group, CONF_STRING, "", CF_NO_RELOAD),
	STR(status_allow, CONF_NETS, "127.0.0.1, ::1", 0),
	NUM(workers, CONF_INT, NULL, 1, 128, 0),
	NUM(max_requests, CONF_INT, "0", 0, 1000000000, 0),
	NUM(shutdown_timeout, CONF_DURATION, "10s", 0, 3600, 0),
	NUM(request_timeout, CONF_DURATION, "60s", 0, 86400, 0),
	NUM(request_read_timeout, CONF_DURATION, "5s", 1, 60, 0),
	NUM(slow_log, CONF_DURATION, "5s", 0, 86400, 0),
	NUM(crash_limit, CONF_INT, "10", 1, 10000, 0),
	NUM(crash_window, CONF_DURATION, "10s", 1, 3600, 0),
	NUM(idle_timeout, CONF_DURATION, "30m", 60, 86400 * 30, 0),
	NUM(absolute_timeout, CONF_DURATION, "12h", 60, 86400 * 365, 0),
	NUM(touch_interval, CONF_DURATION, "60s", 0, 86400, 0),
	NUM(max_sessions_per_user, CONF_INT, "100", 1, 100000, 0),
	NUM(prune_interval, CONF_DURATION, "15m", 0, 86400 * 7, 0),
	NUM(login_form_timeout, CONF_DURATION, "1h", 60, 86400, 0),
	NUM(device_lifetime, CONF_DURATION, "90d", 3600, 86400 * 730, 0),
	NUM(reauth_window, CONF_DURATION, "10m", 60, 86400, 0),
	NUM(remember_timeout, CONF_DURATION, "30d", 3600, 86400 * 365, 0),
	NUM(remember_idle_timeout, CONF_DURATION, "7d", 60, 86400 * 365, 0),
	NUM(max_body, CONF_SIZE, "16k", 1024, 16 * 1024 * 1024, 0),
	NUM(cookie_secure, CONF_SECURE, "auto", 0, 0, 0),
	NUM(cookie_persistent, CONF_BOOL, "off", 0, 1, 0),
	NUM(cookie_mac, CONF_MAC, "blake2b", 0, 0, 0),
	NUM(socket_mode, CONF_MODE, "0660", 0, 0777, CF_NO_RELOAD),
	NUM(db_prepared, CONF_BOOL, "on", 0, 1, 0),
	NUM(connect_timeout, CONF_DURATION, "3s", 1, 300, 0),
	NUM(statement_timeout, CONF_DURATION, "5s", 1, 3600, 0),
	/* libsodium's INTERACTIVE limits are the floor */
	NUM(password_opslimit, CONF_INT, "2", 2, 64, 0),
	NUM(password_memlimit, CONF_SIZE, "64M", 64 * 1024 * 1024, 1024 * 1024 * 1024, 0),
};
#define CONF_NKEYS (sizeof(conf_keys) / sizeof(conf_keys[0]))

/* Parses a whole decimal number with an optional one-letter unit. Returns 0 or -1. */
static int
conf_parse_scaled(const char *s, long long *out, const char *units,
    const long long *scales)
{
	char		*end;
	long long	 v;
	const char	*u;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0)
		return -1;
	if (*end != '\0') {
		if (end[1] != '\0' || (u = strchr(units, *end)) == NULL)
			return -1;
		if (v > LLONG_MAX / scales[u - units])
			return -1;
		v *= scales[u - units];
	}
	*out = v;
	return 0;
}

/* Turns the text of a value into a number for its key's type. Returns 0, or -1 with why. */
static int
conf_parse_number(const struct conf_key *k, const char *v, long long *out,
    const char **why)
{
	static const long long dur_scales[] = { 1, 60, 3600, 86400 };
	static const long long size_scales[] = { 1024, 1024, 1024 * 1024, 1024 * 1024 * 1024 };
	char	*end;

	switch (k->type) {
	case CONF_INT:
		*why = "not a whole number";
		return conf_parse_scaled(v, out, "", NULL);
	case CONF_DURATION:
		*why = "not a duration (like 90, 90s, 30m, 12h, 1d)";
		return conf_parse_scaled(v, out, "smhd", dur_scales);
	case CONF_SIZE:
		*why = "not a size (like 16384, 16k, 64M, 1G)";
		return conf_parse_scaled(v, out, "kKMG", size_scales);
	case CONF_MODE:
		*why = "not an octal mode (like 0660)";
		errno = 0;
		*out = strtoll(v, &end, 8);
		return (*v == '\0' || *end != '\0' || errno) ? -1 : 0;
	case CONF_BOOL:
		*why = "not on or off";
		if (!strcmp(v, "on") || !strcmp(v, "yes") ||
		    !strcmp(v, "true") || !strcmp(v, "1"))
			*out = 1;
		else if (!strcmp(v, "off") || !strcmp(v, "no") ||
		    !strcmp(v, "false") || !strcmp(v, "0"))
			*out = 0;
		else
			return -1;
		return 0;
	case CONF_SECURE:
		*why = "not auto, on or off";
		if (!strcmp(v, "auto"))
			*out = COOKIE_SECURE_AUTO;
		else if (!strcmp(v, "on"))
			*out = COOKIE_SECURE_ON;
		else if (!strcmp(v, "off"))
			*out = COOKIE_SECURE_OFF;
		else
			return -1;
		return 0;
	case CONF_MAC:
		*why = "not blake2b or hmac";
		if (!strcmp(v, "blake2b"))
			*out = TOKEN_MAC_BLAKE2B;
		else if (!strcmp(v, "hmac"))
			*out = TOKEN_MAC_HMAC;
		else
			return -1;
		return 0;
	case CONF_STRING:
	case CONF_LISTEN:
	case CONF_NETS:
		break;
	}
	return -1;
}

/*
 * Checks a listen value: empty, a unix socket path (or unix:path) that fits a
 * socket address, or host:port with a port from 1 to 65535. Returns NULL, or why not.
 */
static const char *
conf_listen_problem(const char *v)
{
	struct sockaddr_un	 sun;
	const char		*port;
	char			*end;
	long			 n;

	if (*v == '\0')
		return NULL;
	if (strncmp(v, "unix:", 5) == 0)
		v += 5;
	if (*v == '/')
		return strlen(v) < sizeof(sun.sun_path) ? NULL :
		    "a unix socket path has at most 107 bytes";
	if ((port = strrchr(v, ':')) == NULL)
		return "not a socket path (/...) or host:port";
	port++;
	n = strtol(port, &end, 10);
	if (!isdigit((unsigned char)*port) || *end != '\0' || n < 1 || n > 65535)
		return "the port must be a number from 1 to 65535";
	return NULL;
}

/* Returns 1 if k's value is kept as text (a char * in struct config), else 0 (an int). */
static int
conf_is_text(const struct conf_key *k)
{
	return k->type == CONF_STRING || k->type == CONF_LISTEN || k->type == CONF_NETS;
}

/* Returns the entry of key in conf_keys[], or NULL. */
static const struct conf_key *
conf_find(const char *key)
{
	size_t	 i;

	for (i = 0; i < CONF_NKEYS; i++)
		if (strcmp(conf_keys[i].name, key) == 0)
			return &conf_keys[i];
	return NULL;
}

/* Stores value for key in cfg. Returns 0, or -1 with a message naming the key in err. */
int
config_set(struct config *cfg, const char *key, const char *value,
    char *err, size_t errsz)
{
	const struct conf_key	*k;
	const char		*why;
	char			 msg[256];
	long long		 n;
	char			*copy, **slot;

	if ((k = conf_find(key)) == NULL) {
		snprintf(err, errsz, "%s: unknown key", key);
		return -1;
	}
	if (k->type == CONF_NETS && netlist_check(value, msg, sizeof(msg)) == -1) {
		snprintf(err, errsz, "%s: %s", key, msg);
		return -1;
	}
	if (k->type == CONF_LISTEN && (why = conf_listen_problem(value)) != NULL) {
		snprintf(err, errsz, "%s: %s: \"%.64s\"", key, why, value);
		return -1;
	}
	if (conf_is_text(k)) {
		if ((copy = strdup(value)) == NULL) {
			snprintf(err, errsz, "%s: out of memory", key);
			return -1;
		}
		slot = (char **)((char *)cfg + k->offset);
		free(*slot);
		*slot = copy;
		return 0;
	}
	if (conf_parse_number(k, value, &n, &why) == -1) {
		snprintf(err, errsz, "%s: %s: \"%.64s\"", key, why, value);
		return -1;
	}
	if (k->min != k->max && (n < k->min || n > k->max)) {
		snprintf(err, errsz, "%s: must be between %lld and %lld, not %lld",
		    key, k->min, k->max, n);
		return -1;
	}
	*(int *)((char *)cfg + k->offset) = (int)n;
	return 0;
}

/* Fills cfg with the default of every key (workers: twice the cores). */
void
config_defaults(struct config *cfg)
{
	char	 err[256];
	long	 cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t	 i;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < CONF_NKEYS; i++)
		if (conf_keys[i].def != NULL && config_set(cfg,
		    conf_keys[i].name, conf_keys[i].def, err, sizeof(err)) == -1)
			abort();	/* a default that does not parse is a bug */
	cfg->workers = cores > 0 && cores < 128 ? (int)cores * 2 : 2;
}

/* Strips leading and trailing white space in place; returns the start. */
static char *
conf_trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Returns 1 if a value holds a `#` after white space (a comment after the value), else 0. */
static int
conf_has_comment(const char *v)
{
	const char	*h;

	for (h = strchr(v, '#'); h != NULL; h = strchr(h + 1, '#'))
		if (h > v && isspace((unsigned char)h[-1]))
			return 1;
	return 0;
}

/*
 * Reads "key = value" lines from fp: each key at most once, comments on lines
 * of their own. Returns 0, or -1 with "path:line: ..." in err.
 */
static int
config_read(struct config *cfg, FILE *fp, const char *path, char *err,
    size_t errsz)
{
	char			 line[4096], msg[512], *key, *val, *eq;
	int			 lineno = 0, seen[CONF_NKEYS] = { 0 };
	const struct conf_key	*k;

	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			snprintf(err, errsz, "%s:%d: line too long", path, lineno);
			return -1;
		}
		key = conf_trim(line);
		if (*key == '\0' || *key == '#')
			continue;
		if ((eq = strchr(key, '=')) == NULL) {
			snprintf(err, errsz, "%s:%d: expected key = value", path,
			    lineno);
			return -1;
		}
		*eq = '\0';
		key = conf_trim(key);
		val = conf_trim(eq + 1);
		if ((k = conf_find(key)) != NULL && seen[k - conf_keys] != 0) {
			snprintf(err, errsz, "%s:%d: %s: set twice, on lines %d "
			    "and %d", path, lineno, key, seen[k - conf_keys],
			    lineno);
			return -1;
		}
		if (k != NULL && conf_has_comment(val)) {
			snprintf(err, errsz, "%s:%d: %s: a comment after a value "
			    "is not allowed; put it on a line of its own", path,
			    lineno, key);
			return -1;
		}
		if (config_set(cfg, key, val, msg, sizeof(msg)) == -1) {
			snprintf(err, errsz, "%s:%d: %s", path, lineno, msg);
			return -1;
		}
		seen[k - conf_keys] = lineno;
	}
	return 0;
}

/* Returns the key TESSERA_<KEY> names (var: "TESSERA_..." up to '=' or its end), or NULL. */
static const struct conf_key *
conf_env_key(const char *var)
{
	size_t	 len = strcspn(var, "="), i, j;

	for (i = 0; i < CONF_NKEYS; i++) {
		if (strlen(conf_keys[i].name) != len - 8)
			continue;
		for (j = 0; j < len - 8; j++)
			if (toupper((unsigned char)conf_keys[i].name[j]) != var[8 + j])
				break;
		if (j == len - 8)
			return &conf_keys[i];
	}
	return NULL;
}

/*
 * Applies TESSERA_<KEY> environment variables over the file's values; any
 * other TESSERA_ variable is a mistake. Returns 0, or -1 naming it in err.
 */
static int
config_read_env(struct config *cfg, char *err, size_t errsz)
{
	const struct conf_key	*k;
	char			 msg[512];
	char			**e;
	int			 len;

	for (e = environ; *e != NULL; e++) {
		if (strncmp(*e, "TESSERA_", 8) != 0)
			continue;
		len = (int)strcspn(*e, "=");
		if ((k = conf_env_key(*e)) == NULL) {
			snprintf(err, errsz, "%.*s: no such setting (TESSERA_ and a "
			    "key of tessera.conf(5) in capitals)", len > 64 ? 64 : len, *e);
			return -1;
		}
		if (config_set(cfg, k->name, *e + len + ((*e)[len] == '='), msg,
		    sizeof(msg)) == -1) {
			snprintf(err, errsz, "%.*s: %s", len, *e, msg);
			return -1;
		}
	}
	return 0;
}

/*
 * Loads defaults, then the file at path (if not NULL), then the environment.
 * Returns 0, or -1 with a one-line message naming the key in err.
 */
int
config_load(struct config *cfg, const char *path, char *err, size_t errsz)
{
	FILE	*fp;
	int	 rc;

	config_defaults(cfg);
	if (path != NULL) {
		if ((fp = fopen(path, "r")) == NULL) {
			snprintf(err, errsz, "%s: %s", path, strerror(errno));
			return -1;
		}
		rc = config_read(cfg, fp, path, err, errsz);
		fclose(fp);
		if (rc == -1)
			return -1;
	}
	if (config_read_env(cfg, err, errsz) == -1)
		return -1;
	if (cfg->absolute_timeout < cfg->idle_timeout) {
		snprintf(err, errsz,
		    "absolute_timeout: must not be shorter than idle_timeout");
		return -1;
	}
	return 0;
}

/*
 * Writes into out the keys marked CF_NO_RELOAD whose values differ between
 * old and new, comma separated. Returns how many differ.
 */
int
config_restart_keys(const struct config *old, const struct config *new,
    char *out, size_t size)
{
	const char	*o, *n;
	size_t		 i, len = 0;
	int		 count = 0, same;

	out[0] = '\0';
	for (i = 0; i < CONF_NKEYS; i++) {
		if (!(conf_keys[i].flags & CF_NO_RELOAD))
			continue;
		o = (const char *)old + conf_keys[i].offset;
		n = (const char *)new + conf_keys[i].offset;
		if (conf_is_text(&conf_keys[i]))
			same = strcmp(*(char *const *)o, *(char *const *)n) == 0;
		else
			same = *(const int *)o == *(const int *)n;
		if (same)
			continue;
		if (len < size)
			len += (size_t)snprintf(out + len, size - len, "%s%s",
			    count ? ", " : "", conf_keys[i].name);
		count++;
	}
	return count;
}

/* Frees every string the configuration holds; safe on a zeroed struct. */
void
config_free(struct config *cfg)
{
	size_t	 i;

	if (cfg == NULL)
		return;
	for (i = 0; i < CONF_NKEYS; i++)
		if (conf_is_text(&conf_keys[i])) {
			char **slot = (char **)((char *)cfg + conf_keys[i].offset);
			free(*slot);
			*slot = NULL;
		}
}
