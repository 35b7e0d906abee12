/* sender.h: the streaming engine.  Reads items from the source, spools
 * each one, writes frames to the gateway over as many connections as it
 * takes, and gives every item exactly one final result (report.h).
 *
 * One poll loop watches stdin and the gateway together.  Frames are
 * batched into full TLS records.  Whatever the gateway's answer proves
 * (verdict.h) is resolved at once; what it does not is resent from the
 * spool on a new connection (or reported unconfirmed, --at-most-once).
 * A notification the gateway has acknowledged at the TCP level for
 * --timeout with no answer on the connection is ok: an error would have
 * named it by then.
 */
#ifndef APNSEND_SENDER_H
#define APNSEND_SENDER_H

#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "frame.h"
#include "report.h"
#include "source.h"
#include "spool.h"
#include "tls.h"

struct sender_params {
	enum frame_format format;
	uint32_t first_id;
	long expiry_s;           /* --expiry: seconds from when each notification
				  * is first written; 0 = do not store */
	uint8_t priority;
	const uint8_t *payload; /* the default payload */
	size_t payload_len;

	const char *host;
	unsigned port;
	struct tls_creds *creds;

	int timeout_ms;         /* answer wait after a notification is acknowledged */
	int connect_timeout_ms;
	int stall_ms;           /* no write or acknowledgement progress: stalled */
	int idle_timeout_ms;    /* 0: keep an idle connection */
	int retries;            /* connections in a row without progress */
	int at_most_once;
	int confirm;
	unsigned long confirm_every;

	struct source *src;
	struct spool *spool;
	const struct report *rep;
	FILE *failed_out;       /* or NULL */
	int progress;           /* show the live progress line */
};

/* Run until every item has its result.  Fills *tot; returns the code for
 * the exit status (results and fatal conditions combined). */
enum apn_code sender_run(const struct sender_params *p, struct totals *tot);

#endif
