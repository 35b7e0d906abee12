/* h2sender.h: sending over Apple's HTTP/2 API (--http2).
 *
 * The same input, results and exit codes as the binary sender (sender.h),
 * over libnghttp2 on our TLS session (ALPN h2).  Every request gets its
 * own answer, so nothing is resolved by silence and nothing needs a spool:
 * what is in flight or waiting to be sent again is at most H2_SLOTS
 * notifications, in memory.
 *
 * Requests are multiplexed on one connection, up to the server's
 * SETTINGS_MAX_CONCURRENT_STREAMS as it changes (one until the server's
 * first SETTINGS arrives).  A response settles its notification: 200 ok
 * (with its apns-id), 4xx rejected (status and Apple's reason; never sent
 * again, PROTOCOL.md 3.8), 429 and 5xx sent again with back-off at most
 * --retries times.  A 403 refusing the certificate or provider token stops
 * the run (the rest would be refused the same way); 403
 * ExpiredProviderToken makes a new token and a new connection.
 *
 * A GOAWAY ends the connection: requests above its last stream were not
 * processed and go again on a new one, exactly once.  A connection that
 * ends with requests unanswered proves nothing about them: they go again
 * (at least once), or with --at-most-once are unconfirmed.
 */
#ifndef APNSEND_H2SENDER_H
#define APNSEND_H2SENDER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "report.h"
#include "source.h"
#include "tls.h"

/* Notifications in flight or waiting at once, at most. */
#define H2_SLOTS 1000

struct jwt;

struct h2_params {
	const char *host;
	unsigned port;
	struct tls_creds *creds;   /* with ALPN h2 */
	struct jwt *jwt;           /* token authentication, or NULL */
	const char *topic;         /* apns-topic, or NULL: not sent */
	const char *push_type;     /* apns-push-type */
	int priority;              /* apns-priority: 10, 5 or 1 */
	long expiry_s;             /* apns-expiration from the first write; 0: 0 */
	const char *collapse_id;   /* apns-collapse-id, or NULL */
	const char *apns_id;       /* the first notification's, or "": Apple's */
	const uint8_t *payload;    /* the default payload, or NULL */
	size_t payload_len;
	int timeout_ms;            /* --timeout: how long an answer may take */
	int connect_timeout_ms;
	int idle_timeout_ms;       /* 0: keep an idle connection */
	int retries;
	int at_most_once;
	struct source *src;
	const struct report *rep;
	FILE *failed_out;          /* or NULL */
	int progress;
};

/* Send everything the source gives; results, connection lines (not the
 * summary) go to p->rep.  *tot is filled.  Returns the code for the exit
 * status (APN_OK, APN_REJECTED, ...). */
enum apn_code h2_run(const struct h2_params *p, struct totals *tot);

#endif
