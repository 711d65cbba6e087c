/* Unit tests for log.c: each line ends with its event's level, even when long; lines that cannot be written are reported on standard error, once. */
#include "unit.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>

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

/* Runs log_event(event, "k", "v", NULL) n times with standard error captured; returns what it got. */
static char *
captured_stderr(const char *event, int n)
{
	char	*path = unit_temp_file(""), *out;
	int	 saved, fd, i;
	ssize_t	 len;

	assert_true((saved = dup(STDERR_FILENO)) != -1);
	assert_true((fd = open(path, O_RDWR)) != -1);
	assert_true(dup2(fd, STDERR_FILENO) != -1);
	for (i = 0; i < n; i++)
		log_event(event, "k", "v", NULL);
	assert_true(dup2(saved, STDERR_FILENO) != -1);
	close(saved);
	assert_non_null(out = calloc(1, 4096));
	assert_true((len = pread(fd, out, 4095, 0)) >= 0);
	close(fd);
	unit_temp_done(path, NULL);
	return out;
}

TEST(a_full_log_file_is_reported_once_with_the_lost_line)
{
	char	*err;

	assert_int_equal(log_open("/dev/full"), 0);
	err = captured_stderr("first_lost", 3);
	assert_true(strncmp(err, "tessera: log file /dev/full: ", 29) == 0);
	assert_non_null(strstr(err, " first_lost k=v level=warning\n"));
	assert_null(strstr(err + 1, "tessera:"));	/* once, not three times */
	free(err);
	assert_int_equal(log_open(NULL), 0);
}

TEST(a_log_file_that_works_again_is_reported_again_when_it_fails)
{
	char	*ok = unit_temp_file(""), *err;

	assert_int_equal(log_open("/dev/full"), 0);
	free(captured_stderr("lost", 1));
	assert_int_equal(log_open(ok), 0);
	err = captured_stderr("written", 1);
	assert_string_equal(err, "");
	free(err);
	assert_int_equal(log_open("/dev/full"), 0);
	err = captured_stderr("lost_again", 1);
	assert_non_null(strstr(err, " lost_again k=v level=warning\n"));
	free(err);
	assert_int_equal(log_open(NULL), 0);
	unit_temp_done(ok, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(an_event_ends_with_its_level_from_the_table),
		cmocka_unit_test(a_crash_is_logged_at_the_level_given),
		cmocka_unit_test(an_event_missing_from_the_table_is_a_warning),
		cmocka_unit_test(a_line_cut_for_length_keeps_its_level),
		cmocka_unit_test(a_full_log_file_is_reported_once_with_the_lost_line),
		cmocka_unit_test(a_log_file_that_works_again_is_reported_again_when_it_fails),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
