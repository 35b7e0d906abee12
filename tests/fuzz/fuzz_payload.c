/* fuzz_payload.c: payload_validate (src/payload.h) on any bytes.
 *
 * Checks: an accepted payload is the input less JSON whitespace at both
 * ends, starts with '{' and ends with '}', is at most max bytes, is one
 * JSON object for jansson too, and is accepted again as it is; the limit
 * is the only difference between two maxima; a refusal is a printable
 * sentence (it goes to terminals and into JSON). */
#include <config.h>

#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "payload.h"

static int json_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	size_t off = 0, len = 0, off2, len2, b = 0, e = size;
	char why[256], why2[256];
	json_t *j;
	int rc, rc_small;

	memset(why, 0x7f, sizeof why);
	rc = payload_validate(text, size, PAYLOAD_MAX_H2_VOIP, &off, &len, why, sizeof why);
	FUZZ_CHECK(rc == 0 || rc == -1);
	memset(why2, 0x7f, sizeof why2);
	rc_small = payload_validate(text, size, PAYLOAD_MAX, &off2, &len2, why2, sizeof why2);
	FUZZ_CHECK(rc_small == 0 || rc_small == -1);
	if (rc_small != 0)
		FUZZ_CHECK(fuzz_sentence(why2, sizeof why2));
	if (rc != 0) {
		FUZZ_CHECK(fuzz_sentence(why, sizeof why));
		FUZZ_CHECK(rc_small != 0);
		return 0;
	}
	/* The larger limit's verdict, less the size, is the smaller's. */
	FUZZ_CHECK((rc_small == 0) == (len <= PAYLOAD_MAX));
	if (rc_small == 0)
		FUZZ_CHECK(off2 == off && len2 == len);

	while (b < e && json_space(data[b]))
		b++;
	while (e > b && json_space(data[e - 1]))
		e--;
	FUZZ_CHECK(off == b && len == e - b);
	FUZZ_CHECK(len >= 2 && len <= PAYLOAD_MAX_H2_VOIP);
	FUZZ_CHECK(text[off] == '{' && text[off + len - 1] == '}');
	FUZZ_CHECK(memchr(text + off, '\0', len) == NULL);
	j = json_loadb(text + off, len, JSON_REJECT_DUPLICATES, NULL);
	FUZZ_CHECK(json_is_object(j));
	json_decref(j);
	FUZZ_CHECK(payload_validate(text + off, len, len, &off2, &len2, why2, sizeof why2) == 0);
	FUZZ_CHECK(off2 == 0 && len2 == len);
	return 0;
}
