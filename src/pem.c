/* pem.c: the DER inside a PEM private key block, decoded with nettle's
 * base64 (the library GnuTLS is built on) into memory that is wiped. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <nettle/base64.h>

#include "pem.h"
#include "readfile.h"

#define LABEL_MAX 40

/* The first s (n bytes) in [p, end), or NULL. */
static const char *find_n(const char *p, const char *end, const char *s, size_t n)
{
	for (; (size_t)(end - p) >= n; p++)
		if (*p == *s && memcmp(p, s, n) == 0)
			return p;
	return NULL;
}

static const char *find(const char *p, const char *end, const char *s)
{
	return find_n(p, end, s, strlen(s));
}

/* RFC 7468: a label is printable ASCII but '-', with spaces. */
static int is_key_label(const char *label, size_t n)
{
	static const char tail[] = "PRIVATE KEY";
	size_t t = sizeof tail - 1;

	if (n < t || n > LABEL_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (label[i] < ' ' || label[i] > '~' || label[i] == '-')
			return 0;
	return memcmp(label + n - t, tail, t) == 0;
}

enum pem_result pem_private_key(const char *text, size_t len, char label[41],
				unsigned char **der, size_t *der_len)
{
	const char *end = text + len, *p = text, *name, *name_end, *body, *stop;
	char marker[sizeof "-----END " + LABEL_MAX + sizeof "-----"];
	struct base64_decode_ctx ctx;
	unsigned char *out;
	size_t cap, n = 0, name_len;
	int ok;

	*der = NULL;
	*der_len = 0;
	for (;;) {
		const char *begin = find(p, end, "-----BEGIN ");

		if (begin == NULL)
			return PEM_NOT_FOUND;
		name = begin + strlen("-----BEGIN ");
		name_end = find(name, end, "-----");
		if (name_end == NULL)
			return PEM_NOT_FOUND;
		name_len = (size_t)(name_end - name);
		if (is_key_label(name, name_len))
			break;
		p = name;
	}
	if (label != NULL) {
		memcpy(label, name, name_len);
		label[name_len] = '\0';
	}
	/* The body starts on the line after the BEGIN line. */
	body = memchr(name_end, '\n', (size_t)(end - name_end));
	if (body == NULL)
		return PEM_BAD;
	body++;
	memcpy(marker, "-----END ", 9);
	memcpy(marker + 9, name, name_len);
	memcpy(marker + 9 + name_len, "-----", sizeof "-----");
	stop = find_n(body, end, marker, 9 + name_len + 5);
	if (stop == NULL)
		return PEM_BAD;
	if (memchr(body, ':', (size_t)(stop - body)) != NULL)
		return PEM_HEADERS;

	cap = BASE64_DECODE_LENGTH((size_t)(stop - body));
	out = malloc(cap > 0 ? cap : 1);
	if (out == NULL)
		return PEM_NOMEM;
	base64_decode_init(&ctx);
	ok = base64_decode_update(&ctx, &n, out, (size_t)(stop - body), body) &&
	     base64_decode_final(&ctx) && n > 0;
	wipe(&ctx, sizeof ctx);
	if (!ok) {
		wipe(out, cap);
		free(out);
		return PEM_BAD;
	}
	*der = out;
	*der_len = n;
	return PEM_OK;
}

void pem_free(unsigned char *der, size_t der_len)
{
	if (der == NULL)
		return;
	wipe(der, der_len);
	free(der);
}
