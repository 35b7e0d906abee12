/* clock.h: monotonic milliseconds, for deadlines and elapsed times. */
#ifndef APNSEND_CLOCK_H
#define APNSEND_CLOCK_H

#include <stdint.h>

/* Milliseconds on the monotonic clock (never jumps with the wall clock). */
int64_t clock_ms(void);

/* Milliseconds left until deadline, clamped to [0, INT32_MAX]: fits poll(). */
int clock_left(int64_t deadline);

#endif
