/* test_topics.c: unit tests of the topics extension decoder (src/topics.h),
 * with byte arrays written out by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "topics.h"

/* What Apple writes (PROTOCOL.md 3.10): each topic with its push types. */
static const uint8_t apple[] = {
	0x30, 0x44,
	0x0c, 0x0f, 'c', 'o', 'm', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.',
	'a', 'p', 'p',
	0x30, 0x05, 0x0c, 0x03, 'a', 'p', 'p',
	0x0c, 0x14, 'c', 'o', 'm', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.',
	'a', 'p', 'p', '.', 'v', 'o', 'i', 'p',
	0x30, 0x06, 0x0c, 0x04, 'v', 'o', 'i', 'p',
	0x0c, 0x0a, 'c', 'o', 'm', '.', 'o', 't', 'h', 'e', 'r', 's',
	0x30, 0x00,
};

static void expect_malformed(const uint8_t *der, size_t len, const char *msg)
{
	struct topics t = { (struct topic *)1, 99 };
	struct apn_error err = { APN_OK, "" };

	assert_int_equal(topics_decode(der, len, &t, &err), -1);
	assert_int_equal(err.code, APN_DATAERR);
	assert_string_equal(err.msg, msg);
	assert_null(t.v);
	assert_int_equal(t.n, 0);
}

#define MALFORMED(msg, ...) do { \
	static const uint8_t d_[] = { __VA_ARGS__ }; \
	expect_malformed(d_, sizeof d_, "malformed topics extension: " msg); \
} while (0)

static void test_apple_form(void **state)
{
	struct topics t;
	struct apn_error err = { APN_OK, "" };

	(void)state;
	assert_int_equal(sizeof apple, 0x46);
	assert_int_equal(topics_decode(apple, sizeof apple, &t, &err), 0);
	assert_int_equal(t.n, 3);
	assert_string_equal(t.v[0].name, "com.example.app");
	assert_int_equal(t.v[0].ntypes, 1);
	assert_string_equal(t.v[0].types[0], "app");
	assert_string_equal(t.v[1].name, "com.example.app.voip");
	assert_int_equal(t.v[1].ntypes, 1);
	assert_string_equal(t.v[1].types[0], "voip");
	assert_string_equal(t.v[2].name, "com.others");
	assert_int_equal(t.v[2].ntypes, 0);
	topics_free(&t);
	assert_null(t.v);
	assert_int_equal(t.n, 0);
}

static void test_topics_without_types(void **state)
{
	static const uint8_t der[] = {
		0x30, 0x0b, 0x0c, 0x01, 'a', 0x0c, 0x02, 'b', 'c',
		0x0c, 0x02, 0xc3, 0xa9, /* U+00E9, two bytes of UTF-8 */
	};
	struct topics t;
	struct apn_error err = { APN_OK, "" };

	(void)state;
	assert_int_equal(topics_decode(der, sizeof der, &t, &err), 0);
	assert_int_equal(t.n, 3);
	assert_string_equal(t.v[0].name, "a");
	assert_string_equal(t.v[1].name, "bc");
	assert_string_equal(t.v[2].name, "\xc3\xa9");
	for (size_t i = 0; i < t.n; i++)
		assert_int_equal(t.v[i].ntypes, 0);
	topics_free(&t);
}

static void test_many_types_and_topics(void **state)
{
	/* 40 topics, each with 5 types: the arrays grow past several sizes. */
	uint8_t der[4 + 40 * (3 + 2 + 5 * 3)];
	size_t n = 4;
	struct topics t;
	struct apn_error err = { APN_OK, "" };

	(void)state;
	for (int i = 0; i < 40; i++) {
		der[n++] = 0x0c;
		der[n++] = 1;
		der[n++] = (uint8_t)('A' + i);
		der[n++] = 0x30;
		der[n++] = 15;
		for (int j = 0; j < 5; j++) {
			der[n++] = 0x0c;
			der[n++] = 1;
			der[n++] = (uint8_t)('0' + j);
		}
	}
	/* Long form length, two bytes: 0x82 and the length. */
	der[0] = 0x30;
	der[1] = 0x82;
	der[2] = (uint8_t)((n - 4) >> 8);
	der[3] = (uint8_t)(n - 4);
	assert_int_equal(topics_decode(der, n, &t, &err), 0);
	assert_int_equal(t.n, 40);
	assert_string_equal(t.v[39].name, "h"); /* 'A' + 39 */
	assert_int_equal(t.v[39].ntypes, 5);
	assert_string_equal(t.v[39].types[4], "4");
	topics_free(&t);
}

static void test_empty_sequence(void **state)
{
	static const uint8_t der[] = { 0x30, 0x00 };
	static const uint8_t longform[] = { 0x30, 0x81, 0x00 };
	struct topics t;
	struct apn_error err = { APN_OK, "" };

	(void)state;
	assert_int_equal(topics_decode(der, sizeof der, &t, &err), 0);
	assert_int_equal(t.n, 0);
	topics_free(&t);
	assert_int_equal(topics_decode(longform, sizeof longform, &t, &err), 0);
	assert_int_equal(t.n, 0);
	topics_free(&t);
}

static void test_malformed_outer(void **state)
{
	(void)state;
	expect_malformed((const uint8_t *)"", 0,
			 "malformed topics extension: truncated element at byte 0");
	MALFORMED("truncated element at byte 0", 0x30);
	MALFORMED("not a SEQUENCE at byte 0", 0x0c, 0x01, 'a');
	MALFORMED("not a SEQUENCE at byte 0", 0x05, 0x00); /* DER NULL, as .1 and .2 */
	MALFORMED("data after the SEQUENCE at byte 2", 0x30, 0x00, 0x00);
	MALFORMED("element longer than the data around it at byte 0",
		  0x30, 0x05, 0x0c, 0x01, 'a');
	MALFORMED("indefinite length (not DER) at byte 0", 0x30, 0x80, 0x00, 0x00);
	MALFORMED("length of more than 4 bytes at byte 0",
		  0x30, 0x85, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00);
	MALFORMED("truncated length at byte 0", 0x30, 0x82, 0x00);
	/* A 4-byte length far past the end. */
	MALFORMED("element longer than the data around it at byte 0",
		  0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x00);
}

static void test_malformed_inner(void **state)
{
	(void)state;
	/* An inner element may not run past its SEQUENCE, even when the
	 * buffer goes on. */
	MALFORMED("element longer than the data around it at byte 2",
		  0x30, 0x04, 0x0c, 0x03, 'a', 'b');
	MALFORMED("push types that follow no topic at byte 2",
		  0x30, 0x07, 0x30, 0x05, 0x0c, 0x03, 'a', 'p', 'p');
	MALFORMED("push types that follow no topic at byte 7",
		  0x30, 0x07, 0x0c, 0x01, 'a', 0x30, 0x00, 0x30, 0x00);
	MALFORMED("topic is not a UTF8String at byte 2",
		  0x30, 0x03, 0x13, 0x01, 'a'); /* PrintableString */
	MALFORMED("topic is empty at byte 2", 0x30, 0x02, 0x0c, 0x00);
	MALFORMED("topic is not printable UTF-8 text at byte 2",
		  0x30, 0x04, 0x0c, 0x02, 'a', '\n');
	MALFORMED("topic is not printable UTF-8 text at byte 2",
		  0x30, 0x04, 0x0c, 0x02, 'a', 0x00);
	MALFORMED("topic is not printable UTF-8 text at byte 2",
		  0x30, 0x04, 0x0c, 0x02, 0xc0, 0x80); /* overlong NUL */
	MALFORMED("topic is not printable UTF-8 text at byte 2",
		  0x30, 0x05, 0x0c, 0x03, 0xed, 0xa0, 0x80); /* a surrogate */
	MALFORMED("topic is not printable UTF-8 text at byte 2",
		  0x30, 0x04, 0x0c, 0x02, 'a', 0xe2); /* cut short */
	MALFORMED("push type is not a UTF8String at byte 7",
		  0x30, 0x09, 0x0c, 0x01, 'a', 0x30, 0x04, 0x30, 0x02, 0x0c, 0x00);
	MALFORMED("truncated element at byte 7",
		  0x30, 0x06, 0x0c, 0x01, 'a', 0x30, 0x01, 0x0c);
}

/* Every prefix, and every one-byte change, of a good extension either
 * decodes or fails with a message: nothing is read past the end (run the
 * tests under valgrind or ASan to see that too). */
static void test_truncations_and_mutations(void **state)
{
	uint8_t buf[sizeof apple];
	struct apn_error err;
	struct topics t;

	(void)state;
	for (size_t len = 0; len < sizeof apple; len++) {
		uint8_t *copy = malloc(len ? len : 1);

		assert_non_null(copy);
		memcpy(copy, apple, len);
		err.code = APN_OK;
		assert_int_equal(topics_decode(copy, len, &t, &err), -1);
		assert_int_equal(err.code, APN_DATAERR);
		free(copy);
	}
	for (size_t i = 0; i < sizeof apple; i++) {
		for (int v = 0; v < 256; v++) {
			memcpy(buf, apple, sizeof apple);
			buf[i] = (uint8_t)v;
			err.code = APN_OK;
			if (topics_decode(buf, sizeof buf, &t, &err) == 0)
				topics_free(&t);
			else
				assert_int_equal(err.code, APN_DATAERR);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apple_form),
		cmocka_unit_test(test_topics_without_types),
		cmocka_unit_test(test_many_types_and_topics),
		cmocka_unit_test(test_empty_sequence),
		cmocka_unit_test(test_malformed_outer),
		cmocka_unit_test(test_malformed_inner),
		cmocka_unit_test(test_truncations_and_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
