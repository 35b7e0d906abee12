/* fuzz_feedback.c: the feedback tuple decoder (feedback_next and
 * feedback_partial, src/frame.h), chunked against one-shot.
 *
 * Input: a byte k, then k % 16 + 1 bytes of chunk sizes (used in turn,
 * over and over: b below 128 is b bytes, 0 an empty chunk followed by a
 * 1-byte one; b from 128 is (b - 127) * 512 bytes), then the stream as
 * the feedback service would send it.
 *
 * The stream is decoded twice, as one chunk and in the chunks the input
 * chose, and each decoding must give exactly the tuples a plain
 * reference reads (time, token length and bytes, the raw tuple, an empty
 * token reported as such), in order, then leave exactly the stream's
 * trailing incomplete tuple as partial.  So chunked decoding gives what
 * one-shot decoding gives.  Also: the chunk pointer only moves forward
 * within the chunk, FEEDBACK_NEED_MORE uses the chunk up, and a tuple
 * points into the chunk or into the decoder. */
#include <config.h>

#include <string.h>

#include "frame.h"
#include "fuzz.h"

static struct feedback_decoder dec;

/* Where the reference is in the stream. */
struct ref {
	const uint8_t *s;
	size_t len, pos;
	unsigned long tuples;
};

static int ref_next(struct ref *r, size_t *tuple_len)
{
	size_t left = r->len - r->pos, tl;

	if (left < FEEDBACK_HEADER_BYTES)
		return 0;
	tl = (size_t)r->s[r->pos + 4] << 8 | r->s[r->pos + 5];
	if (left - FEEDBACK_HEADER_BYTES < tl)
		return 0;
	*tuple_len = FEEDBACK_HEADER_BYTES + tl;
	return 1;
}

/* The tuple t (step s) is the reference's next one. */
static void expect(struct ref *r, enum feedback_step s, const struct feedback_tuple *t)
{
	size_t n;

	FUZZ_CHECK(s == FEEDBACK_TUPLE || s == FEEDBACK_EMPTY_TOKEN);
	FUZZ_CHECK(ref_next(r, &n));
	FUZZ_CHECK(t->time == fuzz_get32(r->s + r->pos));
	FUZZ_CHECK(t->token_len == n - FEEDBACK_HEADER_BYTES);
	FUZZ_CHECK((s == FEEDBACK_EMPTY_TOKEN) == (t->token_len == 0));
	FUZZ_CHECK(t->token == t->raw + FEEDBACK_HEADER_BYTES);
	FUZZ_CHECK(memcmp(t->raw, r->s + r->pos, n) == 0);
	r->pos += n;
	r->tuples++;
}

/* At the stream's end: what the decoder keeps is the reference's rest. */
static void expect_end(struct ref *r)
{
	const uint8_t *bytes;
	size_t n, have = feedback_partial(&dec, &bytes);

	FUZZ_CHECK(!ref_next(r, &n)); /* no whole tuple left unread */
	FUZZ_CHECK(have == r->len - r->pos);
	FUZZ_CHECK(have < FEEDBACK_TUPLE_MAX);
	if (have > 0)
		FUZZ_CHECK(memcmp(bytes, r->s + r->pos, have) == 0);
}

/* Decode one chunk, checking each tuple against the reference. */
static void chunk(struct ref *r, const uint8_t *c, size_t clen)
{
	const uint8_t *p = c, *end = c + clen;
	const uint8_t *part = (const uint8_t *)&dec, *part_end = part + sizeof dec;
	struct feedback_tuple t;
	enum feedback_step s;
	size_t len = clen;

	for (;;) {
		const uint8_t *was = p;

		s = feedback_next(&dec, &p, &len, &t);
		FUZZ_CHECK(p >= was && p <= end && p + len == end);
		if (s == FEEDBACK_NEED_MORE) {
			FUZZ_CHECK(len == 0);
			return;
		}
		FUZZ_CHECK((t.raw >= c && t.raw + FEEDBACK_HEADER_BYTES + t.token_len <= end) ||
			   (t.raw >= part && t.raw + FEEDBACK_HEADER_BYTES + t.token_len <= part_end));
		expect(r, s, &t);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sizes, *stream;
	uint8_t *copy;
	size_t nsizes, slen, at, i;
	struct ref one, many;

	if (fuzz_chunked(data, size, &sizes, &nsizes, &stream, &slen) != 0)
		return 0;

	/* One-shot. */
	one = (struct ref){ stream, slen, 0, 0 };
	feedback_init(&dec);
	chunk(&one, stream, slen);
	expect_end(&one);

	/* In the chunks the input chose. */
	many = (struct ref){ stream, slen, 0, 0 };
	feedback_init(&dec);
	for (at = 0, i = 0; at < slen; i++) {
		size_t n = fuzz_chunk_size(sizes[i % nsizes]);

		if (n == 0) {
			chunk(&many, stream + at, 0);
			n = 1;
		}
		if (n > slen - at)
			n = slen - at;
		/* A chunk of its own, so that a read past it is caught. */
		copy = malloc(n);
		FUZZ_CHECK(copy != NULL);
		memcpy(copy, stream + at, n);
		chunk(&many, copy, n);
		free(copy);
		at += n;
	}
	expect_end(&many);
	FUZZ_CHECK(many.tuples == one.tuples && many.pos == one.pos);
	return 0;
}
