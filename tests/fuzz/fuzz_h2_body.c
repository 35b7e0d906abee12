/* fuzz_h2_body.c: h2_parse_body and h2_judge (src/h2msg.h) on a server's
 * answer.
 *
 * Input: two bytes of :status (big-endian), then the response body.
 *
 * Checks: a body that is accepted gives a reason of printable ASCII
 * (no space), not empty, shorter than H2_REASON_MAX, equal to the body's
 * "reason" as jansson reads it, and a timestamp that is -1 or the body's
 * non-negative "timestamp"; a refused body leaves reason "" and
 * timestamp -1, whatever was there before.  h2_judge: ok only for 200,
 * retry exactly for 429 and 5xx, a new token only for 403
 * ExpiredProviderToken, a credentials stop only for a 403 with a reason,
 * rejected otherwise. */
#include <config.h>

#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "h2msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body;
	size_t len, n;
	struct h2_response r;
	enum h2_judgement j;
	json_t *root;
	int rc;

	if (size < 2)
		return 0;
	body = (const char *)data + 2;
	len = size - 2;
	memset(&r, 'x', sizeof r); /* leftovers must not survive */
	r.status = (int)(data[0] << 8 | data[1]);
	rc = h2_parse_body(body, len, &r);
	FUZZ_CHECK(rc == 0 || rc == -1);
	FUZZ_CHECK(r.status == (int)(data[0] << 8 | data[1]));
	n = strnlen(r.reason, sizeof r.reason);
	FUZZ_CHECK(n < H2_REASON_MAX);
	if (rc != 0) {
		FUZZ_CHECK(n == 0 && r.timestamp_ms == -1);
	} else {
		json_t *reason, *ts;

		FUZZ_CHECK(n > 0);
		for (size_t i = 0; i < n; i++)
			FUZZ_CHECK(r.reason[i] > ' ' && r.reason[i] < 0x7f);
		root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
		FUZZ_CHECK(json_is_object(root));
		reason = json_object_get(root, "reason");
		FUZZ_CHECK(json_is_string(reason) && strcmp(json_string_value(reason), r.reason) == 0);
		FUZZ_CHECK(json_string_length(reason) == n);
		ts = json_object_get(root, "timestamp");
		if (r.timestamp_ms != -1)
			FUZZ_CHECK(r.timestamp_ms >= 0 && json_is_integer(ts) &&
				   json_integer_value(ts) == r.timestamp_ms);
		else
			FUZZ_CHECK(!json_is_integer(ts) || json_integer_value(ts) < 0);
		json_decref(root);
	}

	j = h2_judge(&r);
	switch (j) {
	case H2_OK:
		FUZZ_CHECK(r.status == 200);
		break;
	case H2_RETRY:
		FUZZ_CHECK(r.status == 429 || (r.status >= 500 && r.status <= 599));
		break;
	case H2_NEW_TOKEN:
		FUZZ_CHECK(r.status == 403 && strcmp(r.reason, "ExpiredProviderToken") == 0);
		break;
	case H2_CREDENTIALS:
		FUZZ_CHECK(r.status == 403 && rc == 0);
		break;
	case H2_REJECTED:
		FUZZ_CHECK(r.status != 200 && r.status != 429 &&
			   !(r.status >= 500 && r.status <= 599));
		FUZZ_CHECK(r.status != 403 || strcmp(r.reason, "ExpiredProviderToken") != 0);
		break;
	default:
		FUZZ_CHECK(!"h2_judge returned no h2_judgement");
	}
	return 0;
}
