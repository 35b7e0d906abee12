/* line.c: parsing one input line. */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "line.h"
#include "payload.h"

static int blank(char c)
{
	return c == ' ' || c == '\t';
}

static int token_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F') || blank(c) || c == '<' || c == '>';
}

/* The token text t[0..len) did not parse with reason: say where. */
static void explain_token(const char *t, size_t len, const char *reason,
			  char *why, size_t whylen)
{
	struct apn_token tok;
	const char *r;
	size_t i = 0;

	while (i < len && token_char(t[i]))
		i++;
	if (i == len) {
		snprintf(why, whylen, "%s", reason);
		return;
	}
	/* "TOKEN text": a whole token, then something that is not a payload. */
	if (i > 0 && blank(t[i - 1]) && token_parse(t, i, &tok, &r) == 0) {
		snprintf(why, whylen, "text after the token: a payload on the line "
			 "must be a JSON object, starting with '{'");
		return;
	}
	if (t[i] > ' ' && t[i] < 127)
		snprintf(why, whylen, "%s ('%c' at column %zu)", reason, t[i], i + 1);
	else
		snprintf(why, whylen, "%s (byte 0x%02x at column %zu)", reason,
			 (unsigned char)t[i], i + 1);
}

enum line_kind line_parse(const char *text, size_t len, size_t max,
			  struct line_item *out, char *why, size_t whylen)
{
	size_t b = 0, tok_end;
	const char *brace, *reason;

	if (len > 0 && text[len - 1] == '\r')
		len--;
	/* A UTF-8 byte order mark, as some Windows editors write first. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		b = 3;
	while (b < len && blank(text[b]))
		b++;
	if (b == len || text[b] == '#')
		return LINE_SKIP;
	out->payload = NULL;
	out->payload_len = 0;
	brace = memchr(text + b, '{', len - b);
	tok_end = brace ? (size_t)(brace - text) : len;
	if (token_parse(text + b, tok_end - b, &out->token, &reason) != 0) {
		explain_token(text + b, tok_end - b, reason, why, whylen);
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
