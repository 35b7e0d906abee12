/* line.h: one line of input ("TOKEN" or "TOKEN PAYLOAD-JSON").  No I/O.
 *
 * Blank lines and lines starting with '#' are skipped; a trailing CR and a
 * leading UTF-8 byte order mark are ignored.  The token may contain spaces or use the <NSData> form, so the
 * payload is taken to start at the first '{' (no token can contain one).
 */
#ifndef APNSEND_LINE_H
#define APNSEND_LINE_H

#include <stddef.h>

#include "token.h"

enum line_kind {
	LINE_SKIP,    /* blank or comment */
	LINE_OK,      /* token, and maybe a payload */
	LINE_INVALID  /* why says what is wrong */
};

struct line_item {
	struct apn_token token;
	const char *payload; /* into the line; NULL: use the default payload */
	size_t payload_len;
};

/* Parse text[0..len) (without its newline).  max is the payload limit.
 * For LINE_INVALID a sentence is written into why: printable ASCII, even
 * when it quotes bytes of the line that are not. */
enum line_kind line_parse(const char *text, size_t len, size_t max,
			  struct line_item *out, char *why, size_t whylen);

#endif
