/* fuzz_token.c: token_parse (src/token.h) against a plain reference.
 *
 * Checks: a token is accepted exactly when the reference accepts it (hex
 * digits in either case, blanks anywhere, an optional <...> around, 32 to
 * 100 bytes), with the same bytes; a refusal says why in a sentence;
 * token_hex writes 2 * len lowercase digits that parse back to the same
 * token. */
#include <config.h>

#include <string.h>

#include "fuzz.h"
#include "token.h"

static int is_blank(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static int digit(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The reference: 0 and the token in *out, or -1. */
static int reference(const uint8_t *s, size_t len, struct apn_token *out)
{
	size_t b = 0, e = len, n = 0;
	uint8_t nibbles[2 * TOKEN_MAX_BYTES];

	while (b < e && is_blank(s[b]))
		b++;
	while (e > b && is_blank(s[e - 1]))
		e--;
	if (b < e && (s[b] == '<' || s[e - 1] == '>')) {
		if (e - b < 2 || s[b] != '<' || s[e - 1] != '>')
			return -1;
		b++;
		e--;
	}
	for (size_t i = b; i < e; i++) {
		if (is_blank(s[i]))
			continue;
		if (digit(s[i]) < 0 || n == sizeof nibbles)
			return -1;
		nibbles[n++] = (uint8_t)digit(s[i]);
	}
	if (n % 2 != 0 || n < 2 * TOKEN_MIN_BYTES)
		return -1;
	out->len = n / 2;
	for (size_t i = 0; i < out->len; i++)
		out->bytes[i] = (uint8_t)(nibbles[2 * i] << 4 | nibbles[2 * i + 1]);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct apn_token tok, ref, again;
	const char *why = NULL;
	char hex[TOKEN_HEX_MAX];
	int rc, want;

	rc = token_parse((const char *)data, size, &tok, &why);
	want = reference(data, size, &ref);
	FUZZ_CHECK(rc == 0 || rc == -1);
	FUZZ_CHECK(rc == want);
	if (rc != 0) {
		FUZZ_CHECK(why != NULL && fuzz_sentence(why, 200));
		return 0;
	}
	FUZZ_CHECK(tok.len >= TOKEN_MIN_BYTES && tok.len <= TOKEN_MAX_BYTES);
	FUZZ_CHECK(tok.len == ref.len && memcmp(tok.bytes, ref.bytes, tok.len) == 0);

	memset(hex, 'X', sizeof hex);
	token_hex(&tok, hex);
	FUZZ_CHECK(strlen(hex) == 2 * tok.len);
	for (size_t i = 0; i < 2 * tok.len; i++)
		FUZZ_CHECK((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f'));
	FUZZ_CHECK(token_parse(hex, 2 * tok.len, &again, &why) == 0);
	FUZZ_CHECK(again.len == tok.len && memcmp(again.bytes, tok.bytes, tok.len) == 0);
	return 0;
}
