/* A log line's rate limit: at most so many a second, what is held back counted for one summary line. */
#ifndef TESSERA_RATELIMIT_H
#define TESSERA_RATELIMIT_H

#include <stdint.h>

#define RATELIMIT_WINDOW_MS	1000

/* One kind of line's limit; zeroed, it starts with nothing held back. */
struct ratelimit {
	int64_t		 window_ms;	/* when the current second began */
	int		 lines;		/* lines let through in it */
	uint64_t	 held;		/* held back since the last summary */
};

uint64_t	 ratelimit_summary(struct ratelimit *, int64_t now_ms);
int		 ratelimit_allow(struct ratelimit *, int64_t now_ms, int max);
int		 ratelimit_wait_ms(const struct ratelimit *, int64_t now_ms);

#endif
