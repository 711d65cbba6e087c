/* `tessera migrate`: the database schema brought up to date. */
#include "cmd.h"

#include <stdio.h>

#include "migrate.h"

/* `tessera migrate`: applies what is missing. Returns the exit status. */
int
cmd_migrate(struct config *cfg, int argc, char **argv)
{
	struct db	*db;
	PGconn		*conn;
	char		 err[1024];
	int		 n, rc = CMD_FAILED;

	if (argc != 1)
		return cmd_usage_error(CMD_USAGE_MIGRATE, "argument", argv[1]);
	if ((db = db_new(cfg->database, cfg->connect_timeout, 600, 0)) == NULL)
		return CMD_FAILED;
	if ((conn = db_conn(db)) == NULL)
		cmd_fail("database: %s", db_error(db));
	else if ((n = migrate_apply(conn, cfg->migrations, err, sizeof(err))) < 0)
		cmd_fail("%s", err);
	else {
		printf("migrations: %d applied, schema at version %d\n", n,
		    migrate_version(conn, err, sizeof(err)));
		rc = CMD_OK;
	}
	db_free(db);
	return rc;
}
