/* Unit tests for respawn.c: the steps of a rolling reload and the fork back-off. */
#include "unit.h"

#include "respawn.h"

/*
 * Plays a roll of wanted new and nold old workers to the end, taking each step
 * as the supervisor would when every fork works and each new worker accepts at
 * once. Returns the steps as letters (F fork, R retire), in a static buffer.
 */
static const char *
steps_of(int wanted, int nold)
{
	static char	 out[32];
	struct respawn_roll r = { .wanted = wanted, .nold = nold };
	enum respawn_step step;
	size_t		 n = 0;

	while ((step = respawn_roll_next(&r, 0, 0, 1, 1)) != RESPAWN_DONE) {
		assert_int_not_equal(step, RESPAWN_WAIT);
		assert_true(n + 1 < sizeof(out));
		out[n++] = step == RESPAWN_FORK ? 'F' : 'R';
		if (step == RESPAWN_FORK)
			r.started++;
		else
			r.retired++;
	}
	out[n] = '\0';
	return out;
}

TEST(each_old_worker_leaves_only_after_a_new_one_started)
{
	assert_string_equal(steps_of(3, 3), "FRFRFR");
}

TEST(fewer_new_workers_retire_every_old_one)
{
	assert_string_equal(steps_of(1, 3), "FRRR");
}

TEST(more_new_workers_are_all_forked)
{
	assert_string_equal(steps_of(3, 1), "FRFF");
}

TEST(a_starting_worker_is_waited_for_until_its_deadline_only)
{
	struct respawn_roll r = { .wanted = 2, .nold = 2, .started = 1, .wait_until_ms = 3000 };

	assert_int_equal(respawn_roll_next(&r, 2999, 1, 1, 1), RESPAWN_WAIT);
	assert_int_equal(respawn_roll_next(&r, 3000, 1, 1, 1), RESPAWN_RETIRE);
	assert_int_equal(respawn_roll_next(&r, 10, 0, 1, 1), RESPAWN_RETIRE);
}

TEST(while_forks_back_off_no_old_worker_is_retired_without_a_new_one)
{
	struct respawn_roll r = { .wanted = 2, .nold = 2 };

	assert_int_equal(respawn_roll_next(&r, 0, 0, 1, 0), RESPAWN_WAIT);
	r.started = r.retired = 1;
	assert_int_equal(respawn_roll_next(&r, 0, 0, 1, 0), RESPAWN_WAIT);
	assert_int_equal(respawn_roll_next(&r, 0, 0, 1, 1), RESPAWN_FORK);
}

TEST(with_every_slot_taken_an_old_worker_leaves_to_free_one)
{
	struct respawn_roll r = { .wanted = 2, .nold = 2 };

	assert_int_equal(respawn_roll_next(&r, 0, 0, 0, 1), RESPAWN_RETIRE);
	r.retired = 2;
	assert_int_equal(respawn_roll_next(&r, 0, 0, 0, 1), RESPAWN_WAIT);
	assert_int_equal(respawn_roll_next(&r, 0, 0, 1, 1), RESPAWN_FORK);
}

/* Takes steps from a fresh roll with fixed flags until DONE or WAIT; fails past wanted + nold steps. */
static void
steps_are_bounded(int wanted, int nold, int flags)
{
	struct respawn_roll r = { .wanted = wanted, .nold = nold };
	enum respawn_step step;
	int	 taken = 0;

	while ((step = respawn_roll_next(&r, 5, flags & 1, flags & 2, flags & 4)) !=
	    RESPAWN_DONE && step != RESPAWN_WAIT) {
		if (step == RESPAWN_FORK)
			r.started++;
		else
			r.retired++;
		assert_true(++taken <= wanted + nold);
	}
	assert_true(r.started <= wanted && r.retired <= nold);
}

TEST(every_step_but_wait_moves_the_roll_on)
{
	int	 wanted, nold, flags;

	for (wanted = 0; wanted <= 4; wanted++)
		for (nold = 0; nold <= 4; nold++)
			for (flags = 0; flags < 8; flags++)
				steps_are_bounded(wanted, nold, flags);
}

TEST(the_fork_back_off_doubles_up_to_its_cap)
{
	assert_int_equal(respawn_fork_delay_ms(1), RESPAWN_FORK_RETRY_MS);
	assert_int_equal(respawn_fork_delay_ms(2), 2 * RESPAWN_FORK_RETRY_MS);
	assert_int_equal(respawn_fork_delay_ms(3), 4 * RESPAWN_FORK_RETRY_MS);
	assert_int_equal(respawn_fork_delay_ms(7), 64 * RESPAWN_FORK_RETRY_MS);
	assert_int_equal(respawn_fork_delay_ms(8), RESPAWN_FORK_RETRY_MAX_MS);
	assert_int_equal(respawn_fork_delay_ms(1000000), RESPAWN_FORK_RETRY_MAX_MS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(each_old_worker_leaves_only_after_a_new_one_started),
		cmocka_unit_test(fewer_new_workers_retire_every_old_one),
		cmocka_unit_test(more_new_workers_are_all_forked),
		cmocka_unit_test(a_starting_worker_is_waited_for_until_its_deadline_only),
		cmocka_unit_test(while_forks_back_off_no_old_worker_is_retired_without_a_new_one),
		cmocka_unit_test(with_every_slot_taken_an_old_worker_leaves_to_free_one),
		cmocka_unit_test(every_step_but_wait_moves_the_roll_on),
		cmocka_unit_test(the_fork_back_off_doubles_up_to_its_cap),
	};

	return cmocka_run_group_tests_name("respawn", tests, NULL, NULL);
}
