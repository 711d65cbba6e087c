/* A log line's rate limit: at most so many a second, what is held back counted for one summary line. */
#include "ratelimit.h"

/*
 * Returns how many lines were held back, once the second they fell in is
 * over (the count then starts again from 0), else 0. Called before
 * ratelimit_allow, so the summary comes before the next second's lines.
 */
uint64_t
ratelimit_summary(struct ratelimit *r, int64_t now_ms)
{
	uint64_t	 held = r->held;

	if (held == 0 || now_ms - r->window_ms < RATELIMIT_WINDOW_MS)
		return 0;
	r->held = 0;
	return held;
}

/*
 * Counts one line at now_ms. Returns 1 if it may be logged (at most max in
 * a second), 0 if it is held back (counted for ratelimit_summary).
 */
int
ratelimit_allow(struct ratelimit *r, int64_t now_ms, int max)
{
	if (now_ms - r->window_ms >= RATELIMIT_WINDOW_MS) {
		r->window_ms = now_ms;
		r->lines = 0;
	}
	if (r->lines < max) {
		r->lines++;
		return 1;
	}
	r->held++;
	return 0;
}

/* Returns the milliseconds until a summary is due (0: now), or -1 when no line is held back. */
int
ratelimit_wait_ms(const struct ratelimit *r, int64_t now_ms)
{
	int64_t	 left = r->window_ms + RATELIMIT_WINDOW_MS - now_ms;

	if (r->held == 0)
		return -1;
	return left > 0 ? (int)left : 0;
}
