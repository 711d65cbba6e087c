/* Configuration: the key = value file, environment overrides, defaults, validation. */
#ifndef TESSERA_CONFIG_H
#define TESSERA_CONFIG_H

#include <stddef.h>

/* The file tessera reads without -c. */
#define CONFIG_DEFAULT_PATH	TESSERA_CONFDIR "/tessera.conf"

enum cookie_secure {
	COOKIE_SECURE_AUTO,	/* Secure when the request came over HTTPS */
	COOKIE_SECURE_ON,
	COOKIE_SECURE_OFF,
};

struct config {
	char	*database;		/* libpq connection string */
	char	*secret_file;		/* one secret per line; the first signs */
	char	*listen;		/* unix path or host:port; empty: fd 0 */
	char	*templates;		/* directory of ctemplate files */
	char	*migrations;		/* directory of NNNN_name.sql files */
	char	*log_file;		/* empty: standard error */
	char	*cookie_name;
	char	*user;			/* drop to this user when started as root */
	char	*group;
	char	*socket_user;		/* owner of a unix socket made when root */
	char	*socket_group;
	char	*status_allow;		/* addresses and prefixes that may see /status */
	int	 workers;
	int	 max_requests;		/* recycle a worker after this many; 0: never */
	int	 shutdown_timeout;	/* seconds in-flight requests get on stop */
	int	 request_timeout;	/* seconds before a stuck worker is killed; 0: never */
	int	 request_read_timeout;	/* seconds for a whole request to arrive */
	int	 slow_log;		/* seconds after which a request is logged; 0: never */
	int	 crash_limit;		/* crashes within crash_window before backing off */
	int	 crash_window;		/* seconds */
	int	 idle_timeout;		/* seconds */
	int	 absolute_timeout;	/* seconds */
	int	 touch_interval;	/* seconds between idle-expiry slides */
	int	 max_sessions_per_user;	/* sign-in ends the least recently used past it */
	int	 prune_interval;	/* seconds between purges of expired rows; 0: off */
	int	 login_form_timeout;	/* seconds a sign-in form (pre-session cookie) lives */
	int	 device_lifetime;	/* seconds a device cookie lives */
	int	 reauth_window;		/* seconds a proof of identity counts for sensitive actions */
	int	 remember_timeout;	/* absolute lifetime of a remembered session, seconds */
	int	 remember_idle_timeout;	/* idle limit of a remembered session, seconds */
	int	 max_body;		/* bytes */
	int	 cookie_secure;		/* enum cookie_secure */
	int	 cookie_persistent;	/* 1: Max-Age; 0: browser-session cookie */
	int	 cookie_mac;		/* enum token_mac: what new cookies and CSRF values carry */
	int	 socket_mode;
	int	 db_prepared;		/* 0: unnamed statements (pgbouncer transaction pooling) */
	int	 connect_timeout;	/* seconds */
	int	 statement_timeout;	/* seconds */
	int	 password_opslimit;	/* Argon2id passes */
	int	 password_memlimit;	/* Argon2id memory, bytes */
};

int	config_load(struct config *, const char *path, char *err, size_t errsz)
	    __attribute__((warn_unused_result));
int	config_set(struct config *, const char *key, const char *value,
	    char *err, size_t errsz) __attribute__((warn_unused_result));
int	config_restart_keys(const struct config *old,
	    const struct config *new, char *out, size_t size);
void	config_defaults(struct config *);
void	config_free(struct config *);

#endif
