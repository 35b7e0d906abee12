/* trace.h: --trace, what happened on the wire, one event a line on stderr.
 *
 * Each line starts with the milliseconds since trace_start() and a word
 * saying where the event happened ("dns:", "tcp:", "tls:", "write:",
 * "read:", "answer:", ...): for people first, greppable second.
 * Off until trace_start(); while off every function returns at once.
 *
 * Callers pass public facts only: names, sizes, certificate subjects, the
 * frames and answers themselves.  Never key material or passphrases.
 */
#ifndef APNSEND_TRACE_H
#define APNSEND_TRACE_H

#include <stdarg.h>
#include <stddef.h>

#include "msg.h"

enum trace_level {
	TRACE_OFF,
	TRACE_ON,  /* --trace */
	TRACE_HEX  /* --trace=hex: hex dumps of frames and answers too */
};

/* Turn tracing on at level (from now on: the clock starts here). */
void trace_start(enum trace_level level);

/* Nonzero when tracing (or tracing with hex dumps). */
int trace_on(void);
int trace_hex_on(void);

/* One event: "[    12 ms] " then the text, then a newline. */
void tracef(const char *fmt, ...) APN_PRINTF(1, 2);
void vtracef(const char *fmt, va_list ap) APN_PRINTF(1, 0);

/* At TRACE_HEX only: len bytes of buf as a hex dump under the last
 * event, 16 bytes a line with their offset and printable characters. */
void trace_hex(const void *buf, size_t len);

#endif
