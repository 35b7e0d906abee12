/* fuzz_line.c: line_parse (src/line.h) on any bytes.
 *
 * Checks: a skipped line is blank or a comment once a trailing CR, a
 * leading byte order mark and blanks are taken off; a valid line's token
 * is what token_parse makes of the text before the first '{', and its
 * payload, when there is one, lies inside the line, starts at that '{'
 * (less blanks), is at most max bytes and passes payload_validate whole;
 * without a '{' there is no payload; an invalid line's reason is a
 * printable sentence (it goes to terminals and into JSON). */
#include <config.h>

#include <string.h>

#include "fuzz.h"
#include "line.h"
#include "payload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *brace, *why2;
	size_t len = size, b = 0, off, plen;
	struct line_item it;
	struct apn_token tok;
	char why[320], why3[320];
	enum line_kind k;

	memset(why, 0x7f, sizeof why);
	k = line_parse(text, size, PAYLOAD_MAX, &it, why, sizeof why);

	/* What the line is without its decorations. */
	if (len > 0 && text[len - 1] == '\r')
		len--;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		b = 3;
	while (b < len && (text[b] == ' ' || text[b] == '\t'))
		b++;
	brace = memchr(text + b, '{', len - b);

	switch (k) {
	case LINE_SKIP:
		FUZZ_CHECK(b == len || text[b] == '#');
		break;
	case LINE_OK: {
		size_t tok_end = brace ? (size_t)(brace - text) : len;

		FUZZ_CHECK(b < len && text[b] != '#');
		FUZZ_CHECK(token_parse(text + b, tok_end - b, &tok, &why2) == 0);
		FUZZ_CHECK(tok.len == it.token.len &&
			   memcmp(tok.bytes, it.token.bytes, tok.len) == 0);
		if (brace == NULL) {
			FUZZ_CHECK(it.payload == NULL && it.payload_len == 0);
			break;
		}
		FUZZ_CHECK(it.payload != NULL);
		FUZZ_CHECK(it.payload == brace); /* '{' is not JSON whitespace */
		FUZZ_CHECK(it.payload_len > 0 && it.payload_len <= PAYLOAD_MAX);
		FUZZ_CHECK(it.payload + it.payload_len <= text + len);
		FUZZ_CHECK(it.payload[it.payload_len - 1] == '}');
		FUZZ_CHECK(payload_validate(it.payload, it.payload_len, PAYLOAD_MAX,
					    &off, &plen, why3, sizeof why3) == 0);
		FUZZ_CHECK(off == 0 && plen == it.payload_len);
		break;
	}
	case LINE_INVALID:
		FUZZ_CHECK(b < len && text[b] != '#');
		FUZZ_CHECK(fuzz_sentence(why, sizeof why));
		break;
	default:
		FUZZ_CHECK(!"line_parse returned no line_kind");
	}
	return 0;
}
