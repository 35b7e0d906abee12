/* line.c: parsing one input line. */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "line.h"
#include "payload.h"

enum line_kind line_parse(const char *text, size_t len, size_t max,
			  struct line_item *out, char *why, size_t whylen)
{
	size_t b = 0, tok_end;
	const char *brace, *reason;

	if (len > 0 && text[len - 1] == '\r')
		len--;
	while (b < len && (text[b] == ' ' || text[b] == '\t'))
		b++;
	if (b == len || text[b] == '#')
		return LINE_SKIP;
	out->payload = NULL;
	out->payload_len = 0;
	brace = memchr(text + b, '{', len - b);
	tok_end = brace ? (size_t)(brace - text) : len;
	if (token_parse(text + b, tok_end - b, &out->token, &reason) != 0) {
		snprintf(why, whylen, "%s", reason);
		return LINE_INVALID;
	}
	if (brace != NULL) {
		size_t off, plen;

		if (payload_validate(brace, len - tok_end, max, &off, &plen, why,
				     whylen) != 0)
			return LINE_INVALID;
		out->payload = brace + off;
		out->payload_len = plen;
	}
	return LINE_OK;
}
