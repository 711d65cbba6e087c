/* Configuration: the key = value file, environment overrides, defaults, validation. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum conf_type {
	CONF_STRING,
	CONF_INT,	/* whole number within [min, max] */
	CONF_SIZE,	/* bytes, with an optional k or M suffix */
	CONF_DURATION,	/* seconds, with an optional s, m, h or d suffix */
	CONF_BOOL,	/* on/off, yes/no, true/false, 1/0 */
	CONF_MODE,	/* octal file mode */
	CONF_SECURE,	/* auto, on or off */
};

struct conf_key {
	const char	*name;
	enum conf_type	 type;
	size_t		 offset;
	const char	*def;		/* NULL: computed (workers) or empty */
	long long	 min, max;
};

#define STR(k, d)	  { #k, CONF_STRING, offsetof(struct config, k), d, 0, 0 }
#define NUM(k, t, d, lo, hi) { #k, t, offsetof(struct config, k), d, lo, hi }

/* Every key: its type, default and bounds. One line here is one key in tessera.conf(5). */
static const struct conf_key conf_keys[] = {
	STR(database, "dbname=tessera"),
	STR(secret_file, "/etc/tessera/secret"),
	STR(listen, ""),
	STR(templates, "templates"),
	STR(migrations, "migrations"),
	STR(log_file, ""),
	STR(cookie_name, "tessera_session"),
	STR(user, ""),
	STR(group, ""),
	STR(socket_user, ""),
	STR(socket_group, ""),
	STR(status_allow, "127.0.0.1, ::1"),
	NUM(workers, CONF_INT, NULL, 1, 128),
	NUM(max_requests, CONF_INT, "0", 0, 1000000000),
	NUM(shutdown_timeout, CONF_DURATION, "10s", 0, 3600),
	NUM(request_timeout, CONF_DURATION, "60s", 0, 86400),
	NUM(request_read_timeout, CONF_DURATION, "5s", 1, 60),
	NUM(slow_log, CONF_DURATION, "5s", 0, 86400),
	NUM(crash_limit, CONF_INT, "10", 1, 10000),
	NUM(crash_window, CONF_DURATION, "10s", 1, 3600),
	NUM(idle_timeout, CONF_DURATION, "30m", 60, 86400 * 30),
	NUM(absolute_timeout, CONF_DURATION, "12h", 60, 86400 * 365),
	NUM(touch_interval, CONF_DURATION, "60s", 0, 86400),
	NUM(prune_interval, CONF_DURATION, "15m", 0, 86400 * 7),
	NUM(max_body, CONF_SIZE, "16k", 1024, 16 * 1024 * 1024),
	NUM(cookie_secure, CONF_SECURE, "auto", 0, 0),
	NUM(cookie_persistent, CONF_BOOL, "on", 0, 1),
	NUM(socket_mode, CONF_MODE, "0660", 0, 0777),
	NUM(db_prepared, CONF_BOOL, "on", 0, 1),
	NUM(connect_timeout, CONF_DURATION, "3s", 1, 300),
	NUM(statement_timeout, CONF_DURATION, "5s", 1, 3600),
	/* libsodium's INTERACTIVE limits are the floor */
	NUM(password_opslimit, CONF_INT, "2", 2, 64),
	NUM(password_memlimit, CONF_SIZE, "64M", 64 * 1024 * 1024, 1024 * 1024 * 1024),
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
	case CONF_STRING:
		break;
	}
	return -1;
}

/* Stores value for key in cfg. Returns 0, or -1 with a message naming the key in err. */
int
config_set(struct config *cfg, const char *key, const char *value,
    char *err, size_t errsz)
{
	const struct conf_key	*k = NULL;
	const char		*why = "";
	long long		 n;
	char			*copy, **slot;
	size_t			 i;

	for (i = 0; i < CONF_NKEYS; i++)
		if (strcmp(conf_keys[i].name, key) == 0)
			k = &conf_keys[i];
	if (k == NULL) {
		snprintf(err, errsz, "%s: unknown key", key);
		return -1;
	}
	if (k->type == CONF_STRING) {
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

/* Reads "key = value" lines from fp. Returns 0, or -1 with "path:line: ..." in err. */
static int
config_read(struct config *cfg, FILE *fp, const char *path, char *err,
    size_t errsz)
{
	char	 line[4096], msg[512], *key, *val, *eq;
	int	 lineno = 0;

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
		if (config_set(cfg, key, val, msg, sizeof(msg)) == -1) {
			snprintf(err, errsz, "%s:%d: %s", path, lineno, msg);
			return -1;
		}
	}
	return 0;
}

/* Applies TESSERA_<KEY> environment variables over the file's values. Returns 0 or -1. */
static int
config_read_env(struct config *cfg, char *err, size_t errsz)
{
	char		 var[64], msg[512];
	const char	*val;
	size_t		 i, j;

	for (i = 0; i < CONF_NKEYS; i++) {
		snprintf(var, sizeof(var), "TESSERA_%s", conf_keys[i].name);
		for (j = 8; var[j] != '\0'; j++)
			var[j] = (char)toupper((unsigned char)var[j]);
		if ((val = getenv(var)) == NULL)
			continue;
		if (config_set(cfg, conf_keys[i].name, val, msg, sizeof(msg)) == -1) {
			snprintf(err, errsz, "%s: %s", var, msg);
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

/* Frees every string the configuration holds; safe on a zeroed struct. */
void
config_free(struct config *cfg)
{
	size_t	 i;

	if (cfg == NULL)
		return;
	for (i = 0; i < CONF_NKEYS; i++)
		if (conf_keys[i].type == CONF_STRING) {
			char **slot = (char **)((char *)cfg + conf_keys[i].offset);
			free(*slot);
			*slot = NULL;
		}
}
