/* frame.h: bytes of the binary provider protocol.  No I/O.
 *
 * Encodes notifications as command 0 (simple), 1 (enhanced) or 2 (frame),
 * decodes the gateway's 6-byte error-response packet (command 8) and the
 * feedback service's tuples.  Layouts: PROTOCOL.md 1.2-1.4, 1.8 and 2.
 * All integers big-endian.
 */
#ifndef APNSEND_FRAME_H
#define APNSEND_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "token.h"

enum frame_format {
	FORMAT_SIMPLE = 0,   /* command 0: no identifier, no error packet */
	FORMAT_ENHANCED = 1, /* command 1: identifier and expiry */
	FORMAT_FRAME = 2     /* command 2: items 1-5 (token, payload, id, expiry, priority) */
};

struct notification {
	uint32_t id;      /* echoed back in error responses (not in simple) */
	uint32_t expiry;  /* UNIX seconds; 0 = do not store (not in simple) */
	uint8_t priority; /* 10 or 5 (frame only) */
	const struct apn_token *token;
	const uint8_t *payload;
	size_t payload_len;
};

/* Largest encoded notification: a frame with a 100-byte token and a
 * 2048-byte payload. */
#define FRAME_MAX_BYTES (5 + 3 + 100 + 3 + 2048 + 7 + 7 + 4)

/* Bytes that frame_encode will write for n in format fmt. */
size_t frame_size(enum frame_format fmt, const struct notification *n);

/* Encode n into buf (cap bytes).  Returns the number of bytes written, or 0
 * when cap is too small or a length does not fit its field. */
size_t frame_encode(enum frame_format fmt, const struct notification *n,
		    uint8_t *buf, size_t cap);

/* What one encoded notification says (for --trace). */
struct frame_view {
	size_t size;          /* bytes of the whole frame */
	int has_id;           /* not in simple */
	uint32_t id;
	const uint8_t *token; /* into the frame */
	size_t token_len;
	size_t payload_len;
};

/* Read the frame of format fmt at the start of buf (len bytes) into *v.
 * Returns 0, or -1 when buf does not start with one whole frame of fmt
 * (wrong command, a length running past len, a frame item missing). */
int frame_view(enum frame_format fmt, const uint8_t *buf, size_t len,
	       struct frame_view *v);

#define ERROR_RESPONSE_BYTES 6
#define ERROR_RESPONSE_COMMAND 8
#define STATUS_MISSING_TOKEN 2
#define STATUS_MISSING_PAYLOAD 4
#define STATUS_SHUTDOWN 10

struct error_response {
	uint8_t status;
	uint32_t id;
};

/* Decode the 6 bytes at buf.  Returns 0, or -1 when the first byte is not
 * command 8 (the caller reports the bytes as a protocol error). */
int error_response_decode(const uint8_t buf[ERROR_RESPONSE_BYTES],
			  struct error_response *out);

/* INTERFACE (the "reason" of --json lines): Apple's name for an
 * error-response status ("invalid token"), or "unknown status" for codes
 * Apple does not define.  Static storage. */
const char *status_name(uint8_t status);

/* The format's name as --format spells it ("frame", ...). */
const char *format_name(enum frame_format fmt);

/* ---- feedback tuples (PROTOCOL.md 2) ----------------------------------
 *
 * The feedback service sends tuples back to back: timestamp (u32, UNIX
 * seconds, UTC), token length (u16), token.  TLS records and reads split
 * them anywhere, so the decoder takes chunks of any size and keeps a
 * tuple that a chunk leaves incomplete.  Every token length, 0 to 65535,
 * is decoded; what is no tuple the service may send is reported.
 */

#define FEEDBACK_HEADER_BYTES 6
#define FEEDBACK_TOKEN_MAX 65535
#define FEEDBACK_TUPLE_MAX (FEEDBACK_HEADER_BYTES + FEEDBACK_TOKEN_MAX)

struct feedback_tuple {
	uint32_t time;        /* UNIX seconds, UTC */
	size_t token_len;     /* 0 to FEEDBACK_TOKEN_MAX */
	const uint8_t *token; /* token_len bytes */
	const uint8_t *raw;   /* the whole tuple: 6 + token_len bytes */
	/* token and raw point into the caller's chunk or into the decoder:
	 * valid until the next call on the decoder, or the chunk's end. */
};

struct feedback_decoder {
	uint8_t part[FEEDBACK_TUPLE_MAX]; /* a tuple the chunks so far split */
	size_t have;                      /* bytes of it in part */
};

enum feedback_step {
	FEEDBACK_NEED_MORE,  /* the chunk is used up (a partial tuple may be kept) */
	FEEDBACK_TUPLE,      /* *out is a tuple */
	FEEDBACK_EMPTY_TOKEN /* *out is a tuple with no token: no tuple the
			      * service may send (decoding goes on after it) */
};

void feedback_init(struct feedback_decoder *d);

/* Decode the next tuple from the chunk *data of *len bytes, moving both
 * past the bytes used.  Call again with what is left of the chunk until
 * FEEDBACK_NEED_MORE, then with the next chunk. */
enum feedback_step feedback_next(struct feedback_decoder *d, const uint8_t **data,
				 size_t *len, struct feedback_tuple *out);

/* The bytes of the incomplete tuple kept so far (*bytes, valid until the
 * next feedback_next), and how many: at the end of the stream, anything
 * but 0 is a truncated tuple. */
size_t feedback_partial(const struct feedback_decoder *d, const uint8_t **bytes);

/* ISO 8601 in UTC, "2021-03-31T12:00:00Z", for t (UNIX seconds). */
#define FEEDBACK_TIME_TEXT 21
void feedback_time_text(uint32_t t, char out[FEEDBACK_TIME_TEXT]);

#endif
