/* msg.c: stderr messages. */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>

#include "msg.h"

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

	if (!msg_verbose())
		return;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}
