/* test_h2msg.c: unit tests of the HTTP/2 messages (src/h2msg.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "h2msg.h"

static void test_path(void **state)
{
	struct apn_token tok;
	char out[16 + TOKEN_HEX_MAX];

	(void)state;
	tok.len = 32;
	for (size_t i = 0; i < 32; i++)
		tok.bytes[i] = (uint8_t)(0xa0 + i % 16);
	assert_int_equal(h2_path(&tok, out, sizeof out), 10 + 64);
	assert_string_equal(out, "/3/device/a0a1a2a3a4a5a6a7a8a9aaabacadaeafa0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
	/* Exactly enough room, and one byte less. */
	assert_int_equal(h2_path(&tok, out, 10 + 64 + 1), 74);
	assert_int_equal(h2_path(&tok, out, 10 + 64), 0);
}

static void test_uuid_next(void **state)
{
	char id[H2_UUID_LEN + 1];

	(void)state;
	strcpy(id, "123e4567-e89b-12d3-a456-42661417400f");
	h2_uuid_next(id);
	assert_string_equal(id, "123e4567-e89b-12d3-a456-426614174010");
	/* The carry crosses a dash. */
	strcpy(id, "00000000-0000-0000-0000-ffffffffffff");
	h2_uuid_next(id);
	assert_string_equal(id, "00000000-0000-0000-0001-000000000000");
	/* The top wraps to zero. */
	strcpy(id, "ffffffff-ffff-ffff-ffff-ffffffffffff");
	h2_uuid_next(id);
	assert_string_equal(id, "00000000-0000-0000-0000-000000000000");
	assert_true(h2_uuid_valid(id, strlen(id)));
}

static void test_uuid_valid(void **state)
{
	(void)state;
	assert_true(h2_uuid_valid("123e4567-e89b-12d3-a456-426614174000", 36));
	assert_false(h2_uuid_valid("123E4567-e89b-12d3-a456-426614174000", 36)); /* upper */
	assert_false(h2_uuid_valid("123e4567e89b-12d3-a456-4266141740000", 36)); /* dash */
	assert_false(h2_uuid_valid("123e4567-e89b-12d3-a456-42661417400", 35));
	assert_false(h2_uuid_valid("123e4567-e89b-12d3-a456-42661417400g", 36));
}

static struct h2_response parsed(int status, const char *body, int want)
{
	struct h2_response r;

	r.status = status;
	assert_int_equal(h2_parse_body(body, strlen(body), &r), want);
	return r;
}

static void test_parse_body(void **state)
{
	struct h2_response r;
	char longer[200];

	(void)state;
	r = parsed(400, "{\"reason\":\"BadDeviceToken\"}", 0);
	assert_string_equal(r.reason, "BadDeviceToken");
	assert_int_equal(r.timestamp_ms, -1);
	r = parsed(410, "{\"reason\":\"Unregistered\",\"timestamp\":1764835200000}", 0);
	assert_string_equal(r.reason, "Unregistered");
	assert_int_equal(r.timestamp_ms, 1764835200000LL);
	/* What is not Apple's JSON leaves no reason. */
	parsed(500, "", -1);
	parsed(500, "Internal Server Error", -1);
	parsed(400, "{\"reason\":42}", -1);
	parsed(400, "[\"BadDeviceToken\"]", -1);
	parsed(400, "{\"reason\":\"\"}", -1);
	parsed(400, "{\"reason\":\"Bad Token\"}", -1);        /* a space */
	parsed(400, "{\"reason\":\"Bad\\u0007Token\"}", -1);  /* a control */
	parsed(400, "{\"reason\":\"A\",\"reason\":\"B\"}", -1); /* duplicate key */
	memset(longer, 'x', sizeof longer);
	memcpy(longer, "{\"reason\":\"", 11);
	strcpy(longer + sizeof longer - 3, "\"}");
	parsed(400, longer, -1);                               /* too long */
	r = parsed(410, "{\"reason\":\"Unregistered\",\"timestamp\":-5}", 0);
	assert_int_equal(r.timestamp_ms, -1);
	/* Not NUL-terminated: only len bytes are read. */
	r.status = 400;
	assert_int_equal(h2_parse_body("{\"reason\":\"BadTopic\"}garbage", 21, &r), 0);
	assert_string_equal(r.reason, "BadTopic");
}

static enum h2_judgement judge(int status, const char *reason)
{
	struct h2_response r;

	r.status = status;
	snprintf(r.reason, sizeof r.reason, "%s", reason);
	r.timestamp_ms = -1;
	return h2_judge(&r);
}

static void test_judge(void **state)
{
	(void)state;
	assert_int_equal(judge(200, ""), H2_OK);
	/* Apple: never retry these. */
	assert_int_equal(judge(400, "BadDeviceToken"), H2_REJECTED);
	assert_int_equal(judge(400, "DeviceTokenNotForTopic"), H2_REJECTED);
	assert_int_equal(judge(403, "Forbidden"), H2_REJECTED);
	assert_int_equal(judge(410, "ExpiredToken"), H2_REJECTED);
	assert_int_equal(judge(410, "Unregistered"), H2_REJECTED);
	assert_int_equal(judge(413, "PayloadTooLarge"), H2_REJECTED);
	assert_int_equal(judge(405, "MethodNotAllowed"), H2_REJECTED);
	/* Later, with back-off. */
	assert_int_equal(judge(429, "TooManyRequests"), H2_RETRY);
	assert_int_equal(judge(429, "TooManyProviderTokenUpdates"), H2_RETRY);
	assert_int_equal(judge(500, "InternalServerError"), H2_RETRY);
	assert_int_equal(judge(503, "ServiceUnavailable"), H2_RETRY);
	assert_int_equal(judge(503, ""), H2_RETRY);
	/* The connection's credentials. */
	assert_int_equal(judge(403, "ExpiredProviderToken"), H2_NEW_TOKEN);
	assert_int_equal(judge(403, "InvalidProviderToken"), H2_CREDENTIALS);
	assert_int_equal(judge(403, "MissingProviderToken"), H2_CREDENTIALS);
	assert_int_equal(judge(403, "BadCertificate"), H2_CREDENTIALS);
	assert_int_equal(judge(403, "BadCertificateEnvironment"), H2_CREDENTIALS);
	assert_int_equal(judge(403, "UnrelatedKeyIdInToken"), H2_CREDENTIALS);
	assert_int_equal(judge(403, "BadEnvironmentKeyIdInToken"), H2_CREDENTIALS);
	assert_int_equal(judge(403, "BadEnvironmentKeyInToken"), H2_CREDENTIALS);
	/* Anything else is final. */
	assert_int_equal(judge(403, ""), H2_REJECTED);
	assert_int_equal(judge(302, ""), H2_REJECTED);
	assert_int_equal(judge(0, ""), H2_REJECTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_uuid_next),
		cmocka_unit_test(test_uuid_valid),
		cmocka_unit_test(test_parse_body),
		cmocka_unit_test(test_judge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
