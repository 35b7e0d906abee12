/* msg.c: stderr messages. */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>

#include "msg.h"
#include "trace.h"

static int level_verbose;
static int level_quiet;

void msg_set_level(int verbose, int quiet)
{
	level_verbose = verbose;
	level_quiet = quiet;
}

int msg_verbose(void)
{
	return level_verbose && !level_quiet;
}

static void vmsg(const char *fmt, va_list ap)
{
	fputs(PACKAGE ": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void errorf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void warnf(const char *fmt, ...)
{
	va_list ap;

	if (level_quiet)
		return;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void verbosef(const char *fmt, ...)
{
	va_list ap;

	/* Under --trace each step is an event of the trace, with its time. */
	if (trace_on()) {
		va_start(ap, fmt);
		vtracef(fmt, ap);
		va_end(ap);
		return;
	}
	if (!msg_verbose())
		return;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}
