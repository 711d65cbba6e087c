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

int	cmd_serve(struct config *, const char *config_path, int argc,
	    char **argv);
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

struct db *cmd_db_open(const struct config *);
PGresult *cmd_db_query(struct db *, enum db_sql, const char *const *values)
	    __attribute__((warn_unused_result));
int	cmd_db_value(const struct config *, enum db_sql, const char *param,
	    char *out, size_t size) __attribute__((warn_unused_result));
void	cmd_print_table(PGresult *, const char *const *headers,
	    int summarise_last);

#endif
