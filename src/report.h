/* report.h: what apnsend prints on stdout: one line per notification with
 * its final result (printed once, when it is known), one line per
 * connection saying how the gateway answered, and a summary.  Human text by
 * default; with --json one JSON object per line.
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
#include "token.h"

/* INTERFACE: the names appear in --json output. */
enum result {
	RESULT_OK,          /* "ok" */
	RESULT_REJECTED,    /* "rejected" */
	RESULT_UNCONFIRMED, /* "unconfirmed" */
	RESULT_FAILED,      /* "failed" */
	RESULT_INVALID      /* "invalid": a bad input line, never sent */
};
#define RESULT_KINDS 5

const char *result_name(enum result r);

struct report {
	FILE *out;
	int json;
	int quiet;  /* no human output (JSON is still printed) */
	enum frame_format format;
	int http2;  /* --http2: no identifiers; apns-id, HTTP status and reason */
};

/* One notification's final result. */
struct result_line {
	enum result result;
	uint64_t where;                /* source.h: stdin line or argument */
	uint32_t id;                   /* not shown for --format simple */
	const struct apn_token *token; /* NULL for invalid lines */
	unsigned attempts;             /* connections it was written on */
	unsigned status;               /* for RESULT_REJECTED: error-response
					* status, or with --http2 the HTTP
					* status (and reason is Apple's) */
	const char *reason;            /* why, for the others; NULL for ok */
	const char *apns_id;           /* --http2: the response's, or NULL */
	int64_t timestamp_ms;          /* --http2 410: Apple's timestamp, or -1 */
};

void report_result(const struct report *r, const struct result_line *l);

/* Whether report_result prints anything (not with --quiet alone): when it
 * does not, the caller need not look up what a result line would show. */
int report_shows_results(const struct report *r);

/* How one connection ended. */
struct conn_line {
	unsigned number;               /* 1, 2, ... */
	const struct answer *a;
	int named;                     /* verdict.h: enum verdict_named */
	uint64_t named_where;          /* for NAMED_NOTIFICATION */
	const struct apn_token *named_token;
	const char *error;             /* no-connection: why */
	const char *then;              /* what apnsend does next, or NULL */
};

void report_connection(const struct report *r, const struct conn_line *c);

struct totals {
	uint64_t results[RESULT_KINDS];
	uint64_t written;  /* frames fully written, resends included */
	uint64_t resent;   /* of which resends */
	unsigned connections;
	enum answer_kind last_answer;
};

/* INTERFACE, human form too: scripts grep "summary: ". */
void report_summary(const struct report *r, const struct totals *t,
		    int64_t elapsed_ms);

/* ---- --feedback (feedback.c) -------------------------------------------
 * INTERFACE, human form too: documented in apnsend(1) under FEEDBACK
 * SERVICE.  One line per token, then how the service ended the
 * connection, then a summary. */

/* One token: "TIME  HEX", or a "feedback" object with --json.  Printed
 * with -q too: the tokens are what --feedback is for, and the service
 * deletes what it sends.  iso: feedback_time_text of unix_time. */
void report_feedback_token(const struct report *r, uint32_t unix_time,
			   const char *iso, const char *hex);

/* How the service ended the connection: an "answer: " line, or a
 * "connection" object.  error: why there was no connection (or NULL);
 * timeout_ms: the silence that ended it, for the answer none. */
void report_feedback_end(const struct report *r, const struct answer *a,
			 const char *error, int timeout_ms);

/* "summary: " or the "summary" object: tokens printed, bytes read. */
void report_feedback_summary(const struct report *r, uint64_t tokens,
			     uint64_t bytes, enum answer_kind answer,
			     int64_t elapsed_ms);

#endif
