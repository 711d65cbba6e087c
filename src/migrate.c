/* Schema migrations: migrations/NNNN_name.sql applied in order, once each. */
#include "migrate.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"

#define MIGRATE_LOCK	"7265636572612d6d"	/* advisory lock key; any constant */
#define MIGRATE_MAX	1000
#define MIGRATION_SIZE_MAX (4 * 1024 * 1024)

/* Runs sql (no parameters). Returns 0, or -1 with the server's message in err. */
static int
migrate_exec(PGconn *conn, const char *sql, char *err, size_t errsz)
{
	PGresult	*res = PQexec(conn, sql);
	ExecStatusType	 st = PQresultStatus(res);
	int		 ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;

	if (!ok)
		snprintf(err, errsz, "%s", PQresultErrorMessage(res));
	PQclear(res);
	return ok ? 0 : -1;
}

/*
 * Returns the highest applied migration, 0 for a database never migrated,
 * or -1 with err.
 */
int
migrate_version(PGconn *conn, char *err, size_t errsz)
{
	PGresult	*res;
	int		 v = -1;

	res = PQexec(conn, "SELECT CASE WHEN to_regclass("
	    "'tessera.schema_migrations') IS NULL THEN 0 ELSE -1 END");
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		v = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (v != -1)
		return v;
	res = PQexec(conn, "SELECT coalesce(max(version), 0) "
	    "FROM tessera.schema_migrations");
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		v = atoi(PQgetvalue(res, 0, 0));
	else
		snprintf(err, errsz, "%s", PQresultErrorMessage(res));
	PQclear(res);
	return v;
}

/* Returns the version of a file named NNNN_name.sql, or -1 for any other name. */
static int
migrate_file_version(const char *name)
{
	size_t	 len = strlen(name), i;

	if (len < 10 || strcmp(name + len - 4, ".sql") != 0 || name[4] != '_')
		return -1;
	for (i = 0; i < 4; i++)
		if (!isdigit((unsigned char)name[i]))
			return -1;
	for (i = 5; i < len - 4; i++)
		if (!islower((unsigned char)name[i]) &&
		    !isdigit((unsigned char)name[i]) && name[i] != '_')
			return -1;
	return atoi(name);
}

/* Orders directory entries by name (and so by version). */
static int
migrate_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Keeps only migration files in the directory listing. */
static int
migrate_filter(const struct dirent *d)
{
	return migrate_file_version(d->d_name) > 0;
}

/* Reads a migration file into b. Returns 0, or -1 with err. */
static int
migrate_read(const char *path, struct buf *b, char *err, size_t errsz)
{
	FILE	*fp;
	char	 chunk[8192];
	size_t	 n;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_append(b, chunk, n);
	fclose(fp);
	if (b->failed) {
		snprintf(err, errsz, "%s: too large", path);
		return -1;
	}
	return 0;
}

/*
 * Applies one migration in its own transaction, unless already recorded.
 * Returns 1 if applied, 0 if it was already, -1 with err.
 */
static int
migrate_one(PGconn *conn, const char *dir, const char *name, char *err,
    size_t errsz)
{
	char		 path[4096], msg[1024], version[16];
	const char	*params[2] = { version, name };
	struct buf	 sql;
	PGresult	*res;
	int		 applied, rc = -1;

	snprintf(version, sizeof(version), "%d", migrate_file_version(name));
	res = PQexecParams(conn, "SELECT 1 FROM tessera.schema_migrations "
	    "WHERE version = $1", 1, NULL, params, NULL, NULL, 0);
	applied = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	PQclear(res);
	if (applied)
		return 0;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	buf_init(&sql, MIGRATION_SIZE_MAX);
	if (migrate_read(path, &sql, err, errsz) == -1)
		goto out;
	if (migrate_exec(conn, "BEGIN", msg, sizeof(msg)) == -1 ||
	    migrate_exec(conn, buf_str(&sql), msg, sizeof(msg)) == -1) {
		snprintf(err, errsz, "%s: %s", name, msg);
		goto rollback;
	}
	res = PQexecParams(conn, "INSERT INTO tessera.schema_migrations "
	    "(version, name) VALUES ($1, $2)", 2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		snprintf(err, errsz, "%s: %s", name, PQresultErrorMessage(res));
		PQclear(res);
		goto rollback;
	}
	PQclear(res);
	if (migrate_exec(conn, "COMMIT", msg, sizeof(msg)) == -1) {
		snprintf(err, errsz, "%s: %s", name, msg);
		goto out;
	}
	rc = 1;
	goto out;
rollback:
	migrate_exec(conn, "ROLLBACK", msg, sizeof(msg));
out:
	buf_free(&sql);
	return rc;
}

/*
 * Applies every migration in dir not yet recorded, in order, each in a
 * transaction, under an advisory lock so that two processes at once are
 * safe. Returns how many were applied, or -1 with a one-line err.
 */
int
migrate_apply(PGconn *conn, const char *dir, char *err, size_t errsz)
{
	struct dirent	**names = NULL;
	char		 msg[1024];
	int		 n, i, rc, applied = 0;

	if ((n = scandir(dir, &names, migrate_filter, migrate_cmp)) == -1) {
		snprintf(err, errsz, "migrations: %s: %s", dir, strerror(errno));
		return -1;
	}
	if (migrate_exec(conn, "SET client_min_messages = warning", msg,
	    sizeof(msg)) == -1 ||
	    migrate_exec(conn, "SELECT pg_advisory_lock(x'" MIGRATE_LOCK
	    "'::bigint)", msg, sizeof(msg)) == -1 ||
	    migrate_exec(conn, "CREATE SCHEMA IF NOT EXISTS tessera; "
	    "CREATE TABLE IF NOT EXISTS tessera.schema_migrations ("
	    "version integer PRIMARY KEY, name text NOT NULL, "
	    "applied_at timestamptz NOT NULL DEFAULT now())", msg,
	    sizeof(msg)) == -1) {
		snprintf(err, errsz, "migrate: %s", msg);
		applied = -1;
	}
	for (i = 0; i < n; i++) {
		if (applied >= 0) {
			rc = migrate_one(conn, dir, names[i]->d_name, err, errsz);
			if (rc == -1)
				applied = -1;
			else if (rc == 1) {
				applied++;
				log_event("migration_applied", "name",
				    names[i]->d_name, NULL);
			}
		}
		free(names[i]);
	}
	free(names);
	migrate_exec(conn, "SELECT pg_advisory_unlock(x'" MIGRATE_LOCK
	    "'::bigint)", msg, sizeof(msg));
	return applied;
}
