/* fuzz_jwt.c: b64url_encode and es256_sig_raw (src/jwt.h), the two
 * pieces of the provider token that take bytes.
 *
 * b64url_encode, of the whole input: exactly 4 characters for 3 bytes
 * (2 or 3 for a last 1 or 2), all of A-Z a-z 0-9 - _, then a NUL; they
 * decode back to the input, unused bits zero; a buffer one byte short is
 * refused and left untouched.
 *
 * es256_sig_raw, of the whole input: refused when empty or over 1024
 * bytes; when accepted, r and s are not zero, and the plain DER of the
 * result converts back to the same 64 bytes; a strict DER SEQUENCE of two
 * positive INTEGERs of at most 32 bytes (as a reference reads it) is
 * accepted with exactly those values.  And the first 64 bytes of the
 * input, taken as r||s with neither zero, go through DER and back. */
#include <config.h>

#include <string.h>

#include "fuzz.h"
#include "jwt.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void check_b64url(const uint8_t *data, size_t size)
{
	size_t need = size / 3 * 4 + (size % 3 ? size % 3 + 1 : 0), n, got = 0;
	char *out = malloc(need + 1);
	uint8_t *back = malloc(size ? size : 1);
	uint32_t acc = 0;
	int bits = 0;

	FUZZ_CHECK(out != NULL && back != NULL);
	memset(out, '*', need + 1);
	n = b64url_encode(data, size, out, need + 1);
	FUZZ_CHECK(n == need && out[n] == '\0');
	for (size_t i = 0; i < n; i++) {
		const char *c = memchr(alphabet, out[i], 64);

		FUZZ_CHECK(c != NULL && out[i] != '\0');
		acc = acc << 6 | (uint32_t)(c - alphabet);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			FUZZ_CHECK(got < size);
			back[got++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	FUZZ_CHECK(got == size && memcmp(back, data, size) == 0);
	FUZZ_CHECK(acc == 0); /* the padding bits of the last character */

	/* One byte short: 0, and out untouched. */
	memset(out, '*', need + 1);
	FUZZ_CHECK(b64url_encode(data, size, out, need) == 0);
	for (size_t i = 0; i < need; i++)
		FUZZ_CHECK(out[i] == '*');
	free(out);
	free(back);
}

/* The plain DER of a positive integer of 32 bytes (left zeros dropped, a
 * sign byte added when needed) at p; returns its length. */
static size_t der_integer(const uint8_t v[32], uint8_t *p)
{
	size_t i = 0, n;

	while (i < 31 && v[i] == 0)
		i++;
	n = 32 - i;
	p[0] = 0x02;
	if (v[i] & 0x80) {
		p[1] = (uint8_t)(n + 1);
		p[2] = 0;
		memcpy(p + 3, v + i, n);
		return n + 3;
	}
	p[1] = (uint8_t)n;
	memcpy(p + 2, v + i, n);
	return n + 2;
}

static size_t der_sig(const uint8_t raw[JWT_SIG_LEN], uint8_t der[72])
{
	size_t n = der_integer(raw, der + 2);

	n += der_integer(raw + 32, der + 2 + n);
	der[0] = 0x30;
	der[1] = (uint8_t)n;
	return n + 2;
}

/* The strict reference: one INTEGER at *p (end bounds it), minimal, into
 * v as 32 bytes.  Returns 1 for a positive value of at most 32 bytes,
 * 0 for anything else. */
static int ref_integer(const uint8_t **p, const uint8_t *end, uint8_t v[32])
{
	const uint8_t *q = *p;
	size_t n;

	if (end - q < 2 || q[0] != 0x02 || q[1] >= 0x80)
		return 0;
	n = q[1];
	q += 2;
	if ((size_t)(end - q) < n || n == 0)
		return 0;
	if (n > 1 && q[0] == 0 && !(q[1] & 0x80))
		return 0; /* not minimal */
	if (n > 1 && q[0] == 0xff && (q[1] & 0x80))
		return 0;
	if (q[0] & 0x80)
		return 0; /* negative */
	*p = q + n;
	if (q[0] == 0) {
		q++;
		n--;
	}
	if (n > 32)
		return 0;
	memset(v, 0, 32 - n);
	memcpy(v + 32 - n, q, n);
	for (size_t i = 0; i < 32; i++)
		if (v[i])
			return 1;
	return 0; /* zero */
}

static int ref_sig(const uint8_t *d, size_t len, uint8_t raw[JWT_SIG_LEN])
{
	const uint8_t *p = d + 2, *end;

	if (len < 2 || d[0] != 0x30 || d[1] >= 0x80 || (size_t)d[1] != len - 2)
		return 0;
	end = d + len;
	return ref_integer(&p, end, raw) && ref_integer(&p, end, raw + 32) && p == end;
}

static int zero(const uint8_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i])
			return 0;
	return 1;
}

static void check_sig(const uint8_t *data, size_t size)
{
	uint8_t raw[JWT_SIG_LEN], want[JWT_SIG_LEN], again[JWT_SIG_LEN], der[72];
	int rc = es256_sig_raw(data, size, raw);
	size_t n;

	FUZZ_CHECK(rc == 0 || rc == -1);
	if (size == 0 || size > 1024)
		FUZZ_CHECK(rc == -1);
	if (ref_sig(data, size, want)) {
		FUZZ_CHECK(rc == 0);
		FUZZ_CHECK(memcmp(raw, want, sizeof raw) == 0);
	}
	if (rc == 0) {
		FUZZ_CHECK(!zero(raw, 32) && !zero(raw + 32, 32));
		n = der_sig(raw, der);
		FUZZ_CHECK(es256_sig_raw(der, n, again) == 0);
		FUZZ_CHECK(memcmp(raw, again, sizeof raw) == 0);
	}
	if (size >= JWT_SIG_LEN && !zero(data, 32) && !zero(data + 32, 32)) {
		n = der_sig(data, der);
		FUZZ_CHECK(ref_sig(der, n, want) && memcmp(want, data, JWT_SIG_LEN) == 0);
		FUZZ_CHECK(es256_sig_raw(der, n, again) == 0);
		FUZZ_CHECK(memcmp(again, data, JWT_SIG_LEN) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_b64url(data, size);
	check_sig(data, size);
	return 0;
}
