/* The monotonic clock, in milliseconds and microseconds: for timeouts, back-offs and durations, immune to wall-clock changes. */
#ifndef TESSERA_CLOCK_H
#define TESSERA_CLOCK_H

#include <stdint.h>

int64_t	clock_ms(void);
int64_t	clock_us(void);

#endif
