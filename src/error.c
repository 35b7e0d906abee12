/* error.c: error recording and the error-to-exit-status map. */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>

#include "error.h"

int apn_fail(struct apn_error *err, enum apn_code code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return -1;
}

/* INTERFACE: exit statuses are read by scripts; change only on purpose and
 * update EXIT STATUS in man/apnsend.1 and the README with it. */
static const struct {
	enum apn_code code;
	int status;
	int rank; /* higher wins when several apply */
} exit_map[] = {
	{ APN_OK,          0,  0 },
	/* Both 1: "look at this, nothing is broken".  They never meet:
	 * one is sending's, the other --check's. */
	{ APN_WARNING,     1,  1 },
	{ APN_REJECTED,    1,  1 },
	{ APN_TEMPFAIL,    75, 2 },
	{ APN_DATAERR,     65, 3 },
	{ APN_PROTOCOL,    76, 4 },
	{ APN_NOPERM,      77, 5 },
	{ APN_UNAVAILABLE, 69, 6 },
	{ APN_NOHOST,      68, 7 },
	{ APN_CONFIG,      78, 8 },
	{ APN_NOINPUT,     66, 9 },
	{ APN_USAGE,       64, 10 },
	{ APN_INTERRUPTED, 130, 11 },
	{ APN_IOERR,       74, 12 },
	{ APN_SOFTWARE,    70, 13 },
};

static size_t find(enum apn_code code)
{
	for (size_t i = 0; i < sizeof exit_map / sizeof exit_map[0]; i++)
		if (exit_map[i].code == code)
			return i;
	return sizeof exit_map / sizeof exit_map[0] - 1; /* APN_SOFTWARE */
}

int apn_exit_status(enum apn_code code)
{
	return exit_map[find(code)].status;
}

enum apn_code apn_code_worst(enum apn_code a, enum apn_code b)
{
	return exit_map[find(a)].rank >= exit_map[find(b)].rank ? a : b;
}
