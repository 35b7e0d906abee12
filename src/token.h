/* token.h: device tokens, parsed from text.  No I/O.
 *
 * Accepted forms: hex digits in either case, with spaces or tabs anywhere
 * between them, optionally wrapped in "<" ">" as Objective-C prints NSData
 * ("<740f4707 bebcf74f ...>").  The result is 32 to 100 bytes, the range
 * Apple documents (devices send 32).
 */
#ifndef APNSEND_TOKEN_H
#define APNSEND_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#define TOKEN_MIN_BYTES 32
#define TOKEN_MAX_BYTES 100
#define TOKEN_HEX_MAX (2 * TOKEN_MAX_BYTES + 1) /* hex form with its NUL */

struct apn_token {
	size_t len;
	uint8_t bytes[TOKEN_MAX_BYTES];
};

/* Parse len bytes of text (no NUL needed) into *out.  Returns 0, or -1 with
 * *why set to a static sentence saying what is wrong. */
int token_parse(const char *text, size_t len, struct apn_token *out,
		const char **why);

/* Write the token as lowercase hex into hex (TOKEN_HEX_MAX bytes). */
void token_hex(const struct apn_token *tok, char hex[TOKEN_HEX_MAX]);

/* Write len bytes of buf as lowercase hex, then a NUL, into hex (2 * len + 1
 * bytes): for byte strings of any length (feedback tokens, answers). */
void hex_encode(const uint8_t *buf, size_t len, char *hex);

#endif
