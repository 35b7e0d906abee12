/* fuzz_h2_uuid.c: h2_uuid_valid and h2_uuid_next (src/h2msg.h).
 *
 * Checks: h2_uuid_valid accepts exactly 36 characters, lowercase hex
 * with dashes at 8, 13, 18 and 23; h2_uuid_next of a valid UUID is valid
 * again and is the 128-bit number one more, wrapping at the top. */
#include <config.h>

#include <string.h>

#include "fuzz.h"
#include "h2msg.h"

static int reference_valid(const uint8_t *s, size_t len)
{
	if (len != 36)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
			return 0;
		}
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char digit[] = "0123456789abcdef";
	char id[H2_UUID_LEN + 1], want[H2_UUID_LEN + 1];
	int valid = h2_uuid_valid((const char *)data, size);

	FUZZ_CHECK(!valid == !reference_valid(data, size));
	if (!valid)
		return 0;

	/* The reference: add one to the 32 hex digits, right to left. */
	memcpy(want, data, H2_UUID_LEN);
	want[H2_UUID_LEN] = '\0';
	for (int i = H2_UUID_LEN - 1; i >= 0; i--) {
		int v;

		if (want[i] == '-')
			continue;
		v = (int)(strchr(digit, want[i]) - digit) + 1;
		want[i] = digit[v % 16];
		if (v < 16)
			break;
	}
	memcpy(id, data, H2_UUID_LEN);
	id[H2_UUID_LEN] = '\0';
	h2_uuid_next(id);
	FUZZ_CHECK(id[H2_UUID_LEN] == '\0');
	FUZZ_CHECK(h2_uuid_valid(id, strlen(id)));
	FUZZ_CHECK(strcmp(id, want) == 0);
	return 0;
}
