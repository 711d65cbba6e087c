/* What the unit tests that need a real PostgreSQL share: its conninfo, and SQL run beside tessera's. */
#ifndef TESSERA_UNIT_PG_H
#define TESSERA_UNIT_PG_H

#include <stdio.h>

#include <libpq-fe.h>

#define UNIT_PG_ENV	"TESSERA_TEST_DATABASE"

/*
 * Returns the conninfo of the throwaway database make unit provides
 * (tests/unit/pg_fixture.sh), or NULL, after saying once on standard
 * error that the tests needing it are skipped.
 */
static inline const char *
unit_pg_conninfo(void)
{
	static int	 said;
	const char	*conninfo = getenv(UNIT_PG_ENV);

	if ((conninfo == NULL || *conninfo == '\0') && !said++)
		fprintf(stderr, "%s is not set (make unit sets it: tests/unit/"
		    "pg_fixture.sh): skipping the tests that need PostgreSQL\n",
		    UNIT_PG_ENV);
	return conninfo != NULL && *conninfo != '\0' ? conninfo : NULL;
}

/* Returns a case's state, or skips the case when its setup found no database (and left the state NULL). */
static inline void *
unit_pg_state(void **state)
{
	if (*state == NULL)
		skip();
	return *state;
}

/*
 * Runs sql with its text parameters (n of them) on a connection of the
 * test's own (opened once, beside the one under test), asserting it
 * succeeded. Returns the result, to be PQclear'ed.
 */
static inline PGresult *
unit_pg_run(const char *sql, int n, const char *const *params)
{
	static PGconn	*conn;
	PGresult	*res;

	if (conn == NULL)
		conn = PQconnectdb(unit_pg_conninfo());
	assert_int_equal(PQstatus(conn), CONNECTION_OK);
	res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK &&
	    PQresultStatus(res) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQresultErrorMessage(res));
	return res;
}

/* Runs sql with one text parameter (or none: NULL) and returns its first value as a number (0 for no row or NULL). */
static inline long long
unit_pg_number(const char *sql, const char *param)
{
	PGresult	*res = unit_pg_run(sql, param != NULL, &param);
	long long	 n = 0;

	if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
		n = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return n;
}

/* Runs sql with one text parameter (or none: NULL), ignoring what it returns. */
static inline void
unit_pg_exec(const char *sql, const char *param)
{
	PQclear(unit_pg_run(sql, param != NULL, &param));
}

/* Returns how many lines of the log file at path hold both needles (tessera's events: " name " and "key=value"). */
static inline int
unit_log_lines(const char *path, const char *event, const char *detail)
{
	FILE	*fp = fopen(path, "r");
	char	 line[1024];
	int	 n = 0;

	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strstr(line, event) != NULL && strstr(line, detail) != NULL)
			n++;
	fclose(fp);
	return n;
}

#endif
