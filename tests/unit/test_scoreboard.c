/* Unit tests for scoreboard.c and the route ids of routes.c: what /metrics and /status count. */
#include "unit.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "routes.h"
#include "scoreboard.h"

/* Returns bucket i of route id's duration histogram in sb. */
static uint64_t
bucket(const struct scoreboard *sb, int id, int i)
{
	return atomic_load(&sb->duration[id].bucket[i]);
}

TEST(a_request_lands_in_the_bucket_its_duration_does_not_exceed)
{
	struct scoreboard	*sb = score_create();
	struct score_slot	*slot;
	int			 ping = route_id("/ping");

	assert_non_null(sb);
	slot = &sb->slot[0];
	score_request_begin(slot, "/ping");
	assert_int_equal(slot->state, SCORE_BUSY);
	score_request_end(slot, ping, 200, 1000);	/* exactly 1 ms: le="0.001" */
	score_request_end(slot, ping, 200, 1001);	/* just over: le="0.0025" */
	score_request_end(slot, ping, 200, 10000001);	/* past 10 s: +Inf only */
	score_request_end(slot, ping, 200, -5);		/* a clock step back counts as 0 */
	assert_int_equal(bucket(sb, ping, 0), 2);
	assert_int_equal(bucket(sb, ping, 1), 1);
	assert_int_equal(bucket(sb, ping, SCORE_REQUEST_BUCKETS), 1);
	assert_int_equal(atomic_load(&sb->duration[ping].sum_us), 1000 + 1001 + 10000001);
	assert_int_equal(atomic_load(&sb->status[ping][200]), 4);
	assert_int_equal(slot->requests, 4);
	assert_int_equal(slot->state, SCORE_IDLE);
	assert_int_equal(slot->last_route, ping);
	munmap(sb, sizeof(*sb));
}

/* Uses about ms milliseconds of this process's CPU time. */
static void
burn_cpu(int ms)
{
	struct timespec		 t0, t;
	volatile unsigned	 x = 0;
	int			 i;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	do {
		for (i = 0; i < 10000; i++)
			x += (unsigned)i;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
	(void)x;	/* read once, so no compiler calls the sum unused */
}

TEST(a_requests_cpu_time_is_what_the_worker_used_since_the_last_one_ended)
{
	struct scoreboard	*sb = score_create();
	struct score_slot	*slot;
	int			 ping = route_id("/ping");

	assert_non_null(sb);
	slot = &sb->slot[0];
	burn_cpu(30);				/* before the worker is ready: charged to no request */
	score_worker_ready(slot);
	assert_int_equal(slot->state, SCORE_IDLE);
	score_request_end(slot, ping, 200, 1);
	assert_in_range(slot->last_cpu_us, 0, 10000);
	burn_cpu(40);
	score_request_end(slot, ping, 200, 40000);
	assert_in_range(slot->last_cpu_us, 39000, 1000000);
	assert_true(slot->last_peak_kb > 0);
	score_request_end(slot, ping, 200, 1);	/* the next, cheap one: not the total */
	assert_in_range(slot->last_cpu_us, 0, 10000);
	munmap(sb, sizeof(*sb));
}

TEST(out_of_range_routes_and_statuses_are_counted_not_written_past_the_arrays)
{
	struct scoreboard	*sb = score_create();

	assert_non_null(sb);
	score_request_end(&sb->slot[0], SCORE_ROUTES + 7, 999, 5);
	score_request_end(&sb->slot[0], -1, -3, 5);
	assert_int_equal(atomic_load(&sb->status[SCORE_ROUTES - 1][0]), 2);
	munmap(sb, sizeof(*sb));
}

TEST(counters_add_up_and_restarts_sum_their_reasons)
{
	struct scoreboard	*sb = score_create();
	struct score_tally	 t;

	assert_non_null(sb);
	score_count(SC_SIGNIN_OK);
	score_add(SC_SESSIONS_EXPIRED_PRUNED, 40);
	score_count(SC_RESTART_CRASH);
	score_count(SC_RESTART_RELOAD);
	score_count(SC_RESTART_RELOAD);
	score_count(SC__MAX);				/* ignored */
	assert_int_equal(score_get(sb, SC_SIGNIN_OK), 1);
	assert_int_equal(score_get(sb, SC_SESSIONS_EXPIRED_PRUNED), 40);
	sb->slot[3].pid = 42;
	sb->slot[3].state = SCORE_ACCEPTING;
	sb->slot[3].requests = 5;
	sb->slot[9].pid = 43;
	sb->slot[9].state = SCORE_BUSY;
	sb->requests = 100;
	score_tally(sb, &t);
	assert_int_equal(t.restarts, 3);
	assert_int_equal(t.total, 2);
	assert_int_equal(t.accepting, 1);
	assert_int_equal(t.busy, 1);
	assert_int_equal(t.idle + t.starting, 0);
	assert_int_equal(t.requests, 105);
	munmap(sb, sizeof(*sb));
}

TEST(password_hashes_are_timed_into_their_own_buckets)
{
	struct scoreboard	*sb = score_create();

	assert_non_null(sb);
	score_hash_observe(60000);			/* 60 ms: le="0.075" */
	score_hash_observe(3000000);			/* 3 s: +Inf */
	assert_int_equal(atomic_load(&sb->hash.bucket[3]), 1);
	assert_int_equal(atomic_load(&sb->hash.bucket[SCORE_HASH_BUCKETS]), 1);
	munmap(sb, sizeof(*sb));
}

TEST(route_ids_name_table_paths_and_other_for_the_rest)
{
	int	 id;

	assert_string_equal(route_label(route_id("/dashboard")), "/dashboard");
	assert_string_equal(route_label(route_id("/metrics")), "/metrics");
	assert_int_equal(route_id("/etc/passwd"), SCORE_ROUTES - 1);
	assert_int_equal(route_id(""), SCORE_ROUTES - 1);
	assert_int_equal(route_id("/dashboard/"), SCORE_ROUTES - 1);
	assert_string_equal(route_label(SCORE_ROUTES - 1), "other");
	assert_null(route_label(-1));
	assert_null(route_label(SCORE_ROUTES));
	for (id = 0; id < SCORE_ROUTES - 1; id++)
		if (route_label(id) != NULL)
			assert_int_equal(route_id(route_label(id)), id);
}

/*
 * A reader in another process (the supervisor's timeout check, /status)
 * never sees a worker busy since time 0, however it catches the worker
 * between its writes: the supervisor once read the state busy, then the 0
 * an ending request leaves, took the request for hours old and killed a
 * healthy worker mid-request. The worker here answers back to back.
 */
TEST(a_worker_ending_a_request_never_looks_busy_since_the_clock_began)
{
	struct scoreboard	*sb = score_create();
	struct score_slot	*slot;
	int64_t			 busy, now, end, longest = -1, seen_idle = 0;
	pid_t			 pid;

	assert_non_null(sb);
	slot = &sb->slot[0];
	score_worker_ready(slot);
	if ((pid = fork()) == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);	/* never outlives the test */
		for (;;) {
			score_request_begin(slot, "/ping");
			score_request_end(slot, route_id("/ping"), 200, 1);
		}
	}
	assert_true(pid > 0);
	for (end = clock_ms() + 500; (now = clock_ms()) < end; ) {
		if ((busy = score_busy_ms(slot, now)) < 0)
			seen_idle++;
		else if (busy > longest)
			longest = busy;
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_true(longest >= 0 && seen_idle > 0);	/* it caught the worker both ways */
	assert_true(longest < 1000);
	munmap(sb, sizeof(*sb));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_request_lands_in_the_bucket_its_duration_does_not_exceed),
		cmocka_unit_test(a_requests_cpu_time_is_what_the_worker_used_since_the_last_one_ended),
		cmocka_unit_test(out_of_range_routes_and_statuses_are_counted_not_written_past_the_arrays),
		cmocka_unit_test(counters_add_up_and_restarts_sum_their_reasons),
		cmocka_unit_test(password_hashes_are_timed_into_their_own_buckets),
		cmocka_unit_test(route_ids_name_table_paths_and_other_for_the_rest),
		cmocka_unit_test(a_worker_ending_a_request_never_looks_busy_since_the_clock_began),
	};

	return cmocka_run_group_tests_name("scoreboard", tests, NULL, NULL);
}
