/* h2msg.h: what apnsend says and hears on Apple's HTTP/2 API, as data.
 * No I/O.  PROTOCOL.md 3.2-3.8.
 *
 * The request's path and headers, the apns-id sequence, and the judgement
 * of a response: its status and Apple's JSON body ({"reason":...,
 * "timestamp":...}), and what to do about it.
 */
#ifndef APNSEND_H2MSG_H
#define APNSEND_H2MSG_H

#include <stddef.h>
#include <stdint.h>

#include "token.h"

#define H2_UUID_LEN 36
#define H2_REASON_MAX 64

/* "/3/device/" and the token in lowercase hex into out (cap bytes,
 * NUL-terminated).  Returns the length, or 0 when cap is too small. */
size_t h2_path(const struct apn_token *tok, char *out, size_t cap);

/* The next canonical UUID after id (lowercase, 36 characters): the 128-bit
 * number one more, wrapping at the top, dashes kept.  For --apns-id: the
 * first notification gets the given one, each next one the next. */
void h2_uuid_next(char id[H2_UUID_LEN + 1]);

/* Nonzero when s (len bytes) is a canonical lowercase UUID. */
int h2_uuid_valid(const char *s, size_t len);

/* INTERFACE: a response, as --json reports it. */
struct h2_response {
	int status;                    /* :status, 0 when absent */
	char reason[H2_REASON_MAX];    /* Apple's reason, "" when none */
	int64_t timestamp_ms;          /* 410 only: ms since the epoch, else -1 */
};

/* Read Apple's error body (len bytes, not NUL-terminated; may be empty)
 * into r->reason and r->timestamp_ms.  Returns 0, or -1 when the body is
 * not a JSON object with a string "reason" of printable ASCII (r->reason
 * is then ""; the status alone is reported). */
int h2_parse_body(const char *body, size_t len, struct h2_response *r);

/* What a response means for its notification. */
enum h2_judgement {
	H2_OK,          /* 200: delivered to APNs */
	H2_REJECTED,    /* final: Apple says do not send it again as it is */
	H2_RETRY,       /* 429, 5xx: send again later, with back-off */
	H2_NEW_TOKEN,   /* 403 ExpiredProviderToken: new JWT, new connection, again */
	H2_CREDENTIALS  /* 403 refusing our certificate or provider token: the
			 * rest of the run would be refused the same way */
};

enum h2_judgement h2_judge(const struct h2_response *r);

#endif
