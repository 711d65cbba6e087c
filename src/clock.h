/* The monotonic clock, in milliseconds: for timeouts and back-offs, immune to wall-clock changes. */
#ifndef TESSERA_CLOCK_H
#define TESSERA_CLOCK_H

#include <stdint.h>

int64_t	clock_ms(void);

#endif
