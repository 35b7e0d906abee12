/* token.c: device token parsing. */
#include <config.h>

#include <stddef.h>
#include <stdint.h>

#include "token.h"

/* Digit value plus one, 0 for anything else: one lookup per character
 * (this runs for every notification). */
static const uint8_t hex1[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

static int hexval(char c)
{
	return (int)hex1[(unsigned char)c] - 1;
}

/* The common case, a token of hex digits alone, two digits a step: 1 if
 * text is that (and its length is in range), else 0 and the general loop
 * decides. */
static int hex_only(const char *text, size_t len, struct apn_token *out)
{
	const unsigned char *t = (const unsigned char *)text;

	if (len % 2 != 0 || len < 2 * TOKEN_MIN_BYTES || len > 2 * TOKEN_MAX_BYTES)
		return 0;
	for (size_t i = 0; i < len; i += 2) {
		unsigned hi = hex1[t[i]], lo = hex1[t[i + 1]];

		if (hi == 0 || lo == 0)
			return 0;
		out->bytes[i / 2] = (uint8_t)((hi - 1) << 4 | (lo - 1));
	}
	out->len = len / 2;
	return 1;
}

static int blank(char c)
{
	return c == ' ' || c == '\t';
}

int token_parse(const char *text, size_t len, struct apn_token *out,
		const char **why)
{
	size_t b = 0, e = len, digits = 0;
	int hi = -1;

	while (b < e && blank(text[b]))
		b++;
	while (e > b && blank(text[e - 1]))
		e--;
	if (b < e && text[b] == '<') {
		if (text[e - 1] != '>' || e - b < 2) {
			*why = "'<' without a closing '>'";
			return -1;
		}
		b++;
		e--;
	} else if (b < e && text[e - 1] == '>') {
		*why = "'>' without an opening '<'";
		return -1;
	}
	if (hex_only(text + b, e - b, out))
		return 0;
	out->len = 0;
	for (size_t i = b; i < e; i++) {
		int v;

		v = hexval(text[i]);
		if (v < 0 && blank(text[i]))
			continue;
		if (v < 0) {
			*why = "not a hexadecimal digit in the token";
			return -1;
		}
		if (++digits > 2 * TOKEN_MAX_BYTES) {
			*why = "token too long: a device token is 32 to 100 bytes "
			       "(64 to 200 hex digits)";
			return -1;
		}
		if (hi < 0) {
			hi = v;
		} else {
			out->bytes[out->len++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (digits == 0) {
		*why = "empty token";
		return -1;
	}
	if (hi >= 0) {
		*why = "odd number of hex digits in the token";
		return -1;
	}
	if (out->len < TOKEN_MIN_BYTES) {
		*why = "token too short: a device token is 32 to 100 bytes "
		       "(64 to 200 hex digits)";
		return -1;
	}
	return 0;
}

void hex_encode(const uint8_t *buf, size_t len, char *hex)
{
	static const char digit[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		hex[2 * i] = digit[buf[i] >> 4];
		hex[2 * i + 1] = digit[buf[i] & 15];
	}
	hex[2 * i] = '\0';
}

void token_hex(const struct apn_token *tok, char hex[TOKEN_HEX_MAX])
{
	hex_encode(tok->bytes, tok->len, hex);
}
