/* frame.h: bytes of the binary provider protocol.  No I/O.
 *
 * Encodes notifications as command 0 (simple), 1 (enhanced) or 2 (frame)
 * and decodes the gateway's 6-byte error-response packet (command 8).
 * Layouts: PROTOCOL.md 1.2-1.4 and 1.8.  All integers big-endian.
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

#endif
