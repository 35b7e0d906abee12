/* fuzz_payload_build.c: payload_build (src/payload.h) from fuzzed fields.
 *
 * Input: a byte of flags (which fields are set), 8 bytes of badge, then
 * the strings that are set (alert, sound, category, thread-id), each
 * ended by a NUL byte or the input's end.
 *
 * Checks: a built payload is a NUL-terminated string of *outlen bytes, at
 * most max, that payload_validate accepts whole; it is {"aps":{...}} with
 * exactly the fields that are set, in the documented order, each with its
 * value; it is refused only for text that is not UTF-8 or for the limit,
 * with a printable sentence. */
#include <config.h>

#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "payload.h"

enum {
	F_ALERT = 1, F_BADGE = 2, F_SOUND = 4, F_CATEGORY = 8, F_THREAD = 16,
	F_AVAILABLE = 32, F_MUTABLE = 64
};

/* The next string of the input, or NULL when its flag is not set. */
static const char *take(int set, const uint8_t **p, const uint8_t *end, char **own)
{
	const uint8_t *nul;
	size_t n;

	if (!set)
		return NULL;
	nul = memchr(*p, '\0', (size_t)(end - *p));
	n = nul ? (size_t)(nul - *p) : (size_t)(end - *p);
	*own = malloc(n + 1);
	FUZZ_CHECK(*own != NULL);
	memcpy(*own, *p, n);
	(*own)[n] = '\0';
	*p += nul ? n + 1 : n;
	return *own;
}

static int text_ok(const char *s)
{
	return s == NULL || fuzz_utf8((const uint8_t *)s, strlen(s), 1);
}

/* The next key of aps is key, a string equal to value. */
static void expect_string(void **it, json_t *aps, const char *key, const char *value)
{
	json_t *v;

	if (value == NULL)
		return;
	FUZZ_CHECK(*it != NULL && strcmp(json_object_iter_key(*it), key) == 0);
	v = json_object_iter_value(*it);
	FUZZ_CHECK(json_is_string(v) && strcmp(json_string_value(v), value) == 0);
	FUZZ_CHECK(json_string_length(v) == strlen(value));
	*it = json_object_iter_next(aps, *it);
}

static void expect_integer(void **it, json_t *aps, int set, const char *key, long value)
{
	json_t *v;

	if (!set)
		return;
	FUZZ_CHECK(*it != NULL && strcmp(json_object_iter_key(*it), key) == 0);
	v = json_object_iter_value(*it);
	FUZZ_CHECK(json_is_integer(v) && json_integer_value(v) == value);
	*it = json_object_iter_next(aps, *it);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data + 9, *end = data + size;
	char *own[4] = { NULL, NULL, NULL, NULL }, *out = NULL, why[256];
	struct payload_fields f;
	size_t outlen = 0, off, len;
	json_t *root, *aps;
	void *it;
	int rc;

	if (size < 9)
		return 0;
	memset(&f, 0, sizeof f);
	f.has_badge = data[0] & F_BADGE;
	f.badge = (long)((uint64_t)fuzz_get32(data + 1) << 32 | fuzz_get32(data + 5));
	f.content_available = data[0] & F_AVAILABLE;
	f.mutable_content = data[0] & F_MUTABLE;
	f.alert = take(data[0] & F_ALERT, &p, end, &own[0]);
	f.sound = take(data[0] & F_SOUND, &p, end, &own[1]);
	f.category = take(data[0] & F_CATEGORY, &p, end, &own[2]);
	f.thread_id = take(data[0] & F_THREAD, &p, end, &own[3]);
	FUZZ_CHECK(!payload_fields_any(&f) == !(data[0] & 0x7f));

	memset(why, 0x7f, sizeof why);
	rc = payload_build(&f, PAYLOAD_MAX, &out, &outlen, why, sizeof why);
	FUZZ_CHECK(rc == 0 || rc == -1);
	if (rc != 0) {
		FUZZ_CHECK(fuzz_sentence(why, sizeof why));
		/* Only bad text or the limit refuses a payload. */
		if (text_ok(f.alert) && text_ok(f.sound) && text_ok(f.category) &&
		    text_ok(f.thread_id))
			FUZZ_CHECK(strstr(why, "limit") != NULL);
		goto out;
	}
	FUZZ_CHECK(out != NULL && strlen(out) == outlen && outlen <= PAYLOAD_MAX);
	FUZZ_CHECK(payload_validate(out, outlen, PAYLOAD_MAX, &off, &len, why, sizeof why) == 0);
	FUZZ_CHECK(off == 0 && len == outlen);

	root = json_loadb(out, outlen, JSON_REJECT_DUPLICATES, NULL);
	FUZZ_CHECK(json_is_object(root) && json_object_size(root) == 1);
	aps = json_object_get(root, "aps");
	FUZZ_CHECK(json_is_object(aps));
	it = json_object_iter(aps);
	expect_string(&it, aps, "alert", f.alert);
	expect_integer(&it, aps, f.has_badge, "badge", f.badge);
	expect_string(&it, aps, "sound", f.sound);
	expect_string(&it, aps, "category", f.category);
	expect_string(&it, aps, "thread-id", f.thread_id);
	expect_integer(&it, aps, f.content_available, "content-available", 1);
	expect_integer(&it, aps, f.mutable_content, "mutable-content", 1);
	FUZZ_CHECK(it == NULL); /* nothing else */
	json_decref(root);
out:
	free(out);
	for (int i = 0; i < 4; i++)
		free(own[i]);
	return 0;
}
