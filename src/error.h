/* error.h: the one error type every module returns, and its exit-code map.
 *
 * A failing function fills a struct apn_error (a code and a one-line
 * message naming what failed and why) and returns -1.  Only main turns the
 * code into an exit status, through apn_exit_status(); that table is the
 * single place where internal errors meet sysexits(3).
 */
#ifndef APNSEND_ERROR_H
#define APNSEND_ERROR_H

enum apn_code {
	APN_OK = 0,
	APN_REJECTED,    /* the gateway rejected a notification      -> 1  */
	APN_USAGE,       /* bad command line                          -> 64 */
	APN_DATAERR,     /* malformed token or payload                -> 65 */
	APN_NOINPUT,     /* a file cannot be read                     -> 66 */
	APN_NOHOST,      /* gateway host name not found               -> 68 */
	APN_UNAVAILABLE, /* cannot connect to the gateway             -> 69 */
	APN_SOFTWARE,    /* internal error (out of memory, ...)       -> 70 */
	APN_IOERR,       /* cannot write the report                   -> 74 */
	APN_TEMPFAIL,    /* closed without an answer, status 10, ...  -> 75 */
	APN_PROTOCOL,    /* protocol error or TLS handshake failure   -> 76 */
	APN_NOPERM,      /* the gateway refused our certificate       -> 77 */
	APN_CONFIG,      /* local credentials unusable                -> 78 */
	APN_WARNING,     /* --check: usable, but look (expiry, env.)  -> 1  */
	APN_INTERRUPTED  /* stopped by SIGINT or SIGTERM              -> 130 */
};

struct apn_error {
	enum apn_code code;
	char msg[512];
};

/* Record code and a printf-style message in err (which may be NULL).
 * Returns -1 so callers can write "return apn_fail(err, ...);". */
int apn_fail(struct apn_error *err, enum apn_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The exit status for code (sysexits values; see EXIT STATUS in apnsend(1)). */
int apn_exit_status(enum apn_code code);

/* Precedence when several outcomes apply: returns the code that wins. */
enum apn_code apn_code_worst(enum apn_code a, enum apn_code b);

#endif
