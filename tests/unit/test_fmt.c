/* Unit tests for fmt.c: bounded copies, decimal integers and ISO times, checked against snprintf and strftime. */
#include "unit.h"

#include <limits.h>
#include <stdio.h>
#include <time.h>

#include "fmt.h"

TEST(copy_fits)
{
	char	 dst[8];

	assert_int_equal(fmt_copy(dst, sizeof(dst), "abc"), 3);
	assert_string_equal(dst, "abc");
}

TEST(copy_is_cut_and_says_so)
{
	char	 dst[4];

	memset(dst, 'x', sizeof(dst));
	assert_int_equal(fmt_copy(dst, sizeof(dst), "abcdef"), 6);
	assert_string_equal(dst, "abc");
	assert_int_equal(fmt_copy(dst, sizeof(dst), "abcd"), 4);
	assert_string_equal(dst, "abc");
	assert_int_equal(fmt_copy(dst, sizeof(dst), "abc"), 3);
	assert_string_equal(dst, "abc");
}

TEST(copy_into_nothing_writes_nothing)
{
	char	 dst[1] = { 'x' };

	assert_int_equal(fmt_copy(dst, 0, "abc"), 3);
	assert_int_equal(dst[0], 'x');
	assert_int_equal(fmt_copy(dst, 1, "abc"), 3);
	assert_int_equal(dst[0], '\0');
}

TEST(copy_n_stops_at_n_or_at_the_end)
{
	char	 dst[16];

	assert_int_equal(fmt_copy_n(dst, sizeof(dst), "/dashboard?x=1", 10), 10);
	assert_string_equal(dst, "/dashboard");
	assert_int_equal(fmt_copy_n(dst, sizeof(dst), "ab", 10), 2);
	assert_string_equal(dst, "ab");
	assert_int_equal(fmt_copy_n(dst, sizeof(dst), "ab", 0), 0);
	assert_string_equal(dst, "");
	assert_int_equal(fmt_copy_n(dst, 3, "abcdef", 5), 5);
	assert_string_equal(dst, "ab");
}

TEST(copy_n_reads_no_further_than_n)
{
	char	 src[3] = { 'a', 'b', 'c' };	/* no NUL: only n bytes may be read */
	char	 dst[8];

	assert_int_equal(fmt_copy_n(dst, sizeof(dst), src, sizeof(src)), 3);
	assert_string_equal(dst, "abc");
}

/* Checks fmt_int(v) against snprintf's %lld. */
static void
int_as_printf(long long v)
{
	char	 mine[FMT_INT_MAX], theirs[64];

	snprintf(theirs, sizeof(theirs), "%lld", v);
	assert_int_equal(fmt_int(mine, v), strlen(theirs));
	assert_string_equal(mine, theirs);
}

TEST(int_matches_printf)
{
	long long	 v;

	int_as_printf(0);
	int_as_printf(7);
	int_as_printf(-7);
	int_as_printf(10);
	int_as_printf(-10);
	int_as_printf(INT_MAX);
	int_as_printf(INT_MIN);
	int_as_printf(LLONG_MAX);
	int_as_printf(LLONG_MIN);
	for (v = 1; v < LLONG_MAX / 10; v *= 10) {
		int_as_printf(v - 1);
		int_as_printf(v);
		int_as_printf(-v);
		int_as_printf(-v + 1);
	}
}

/* Checks fmt_iso_time(t) against strftime's %Y-%m-%dT%H:%M:%SZ in UTC. */
static void
iso_as_strftime(time_t t)
{
	char		 mine[FMT_ISO_MAX], theirs[64];
	struct tm	 tm;

	assert_non_null(gmtime_r(&t, &tm));
	assert_int_not_equal(strftime(theirs, sizeof(theirs),
	    "%Y-%m-%dT%H:%M:%SZ", &tm), 0);
	assert_int_equal(fmt_iso_time(mine, t), 20);
	assert_string_equal(mine, theirs);
}

TEST(iso_time_matches_strftime)
{
	time_t	 t;

	iso_as_strftime(0);
	iso_as_strftime(1700000000);
	iso_as_strftime(951782400);		/* 2000-02-29 (a leap day) */
	iso_as_strftime(253402300799);		/* 9999-12-31T23:59:59Z */
	for (t = 0; t < 4102444800; t += 86400 * 37 + 3661)	/* to 2100, odd steps */
		iso_as_strftime(t);
}

TEST(iso_time_pads_early_years_to_four_digits)
{
	char	 dst[FMT_ISO_MAX];

	/* ISO 8601's form; strftime's %Y writes "0" and "999" */
	assert_int_equal(fmt_iso_time(dst, -62167219200), 20);
	assert_string_equal(dst, "0000-01-01T00:00:00Z");
	assert_int_equal(fmt_iso_time(dst, -30610224000), 20);
	assert_string_equal(dst, "1000-01-01T00:00:00Z");
	assert_int_equal(fmt_iso_time(dst, -30610224001), 20);
	assert_string_equal(dst, "0999-12-31T23:59:59Z");
}

TEST(iso_time_out_of_four_digit_years_is_empty)
{
	char	 dst[FMT_ISO_MAX] = "x";

	assert_int_equal(fmt_iso_time(dst, 253402300800), 0);	/* year 10000 */
	assert_string_equal(dst, "");
	assert_int_equal(fmt_iso_time(dst, -62167219201), 0);	/* year -1 */
	assert_string_equal(dst, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(copy_fits),
		cmocka_unit_test(copy_is_cut_and_says_so),
		cmocka_unit_test(copy_into_nothing_writes_nothing),
		cmocka_unit_test(copy_n_stops_at_n_or_at_the_end),
		cmocka_unit_test(copy_n_reads_no_further_than_n),
		cmocka_unit_test(int_matches_printf),
		cmocka_unit_test(iso_time_matches_strftime),
		cmocka_unit_test(iso_time_pads_early_years_to_four_digits),
		cmocka_unit_test(iso_time_out_of_four_digit_years_is_empty),
	};

	return cmocka_run_group_tests_name("fmt", tests, NULL, NULL);
}
