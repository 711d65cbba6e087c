/* The supervisor's decisions as pure functions: when to fork, when to retire a worker, how long to back off. */
#ifndef TESSERA_RESPAWN_H
#define TESSERA_RESPAWN_H

#include <stdint.h>

#define RESPAWN_FORK_RETRY_MS		250	/* the wait after a failed fork; doubles */
#define RESPAWN_FORK_RETRY_MAX_MS	30000	/* ... up to this */

/*
 * A rolling replacement of every worker (SIGHUP): new workers are forked one
 * at a time, and an old one is told to leave once a new one accepts (or has
 * been waited for long enough), so capacity never drops.
 */
struct respawn_roll {
	int	 wanted;	/* workers of the new generation */
	int	 started;	/* of them, forked so far */
	int	 nold;		/* old workers to retire */
	int	 retired;	/* of them, told to leave so far */
	int64_t	 wait_until_ms;	/* the last one forked is waited for until then */
};

enum respawn_step {
	RESPAWN_WAIT,		/* nothing to do before the next event or tick */
	RESPAWN_FORK,		/* fork the next new worker */
	RESPAWN_RETIRE,		/* tell the next old worker to leave */
	RESPAWN_DONE,		/* every new worker forked, every old one told */
};

enum respawn_step respawn_roll_next(const struct respawn_roll *, int64_t now_ms,
		    int starting, int slot_free, int fork_ok);
int64_t		 respawn_fork_delay_ms(int failures);

#endif
