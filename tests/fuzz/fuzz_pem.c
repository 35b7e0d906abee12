/* fuzz_pem.c: pem_private_key (src/pem.h).
 *
 * Checks: the result is one of the five; only PEM_OK returns DER, never
 * empty and never longer than the input; the label it names is a
 * "...PRIVATE KEY" of at most 40 bytes that the input holds as a BEGIN
 * line; and the DER, written back as a canonical PEM block (nettle's
 * base64, 64 characters a line), decodes to the same DER. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <nettle/base64.h>

#include "fuzz.h"
#include "pem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char label[41], begin[sizeof "-----BEGIN " + 40 + sizeof "-----"];
	unsigned char *der = (unsigned char *)1, *again = NULL;
	size_t len = 99, again_len = 0, n, b64_len, at = 0;
	enum pem_result r = pem_private_key((const char *)data, size, label, &der, &len);
	char *b64, *text;

	FUZZ_CHECK(r == PEM_OK || r == PEM_NOT_FOUND || r == PEM_HEADERS ||
		   r == PEM_BAD || r == PEM_NOMEM);
	if (r != PEM_OK) {
		FUZZ_CHECK(der == NULL && len == 0);
		return 0;
	}
	FUZZ_CHECK(der != NULL && len > 0 && len <= size);
	n = strlen(label);
	FUZZ_CHECK(n >= 11 && n <= 40 && strcmp(label + n - 11, "PRIVATE KEY") == 0);
	snprintf(begin, sizeof begin, "-----BEGIN %s-----", label);
	FUZZ_CHECK(memmem(data, size, begin, strlen(begin)) != NULL);

	/* Back to a canonical block, and decoded again. */
	b64_len = BASE64_ENCODE_RAW_LENGTH(len);
	b64 = malloc(b64_len);
	text = malloc(2 * sizeof begin + b64_len + b64_len / 64 + 8);
	FUZZ_CHECK(b64 != NULL && text != NULL);
	base64_encode_raw(b64, len, der);
	at += (size_t)sprintf(text, "%s\n", begin);
	for (size_t i = 0; i < b64_len; i += 64) {
		size_t k = b64_len - i < 64 ? b64_len - i : 64;

		memcpy(text + at, b64 + i, k);
		at += k;
		text[at++] = '\n';
	}
	at += (size_t)sprintf(text + at, "-----END %s-----\n", label);
	FUZZ_CHECK(pem_private_key(text, at, NULL, &again, &again_len) == PEM_OK);
	FUZZ_CHECK(again_len == len && memcmp(again, der, len) == 0);
	pem_free(again, again_len);
	pem_free(der, len);
	free(b64);
	free(text);
	return 0;
}
