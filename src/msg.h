/* msg.h: the program's messages on stderr, each prefixed "apnsend: ".
 *
 * errorf: something failed (one line, names the step and the reason).
 * warnf: worth knowing, not fatal.  verbosef: shown only with -v, or as an
 * event of the trace under --trace (trace.h).
 * Quiet mode (-q) silences warnf and verbosef, never errorf or the trace.
 */
#ifndef APNSEND_MSG_H
#define APNSEND_MSG_H

#define APN_PRINTF(a, b) __attribute__((format(printf, a, b)))

void msg_set_level(int verbose, int quiet);
int msg_verbose(void);
void errorf(const char *fmt, ...) APN_PRINTF(1, 2);
void warnf(const char *fmt, ...) APN_PRINTF(1, 2);
void verbosef(const char *fmt, ...) APN_PRINTF(1, 2);

#endif
