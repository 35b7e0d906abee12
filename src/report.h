/* report.h: what apnsend prints on stdout: a line per notification, one
 * for the connection (how the gateway answered), and a summary.  Human
 * text by default; with --json one JSON object per line.
 *
 * INTERFACE: the --json lines are read by scripts.  Keys and values are
 * documented in apnsend(1) under JSON OUTPUT; change them only on purpose.
 */
#ifndef APNSEND_REPORT_H
#define APNSEND_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "answer.h"
#include "frame.h"
#include "outcome.h"

struct report {
	FILE *out;
	int json;
	int quiet;  /* no human output (JSON is still printed) */
	enum frame_format format;
};

/* The line for notification n: its result and, for rejected ones, the
 * status from a->packet, else the note's sentence. */
void report_notification(const struct report *r, const struct notification *n,
			 enum result result, enum note note, const struct answer *a);

/* The line saying how the gateway answered (a), naming the token of the
 * notification the packet named (o->named into list).  error: why there was
 * no connection (ANSWER_NO_CONNECTION), else NULL. */
void report_connection(const struct report *r, const struct answer *a,
		       const struct outcome *o, const struct notification *list,
		       const char *error);

/* The summary line: counts for all total notifications, the answer, and
 * elapsed_ms since the connection was started.  INTERFACE, human form too:
 * scripts grep "summary: ". */
void report_summary(const struct report *r, const struct answer *a,
		    const struct outcome *o, size_t total, int64_t elapsed_ms);

#endif
