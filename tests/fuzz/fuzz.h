/* fuzz.h: what the fuzz targets share.
 *
 * Each tests/fuzz/fuzz_NAME.c defines LLVMFuzzerTestOneInput for one leaf
 * module and checks the module's documented invariants with FUZZ_CHECK,
 * which aborts: libFuzzer reports an abort as a crash and keeps the input.
 * The same file links either with libFuzzer (scripts/fuzz, clang) or with
 * seeds.c, a plain main that feeds it the committed corpus (make check).
 */
#ifndef APNSEND_FUZZ_H
#define APNSEND_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Not assert(): an NDEBUG build must not turn the checks off. */
#define FUZZ_CHECK(cond)                                                     \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: invariant failed: %s\n",     \
				__FILE__, __LINE__, #cond);                  \
			abort();                                             \
		}                                                            \
	} while (0)

static inline uint32_t fuzz_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Streams fed in chunks (feedback, reader): the input is a byte k, then
 * k % 16 + 1 bytes of chunk sizes, used in turn, then the stream.  0 and
 * *sizes, *nsizes, *stream, *len when the input has that much, else -1. */
static inline int fuzz_chunked(const uint8_t *data, size_t size, const uint8_t **sizes,
			       size_t *nsizes, const uint8_t **stream, size_t *len)
{
	if (size < 1 || size < 1 + (data[0] % 16 + 1u))
		return -1;
	*nsizes = data[0] % 16 + 1u;
	*sizes = data + 1;
	*stream = data + 1 + *nsizes;
	*len = size - 1 - *nsizes;
	return 0;
}

/* A chunk size byte b: b bytes below 128, else (b - 127) * 512 (up to
 * 65024, so a chunk can hold the longest feedback tuple but one). */
static inline size_t fuzz_chunk_size(uint8_t b)
{
	return b < 128 ? b : (size_t)(b - 127) * 512;
}

/* Nonzero when s[0..len) is printable ASCII (0x20 to 0x7e): text that can
 * go to a terminal as it is. */
static inline int fuzz_printable(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return 0;
	return 1;
}

/* Nonzero when s is NUL-terminated within cap bytes, printable ASCII and
 * not empty: a message for the user. */
static inline int fuzz_sentence(const char *s, size_t cap)
{
	size_t n = 0;

	while (n < cap && s[n] != '\0')
		n++;
	return n > 0 && n < cap && fuzz_printable(s, n);
}

/* Nonzero when s[0..len) is valid UTF-8: no overlong form, no surrogate,
 * nothing past U+10FFFF.  With controls 0, also none of U+0000 to U+001F,
 * U+007F to U+009F. */
static inline int fuzz_utf8(const uint8_t *s, size_t len, int controls)
{
	size_t i = 0;

	while (i < len) {
		uint32_t c = s[i], min;
		size_t k;

		if (c < 0x80)
			k = 0, min = 0;
		else if ((c & 0xe0) == 0xc0)
			k = 1, c &= 0x1f, min = 0x80;
		else if ((c & 0xf0) == 0xe0)
			k = 2, c &= 0x0f, min = 0x800;
		else if ((c & 0xf8) == 0xf0)
			k = 3, c &= 0x07, min = 0x10000;
		else
			return 0;
		if (len - i <= k)
			return 0;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
			c = c << 6 | (s[i + j] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return 0;
		if (!controls && (c < 0x20 || (c >= 0x7f && c < 0xa0)))
			return 0;
		i += k + 1;
	}
	return 1;
}

#endif
