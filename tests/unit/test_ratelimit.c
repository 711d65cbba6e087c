/* Unit tests for ratelimit.c: at most so many lines a second, then one summary of what was held back. */
#include "unit.h"

#include "ratelimit.h"

#define T0	100000		/* a monotonic clock's milliseconds, well past 0 */

/* Offers n lines at now_ms. Returns how many were let through. */
static int
offer(struct ratelimit *r, int64_t now_ms, int n, int max)
{
	int	 let = 0;

	while (n-- > 0)
		let += ratelimit_allow(r, now_ms, max);
	return let;
}

TEST(lines_up_to_the_limit_pass_and_the_rest_are_held_back)
{
	struct ratelimit r = { 0 };

	assert_int_equal(offer(&r, T0, 1000, 5), 5);
	assert_int_equal(r.held, 995);
}

TEST(the_summary_waits_for_the_end_of_the_second_and_is_said_once)
{
	struct ratelimit r = { 0 };

	offer(&r, T0, 12, 5);
	assert_int_equal(ratelimit_summary(&r, T0), 0);
	assert_int_equal(ratelimit_summary(&r, T0 + RATELIMIT_WINDOW_MS - 1), 0);
	assert_int_equal(ratelimit_summary(&r, T0 + RATELIMIT_WINDOW_MS), 7);
	assert_int_equal(ratelimit_summary(&r, T0 + 5 * RATELIMIT_WINDOW_MS), 0);
}

TEST(a_new_second_lets_lines_through_again)
{
	struct ratelimit r = { 0 };

	offer(&r, T0, 12, 5);
	assert_int_equal(ratelimit_summary(&r, T0 + RATELIMIT_WINDOW_MS), 7);
	assert_int_equal(offer(&r, T0 + RATELIMIT_WINDOW_MS, 8, 5), 5);
	assert_int_equal(ratelimit_summary(&r, T0 + 2 * RATELIMIT_WINDOW_MS), 3);
}

TEST(under_the_limit_nothing_is_held_and_no_summary_is_due)
{
	struct ratelimit r = { 0 };
	int	 s;

	for (s = 0; s < 10; s++) {
		assert_int_equal(offer(&r, T0 + s * RATELIMIT_WINDOW_MS, 5, 5), 5);
		assert_int_equal(ratelimit_summary(&r, T0 + s * RATELIMIT_WINDOW_MS), 0);
	}
	assert_int_equal(ratelimit_wait_ms(&r, T0), -1);
}

TEST(a_flood_logs_at_most_the_limit_and_one_summary_a_second)
{
	struct ratelimit r = { 0 };
	int64_t	 now;
	int	 lines = 0, summaries = 0;

	for (now = T0; now < T0 + 10 * RATELIMIT_WINDOW_MS; now++) {
		if (ratelimit_summary(&r, now) > 0)
			summaries++;
		lines += offer(&r, now, 3, 4);
	}
	assert_int_equal(lines, 10 * 4);
	assert_true(summaries >= 9 && summaries <= 10);
}

TEST(the_wait_ends_with_the_second_that_held_lines_back)
{
	struct ratelimit r = { 0 };

	offer(&r, T0, 2, 1);
	assert_int_equal(ratelimit_wait_ms(&r, T0 + 250), RATELIMIT_WINDOW_MS - 250);
	assert_int_equal(ratelimit_wait_ms(&r, T0 + RATELIMIT_WINDOW_MS + 7), 0);
	assert_int_equal(ratelimit_summary(&r, T0 + RATELIMIT_WINDOW_MS), 1);
	assert_int_equal(ratelimit_wait_ms(&r, T0 + RATELIMIT_WINDOW_MS), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lines_up_to_the_limit_pass_and_the_rest_are_held_back),
		cmocka_unit_test(the_summary_waits_for_the_end_of_the_second_and_is_said_once),
		cmocka_unit_test(a_new_second_lets_lines_through_again),
		cmocka_unit_test(under_the_limit_nothing_is_held_and_no_summary_is_due),
		cmocka_unit_test(a_flood_logs_at_most_the_limit_and_one_summary_a_second),
		cmocka_unit_test(the_wait_ends_with_the_second_that_held_lines_back),
	};

	return cmocka_run_group_tests_name("ratelimit", tests, NULL, NULL);
}
