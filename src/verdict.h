/* verdict.h: what one connection's answer proves about the notifications
 * written on it.  No I/O.  The rules (PROTOCOL.md 1.9, 1.10, 5.1-5.4):
 *
 *   error-response naming #k (status != 10): before #k ok, #k rejected;
 *       the gateway discarded what came after #k: resend it;
 *   status 10 naming #k: #k and before ok; resend the rest;
 *   the reply to our sentinel (its identifier, or identifier 0 with
 *       status 2 or 4, which only the sentinel can earn): every
 *       notification written before it ok;
 *   a packet naming no notification in the window, close-notify,
 *       tcp-close: nothing is proven; resend (or, --at-most-once, report
 *       them unconfirmed);
 *   none (the connection is still open after --timeout): all ok;
 *   protocol error, a fatal alert after the handshake, stalled: the
 *       written ones are unconfirmed, and the run stops;
 *   a fatal alert refusing our certificate: the run stops, nothing is ok.
 */
#ifndef APNSEND_VERDICT_H
#define APNSEND_VERDICT_H

#include <stdint.h>

#include "answer.h"
#include "error.h"
#include "frame.h"
#include "window.h"

enum verdict_named {
	NAMED_NOTHING,      /* no packet */
	NAMED_NOTIFICATION, /* the packet names named_seq */
	NAMED_SENTINEL,     /* the packet answers our sentinel */
	NAMED_UNMATCHED     /* the packet names nothing in the window */
};

struct verdict {
	enum verdict_named named;
	uint64_t named_seq;
	uint64_t ok_below;          /* [lo, ok_below) are ok */
	int has_rejected;           /* and ok_below is rejected */
	uint8_t status;
	uint64_t unconfirmed_below; /* [ok_below, unconfirmed_below) unconfirmed */
	int stop;                   /* no further connection: the rest fails */
	enum apn_code code;         /* what the answer itself adds to the exit */
};

struct verdict_context {
	enum frame_format format;
	int at_most_once;
	int sentinel_sent;    /* a sentinel was written on this connection */
	uint32_t sentinel_id;
};

/* The verdict on ans for the window's written range [lo, w). */
void verdict_decide(const struct answer *ans, const struct verdict_context *ctx,
		    const struct window *win, struct verdict *v);

#endif
