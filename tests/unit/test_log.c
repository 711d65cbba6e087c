/* Unit tests for log.c: lines that cannot be written are reported on standard error, once. */
#include "unit.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

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
	assert_non_null(strstr(err, " first_lost k=v\n"));
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
	assert_non_null(strstr(err, " lost_again k=v\n"));
	free(err);
	assert_int_equal(log_open(NULL), 0);
	unit_temp_done(ok, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_full_log_file_is_reported_once_with_the_lost_line),
		cmocka_unit_test(a_log_file_that_works_again_is_reported_again_when_it_fails),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
