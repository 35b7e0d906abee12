/* gateway.h: one exchange with the binary gateway over an open TLS
 * connection: write the notifications, read whatever comes back meanwhile,
 * then wait for an answer.
 */
#ifndef APNSEND_GATEWAY_H
#define APNSEND_GATEWAY_H

#include <stddef.h>

#include "answer.h"
#include "frame.h"
#include "tls.h"

struct gateway_params {
	enum frame_format format;
	int timeout_ms; /* wait for an answer after the last frame */
	int stall_ms;   /* give up when a write makes no progress this long */
};

/* Write list[0..n) as frames, batched into full TLS records, under one poll
 * loop that also reads: an error-response arriving mid-write stops the
 * writing and is kept even if a write then fails.  After the last frame
 * (once the gateway's TCP has acknowledged every byte), wait up to
 * timeout_ms for an answer, and after an answer for the close.  Fills *ans
 * (kind, closed, packet, bytes, written).  Never fails: every way the
 * exchange can end is an answer kind.  conn and list stay the caller's;
 * conn is left open (close it with tls_close, or tls_abort after
 * ANSWER_STALLED). */
void gateway_exchange(struct tls_conn *conn, const struct gateway_params *p,
		      const struct notification *list, size_t n,
		      struct answer *ans);

#endif
