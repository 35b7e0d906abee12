/* h2msg.c: HTTP/2 API messages as data (see h2msg.h). */
#include <config.h>

#include <string.h>

#include <jansson.h>

#include "h2msg.h"

size_t h2_path(const struct apn_token *tok, char *out, size_t cap)
{
	static const char prefix[] = "/3/device/";
	size_t n = sizeof prefix - 1 + 2 * tok->len;

	if (cap < n + 1)
		return 0;
	memcpy(out, prefix, sizeof prefix - 1);
	token_hex(tok, out + sizeof prefix - 1);
	return n;
}

void h2_uuid_next(char id[H2_UUID_LEN + 1])
{
	static const char digit[] = "0123456789abcdef";

	for (int i = H2_UUID_LEN - 1; i >= 0; i--) {
		const char *d = strchr(digit, id[i]);

		if (id[i] == '-' || d == NULL)
			continue;
		if (d[1] != '\0') {
			id[i] = d[1];
			return;
		}
		id[i] = '0'; /* f + 1: carry into the digit before */
	}
}

int h2_uuid_valid(const char *s, size_t len)
{
	if (len != H2_UUID_LEN)
		return 0;
	for (size_t i = 0; i < len; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-'
			 : !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return 1;
}

int h2_parse_body(const char *body, size_t len, struct h2_response *r)
{
	json_t *j, *reason, *ts;
	const char *text;
	int rc = -1;

	r->reason[0] = '\0';
	r->timestamp_ms = -1;
	if (len == 0)
		return -1;
	j = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	if (j == NULL)
		return -1;
	reason = json_object_get(j, "reason");
	text = json_is_string(reason) ? json_string_value(reason) : NULL;
	if (text != NULL && strlen(text) < sizeof r->reason && text[0] != '\0') {
		size_t i;

		for (i = 0; text[i] != '\0'; i++)
			if (text[i] < 0x21 || text[i] > 0x7e)
				break;
		if (text[i] == '\0') {
			memcpy(r->reason, text, i + 1);
			rc = 0;
		}
	}
	ts = json_object_get(j, "timestamp");
	if (rc == 0 && json_is_integer(ts) && json_integer_value(ts) >= 0)
		r->timestamp_ms = (int64_t)json_integer_value(ts);
	json_decref(j);
	return rc;
}

enum h2_judgement h2_judge(const struct h2_response *r)
{
	/* 403s that no request on this connection can escape (3.7). */
	static const char *const refusals[] = {
		"BadCertificate", "BadCertificateEnvironment", "InvalidProviderToken",
		"MissingProviderToken", "UnrelatedKeyIdInToken",
		"BadEnvironmentKeyIdInToken", "BadEnvironmentKeyInToken", NULL
	};

	if (r->status == 200)
		return H2_OK;
	if (r->status == 429 || (r->status >= 500 && r->status <= 599))
		return H2_RETRY;
	if (r->status == 403) {
		if (strcmp(r->reason, "ExpiredProviderToken") == 0)
			return H2_NEW_TOKEN;
		for (size_t i = 0; refusals[i] != NULL; i++)
			if (strcmp(r->reason, refusals[i]) == 0)
				return H2_CREDENTIALS;
	}
	/* Every other 4xx (and anything unexpected) is final: Apple asks
	 * never to retry BadDeviceToken, Unregistered, PayloadTooLarge, ...,
	 * and the rest need the request changed. */
	return H2_REJECTED;
}
