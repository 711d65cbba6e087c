/* The monotonic clock, in milliseconds and microseconds: for timeouts, back-offs and durations, immune to wall-clock changes. */
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

/* Returns CLOCK_MONOTONIC in microseconds (read through the vDSO: no system call). */
int64_t
clock_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
