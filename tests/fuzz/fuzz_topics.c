/* fuzz_topics.c: topics_decode (src/topics.h) on any DER.
 *
 * Checks: a decoded extension has topics and push types that are each a
 * non-empty string of valid UTF-8 without control characters; encoded
 * again in plain DER it is no longer than the input and decodes to the
 * same topics.  A refusal leaves *out empty and is APN_DATAERR with a
 * printable message naming a byte offset inside the input (or
 * APN_SOFTWARE).  LeakSanitizer checks that nothing is left allocated. */
#include <config.h>

#include <string.h>

#include "fuzz.h"
#include "topics.h"

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static void put(struct buf *b, const void *data, size_t n)
{
	FUZZ_CHECK(n <= b->cap - b->len);
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

/* A DER header: tag, then the length in its shortest form. */
static void header(struct buf *b, uint8_t tag, size_t n)
{
	uint8_t h[6];
	size_t k = 0;

	h[0] = tag;
	if (n < 0x80) {
		h[1] = (uint8_t)n;
		put(b, h, 2);
		return;
	}
	for (size_t v = n; v > 0; v >>= 8)
		k++;
	h[1] = (uint8_t)(0x80 | k);
	for (size_t i = 0; i < k; i++)
		h[2 + i] = (uint8_t)(n >> 8 * (k - 1 - i));
	put(b, h, 2 + k);
}

static size_t header_len(size_t n)
{
	size_t k = 0;

	if (n < 0x80)
		return 2;
	for (size_t v = n; v > 0; v >>= 8)
		k++;
	return 2 + k;
}

static size_t string_len(const char *s)
{
	return header_len(strlen(s)) + strlen(s);
}

static void string(struct buf *b, const char *s)
{
	header(b, 0x0c, strlen(s));
	put(b, s, strlen(s));
}

static size_t types_content(const struct topic *t)
{
	size_t n = 0;

	for (size_t j = 0; j < t->ntypes; j++)
		n += string_len(t->types[j]);
	return n;
}

/* t in plain DER into b. */
static void encode(const struct topics *t, struct buf *b)
{
	size_t content = 0;

	for (size_t i = 0; i < t->n; i++) {
		content += string_len(t->v[i].name);
		if (t->v[i].ntypes > 0)
			content += header_len(types_content(&t->v[i])) + types_content(&t->v[i]);
	}
	header(b, 0x30, content);
	for (size_t i = 0; i < t->n; i++) {
		string(b, t->v[i].name);
		if (t->v[i].ntypes == 0)
			continue;
		header(b, 0x30, types_content(&t->v[i]));
		for (size_t j = 0; j < t->v[i].ntypes; j++)
			string(b, t->v[i].types[j]);
	}
}

static void check_text(const char *s, size_t input_len)
{
	size_t n;

	FUZZ_CHECK(s != NULL);
	n = strlen(s);
	FUZZ_CHECK(n > 0 && n <= input_len);
	FUZZ_CHECK(fuzz_utf8((const uint8_t *)s, n, 0));
}

static void check_same(const struct topics *a, const struct topics *b)
{
	FUZZ_CHECK(a->n == b->n);
	for (size_t i = 0; i < a->n; i++) {
		FUZZ_CHECK(strcmp(a->v[i].name, b->v[i].name) == 0);
		FUZZ_CHECK(a->v[i].ntypes == b->v[i].ntypes);
		for (size_t j = 0; j < a->v[i].ntypes; j++)
			FUZZ_CHECK(strcmp(a->v[i].types[j], b->v[i].types[j]) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct topics t, again;
	struct apn_error err;
	struct buf b;
	const char *at;
	int rc;

	memset(&err, 0, sizeof err);
	rc = topics_decode(data, size, &t, &err);
	FUZZ_CHECK(rc == 0 || rc == -1);
	if (rc != 0) {
		unsigned long off;

		FUZZ_CHECK(t.v == NULL && t.n == 0);
		FUZZ_CHECK(err.code == APN_DATAERR || err.code == APN_SOFTWARE);
		FUZZ_CHECK(fuzz_sentence(err.msg, sizeof err.msg));
		if (err.code == APN_DATAERR) {
			FUZZ_CHECK(strncmp(err.msg, "malformed topics extension: ", 28) == 0);
			at = strstr(err.msg, " at byte ");
			FUZZ_CHECK(at != NULL && sscanf(at, " at byte %lu", &off) == 1);
			FUZZ_CHECK(off <= size);
		}
		topics_free(&t); /* takes an empty one */
		return 0;
	}
	FUZZ_CHECK((t.v == NULL) == (t.n == 0));
	for (size_t i = 0; i < t.n; i++) {
		check_text(t.v[i].name, size);
		for (size_t j = 0; j < t.v[i].ntypes; j++)
			check_text(t.v[i].types[j], size);
	}

	b.cap = size;
	b.len = 0;
	b.p = malloc(size ? size : 1);
	FUZZ_CHECK(b.p != NULL);
	encode(&t, &b); /* put() checks that it fits in size bytes */
	rc = topics_decode(b.p, b.len, &again, &err);
	FUZZ_CHECK(rc == 0);
	check_same(&t, &again);
	topics_free(&again);
	free(b.p);
	topics_free(&t);
	FUZZ_CHECK(t.v == NULL && t.n == 0);
	return 0;
}
