/* test_line.c: unit tests of line_parse (src/line.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "line.h"

#define TOK "740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad"

static enum line_kind parse(const char *s, struct line_item *it, char *why)
{
	return line_parse(s, strlen(s), 2048, it, why, 256);
}

static void test_skip_blank_and_comments(void **state)
{
	struct line_item it;
	char why[256];

	(void)state;
	assert_int_equal(parse("", &it, why), LINE_SKIP);
	assert_int_equal(parse("   \t", &it, why), LINE_SKIP);
	assert_int_equal(parse("\r", &it, why), LINE_SKIP);
	assert_int_equal(parse("# a comment " TOK, &it, why), LINE_SKIP);
	assert_int_equal(parse("  # indented comment", &it, why), LINE_SKIP);
}

static void test_token_only(void **state)
{
	struct line_item it;
	char why[256];

	(void)state;
	assert_int_equal(parse(TOK, &it, why), LINE_OK);
	assert_int_equal(it.token.len, 32);
	assert_int_equal(it.token.bytes[0], 0x74);
	assert_int_equal(it.token.bytes[31], 0xad);
	assert_null(it.payload);
	assert_int_equal(parse(TOK "\r", &it, why), LINE_OK);
	assert_int_equal(parse("  " TOK "  ", &it, why), LINE_OK);
	assert_int_equal(parse("<740f4707 bebcf74f 9b7c25d4 8e335894 5f6aa01d "
			       "a5ddb387 462c7eaf 61bb78ad>", &it, why), LINE_OK);
	assert_int_equal(it.token.bytes[31], 0xad);
}

static void test_token_and_payload(void **state)
{
	struct line_item it;
	char why[256];
	const char *line = TOK " \t{\"aps\":{\"alert\":\"x y\"}}  \r";

	(void)state;
	assert_int_equal(parse(line, &it, why), LINE_OK);
	assert_non_null(it.payload);
	assert_int_equal(it.payload_len, strlen("{\"aps\":{\"alert\":\"x y\"}}"));
	assert_memory_equal(it.payload, "{\"aps\":{\"alert\":\"x y\"}}", it.payload_len);
	/* The NSData form with spaces, then a payload. */
	assert_int_equal(parse("<740f4707 bebcf74f 9b7c25d4 8e335894 5f6aa01d "
			       "a5ddb387 462c7eaf 61bb78ad> {\"a\":1}", &it, why), LINE_OK);
	assert_int_equal(it.payload_len, 7);
}

static void test_invalid(void **state)
{
	struct line_item it;
	char why[256];

	(void)state;
	assert_int_equal(parse("xyz", &it, why), LINE_INVALID);
	assert_non_null(strstr(why, "hexadecimal"));
	assert_int_equal(parse("abcd", &it, why), LINE_INVALID);
	assert_non_null(strstr(why, "too short"));
	assert_int_equal(parse(TOK " {\"aps\":", &it, why), LINE_INVALID);
	assert_non_null(strstr(why, "not valid JSON"));
	assert_int_equal(parse(TOK " {} {}", &it, why), LINE_INVALID);
	assert_int_equal(parse(TOK " [1]", &it, why), LINE_INVALID);
	assert_int_equal(parse("{\"aps\":{}}", &it, why), LINE_INVALID);
	assert_non_null(strstr(why, "empty token"));
}

static void test_payload_limit(void **state)
{
	struct line_item it;
	char why[256], line[3000];
	size_t n = (size_t)snprintf(line, sizeof line, "%s {\"a\":\"", TOK);

	(void)state;
	/* {"a":"xxx..."} of exactly 2048 bytes, then 2049. */
	memset(line + n, 'x', 2048 - 8);
	memcpy(line + n + 2048 - 8, "\"}", 3);
	assert_int_equal(line_parse(line, strlen(line), 2048, &it, why, sizeof why), LINE_OK);
	assert_int_equal(it.payload_len, 2048);
	memset(line + n, 'x', 2049 - 8);
	memcpy(line + n + 2049 - 8, "\"}", 3);
	assert_int_equal(line_parse(line, strlen(line), 2048, &it, why, sizeof why), LINE_INVALID);
	assert_non_null(strstr(why, "2049"));
}

static void test_not_nul_terminated(void **state)
{
	struct line_item it;
	char why[256];
	char buf[128];

	(void)state;
	memcpy(buf, TOK "ff", 66);
	/* Only the first 64 characters are the line. */
	assert_int_equal(line_parse(buf, 64, 2048, &it, why, sizeof why), LINE_OK);
	assert_int_equal(it.token.len, 32);
}

/* A bad line says where it goes wrong: text after a whole token is not a
 * payload; otherwise the first character that cannot be in a token. */
static void test_invalid_says_where(void **state)
{
	struct line_item it;
	char why[256];
	const char nul[] = TOK "\0";

	(void)state;
	assert_int_equal(parse(TOK " hello", &it, why), LINE_INVALID);
	assert_string_equal(why, "text after the token: a payload on the line must "
				 "be a JSON object, starting with '{'");
	assert_int_equal(parse(TOK " [1]", &it, why), LINE_INVALID);
	assert_string_equal(why, "text after the token: a payload on the line must "
				 "be a JSON object, starting with '{'");
	assert_int_equal(parse("  74g0", &it, why), LINE_INVALID);
	assert_string_equal(why, "not a hexadecimal digit in the token ('g' at column 3)");
	assert_int_equal(line_parse(nul, sizeof nul - 1, 2048, &it, why, sizeof why),
			 LINE_INVALID);
	assert_string_equal(why, "not a hexadecimal digit in the token "
				 "(byte 0x00 at column 65)");
	/* Not a whole token before the stray text: the digit is the fault. */
	assert_int_equal(parse("740f x", &it, why), LINE_INVALID);
	assert_string_equal(why, "not a hexadecimal digit in the token ('x' at column 6)");
	/* Reasons that are not about a character stay as they are. */
	assert_int_equal(parse("740f", &it, why), LINE_INVALID);
	assert_null(strstr(why, "column"));
}

/* A bad payload's reason quotes the line's bytes printably: a DEL, an
 * escape sequence never reach the terminal (found by tests/fuzz/fuzz_line). */
static void test_invalid_payload_reason_printable(void **state)
{
	static const char *const lines[] = {
		TOK " {\"aps\":\177\"alert\":\"Hi\"}}", /* the fuzzer's input */
		TOK " {\"aps\":\033[2J}",
		TOK " {\"a\":\"b\" \377}",
	};
	struct line_item it;
	char why[256];

	(void)state;
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		assert_int_equal(parse(lines[i], &it, why), LINE_INVALID);
		assert_non_null(strstr(why, "payload is not valid JSON"));
		for (const char *p = why; *p; p++)
			assert_true(*p >= 0x20 && *p < 0x7f);
	}
	assert_int_equal(parse(lines[0], &it, why), LINE_INVALID);
	assert_non_null(strstr(why, "\\x7f"));
}

/* A UTF-8 byte order mark before the first token is not part of it. */
static void test_byte_order_mark(void **state)
{
	struct line_item it;
	char why[256];

	(void)state;
	assert_int_equal(parse("\xef\xbb\xbf" TOK, &it, why), LINE_OK);
	assert_int_equal(it.token.bytes[0], 0x74);
	assert_int_equal(parse("\xef\xbb\xbf# comment", &it, why), LINE_SKIP);
	assert_int_equal(parse("\xef\xbb\xbf", &it, why), LINE_SKIP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invalid_says_where),
		cmocka_unit_test(test_byte_order_mark),
		cmocka_unit_test(test_invalid_payload_reason_printable),
		cmocka_unit_test(test_skip_blank_and_comments),
		cmocka_unit_test(test_token_only),
		cmocka_unit_test(test_token_and_payload),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_payload_limit),
		cmocka_unit_test(test_not_nul_terminated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
