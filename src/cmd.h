/* The command line's subcommands, each over an open configuration. */
#ifndef TESSERA_CMD_H
#define TESSERA_CMD_H

#include "config.h"
#include "db.h"

/* Exit statuses, as the usage text lists them. */
enum cmd_exit {
	CMD_OK = 0,
	CMD_FAILED = 1,		/* the database, the system */
	CMD_USAGE = 2,
	CMD_NO_USER = 3,	/* no user has that name */
	CMD_NO_SESSION = 4,	/* no session has that id */
	CMD_NO_GROUP = 5,	/* no group has that name */
	CMD_NO_TOKEN = 6,	/* no token has that id */
};

/* Each command's usage line, printed by COMMAND --help and after a mistake. */
#define CMD_USAGE_SERVE		"usage: tessera [-c FILE] serve [--listen ADDR]"
#define CMD_USAGE_CHECK		"usage: tessera [-c FILE] check"
#define CMD_USAGE_MIGRATE	"usage: tessera [-c FILE] migrate"
#define CMD_USAGE_USER		"usage: tessera [-c FILE] user add|passwd|disable|enable|2fa|2fa-reset NAME | " \
				"user add NAME --group GROUP... | user list [--json] | " \
				"user groups NAME [--add GROUP]... [--remove GROUP]... | " \
				"user set NAME [--email ADDRESS] [--name TEXT]"
#define CMD_USAGE_GROUP		"usage: tessera [-c FILE] group add|remove NAME | group list"
#define CMD_USAGE_TOKEN		"usage: tessera [-c FILE] token add NAME --label LABEL " \
				"[--expires DURATION] | token list [--user NAME] | token revoke ID"
#define CMD_USAGE_RULE		"usage: tessera [-c FILE] rule check RULE..."
#define CMD_USAGE_SESSIONS	"usage: tessera [-c FILE] sessions list [--user NAME] " \
				"[--json] | revoke ID | revoke --user NAME | " \
				"purge [--batch N] [--pause MS]"

int	cmd_serve(struct config *, const char *config_path, int argc,
	    char **argv);
int	cmd_check(struct config *, const char *config_path, int argc,
	    char **argv);
int	check_as_user(const struct config *, void (*problem)(const char *),
	    char *err, size_t errsz) __attribute__((warn_unused_result));
int	check_schema(const struct config *, char *err, size_t errsz)
	    __attribute__((warn_unused_result));
int	cmd_migrate(struct config *, int argc, char **argv);
int	cmd_user(struct config *, int argc, char **argv);
int	cmd_sessions(struct config *, int argc, char **argv);
int	cmd_group(struct config *, int argc, char **argv);
int	cmd_token(struct config *, int argc, char **argv);
int	cmd_rule(struct config *, int argc, char **argv);
int	cmd_user_profile(struct config *, int argc, char **argv);
int	cmd_user_group(struct db *, const char *user, const char *group,
	    int add) __attribute__((warn_unused_result));
void	cmd_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int	cmd_usage_error(const char *usage, const char *what, const char *word);

struct db *cmd_db_open(const struct config *);
PGresult *cmd_db_query(struct db *, enum db_sql, const char *const *values)
	    __attribute__((warn_unused_result));
int	cmd_db_value(const struct config *, enum db_sql, const char *param,
	    char *out, size_t size) __attribute__((warn_unused_result));
void	cmd_print_table(PGresult *, const char *const *headers,
	    int summarise_last);
int	cmd_db_list(const struct config *, enum db_sql,
	    const char *const *values, const char *const *headers, int json);

#endif
