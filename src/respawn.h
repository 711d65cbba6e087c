/* The supervisor's decisions as pure functions: when to fork, when to retire a worker, how long to back off, why a worker left. */
#ifndef TESSERA_RESPAWN_H
#define TESSERA_RESPAWN_H

#include <stdint.h>

#include "scoreboard.h"

#define RESPAWN_FORK_RETRY_MS		250	/* the wait after a failed fork; doubles */
#define RESPAWN_FORK_RETRY_MAX_MS	30000	/* ... up to this */
#define RESPAWN_BACKOFF_MAX		30	/* seconds between respawns while workers keep crashing */

/* What paces respawns: crashes counted per window with their back-off, and the pause after failed forks. */
struct respawn_pace {
	int64_t	 window_start;	/* seconds (wall clock) when the crash window began */
	int	 crashes;	/* crashes in it */
	int	 backoff;	/* seconds; 0 = none */
	int64_t	 respawn_at_ms;	/* a crashed worker is not replaced before this while backing off */
	int	 fork_failures;	/* failed forks in a row */
	int64_t	 fork_at_ms;	/* no fork before this */
};

/* A worker that exited, as the supervisor saw it. */
struct respawn_exit {
	int	 crashed;	/* a signal or a failure (not a kill for request_timeout) */
	int	 doomed;	/* killed for request_timeout */
	int	 accepting;	/* it was reading a request: what a client sent may have killed it */
	int	 current_gen;	/* forked since the last reload (else the reload replaces it) */
};

enum respawn_replace {
	RESPAWN_LEAVE,		/* nothing to replace: an old generation's, a surplus, a stop */
	RESPAWN_NOW,		/* fork its replacement at once */
	RESPAWN_AFTER_BACKOFF,	/* ... once the crash back-off ends */
	RESPAWN_AFTER_PAUSE,	/* ... once the pause after failed forks ends */
};

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
void		 respawn_fork_failed(struct respawn_pace *, int64_t now_ms);
int		 respawn_crash(struct respawn_pace *, int64_t now_s, int64_t now_ms,
		    int window, int limit, int slow_down);
enum score_counter respawn_exit_counter(const struct respawn_exit *);
enum respawn_replace respawn_replace(const struct respawn_pace *,
		    const struct respawn_exit *, int64_t now_ms, int active,
		    int workers);
int		 respawn_paused(const struct respawn_pace *, int64_t now_ms);
int		 respawn_saturated(int queue, int idle);

#endif
