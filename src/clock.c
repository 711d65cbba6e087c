/* The monotonic clock, in milliseconds: for timeouts and back-offs, immune to wall-clock changes. */
#include "clock.h"

#include <time.h>

/* Returns CLOCK_MONOTONIC in milliseconds. */
int64_t
clock_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
