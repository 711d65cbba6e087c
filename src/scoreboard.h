/* The scoreboard: memory shared by the supervisor and its workers: one slot per worker and the pool's counters. */
#ifndef TESSERA_SCOREBOARD_H
#define TESSERA_SCOREBOARD_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "clock.h"

#define SCORE_MAX_WORKERS	256
#define SCORE_PATH_MAX		64
#define SCORE_ROUTES		32	/* route ids (routes.c), "other" included */
#define SCORE_STATUS_MAX	600	/* HTTP statuses counted exactly below this */
#define SCORE_REQUEST_BUCKETS	13	/* score_request_bounds_us, then +Inf */
#define SCORE_HASH_BUCKETS	10	/* score_hash_bounds_us, then +Inf */

enum score_state {
	SCORE_EMPTY,		/* no worker in this slot */
	SCORE_STARTING,		/* forked, not yet accepting */
	SCORE_IDLE,		/* waiting for a connection */
	SCORE_ACCEPTING,	/* holding a connection whose request is arriving (fcgi_check) */
	SCORE_BUSY,		/* answering a request */
};

/* Pool-wide event counters; their names and labels are in page_metrics.c's table. */
enum score_counter {
	SC_SIGNIN_OK,
	SC_SIGNIN_FAILED,
	SC_SIGNIN_THROTTLED,
	SC_SIGNIN_DISABLED,
	SC_SIGNIN_CSRF,
	SC_SIGNIN_BUSY,
	SC_SIGNOUTS,
	SC_SESSIONS_CREATED,
	SC_SESSIONS_ENDED_SIGNOUT,
	SC_SESSIONS_ENDED_BY_USER,
	SC_SESSIONS_EXPIRED_PRUNED,
	SC_SESSIONS_EVICTED,
	SC_SESSIONS_REPLACED,
	SC_SESSIONS_PASSWORD_CHANGED,
	SC_AUTH_ALLOWED,
	SC_AUTH_DENIED,
	SC_AUTH_FORBIDDEN,
	SC_DB_UNAVAILABLE,
	SC_DB_TIMEOUT,
	SC_DB_OTHER,
	SC_RESTART_CRASH,
	SC_RESTART_TIMEOUT,
	SC_RESTART_MAX_REQUESTS,
	SC_RESTART_RELOAD,
	SC_SLOW_REQUESTS,
	SC_MAX_WORKERS_REACHED,
	SC_REQUESTS_REFUSED,
	SC__MAX
};

/* A histogram: counts per bucket (not cumulative), the last one +Inf, and the sum. */
struct score_histogram {
	_Atomic uint64_t	 bucket[SCORE_REQUEST_BUCKETS + 1];
	_Atomic uint64_t	 sum_us;
};

struct score_slot {
	volatile pid_t		 pid;
	volatile int		 state;		/* enum score_state */
	volatile time_t		 started;	/* wall clock, when forked */
	volatile uint64_t	 requests;	/* answered by this worker */
	volatile int64_t	 busy_since_ms;	/* CLOCK_MONOTONIC, while BUSY */
	volatile int		 last_route;	/* route id of the last request answered */
	volatile int64_t	 last_us;	/* ... and how long it took */
	volatile int64_t	 last_cpu_us;	/* ... the CPU time it used (user + system) */
	volatile int64_t	 last_peak_kb;	/* the worker's peak resident memory after it */
	char			 path[SCORE_PATH_MAX];
};

struct scoreboard {
	time_t			 started;	/* wall clock, for uptime */
	volatile uint64_t	 requests;	/* by workers that have exited */
	volatile int		 workers;	/* configured */
	volatile int		 db_outage;	/* 1 while a logged outage lasts (db_share_outage) */
	/* sampled by the supervisor every tick; -1: cannot be read */
	volatile int		 listen_queue;		/* connections waiting to be accepted */
	volatile int		 listen_queue_max;	/* the socket's backlog */
	volatile int		 listen_queue_peak;	/* highest listen_queue seen */
	volatile int		 busy_peak;		/* most workers seen busy at once */
	_Atomic uint64_t	 count[SC__MAX];
	_Atomic uint64_t	 status[SCORE_ROUTES][SCORE_STATUS_MAX];
	struct score_histogram	 duration[SCORE_ROUTES];
	struct score_histogram	 hash;
	struct score_slot	 slot[SCORE_MAX_WORKERS];
};

extern const int64_t	 score_request_bounds_us[SCORE_REQUEST_BUCKETS];
extern const int64_t	 score_hash_bounds_us[SCORE_HASH_BUCKETS];

/* The workers by state, and the pool's totals, read from the scoreboard at one moment. */
struct score_tally {
	int		 starting, idle, accepting, busy, total;
	uint64_t	 requests;	/* answered, by live and exited workers */
	uint64_t	 restarts;	/* workers that left, for any reason */
};

struct scoreboard *score_create(void);
void		 score_tally(const struct scoreboard *, struct score_tally *);
void		 score_worker_state(struct score_slot *, enum score_state);
void		 score_worker_ready(struct score_slot *);
void		 score_request_begin(struct score_slot *, const char *path);
int64_t		 score_busy_ms(const struct score_slot *, int64_t now);
void		 score_request_end(struct score_slot *, int route, int status,
		    int64_t us);
void		 score_count(enum score_counter);
void		 score_add(enum score_counter, uint64_t n);
void		 score_hash_observe(int64_t us);
uint64_t	 score_get(const struct scoreboard *, enum score_counter);

#endif
