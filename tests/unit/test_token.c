/* test_token.c: unit tests of token_parse, token_hex and hex_encode
 * (src/token.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "token.h"

/* The NSData example of token.h, 32 bytes. */
#define NSDATA_HEX "740f4707 bebcf74f 9b7c25d4 8e335894 " \
	"5f6aa01d a5ddb387 462c7eaf 61bb78ad"
static const uint8_t nsdata_bytes[32] = {
	0x74, 0x0f, 0x47, 0x07, 0xbe, 0xbc, 0xf7, 0x4f,
	0x9b, 0x7c, 0x25, 0xd4, 0x8e, 0x33, 0x58, 0x94,
	0x5f, 0x6a, 0xa0, 0x1d, 0xa5, 0xdd, 0xb3, 0x87,
	0x46, 0x2c, 0x7e, 0xaf, 0x61, 0xbb, 0x78, 0xad,
};

static uint8_t byte_at(size_t i)
{
	return (uint8_t)(i * 37 + 11);
}

/* Lowercase hex of n bytes byte_at(0..n), NUL-terminated, into buf. */
static const char *make_hex(char *buf, size_t n)
{
	static const char digit[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		buf[2 * i] = digit[byte_at(i) >> 4];
		buf[2 * i + 1] = digit[byte_at(i) & 15];
	}
	buf[2 * n] = '\0';
	return buf;
}

static void assert_token_bytes(const struct apn_token *tok, size_t n)
{
	assert_int_equal(tok->len, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(tok->bytes[i], byte_at(i));
}

static int parse_str(const char *s, struct apn_token *tok, const char **why)
{
	*why = NULL;
	return token_parse(s, strlen(s), tok, why);
}

static void assert_refused(const char *s)
{
	struct apn_token tok;
	const char *why;

	assert_int_equal(parse_str(s, &tok, &why), -1);
	assert_non_null(why);
	assert_true(why[0] != '\0');
}

static void test_32_bytes_ok(void **state)
{
	char hex[2 * 32 + 1];
	struct apn_token tok;
	const char *why;

	(void)state;
	assert_int_equal(parse_str(make_hex(hex, 32), &tok, &why), 0);
	assert_token_bytes(&tok, 32);
}

static void test_100_bytes_ok(void **state)
{
	char hex[2 * 100 + 1];
	struct apn_token tok;
	const char *why;

	(void)state;
	assert_int_equal(parse_str(make_hex(hex, 100), &tok, &why), 0);
	assert_token_bytes(&tok, 100);
}

static void test_31_bytes_refused(void **state)
{
	char hex[2 * 31 + 1];

	(void)state;
	assert_refused(make_hex(hex, 31));
}

static void test_101_bytes_refused(void **state)
{
	char hex[2 * 101 + 1];

	(void)state;
	assert_refused(make_hex(hex, 101));
}

static void test_odd_digit_count_refused(void **state)
{
	char hex[2 * 33 + 1];

	(void)state;
	make_hex(hex, 33);
	hex[65] = '\0'; /* 65 digits: 32 bytes and a half */
	assert_refused(hex);
}

static void test_non_hex_char_refused(void **state)
{
	char hex[2 * 32 + 1];

	(void)state;
	make_hex(hex, 32);
	hex[10] = 'g';
	assert_refused(hex);
	make_hex(hex, 32);
	hex[63] = 'x';
	assert_refused(hex);
	make_hex(hex, 32);
	hex[0] = ':';
	assert_refused(hex);
}

static void test_empty_refused(void **state)
{
	(void)state;
	assert_refused("");
	assert_refused("   \t ");
	assert_refused("<>");
}

static void test_upper_and_lower_case(void **state)
{
	const char *lower = "740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad";
	const char *upper = "740F4707BEBCF74F9B7C25D48E3358945F6AA01DA5DDB387462C7EAF61BB78AD";
	const char *mixed = "740f4707BEBCf74F9b7C25d48e3358945F6aA01da5DDb387462c7EAF61bb78Ad";
	struct apn_token tok;
	const char *why;

	(void)state;
	assert_int_equal(parse_str(lower, &tok, &why), 0);
	assert_int_equal(tok.len, 32);
	assert_memory_equal(tok.bytes, nsdata_bytes, 32);
	assert_int_equal(parse_str(upper, &tok, &why), 0);
	assert_int_equal(tok.len, 32);
	assert_memory_equal(tok.bytes, nsdata_bytes, 32);
	assert_int_equal(parse_str(mixed, &tok, &why), 0);
	assert_int_equal(tok.len, 32);
	assert_memory_equal(tok.bytes, nsdata_bytes, 32);
}

static void test_spaces_and_tabs_between_digits(void **state)
{
	/* Blanks inside a byte's pair of digits, between bytes, runs of
	 * them, and leading and trailing ones. */
	const char *s = " \t7 40f\t4707 bebc  f74f\t\t9b7c25d48e3358945f6a"
			"a 0 1 d a5ddb387462c7eaf61bb78a d \t";
	struct apn_token tok;
	const char *why;

	(void)state;
	assert_int_equal(parse_str(s, &tok, &why), 0);
	assert_int_equal(tok.len, 32);
	assert_memory_equal(tok.bytes, nsdata_bytes, 32);
}

static void test_nsdata_form(void **state)
{
	struct apn_token tok;
	const char *why;

	(void)state;
	assert_int_equal(parse_str("<" NSDATA_HEX ">", &tok, &why), 0);
	assert_int_equal(tok.len, 32);
	assert_memory_equal(tok.bytes, nsdata_bytes, 32);
}

static void test_nsdata_form_with_surrounding_blanks(void **state)
{
	struct apn_token tok;
	const char *why;

	(void)state;
	assert_int_equal(parse_str("  \t<" NSDATA_HEX ">\t  ", &tok, &why), 0);
	assert_int_equal(tok.len, 32);
	assert_memory_equal(tok.bytes, nsdata_bytes, 32);
	assert_int_equal(parse_str("< " NSDATA_HEX "\t>", &tok, &why), 0);
	assert_int_equal(tok.len, 32);
	assert_memory_equal(tok.bytes, nsdata_bytes, 32);
}

static void test_open_angle_without_close_refused(void **state)
{
	(void)state;
	assert_refused("<" NSDATA_HEX);
	assert_refused("<" NSDATA_HEX "  ");
	assert_refused("<");
}

static void test_close_angle_without_open_refused(void **state)
{
	(void)state;
	assert_refused(NSDATA_HEX ">");
	assert_refused("  " NSDATA_HEX ">");
	assert_refused(">");
}

static void test_not_nul_terminated(void **state)
{
	char hex[2 * 33 + 1];
	char exact[64]; /* 64 digits, no NUL anywhere */
	struct apn_token tok;
	const char *why = NULL;

	(void)state;
	/* 66 digits in the buffer, only the first 64 are the token. */
	make_hex(hex, 33);
	assert_int_equal(token_parse(hex, 64, &tok, &why), 0);
	assert_token_bytes(&tok, 32);

	/* Followed by a character that would be refused if read. */
	make_hex(hex, 32);
	hex[64] = 'z';
	assert_int_equal(token_parse(hex, 64, &tok, &why), 0);
	assert_token_bytes(&tok, 32);

	/* A buffer of exactly len bytes. */
	memcpy(exact, make_hex(hex, 32), sizeof exact);
	assert_int_equal(token_parse(exact, sizeof exact, &tok, &why), 0);
	assert_token_bytes(&tok, 32);
}

static void test_nsdata_not_nul_terminated(void **state)
{
	const char *s = "<" NSDATA_HEX ">garbage";
	struct apn_token tok;
	const char *why = NULL;

	(void)state;
	assert_int_equal(token_parse(s, strlen(s) - strlen("garbage"), &tok, &why), 0);
	assert_int_equal(tok.len, 32);
	assert_memory_equal(tok.bytes, nsdata_bytes, 32);
}

static void test_len_cuts_token_short(void **state)
{
	char hex[2 * 32 + 1];
	struct apn_token tok;
	const char *why = NULL;

	(void)state;
	/* Only 62 of the 64 digits are in the span: 31 bytes, refused. */
	make_hex(hex, 32);
	assert_int_equal(token_parse(hex, 62, &tok, &why), -1);
	assert_non_null(why);
}

static void test_hex_round_trip(void **state)
{
	char hex[TOKEN_HEX_MAX], again[TOKEN_HEX_MAX], src[2 * 100 + 1];
	struct apn_token tok, tok2;
	const char *why;

	(void)state;
	assert_int_equal(parse_str("< 740F4707 BEBCF74F 9B7C25D4 8E335894 "
				   "5F6AA01D A5DDB387 462C7EAF 61BB78AD >",
				   &tok, &why), 0);
	token_hex(&tok, hex);
	assert_string_equal(hex, "740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad");
	assert_int_equal(parse_str(hex, &tok2, &why), 0);
	assert_int_equal(tok2.len, tok.len);
	assert_memory_equal(tok2.bytes, tok.bytes, tok.len);

	/* The longest token fills the buffer exactly. */
	assert_int_equal(parse_str(make_hex(src, 100), &tok, &why), 0);
	memset(again, 'X', sizeof again);
	token_hex(&tok, again);
	assert_int_equal(strlen(again), 200);
	assert_string_equal(again, src);
}

/* Any length, none included, and every byte value. */
static void test_hex_encode_any_length(void **state)
{
	static uint8_t all[256];
	static char hex[2 * 256 + 2];

	(void)state;
	memset(hex, 'X', sizeof hex);
	hex_encode(all, 0, hex);
	assert_string_equal(hex, "");
	for (size_t i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	memset(hex, 'X', sizeof hex);
	hex_encode(all, 256, hex);
	assert_int_equal(strlen(hex), 512);
	assert_int_equal(hex[513], 'X');
	assert_memory_equal(hex, "000102", 6);
	assert_memory_equal(hex + 2 * 0x7f, "7f80", 4);
	assert_string_equal(hex + 2 * 0xfe, "feff");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_32_bytes_ok),
		cmocka_unit_test(test_100_bytes_ok),
		cmocka_unit_test(test_31_bytes_refused),
		cmocka_unit_test(test_101_bytes_refused),
		cmocka_unit_test(test_odd_digit_count_refused),
		cmocka_unit_test(test_non_hex_char_refused),
		cmocka_unit_test(test_empty_refused),
		cmocka_unit_test(test_upper_and_lower_case),
		cmocka_unit_test(test_spaces_and_tabs_between_digits),
		cmocka_unit_test(test_nsdata_form),
		cmocka_unit_test(test_nsdata_form_with_surrounding_blanks),
		cmocka_unit_test(test_open_angle_without_close_refused),
		cmocka_unit_test(test_close_angle_without_open_refused),
		cmocka_unit_test(test_not_nul_terminated),
		cmocka_unit_test(test_nsdata_not_nul_terminated),
		cmocka_unit_test(test_len_cuts_token_short),
		cmocka_unit_test(test_hex_round_trip),
		cmocka_unit_test(test_hex_encode_any_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
