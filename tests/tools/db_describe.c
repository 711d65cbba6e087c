/*
 * Checks db.c's statement table against PostgreSQL: each statement is prepared
 * and described, and its declared parameter and result-column counts must be
 * what the server says. usage: db_describe CONNINFO. Prints one line per
 * statement; exits 0 if all match, 1 if any does not, 2 if it cannot connect.
 * Built from db.c itself (included below), so it sees the static table.
 */
#include "db.c"

int	main(int, char **);

/* Prepares and describes statement i on c. Returns 1 if its counts match, else 0 (said why on stdout). */
static int
describe_one(PGconn *c, int i)
{
	const struct db_stmt *st = &db_stmts[i];
	PGresult	*res;
	int		 ok;

	res = PQprepare(c, st->name, st->sql, st->nparams, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		printf("%s: does not prepare: %s", st->name,
		    PQresultErrorMessage(res));
		PQclear(res);
		return 0;
	}
	PQclear(res);
	res = PQdescribePrepared(c, st->name);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK &&
	    PQnparams(res) == st->nparams && PQnfields(res) == st->ncols;
	printf("%s: parameters %d (declared %d), columns %d (declared %d)%s\n",
	    st->name, PQnparams(res), st->nparams, PQnfields(res), st->ncols,
	    ok ? "" : ": MISMATCH");
	PQclear(res);
	return ok;
}

int
main(int argc, char **argv)
{
	PGconn	*c;
	int	 i, ok = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: db_describe CONNINFO\n");
		return 2;
	}
	c = PQconnectdb(argv[1]);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "db_describe: %s", PQerrorMessage(c));
		PQfinish(c);
		return 2;
	}
	for (i = 0; i < SQL__MAX; i++)
		ok &= describe_one(c, i);
	PQfinish(c);
	return ok ? 0 : 1;
}
