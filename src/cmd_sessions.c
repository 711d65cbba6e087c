/* `tessera sessions list|revoke|purge`: operators administer sessions over the SQL functions. */
#include "cmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

/*
 * Gentle by default: a transaction of 1,000 rows kept the CPU long enough
 * to double the p99 of the pages served meanwhile, one of 100 did not
 * (README Performance: the rate they give, and the latency meanwhile).
 */
#define PURGE_BATCH	"100"
#define PURGE_PAUSE	"2"	/* milliseconds between two batches */

/* Returns 1 if s is a whole number of 1 to digits digits, else 0. */
static int
sessions_is_number(const char *s, size_t digits)
{
	size_t	 len = strlen(s);

	return len > 0 && len <= digits && strspn(s, "0123456789") == len;
}

/* Returns CMD_OK if a user is called name, else the exit status after saying why. */
static int
sessions_user_known(struct db *db, const char *name)
{
	const char	*values[1] = { name };
	PGresult	*res;
	int		 found;

	if ((res = cmd_db_query(db, SQL_ADMIN_USERS, values)) == NULL)
		return CMD_FAILED;
	found = PQntuples(res) > 0;
	PQclear(res);
	if (found)
		return CMD_OK;
	cmd_fail("no user named %s", name);
	return CMD_NO_USER;
}

/* `sessions list [--user NAME] [--json]`. Returns the exit status. */
static int
sessions_list(struct config *cfg, const char *user, int json)
{
	static const char *const headers[] = { "ID", "USER", "CREATED",
	    "LAST SEEN", "IDLE EXPIRY", "ABSOLUTE EXPIRY", "PROOF", "ADDRESS",
	    "BROWSER" };
	const char	*values[1] = { user };
	struct db	*db;
	PGresult	*res;
	int		 rc = CMD_OK;

	if ((db = cmd_db_open(cfg)) == NULL)
		return CMD_FAILED;
	if (user != NULL)
		rc = sessions_user_known(db, user);
	if (rc == CMD_OK && (res = cmd_db_query(db, json ?
	    SQL_ADMIN_SESSIONS_JSON : SQL_ADMIN_SESSIONS, values)) == NULL)
		rc = CMD_FAILED;
	else if (rc == CMD_OK) {
		if (json)
			printf("%s\n", PQgetvalue(res, 0, 0));
		else
			cmd_print_table(res, headers, 1);
		PQclear(res);
	}
	db_free(db);
	return rc;
}

/* `sessions revoke ID`. Returns the exit status. */
static int
sessions_revoke(struct config *cfg, const char *id)
{
	char	 ended[8];

	if (!sessions_is_number(id, DB_ID_DIGITS)) {
		cmd_fail("a session id is a number, not \"%.32s\"", id);
		return CMD_USAGE;
	}
	if (cmd_db_value(cfg, SQL_ADMIN_REVOKE, id, ended, sizeof(ended)) < 0)
		return CMD_FAILED;
	if (ended[0] != 't') {
		cmd_fail("no session with id %s", id);
		return CMD_NO_SESSION;
	}
	printf("ended session %s\n", id);
	return CMD_OK;
}

/* `sessions revoke --user NAME`. Returns the exit status. */
static int
sessions_revoke_user(struct config *cfg, const char *name)
{
	char	 n[24];

	switch (cmd_db_value(cfg, SQL_ADMIN_REVOKE_USER, name, n, sizeof(n))) {
	case -1:
		return CMD_FAILED;
	case 0:
		cmd_fail("no user named %s", name);
		return CMD_NO_USER;
	}
	printf("ended %s session%s of %s\n", n, strcmp(n, "1") ? "s" : "", name);
	return CMD_OK;
}

/* Sleeps ms milliseconds (whole, however many signals arrive). */
static void
sessions_sleep_ms(long ms)
{
	struct timespec	 left = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&left, &left) == -1 && errno == EINTR)
		;	/* a signal cut it short: sleep what is left */
}

/* Returns whole rows per second for n rows in ms milliseconds (n per second under 1 ms). */
static long long
sessions_rate(long long n, int64_t ms)
{
	return ms > 0 ? n * 1000 / ms : n;
}

/*
 * `sessions purge [--batch N] [--pause MS]`: one transaction per batch
 * until none is left, sleeping MS milliseconds between two batches so that
 * a busy site can spread the work out; on a terminal, the running totals and
 * rate on standard error after each batch. Prints one summary line: the
 * expired sessions and lapsed sign-in failure rows deleted, the time and the
 * rate (rows a second). Returns the exit status.
 */
static int
sessions_purge(struct config *cfg, const char *batch, const char *pause)
{
	const char	*values[1] = { batch };
	int		 progress = isatty(STDERR_FILENO), rc = CMD_OK;
	long long	 sessions = 0, failures = 0, n, lapsed;
	int64_t		 started = clock_ms();
	struct db	*db;
	PGresult	*res;

	if (!sessions_is_number(batch, 6) || atoi(batch) < 1) {
		cmd_fail("--batch takes a number from 1 to 999999, not \"%.32s\"",
		    batch);
		return CMD_USAGE;
	}
	if (!sessions_is_number(pause, 5)) {
		cmd_fail("--pause takes milliseconds from 0 to 99999, not \"%.32s\"",
		    pause);
		return CMD_USAGE;
	}
	if ((db = cmd_db_open(cfg)) == NULL)
		return CMD_FAILED;
	for (;;) {
		if ((res = cmd_db_query(db, SQL_ADMIN_PURGE, values)) == NULL) {
			rc = CMD_FAILED;
			break;
		}
		n = strtoll(PQgetvalue(res, 0, DB_PURGE_SESSIONS), NULL, 10);
		lapsed = strtoll(PQgetvalue(res, 0, DB_PURGE_FAILURES), NULL, 10);
		PQclear(res);
		sessions += n;
		failures += lapsed;
		if (progress)
			fprintf(stderr, "\rpurging: %lld expired sessions and %lld "
			    "lapsed sign-in failures deleted, %lld/s", sessions,
			    failures, sessions_rate(sessions + failures,
			    clock_ms() - started));
		if (n + lapsed == 0)
			break;
		sessions_sleep_ms(atol(pause));
	}
	if (progress)
		fputc('\n', stderr);
	printf("purged %lld expired sessions and %lld lapsed sign-in failures "
	    "in %.1f s, %lld/s\n", sessions, failures,
	    (double)(clock_ms() - started) / 1000, sessions_rate(sessions +
	    failures, clock_ms() - started));
	db_free(db);
	return rc;
}

/* `sessions purge [--batch N] [--pause MS]`, options in any order. Returns the exit status. */
static int
sessions_purge_command(struct config *cfg, int argc, char **argv)
{
	const char	*batch = PURGE_BATCH, *pause = PURGE_PAUSE;
	int		 i;

	for (i = 2; i + 1 < argc; i += 2)
		if (strcmp(argv[i], "--batch") == 0)
			batch = argv[i + 1];
		else if (strcmp(argv[i], "--pause") == 0)
			pause = argv[i + 1];
		else
			break;
	if (i != argc)
		return cmd_usage_error(CMD_USAGE_SESSIONS, "option", argv[i]);
	return sessions_purge(cfg, batch, pause);
}

/* `tessera sessions ...`. Returns the exit status. */
int
cmd_sessions(struct config *cfg, int argc, char **argv)
{
	const char	*user = NULL;
	int		 json = 0, i;

	if (argc >= 2 && strcmp(argv[1], "list") == 0) {
		for (i = 2; i < argc; i++)
			if (strcmp(argv[i], "--json") == 0)
				json = 1;
			else if (strcmp(argv[i], "--user") == 0 && i + 1 < argc)
				user = argv[++i];
			else
				break;
		if (i == argc)
			return sessions_list(cfg, user, json);
		return cmd_usage_error(CMD_USAGE_SESSIONS, "option", argv[i]);
	} else if (argc == 3 && strcmp(argv[1], "revoke") == 0)
		return sessions_revoke(cfg, argv[2]);
	else if (argc == 4 && strcmp(argv[1], "revoke") == 0 &&
	    strcmp(argv[2], "--user") == 0)
		return sessions_revoke_user(cfg, argv[3]);
	else if (argc >= 2 && strcmp(argv[1], "purge") == 0)
		return sessions_purge_command(cfg, argc, argv);
	if (argc < 2)
		return cmd_usage_error(CMD_USAGE_SESSIONS, "sessions command", NULL);
	if (strcmp(argv[1], "revoke") == 0)
		return argc == 2 ? cmd_usage_error(CMD_USAGE_SESSIONS,
		    "ID or --user NAME", NULL) : cmd_usage_error(
		    CMD_USAGE_SESSIONS, "argument", argv[argc - 1]);
	return cmd_usage_error(CMD_USAGE_SESSIONS, "sessions command", argv[1]);
}
