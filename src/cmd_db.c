/* The commands' database plumbing: one connection, queries that fail with one line, tables. */
#include "cmd.h"

#include <stdio.h>
#include <string.h>

#include "useragent.h"

#define TABLE_COLS_MAX	16

/* Opens the configured database for one command (connecting on first query). Returns NULL after saying why. */
struct db *
cmd_db_open(const struct config *cfg)
{
	struct db	*db;

	db = db_new(cfg->database, cfg->connect_timeout, cfg->statement_timeout, 0);
	if (db == NULL)
		cmd_fail("out of memory");
	return db;
}

/*
 * Runs statement id with its text parameters (a NULL value is SQL NULL).
 * Returns the result, to be PQclear'ed, or NULL after a one-line error.
 */
PGresult *
cmd_db_query(struct db *db, enum db_sql id, const char *const *values)
{
	PGresult	*res;

	if ((res = db_query(db, id, values, NULL)) == NULL)
		cmd_fail("database: %s", db_error(db));
	return res;
}

/* Returns the text of a cell: "-" for an empty one, a browser summary for a User-Agent. */
static const char *
table_cell(PGresult *res, int row, int col, int agent_col, char *scratch,
    size_t size)
{
	const char	*v = PQgetvalue(res, row, col);

	if (col == agent_col)
		return ua_summary(v, scratch, size);
	return *v == '\0' ? "-" : v;
}

/*
 * Prints res as a table under headers (one per column, at most
 * TABLE_COLS_MAX), columns padded to their widest cell. The last column
 * may be a User-Agent header, shown as its summary (summarise_last).
 */
void
cmd_print_table(PGresult *res, const char *const *headers, int summarise_last)
{
	char	 scratch[UA_SUMMARY_MAX];
	size_t	 width[TABLE_COLS_MAX], len;
	int	 ncols = PQnfields(res), rows = PQntuples(res), agent, r, i;

	if (ncols > TABLE_COLS_MAX)
		ncols = TABLE_COLS_MAX;
	agent = summarise_last ? ncols - 1 : -1;
	for (i = 0; i < ncols; i++) {
		width[i] = strlen(headers[i]);
		for (r = 0; r < rows; r++) {
			len = strlen(table_cell(res, r, i, agent, scratch,
			    sizeof(scratch)));
			if (len > width[i])
				width[i] = len;
		}
	}
	for (r = -1; r < rows; r++)
		for (i = 0; i < ncols; i++)
			printf("%-*s%s", i == ncols - 1 ? 0 : (int)width[i],
			    r < 0 ? headers[i] : table_cell(res, r, i, agent,
			    scratch, sizeof(scratch)), i == ncols - 1 ? "\n" : "  ");
}

/*
 * Runs statement id with one parameter on a connection of its own and
 * copies the first column of its first row into out. Returns 1, 0 when
 * that is NULL (or there is no row), or -1 after a one-line error.
 */
int
cmd_db_value(const struct config *cfg, enum db_sql id, const char *param,
    char *out, size_t size)
{
	const char	*values[1] = { param };
	struct db	*db;
	PGresult	*res;
	int		 rc = -1;

	if ((db = cmd_db_open(cfg)) == NULL)
		return -1;
	if ((res = cmd_db_query(db, id, values)) != NULL) {
		rc = PQntuples(res) > 0 && !PQgetisnull(res, 0, 0);
		snprintf(out, size, "%s", rc ? PQgetvalue(res, 0, 0) : "");
		PQclear(res);
	}
	db_free(db);
	return rc;
}

/*
 * Runs listing statement id with its parameters on a connection of its
 * own and prints the result: its one cell when json (a JSON document),
 * else a table under headers. Returns the exit status.
 */
int
cmd_db_list(const struct config *cfg, enum db_sql id,
    const char *const *values, const char *const *headers, int json)
{
	struct db	*db;
	PGresult	*res;
	int		 rc = CMD_FAILED;

	if ((db = cmd_db_open(cfg)) != NULL &&
	    (res = cmd_db_query(db, id, values)) != NULL) {
		if (json)
			printf("%s\n", PQgetvalue(res, 0, 0));
		else
			cmd_print_table(res, headers, 0);
		PQclear(res);
		rc = CMD_OK;
	}
	db_free(db);
	return rc;
}
