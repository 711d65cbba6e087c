/* Unit tests for respawn.c: the steps of a rolling reload, the fork and crash back-offs, why a worker left and when it is replaced. */
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

TEST(a_failed_fork_pauses_forks_for_the_growing_delay)
{
	struct respawn_pace pc = { 0 };

	respawn_fork_failed(&pc, 1000);
	assert_int_equal(pc.fork_at_ms, 1000 + RESPAWN_FORK_RETRY_MS);
	respawn_fork_failed(&pc, 2000);
	assert_int_equal(pc.fork_at_ms, 2000 + 2 * RESPAWN_FORK_RETRY_MS);
	assert_true(respawn_paused(&pc, 2000 + 2 * RESPAWN_FORK_RETRY_MS - 1));
	assert_false(respawn_paused(&pc, 2000 + 2 * RESPAWN_FORK_RETRY_MS));
}

TEST(crashes_up_to_the_limit_are_neither_alerted_nor_backed_off)
{
	struct respawn_pace pc = { .window_start = 100 };

	assert_false(respawn_crash(&pc, 100, 0, 60, 3, 1));
	assert_false(respawn_crash(&pc, 101, 0, 60, 3, 1));
	assert_false(respawn_crash(&pc, 102, 0, 60, 3, 1));
	assert_int_equal(pc.backoff, 0);
	assert_false(respawn_paused(&pc, 0));
}

TEST(past_the_limit_each_crash_doubles_the_back_off_up_to_its_cap)
{
	struct respawn_pace pc = { .window_start = 100 };
	int	 expect[] = { 1, 2, 4, 8, 16, 30, 30 }, i;

	assert_false(respawn_crash(&pc, 100, 5000, 60, 1, 1));
	for (i = 0; i < (int)(sizeof(expect) / sizeof(expect[0])); i++) {
		assert_true(respawn_crash(&pc, 100, 5000, 60, 1, 1));
		assert_int_equal(pc.backoff, expect[i]);
		assert_int_equal(pc.respawn_at_ms, 5000 + expect[i] * 1000LL);
	}
	assert_int_equal(pc.crashes, 8);
	assert_true(respawn_paused(&pc, 5000 + 29999));
}

TEST(crashes_while_a_request_arrives_are_alerted_once_a_window_and_never_slow_down)
{
	struct respawn_pace pc = { .window_start = 100 };

	assert_false(respawn_crash(&pc, 100, 0, 60, 2, 0));
	assert_false(respawn_crash(&pc, 100, 0, 60, 2, 0));
	assert_true(respawn_crash(&pc, 100, 0, 60, 2, 0));
	assert_false(respawn_crash(&pc, 100, 0, 60, 2, 0));
	assert_false(respawn_crash(&pc, 100, 0, 60, 2, 0));
	assert_int_equal(pc.backoff, 0);
	assert_int_equal(pc.respawn_at_ms, 0);
}

TEST(a_new_window_forgets_the_crashes_and_the_back_off)
{
	struct respawn_pace pc = { .window_start = 100 };

	respawn_crash(&pc, 100, 0, 60, 0, 1);
	respawn_crash(&pc, 100, 0, 60, 0, 1);
	assert_int_equal(pc.backoff, 2);
	assert_true(respawn_crash(&pc, 160, 0, 60, 0, 1));	/* the window's last second */
	assert_int_equal(pc.backoff, 4);
	assert_false(respawn_crash(&pc, 161, 0, 60, 1, 1));	/* a new window */
	assert_int_equal(pc.crashes, 1);
	assert_int_equal(pc.backoff, 0);
	assert_int_equal(pc.window_start, 161);
}

TEST(an_exit_is_counted_by_why_the_worker_left)
{
	struct respawn_exit timeout = { .doomed = 1, .current_gen = 1 },
	    crash = { .crashed = 1, .current_gen = 1 },
	    old_crash = { .crashed = 1 },
	    reload = { 0 },
	    recycled = { .current_gen = 1 };

	assert_int_equal(respawn_exit_counter(&timeout), SC_RESTART_TIMEOUT);
	assert_int_equal(respawn_exit_counter(&crash), SC_RESTART_CRASH);
	assert_int_equal(respawn_exit_counter(&old_crash), SC_RESTART_CRASH);
	assert_int_equal(respawn_exit_counter(&reload), SC_RESTART_RELOAD);
	assert_int_equal(respawn_exit_counter(&recycled), SC_RESTART_MAX_REQUESTS);
}

TEST(only_a_worker_of_the_current_generation_short_of_workers_is_replaced)
{
	struct respawn_pace pc = { 0 };
	struct respawn_exit cur = { .current_gen = 1 }, old = { .crashed = 1 };

	assert_int_equal(respawn_replace(&pc, &cur, 0, 1, 2), RESPAWN_NOW);
	assert_int_equal(respawn_replace(&pc, &cur, 0, 2, 2), RESPAWN_LEAVE);
	assert_int_equal(respawn_replace(&pc, &old, 0, 0, 2), RESPAWN_LEAVE);
}

TEST(a_crashed_worker_waits_for_the_back_off_and_any_worker_for_the_fork_pause)
{
	struct respawn_pace pc = { .backoff = 4, .respawn_at_ms = 5000, .fork_at_ms = 3000 };
	struct respawn_exit crash = { .crashed = 1, .current_gen = 1 },
	    clean = { .current_gen = 1 };

	assert_int_equal(respawn_replace(&pc, &crash, 2000, 0, 2), RESPAWN_AFTER_BACKOFF);
	assert_int_equal(respawn_replace(&pc, &clean, 2000, 0, 2), RESPAWN_AFTER_PAUSE);
	assert_int_equal(respawn_replace(&pc, &clean, 3000, 0, 2), RESPAWN_NOW);
	assert_int_equal(respawn_replace(&pc, &crash, 4000, 0, 2), RESPAWN_AFTER_BACKOFF);
	assert_int_equal(respawn_replace(&pc, &crash, 5000, 0, 2), RESPAWN_NOW);
	pc.backoff = 0;		/* the window ended: its back-off no longer holds crashes back */
	assert_int_equal(respawn_replace(&pc, &crash, 4000, 0, 2), RESPAWN_NOW);
}

TEST(saturation_is_connections_waiting_with_no_worker_idle)
{
	assert_true(respawn_saturated(1, 0));
	assert_false(respawn_saturated(0, 0));
	assert_false(respawn_saturated(5, 1));
	assert_false(respawn_saturated(-1, 0));		/* the queue could not be read */
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
		cmocka_unit_test(a_failed_fork_pauses_forks_for_the_growing_delay),
		cmocka_unit_test(crashes_up_to_the_limit_are_neither_alerted_nor_backed_off),
		cmocka_unit_test(past_the_limit_each_crash_doubles_the_back_off_up_to_its_cap),
		cmocka_unit_test(crashes_while_a_request_arrives_are_alerted_once_a_window_and_never_slow_down),
		cmocka_unit_test(a_new_window_forgets_the_crashes_and_the_back_off),
		cmocka_unit_test(an_exit_is_counted_by_why_the_worker_left),
		cmocka_unit_test(only_a_worker_of_the_current_generation_short_of_workers_is_replaced),
		cmocka_unit_test(a_crashed_worker_waits_for_the_back_off_and_any_worker_for_the_fork_pause),
		cmocka_unit_test(saturation_is_connections_waiting_with_no_worker_idle),
	};

	return cmocka_run_group_tests_name("respawn", tests, NULL, NULL);
}
