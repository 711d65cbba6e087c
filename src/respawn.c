/* The supervisor's decisions as pure functions: when to fork, when to retire a worker, how long to back off, why a worker left. */
#include "respawn.h"

/*
 * Returns the next step of roll at now_ms. starting: the worker forked last
 * has not accepted yet; slot_free: a slot can take a new worker; fork_ok: no
 * fork back-off is running. Every step but RESPAWN_WAIT brings the roll
 * closer to RESPAWN_DONE; RESPAWN_WAIT lasts at most until wait_until_ms, or
 * while forks fail, until the back-off ends.
 */
enum respawn_step
respawn_roll_next(const struct respawn_roll *r, int64_t now_ms, int starting,
    int slot_free, int fork_ok)
{
	if (starting && now_ms < r->wait_until_ms)
		return RESPAWN_WAIT;
	if (r->retired < r->nold && r->retired < r->started)
		return RESPAWN_RETIRE;	/* a new one accepts in its place */
	if (r->started < r->wanted) {
		if (!fork_ok)
			return RESPAWN_WAIT;
		if (slot_free)
			return RESPAWN_FORK;
		/* every slot is taken: an old worker's frees one when it leaves */
		return r->retired < r->nold ? RESPAWN_RETIRE : RESPAWN_WAIT;
	}
	return r->retired < r->nold ? RESPAWN_RETIRE : RESPAWN_DONE;
}

/* Returns how long to wait before the next fork after failures (>= 1) failed forks in a row. */
int64_t
respawn_fork_delay_ms(int failures)
{
	int64_t	 ms = RESPAWN_FORK_RETRY_MS;

	while (--failures > 0 && ms < RESPAWN_FORK_RETRY_MAX_MS)
		ms *= 2;
	return ms < RESPAWN_FORK_RETRY_MAX_MS ? ms : RESPAWN_FORK_RETRY_MAX_MS;
}

/* Counts a failed fork at now_ms: no fork is tried before the back-off (respawn_fork_delay_ms) ends. */
void
respawn_fork_failed(struct respawn_pace *pc, int64_t now_ms)
{
	pc->fork_failures++;
	pc->fork_at_ms = now_ms + respawn_fork_delay_ms(pc->fork_failures);
}

/*
 * Counts a crash at now_s (wall clock) / now_ms (monotonic) in a window of
 * window seconds. Past limit crashes in it, and when slow_down, each
 * crash doubles the back-off before the next respawn (1 s up to
 * RESPAWN_BACKOFF_MAX). Returns 1 if the crash must be alerted: each one
 * past the limit that slows down, else only the first past the limit in
 * its window; 0 if not.
 */
int
respawn_crash(struct respawn_pace *pc, int64_t now_s, int64_t now_ms,
    int window, int limit, int slow_down)
{
	if (now_s - pc->window_start > window) {
		pc->window_start = now_s;
		pc->crashes = 0;
		pc->backoff = 0;
	}
	if (++pc->crashes <= limit)
		return 0;
	if (!slow_down)
		return pc->crashes == limit + 1;
	pc->backoff = pc->backoff ? pc->backoff * 2 : 1;
	if (pc->backoff > RESPAWN_BACKOFF_MAX)
		pc->backoff = RESPAWN_BACKOFF_MAX;
	pc->respawn_at_ms = now_ms + pc->backoff * 1000LL;
	return 1;
}

/*
 * Returns the counter of why worker e left: killed for request_timeout,
 * crashed, replaced by a reload, or (a clean exit of the current
 * generation) recycled after max_requests.
 */
enum score_counter
respawn_exit_counter(const struct respawn_exit *e)
{
	if (e->doomed)
		return SC_RESTART_TIMEOUT;
	if (e->crashed)
		return SC_RESTART_CRASH;
	if (!e->current_gen)
		return SC_RESTART_RELOAD;
	return SC_RESTART_MAX_REQUESTS;
}

/*
 * Returns when worker e, reaped at now_ms, is replaced: never when it was
 * of an old generation (the reload forks the new ones) or active workers
 * of the current one (e's slot not counted) already make workers; after
 * the back-off when it crashed while the pool backs off; after the pause
 * when forks failed; else at once.
 */
enum respawn_replace
respawn_replace(const struct respawn_pace *pc, const struct respawn_exit *e,
    int64_t now_ms, int active, int workers)
{
	if (!e->current_gen || active >= workers)
		return RESPAWN_LEAVE;
	if (e->crashed && pc->backoff > 0 && now_ms < pc->respawn_at_ms)
		return RESPAWN_AFTER_BACKOFF;
	if (now_ms < pc->fork_at_ms)
		return RESPAWN_AFTER_PAUSE;
	return RESPAWN_NOW;
}

/* Returns 1 while respawns wait at now_ms (a crash back-off or the pause after failed forks), else 0. */
int
respawn_paused(const struct respawn_pace *pc, int64_t now_ms)
{
	return now_ms < pc->respawn_at_ms || now_ms < pc->fork_at_ms;
}

/*
 * Returns 1 if a tick that found queue connections waiting to be accepted
 * and idle workers waiting for one counts as saturated (max_workers_reached):
 * connections wait and no worker is free to take them.
 */
int
respawn_saturated(int queue, int idle)
{
	return queue > 0 && idle == 0;
}
