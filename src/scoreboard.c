/* The scoreboard: memory shared by the supervisor and its workers: one slot per worker and the pool's counters. */
#include "scoreboard.h"

#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "clock.h"
#include "fmt.h"

/* Upper bounds of the request duration buckets: 1 ms to 10 s. */
const int64_t score_request_bounds_us[SCORE_REQUEST_BUCKETS] = {
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000,
};

/* Upper bounds of the password hash buckets: Argon2id takes tens to hundreds of ms. */
const int64_t score_hash_bounds_us[SCORE_HASH_BUCKETS] = {
	10000, 25000, 50000, 75000, 100000, 150000, 250000, 500000, 1000000,
	2500000,
};

_Static_assert(SCORE_HASH_BUCKETS <= SCORE_REQUEST_BUCKETS,
    "struct score_histogram holds the longer list of buckets");
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2,
    "counters in shared memory need lock-free 64-bit atomics");

/* The pool's scoreboard in this process (inherited across fork); NULL outside `serve`. */
static struct scoreboard *score_shared;

/* This process's CPU time (microseconds) when its last request ended, or when it became ready. */
static int64_t	 score_cpu_mark_us;

/*
 * Maps a zeroed scoreboard shared with every process forked afterwards,
 * which then count into it. Returns it, or NULL.
 */
struct scoreboard *
score_create(void)
{
	struct scoreboard *sb;

	sb = mmap(NULL, sizeof(*sb), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sb == MAP_FAILED)
		return NULL;
	memset(sb, 0, sizeof(*sb));
	sb->started = time(NULL);
	sb->listen_queue = sb->listen_queue_max = -1;
	score_shared = sb;
	return sb;
}

/* Records what the worker in this slot is doing. */
void
score_worker_state(struct score_slot *s, enum score_state state)
{
	s->state = state;
}

/*
 * Reads this process's CPU time (user + system, microseconds) and peak
 * resident memory (KiB). One getrusage: a CPU clock has no vDSO path, so
 * this is the one system call the scoreboard makes per request.
 */
static void
score_usage(int64_t *cpu_us, int64_t *peak_kb)
{
	struct rusage	 ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1) {
		*cpu_us = score_cpu_mark_us;
		*peak_kb = 0;
		return;
	}
	*cpu_us = (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
	    ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
	*peak_kb = ru.ru_maxrss;
}

/* Marks a worker that has just started idle, its CPU time so far not charged to its first request. */
void
score_worker_ready(struct score_slot *s)
{
	int64_t	 peak_kb;

	score_usage(&score_cpu_mark_us, &peak_kb);
	s->state = SCORE_IDLE;
}

/* Marks the slot busy with a request for path since now. */
void
score_request_begin(struct score_slot *s, const char *path)
{
	fmt_copy(s->path, sizeof(s->path), path);
	s->busy_since_ms = clock_ms();
	s->state = SCORE_BUSY;
}

/*
 * Returns how long the worker in slot s has been busy with its request at
 * now (CLOCK_MONOTONIC milliseconds), or -1 if it is not busy. For readers
 * in other processes while the worker writes: ending a request sets
 * busy_since_ms to 0 before the state to idle, so a reader that saw the
 * state busy could then read that 0 and take the request for hours old.
 * busy_since_ms is read once, first, and 0 means not busy.
 */
int64_t
score_busy_ms(const struct score_slot *s, int64_t now)
{
	int64_t	 since = s->busy_since_ms;

	if (since == 0 || s->state != SCORE_BUSY)
		return -1;
	return since < now ? now - since : 0;
}

/* Returns the index of the first of n bounds that us does not exceed, else n (+Inf). */
static int
score_bucket(const int64_t *bounds, int n, int64_t us)
{
	int	 i;

	for (i = 0; i < n && us > bounds[i]; i++)
		;
	return i;
}

/* Adds one observation of us microseconds to h, whose buckets end at bounds[0..n-1]. */
static void
score_observe(struct score_histogram *h, const int64_t *bounds, int n,
    int64_t us)
{
	if (us < 0)
		us = 0;
	atomic_fetch_add_explicit(&h->bucket[score_bucket(bounds, n, us)], 1,
	    memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum_us, (uint64_t)us,
	    memory_order_relaxed);
}

/*
 * Marks the slot idle again and counts the request: answered with status
 * on route (an id from routes.c) in us microseconds. Its CPU time is what
 * the worker used since the previous request ended: reading and checking
 * this one included, and the rare pruning between two requests.
 */
void
score_request_end(struct score_slot *s, int route, int status, int64_t us)
{
	struct scoreboard *sb = score_shared;
	int64_t		 cpu_us, peak_kb;

	if (route < 0 || route >= SCORE_ROUTES)
		route = SCORE_ROUTES - 1;
	if (status < 0 || status >= SCORE_STATUS_MAX)
		status = 0;
	score_usage(&cpu_us, &peak_kb);
	s->requests++;
	s->last_route = route;
	s->last_us = us;
	s->last_cpu_us = cpu_us - score_cpu_mark_us;
	s->last_peak_kb = peak_kb;
	score_cpu_mark_us = cpu_us;
	s->busy_since_ms = 0;
	s->state = SCORE_IDLE;
	if (sb == NULL)
		return;
	atomic_fetch_add_explicit(&sb->status[route][status], 1,
	    memory_order_relaxed);
	score_observe(&sb->duration[route], score_request_bounds_us,
	    SCORE_REQUEST_BUCKETS, us);
}

/* Adds n to counter c of the pool's scoreboard; nothing outside `serve`. */
void
score_add(enum score_counter c, uint64_t n)
{
	if (score_shared != NULL && c >= 0 && c < SC__MAX)
		atomic_fetch_add_explicit(&score_shared->count[c], n,
		    memory_order_relaxed);
}

/* Adds one to counter c of the pool's scoreboard; nothing outside `serve`. */
void
score_count(enum score_counter c)
{
	score_add(c, 1);
}

/* Counts one password hash or verification that took us microseconds; nothing outside `serve`. */
void
score_hash_observe(int64_t us)
{
	if (score_shared != NULL)
		score_observe(&score_shared->hash, score_hash_bounds_us,
		    SCORE_HASH_BUCKETS, us);
}

/* Fills t from sb: how many workers are in each state, requests answered, workers replaced. */
void
score_tally(const struct scoreboard *sb, struct score_tally *t)
{
	const struct score_slot *s;
	int	 i;

	memset(t, 0, sizeof(*t));
	t->requests = sb->requests;
	for (i = 0; i < SCORE_MAX_WORKERS; i++) {
		s = &sb->slot[i];
		if (s->pid <= 0)
			continue;
		t->requests += s->requests;
		t->total++;
		switch (s->state) {
		case SCORE_IDLE:
			t->idle++;
			break;
		case SCORE_ACCEPTING:
			t->accepting++;
			break;
		case SCORE_BUSY:
			t->busy++;
			break;
		default:
			t->starting++;
		}
	}
	for (i = SC_RESTART_CRASH; i <= SC_RESTART_RELOAD; i++)
		t->restarts += score_get(sb, (enum score_counter)i);
}

/* Returns counter c of sb. */
uint64_t
score_get(const struct scoreboard *sb, enum score_counter c)
{
	return atomic_load_explicit(&sb->count[c], memory_order_relaxed);
}
