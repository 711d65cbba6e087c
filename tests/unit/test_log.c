/* Unit tests for log.c: each line ends with the level its event has in the table, even when long. */
#include "unit.h"

#include <stdio.h>

#include "log.h"

/* Logs through fn into a fresh temp file and returns the file's text (to free), the file removed. */
static char *
logged(void (*fn)(void))
{
	char	*path = unit_temp_file(""), *text = malloc(8192);
	FILE	*fp;
	size_t	 n;

	assert_non_null(text);
	assert_int_equal(log_open(path), 0);
	fn();
	assert_int_equal(log_open(NULL), 0);
	assert_non_null(fp = fopen(path, "r"));
	n = fread(text, 1, 8191, fp);
	text[n] = '\0';
	fclose(fp);
	unit_temp_done(path, NULL);
	return text;
}

/* Returns 1 if s ends with suffix. */
static int
ends_with(const char *s, const char *suffix)
{
	size_t	 a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Logs an info event. */
static void
log_login_ok(void)
{
	log_event("login_ok", "user", "alice", "addr", "127.0.0.1", NULL);
}

/* Logs the alert event. */
static void
log_alert(void)
{
	log_event("ALERT_workers_crashing", "crashes", "11", NULL);
}

/* Logs worker_exited (info in the table) at error, as a crash is. */
static void
log_crash_at_error(void)
{
	log_event_at(LOG_ERROR, "worker_exited", "how", "SIGSEGV", NULL);
}

/* Logs an event the table does not have. */
static void
log_unknown(void)
{
	log_event("no_such_event", NULL);
}

/* Logs an error event with a value far longer than a line. */
static void
log_huge(void)
{
	char	 big[5000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_event("db_error", "error", big, "path", "/dashboard", NULL);
}

TEST(an_event_ends_with_its_level_from_the_table)
{
	char	*text = logged(log_login_ok);

	assert_non_null(strstr(text, " login_ok user=alice addr=127.0.0.1 level=info\n"));
	assert_true(ends_with(text, " level=info\n"));
	free(text);
	text = logged(log_alert);
	assert_true(ends_with(text, " ALERT_workers_crashing crashes=11 level=alert\n"));
	free(text);
}

TEST(a_crash_is_logged_at_the_level_given)
{
	char	*text = logged(log_crash_at_error);

	assert_true(ends_with(text, " worker_exited how=SIGSEGV level=error\n"));
	free(text);
}

TEST(an_event_missing_from_the_table_is_a_warning)
{
	char	*text = logged(log_unknown);

	assert_true(ends_with(text, " no_such_event level=warning\n"));
	free(text);
}

TEST(a_line_cut_for_length_keeps_its_level)
{
	char	*text = logged(log_huge);

	assert_true(ends_with(text, " level=error\n"));
	assert_true(strlen(text) < 2048);
	assert_non_null(strstr(text, " db_error error=xxx"));
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(an_event_ends_with_its_level_from_the_table),
		cmocka_unit_test(a_crash_is_logged_at_the_level_given),
		cmocka_unit_test(an_event_missing_from_the_table_is_a_warning),
		cmocka_unit_test(a_line_cut_for_length_keeps_its_level),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
