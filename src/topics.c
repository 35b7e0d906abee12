/* topics.c: Apple's topics extension, decoded (see topics.h). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topics.h"

#define TAG_UTF8STRING 0x0c
#define TAG_SEQUENCE 0x30

/* What is left to read: [p, end) of the buffer starting at base (for the
 * byte offsets in messages). */
struct der {
	const uint8_t *base, *p, *end;
};

static int malformed(struct apn_error *err, const struct der *r, const char *what)
{
	return apn_fail(err, APN_DATAERR, "malformed topics extension: %s at byte %zu",
			what, (size_t)(r->p - r->base));
}

/* The element at r->p: its tag, and its contents [*c, *c + *clen); r->p
 * moves past it.  Only DER's definite lengths, of at most 4 bytes. */
static int next(struct der *r, uint8_t *tag, const uint8_t **c, size_t *clen,
		struct apn_error *err)
{
	size_t avail = (size_t)(r->end - r->p), hdr = 2, n, k;

	if (avail < 2)
		return malformed(err, r, "truncated element");
	*tag = r->p[0];
	n = r->p[1];
	if (n & 0x80) {
		k = n & 0x7f;
		if (k == 0)
			return malformed(err, r, "indefinite length (not DER)");
		if (k > 4)
			return malformed(err, r, "length of more than 4 bytes");
		if (avail - 2 < k)
			return malformed(err, r, "truncated length");
		n = 0;
		for (size_t i = 0; i < k; i++)
			n = n << 8 | r->p[2 + i];
		hdr += k;
	}
	if (n > avail - hdr)
		return malformed(err, r, "element longer than the data around it");
	*c = r->p + hdr;
	*clen = n;
	r->p += hdr + n;
	return 0;
}

/* Valid UTF-8 (no overlong forms, surrogates or values past U+10FFFF) and
 * no control characters: the text is printed to terminals and in JSON. */
static int text_ok(const uint8_t *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t b = s[i];
		uint32_t cp;
		size_t k;

		if (b < 0x80) {
			if (b < 0x20 || b == 0x7f)
				return 0;
			i++;
			continue;
		}
		if (b >= 0xc2 && b <= 0xdf)
			k = 1, cp = b & 0x1f;
		else if (b >= 0xe0 && b <= 0xef)
			k = 2, cp = b & 0x0f;
		else if (b >= 0xf0 && b <= 0xf4)
			k = 3, cp = b & 0x07;
		else
			return 0;
		if (len - i - 1 < k)
			return 0;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff || (cp >= 0x80 && cp < 0xa0))
			return 0;
		i += k + 1;
	}
	return 1;
}

/* Room for one more in the array v of n elements of size sz: v itself,
 * or v moved (its capacity is n rounded up to a power of two), or NULL
 * when out of memory (v is left as it was). */
static void *grow(void *v, size_t n, size_t sz)
{
	if (n != 0 && (n & (n - 1)) != 0)
		return v;
	return realloc(v, (n ? 2 * n : 1) * sz);
}

static int out_of_memory(struct apn_error *err)
{
	return apn_fail(err, APN_SOFTWARE, "decoding the topics extension: out of memory");
}

/* The UTF8String at r->p as a malloc'd C string in *out. */
static int string(struct der *r, const char *what, char **out, struct apn_error *err)
{
	struct der at = *r;
	const uint8_t *c;
	size_t clen;
	uint8_t tag;
	char msg[64];

	if (next(r, &tag, &c, &clen, err) != 0)
		return -1;
	snprintf(msg, sizeof msg, "%s %s", what,
		 tag != TAG_UTF8STRING ? "is not a UTF8String" :
		 clen == 0 ? "is empty" : "is not printable UTF-8 text");
	if (tag != TAG_UTF8STRING || clen == 0 || !text_ok(c, clen))
		return malformed(err, &at, msg);
	if ((*out = malloc(clen + 1)) == NULL)
		return out_of_memory(err);
	memcpy(*out, c, clen);
	(*out)[clen] = '\0';
	return 0;
}

/* The SEQUENCE of push types whose contents are [c, c + clen) into t. */
static int types(const uint8_t *base, const uint8_t *c, size_t clen, struct topic *t,
		 struct apn_error *err)
{
	struct der r = { base, c, c + clen };

	while (r.p < r.end) {
		char **v = grow(t->types, t->ntypes, sizeof *t->types);

		if (v == NULL)
			return out_of_memory(err);
		t->types = v;
		if (string(&r, "push type", &t->types[t->ntypes], err) != 0)
			return -1;
		t->ntypes++;
	}
	return 0;
}

int topics_decode(const uint8_t *der, size_t len, struct topics *out,
		  struct apn_error *err)
{
	struct der r = { der, der, der + len }, seq;
	struct topic *v;
	const uint8_t *c;
	size_t clen;
	uint8_t tag;
	int typed = 0; /* the last topic has its list of push types */

	out->v = NULL;
	out->n = 0;
	if (next(&r, &tag, &c, &clen, err) != 0)
		goto fail;
	if (tag != TAG_SEQUENCE) {
		r.p = der;
		malformed(err, &r, "not a SEQUENCE");
		goto fail;
	}
	if (r.p != r.end) {
		malformed(err, &r, "data after the SEQUENCE");
		goto fail;
	}
	seq = (struct der){ der, c, c + clen };
	while (seq.p < seq.end) {
		struct der at = seq;

		if (seq.p[0] == TAG_SEQUENCE) {
			if (next(&seq, &tag, &c, &clen, err) != 0)
				goto fail;
			if (out->n == 0 || typed) {
				malformed(err, &at, "push types that follow no topic");
				goto fail;
			}
			if (types(der, c, clen, &out->v[out->n - 1], err) != 0)
				goto fail;
			typed = 1;
			continue;
		}
		v = grow(out->v, out->n, sizeof *out->v);
		if (v == NULL) {
			out_of_memory(err);
			goto fail;
		}
		out->v = v;
		memset(&out->v[out->n], 0, sizeof out->v[out->n]);
		if (string(&seq, "topic", &out->v[out->n].name, err) != 0)
			goto fail;
		out->n++;
		typed = 0;
	}
	return 0;
fail:
	/* Nothing is half-built: a topic counts once its name is read, and a
	 * push type once it is read. */
	topics_free(out);
	return -1;
}

void topics_free(struct topics *t)
{
	for (size_t i = 0; i < t->n; i++) {
		for (size_t j = 0; j < t->v[i].ntypes; j++)
			free(t->v[i].types[j]);
		free(t->v[i].types);
		free(t->v[i].name);
	}
	free(t->v);
	t->v = NULL;
	t->n = 0;
}
