/* The supervisor's decisions as pure functions: when to fork, when to retire a worker, how long to back off. */
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
