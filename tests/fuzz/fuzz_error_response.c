/* fuzz_error_response.c: error_response_decode and status_name
 * (src/frame.h) on the gateway's bytes.
 *
 * Input: the bytes after a notification, taken 6 at a time as the
 * sender reads them.  Checks: a packet is accepted exactly when its first
 * byte is command 8; then the status is byte 1 and the identifier bytes
 * 2-5, big-endian; every status has a printable name, and the statuses
 * Apple does not define are "unknown status". */
#include <config.h>

#include <string.h>

#include "frame.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (size_t at = 0; at + ERROR_RESPONSE_BYTES <= size; at += ERROR_RESPONSE_BYTES) {
		const uint8_t *b = data + at;
		struct error_response er = { 0xee, 0xeeeeeeee };
		const char *name;
		int rc;

		rc = error_response_decode(b, &er);
		FUZZ_CHECK(rc == (b[0] == ERROR_RESPONSE_COMMAND ? 0 : -1));
		if (rc != 0)
			continue;
		FUZZ_CHECK(er.status == b[1] && er.id == fuzz_get32(b + 2));
		name = status_name(er.status);
		FUZZ_CHECK(name != NULL && fuzz_sentence(name, 64));
		FUZZ_CHECK((strcmp(name, "unknown status") == 0) ==
			   !(er.status <= 8 || er.status == 10 || er.status == 128 ||
			     er.status == 255));
	}
	return 0;
}
