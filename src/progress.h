/* progress.h: the live progress line on stderr, for long runs at a
 * terminal only (never in pipes, cron or with --quiet). */
#ifndef APNSEND_PROGRESS_H
#define APNSEND_PROGRESS_H

#include <stdint.h>

#include "report.h"

struct progress {
	int on;            /* stderr is a terminal and not --quiet */
	int shown;         /* a line is on the screen */
	int64_t start, last;
	uint64_t last_written;
	double rate;
};

void progress_init(struct progress *p, int enabled, int64_t now);

/* Redraw at most a few times a second, and only after the first second. */
void progress_tick(struct progress *p, const struct totals *t, uint64_t read,
		   int64_t now);

/* Erase the line (before the summary or any message). */
void progress_clear(struct progress *p);

#endif
