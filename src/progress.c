/* progress.c: one self-overwriting status line on stderr. */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>

#include "progress.h"

#define FIRST_MS 1000
#define EVERY_MS 250

void progress_init(struct progress *p, int enabled, int64_t now)
{
	p->on = enabled;
	p->shown = 0;
	p->start = p->last = now;
	p->last_written = 0;
	p->rate = 0;
}

void progress_tick(struct progress *p, const struct totals *t, uint64_t read,
		   int64_t now)
{
	if (!p->on || now - p->start < FIRST_MS || now - p->last < EVERY_MS)
		return;
	p->rate = (double)(t->written - p->last_written) * 1000.0 /
		  (double)(now - p->last);
	p->last = now;
	p->last_written = t->written;
	fprintf(stderr, "\r\033[K%" PRIu64 " read, %" PRIu64 " written, %" PRIu64
		" ok, %" PRIu64 " rejected, %" PRIu64 " resent, %.0f/s, "
		"connection %u", read, t->written, t->results[RESULT_OK],
		t->results[RESULT_REJECTED], t->resent, p->rate, t->connections);
	fflush(stderr);
	p->shown = 1;
}

void progress_clear(struct progress *p)
{
	if (!p->shown)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	p->shown = 0;
}
