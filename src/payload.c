/* payload.c: payload validation (jansson) and building from flags. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "payload.h"

static int json_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* jansson's message for what it could not parse quotes the bytes it
 * stopped at ("invalid token near '...'"), and those are the input's: an
 * escape sequence, a control character, a byte that is not UTF-8.  The
 * message goes to terminals and into JSON lines, so every byte outside
 * printable ASCII is written \xNN. */
static void printable(const char *in, char *out, size_t cap)
{
	static const char digit[] = "0123456789abcdef";
	size_t n = 0;

	for (; *in != '\0'; in++) {
		unsigned char c = (unsigned char)*in;

		if (c >= 0x20 && c < 0x7f) {
			if (n + 1 >= cap)
				break;
			out[n++] = (char)c;
		} else {
			if (n + 4 >= cap)
				break;
			out[n++] = '\\';
			out[n++] = 'x';
			out[n++] = digit[c >> 4];
			out[n++] = digit[c & 15];
		}
	}
	out[n] = '\0';
}

int payload_validate(const char *text, size_t len, size_t max, size_t *off,
		     size_t *outlen, char *why, size_t whylen)
{
	size_t b = 0, e = len;
	json_error_t jerr;
	json_t *root;
	char text_ok[4 * JSON_ERROR_TEXT_LENGTH];
	const char *nul;

	while (b < e && json_space(text[b]))
		b++;
	while (e > b && json_space(text[e - 1]))
		e--;
	if (b == e) {
		snprintf(why, whylen, "payload is empty");
		return -1;
	}
	if (e - b > max) {
		snprintf(why, whylen, "payload is %zu bytes; the limit is %zu",
			 e - b, max);
		return -1;
	}
	/* jansson 2.14 skips a raw NUL byte after a number or a literal
	 * ({"a":1<NUL>} loads), so NUL is refused here; json_loadb rejects
	 * invalid UTF-8, NUL elsewhere and \u0000. */
	nul = memchr(text + b, '\0', e - b);
	if (nul != NULL) {
		snprintf(why, whylen, "payload holds a NUL byte (byte %zu)",
			 (size_t)(nul - (text + b)) + 1);
		return -1;
	}
	root = json_loadb(text + b, e - b, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		printable(jerr.text, text_ok, sizeof text_ok);
		snprintf(why, whylen, "payload is not valid JSON: %s (line %d, column %d)",
			 text_ok, jerr.line, jerr.column);
		return -1;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		snprintf(why, whylen, "payload must be a JSON object ({...})");
		return -1;
	}
	json_decref(root);
	*off = b;
	*outlen = e - b;
	return 0;
}

int payload_fields_any(const struct payload_fields *f)
{
	return f->alert || f->sound || f->category || f->thread_id ||
	       f->has_badge || f->content_available || f->mutable_content;
}

static int set_string(json_t *aps, const char *key, const char *value,
		      char *why, size_t whylen)
{
	json_t *s;

	if (value == NULL)
		return 0;
	s = json_string(value); /* NULL when value is not valid UTF-8 */
	if (s == NULL || json_object_set_new(aps, key, s) != 0) {
		snprintf(why, whylen, "%s is not valid UTF-8 text", key);
		return -1;
	}
	return 0;
}

static int set_integer(json_t *aps, const char *key, long value)
{
	return json_object_set_new(aps, key, json_integer(value));
}

int payload_build(const struct payload_fields *f, size_t max, char **out,
		  size_t *outlen, char *why, size_t whylen)
{
	json_t *root = json_object(), *aps = json_object();
	char *text = NULL;
	int rc = -1;

	why[0] = '\0';
	if (root == NULL || aps == NULL) {
		snprintf(why, whylen, "out of memory");
		json_decref(aps);
		goto out;
	}
	if (json_object_set_new(root, "aps", aps) != 0) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	if (set_string(aps, "alert", f->alert, why, whylen) != 0 ||
	    (f->has_badge && set_integer(aps, "badge", f->badge) != 0) ||
	    set_string(aps, "sound", f->sound, why, whylen) != 0 ||
	    set_string(aps, "category", f->category, why, whylen) != 0 ||
	    set_string(aps, "thread-id", f->thread_id, why, whylen) != 0 ||
	    (f->content_available && set_integer(aps, "content-available", 1) != 0) ||
	    (f->mutable_content && set_integer(aps, "mutable-content", 1) != 0)) {
		if (why[0] == '\0')
			snprintf(why, whylen, "out of memory");
		goto out;
	}
	text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (text == NULL) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	if (strlen(text) > max) {
		snprintf(why, whylen, "payload is %zu bytes; the limit is %zu",
			 strlen(text), max);
		free(text);
		text = NULL;
		goto out;
	}
	*out = text;
	*outlen = strlen(text);
	rc = 0;
out:
	json_decref(root);
	return rc;
}
