/* Unit tests for db.c's connection against a real PostgreSQL (make unit's throwaway one): result shapes, reconnects, timeouts. */
#include "unit.h"

#include <stdio.h>
#include <time.h>

#include "db.h"
#include "log.h"
#include "scoreboard.h"
#include "unit_pg.h"

#define TIMEOUT		1	/* statement_timeout of the handle under test, seconds */

static char	*fx_log;	/* the log file of the case running */

/* Makes the case's handle on make unit's database (statement_timeout TIMEOUT), its state; NULL without one. */
static int
fx_setup(void **state)
{
	const char	*conninfo = unit_pg_conninfo();

	*state = NULL;
	if (conninfo == NULL)
		return 0;
	fx_log = unit_temp_file("");
	if (log_open(fx_log) == -1)
		return -1;
	return (*state = db_new(conninfo, 5, TIMEOUT, 1)) == NULL ? -1 : 0;
}

/* Closes the handle and removes the log file. */
static int
fx_teardown(void **state)
{
	db_free(*state);
	if (fx_log != NULL) {
		log_open(NULL);
		unit_temp_done(fx_log, NULL);
		fx_log = NULL;
	}
	return 0;
}

/* Asserts that the handle answers SQL_PING with 1. */
static void
ping_ok(struct db *db)
{
	PGresult	*res = db_query(db, SQL_PING, NULL, NULL);

	assert_non_null(res);
	assert_string_equal(PQgetvalue(res, 0, DB_ONLY_COLUMN), "1");
	assert_false(db_unavailable(db));
	PQclear(res);
}

/* A case with the fixture made before it and freed after it. */
#define DB_TEST(name)	cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)

TEST(a_result_of_another_shape_than_declared_is_refused_and_logged)
{
	struct db	*db = unit_pg_state(state);

	ping_ok(db);
	/* the server's statement of that name now answers with two columns */
	PQclear(PQexec(db_conn(db), "DEALLOCATE ping"));
	PQclear(PQexec(db_conn(db), "PREPARE ping AS SELECT 1, 2"));
	assert_null(db_query(db, SQL_PING, NULL, NULL));
	assert_false(db_unavailable(db));	/* a failed statement, not an outage */
	assert_string_equal(db_error(db), "returned 2 columns where db.c "
	    "declares 1");
	assert_int_equal(unit_log_lines(fx_log, " db_error ", "statement=ping "
	    "error=\"returned 2 columns where db.c declares 1\""), 1);
}

/* Ends db's connection from the server's side and waits until it is gone; returns its backend's pid. */
static int
server_ends_connection(struct db *db)
{
	char		 pid[16];
	int		 tries;

	snprintf(pid, sizeof(pid), "%d", PQbackendPID(db_conn(db)));
	assert_int_equal(unit_pg_number("SELECT pg_terminate_backend($1::int)::int",
	    pid), 1);
	for (tries = 0; tries < 100 && unit_pg_number("SELECT count(*) FROM "
	    "pg_stat_activity WHERE pid = $1::int", pid) > 0; tries++)
		usleep(20000);
	return atoi(pid);
}

TEST(a_connection_the_server_ended_is_made_again_within_the_query)
{
	struct db	*db = unit_pg_state(state);
	int		 pid;

	ping_ok(db);
	pid = server_ends_connection(db);
	ping_ok(db);		/* the broken connection is retried once, new */
	assert_int_not_equal(PQbackendPID(db_conn(db)), pid);
	assert_int_equal(unit_log_lines(fx_log, " db_", "="), 0);
}

/* Returns the session's synchronous_commit on db's connection (static storage). */
static const char *
session_commit_mode(struct db *db)
{
	static char	 mode[32];
	PGresult	*res = PQexec(db_conn(db), "SHOW synchronous_commit");

	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	snprintf(mode, sizeof(mode), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return mode;
}

TEST(only_a_pools_connection_commits_without_waiting_by_default)
{
	char		 conninfo[1024];
	struct db	*db;

	(void)unit_pg_state(state);	/* skipped without a database */
	/* configured for this session as the server's own file or a role may configure it */
	snprintf(conninfo, sizeof(conninfo), "%s options='-c synchronous_commit=local'",
	    unit_pg_conninfo());
	assert_non_null(db = db_new(conninfo, 5, TIMEOUT, 1));
	ping_ok(db);		/* a command's connection: as configured */
	assert_string_equal(session_commit_mode(db), "local");
	db_commit_nowait(db);
	server_ends_connection(db);
	ping_ok(db);		/* a new connection, made for a pool */
	assert_string_equal(session_commit_mode(db), "off");
	db_free(db);
}

TEST(a_pools_statement_that_fails_leaves_its_connection_ready)
{
	struct db	*db = unit_pg_state(state);
	const char	*zero[1] = { "0" };
	int		 pid;

	db_commit_nowait(db);
	ping_ok(db);		/* its transaction is told to commit as configured first */
	pid = PQbackendPID(db_conn(db));
	assert_null(db_query(db, SQL_ADMIN_PURGE, zero, NULL));
	assert_false(db_unavailable(db));
	assert_non_null(strstr(db_error(db), "batch must be a positive number"));
	assert_int_equal(unit_log_lines(fx_log, " db_error ",
	    "statement=admin_purge "), 1);
	ping_ok(db);		/* the pipeline ended: the same connection serves */
	assert_int_equal(PQbackendPID(db_conn(db)), pid);
	pid = server_ends_connection(db);
	ping_ok(db);		/* and a broken one is made again within the query */
	assert_int_not_equal(PQbackendPID(db_conn(db)), pid);
}

TEST(a_statement_past_statement_timeout_makes_the_database_unavailable)
{
	struct db	*db = unit_pg_state(state);
	unsigned char	 hash[32] = { 0 };
	const char	*values[2] = { (const char *)hash, "60" };
	int		 lengths[2] = { sizeof(hash), 0 };
	struct scoreboard *sb = score_create();
	PGresult	*res;
	time_t		 began;

	assert_non_null(sb);
	ping_ok(db);		/* connected, statements prepared */
	unit_pg_exec("BEGIN", NULL);
	unit_pg_exec("LOCK TABLE tessera.sessions IN ACCESS EXCLUSIVE MODE", NULL);
	began = time(NULL);
	res = db_query(db, SQL_SESSION_READ, values, lengths);
	unit_pg_exec("ROLLBACK", NULL);
	assert_null(res);
	assert_true(time(NULL) - began <= TIMEOUT + 2);
	assert_true(db_unavailable(db));
	assert_non_null(strstr(db_error(db), "statement timeout"));
	assert_int_equal(sb->count[SC_DB_TIMEOUT], 1);
	assert_int_equal(unit_log_lines(fx_log, " db_timeout ",
	    "statement=session_read "), 1);
	/* the lock gone, the same connection serves again */
	assert_non_null(res = db_query(db, SQL_SESSION_READ, values, lengths));
	assert_int_equal(PQntuples(res), 0);
	assert_false(db_unavailable(db));
	PQclear(res);
}

/* Returns the plan of the signed-in touch on db's connection, all its lines in one string (freed by the caller). */
static char *
touch_plan(struct db *db)
{
	PGresult	*res = PQexec(db_conn(db), "EXPLAIN EXECUTE session_touch_incr("
			    "'\\x00'::bytea, 60, 60, 'views', 1)");
	size_t		 len = 1;
	char		*plan;
	int		 i;

	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	for (i = 0; i < PQntuples(res); i++)
		len += strlen(PQgetvalue(res, i, 0)) + 1;
	assert_non_null(plan = calloc(1, len));
	for (i = 0; i < PQntuples(res); i++)
		strcat(strcat(plan, PQgetvalue(res, i, 0)), "\n");
	PQclear(res);
	return plan;
}

TEST(a_signed_in_request_finds_its_user_by_index_however_few_users)
{
	struct db	*db = unit_pg_state(state);
	char		*plan;

	ping_ok(db);		/* connected, settings made, statements prepared */
	PQclear(PQexec(db_conn(db), "BEGIN"));
	PQclear(PQexec(db_conn(db), "INSERT INTO tessera.users (username, "
	    "password_hash) SELECT 'plan' || i, 'x' FROM generate_series(1, 200) i"));
	PQclear(PQexec(db_conn(db), "ANALYZE tessera.users"));
	plan = touch_plan(db);
	PQclear(PQexec(db_conn(db), "ROLLBACK"));
	assert_non_null(strstr(plan, "Index Scan using users_pkey"));
	assert_null(strstr(plan, "Seq Scan on users"));
	free(plan);
}

TEST(a_server_that_cannot_be_reached_is_unavailable_and_logged_once)
{
	struct db	*db = db_new("host=/nonexistent-tessera-unit dbname=tessera",
			    1, TIMEOUT, 1);
	char		*log = unit_temp_file("");

	assert_non_null(db);
	assert_int_equal(log_open(log), 0);
	assert_null(db_query(db, SQL_PING, NULL, NULL));
	assert_true(db_unavailable(db));
	assert_non_null(strstr(db_error(db), "nonexistent-tessera-unit"));
	assert_null(db_conn(db));
	assert_null(db_query(db, SQL_PING, NULL, NULL));	/* still out: not logged again */
	assert_true(db_unavailable(db));
	assert_int_equal(log_open(NULL), 0);
	assert_int_equal(unit_log_lines(log, " db_unavailable ", "error="), 1);
	db_free(db);
	unit_temp_done(log, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		DB_TEST(a_result_of_another_shape_than_declared_is_refused_and_logged),
		DB_TEST(a_connection_the_server_ended_is_made_again_within_the_query),
		DB_TEST(only_a_pools_connection_commits_without_waiting_by_default),
		DB_TEST(a_pools_statement_that_fails_leaves_its_connection_ready),
		DB_TEST(a_statement_past_statement_timeout_makes_the_database_unavailable),
		DB_TEST(a_signed_in_request_finds_its_user_by_index_however_few_users),
		cmocka_unit_test(a_server_that_cannot_be_reached_is_unavailable_and_logged_once),
	};

	return cmocka_run_group_tests_name("db_conn", tests, NULL, NULL);
}
