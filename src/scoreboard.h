/* The scoreboard: memory shared by the supervisor and its workers, one slot per worker. */
#ifndef TESSERA_SCOREBOARD_H
#define TESSERA_SCOREBOARD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "clock.h"

#define SCORE_MAX_WORKERS	256
#define SCORE_PATH_MAX		64

enum score_state {
	SCORE_EMPTY,		/* no worker in this slot */
	SCORE_STARTING,		/* forked, not yet accepting */
	SCORE_IDLE,		/* waiting for a connection */
	SCORE_ACCEPTING,	/* reading a request's first records (libfcgi) */
	SCORE_BUSY,		/* answering a request */
};

struct score_slot {
	volatile pid_t		 pid;
	volatile int		 state;		/* enum score_state */
	volatile uint64_t	 requests;	/* answered by this worker */
	volatile int64_t	 busy_since_ms;	/* CLOCK_MONOTONIC, while BUSY */
	char			 path[SCORE_PATH_MAX];
};

struct scoreboard {
	time_t			 started;	/* wall clock, for uptime */
	volatile uint64_t	 requests;	/* by workers that have exited */
	volatile uint64_t	 restarts;	/* workers replaced for any reason */
	volatile uint64_t	 crashes;	/* ... that died by a signal or a failure */
	volatile uint64_t	 timeouts;	/* ... killed after request_timeout */
	volatile int		 db_outage;	/* 1 while a logged outage lasts (db_share_outage) */
	struct score_slot	 slot[SCORE_MAX_WORKERS];
};

struct scoreboard *score_create(void);
void		 score_worker_state(struct score_slot *, enum score_state);
void		 score_request_begin(struct score_slot *, const char *path);
void		 score_request_end(struct score_slot *);

#endif
