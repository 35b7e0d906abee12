/* test_payload.c: unit tests of payload_validate, payload_build and
 * payload_fields_any (src/payload.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "payload.h"

struct vresult {
	int rc;
	size_t off, outlen;
	char why[512];
};

static void validate(const char *text, size_t len, size_t max, struct vresult *r)
{
	r->off = (size_t)-1;
	r->outlen = (size_t)-1;
	r->why[0] = '\0';
	r->rc = payload_validate(text, len, max, &r->off, &r->outlen, r->why,
				 sizeof r->why);
}

static void assert_valid(const char *s)
{
	struct vresult r;

	validate(s, strlen(s), PAYLOAD_MAX, &r);
	assert_int_equal(r.rc, 0);
}

static void assert_invalid_len(const char *s, size_t len)
{
	struct vresult r;

	validate(s, len, PAYLOAD_MAX, &r);
	assert_int_equal(r.rc, -1);
	assert_true(r.why[0] != '\0');
}

static void assert_invalid(const char *s)
{
	assert_invalid_len(s, strlen(s));
}

/* A JSON object {"k":"xxx..."} of exactly n bytes (n >= 8), malloc'd. */
static char *object_of_size(size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	assert_true(n >= 8);
	memcpy(s, "{\"k\":\"", 6);
	memset(s + 6, 'x', n - 8);
	memcpy(s + n - 2, "\"}", 3);
	assert_int_equal(strlen(s), n);
	return s;
}

/* --- payload_validate ----------------------------------------------------- */

static void test_validate_object_ok(void **state)
{
	const char *s = "{\"aps\":{\"alert\":\"Hi\"}}";
	struct vresult r;

	(void)state;
	validate(s, strlen(s), PAYLOAD_MAX, &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.off, 0);
	assert_int_equal(r.outlen, strlen(s));
	assert_valid("{}");
	assert_valid("{\"a\": [1, 2, {\"b\": null}], \"c\": \"\\u00e9\"}");
}

static void test_validate_trims_whitespace(void **state)
{
	const char *s = " \t\r\n {\"a\": 1}\n\r\t ";
	struct vresult r;

	(void)state;
	validate(s, strlen(s), PAYLOAD_MAX, &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.off, 5);
	assert_int_equal(r.outlen, strlen("{\"a\": 1}"));
	assert_memory_equal(s + r.off, "{\"a\": 1}", r.outlen);
}

static void test_validate_not_nul_terminated(void **state)
{
	const char *s = "{\"a\":1}  {garbage";
	struct vresult r;

	(void)state;
	validate(s, 9, PAYLOAD_MAX, &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.off, 0);
	assert_int_equal(r.outlen, 7);
}

static void test_validate_exactly_2048_ok(void **state)
{
	char *s = object_of_size(PAYLOAD_MAX);
	struct vresult r;

	(void)state;
	validate(s, PAYLOAD_MAX, PAYLOAD_MAX, &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.off, 0);
	assert_int_equal(r.outlen, PAYLOAD_MAX);
	free(s);
}

static void test_validate_2049_refused(void **state)
{
	char *s = object_of_size(PAYLOAD_MAX + 1);

	(void)state;
	assert_invalid_len(s, PAYLOAD_MAX + 1);
	free(s);
}

static void test_validate_limit_counts_trimmed_bytes(void **state)
{
	char *obj = object_of_size(PAYLOAD_MAX);
	char *s = malloc(PAYLOAD_MAX + 7);
	struct vresult r;

	(void)state;
	assert_non_null(s);
	memcpy(s, "   ", 3);
	memcpy(s + 3, obj, PAYLOAD_MAX);
	memcpy(s + 3 + PAYLOAD_MAX, " \n\t\n", 4);
	validate(s, PAYLOAD_MAX + 7, PAYLOAD_MAX, &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.off, 3);
	assert_int_equal(r.outlen, PAYLOAD_MAX);
	free(s);
	free(obj);
}

static void test_validate_max_parameter_used(void **state)
{
	struct vresult r;

	(void)state;
	validate("{\"a\":1}", 7, 7, &r);
	assert_int_equal(r.rc, 0);
	validate("{\"a\":1}", 7, 6, &r);
	assert_int_equal(r.rc, -1);
	assert_true(r.why[0] != '\0');
}

static void test_validate_array_refused(void **state)
{
	(void)state;
	assert_invalid("[1, 2, 3]");
	assert_invalid("[{\"aps\":{}}]");
}

static void test_validate_string_refused(void **state)
{
	(void)state;
	assert_invalid("\"hello\"");
}

static void test_validate_number_refused(void **state)
{
	(void)state;
	assert_invalid("42");
	assert_invalid("true");
	assert_invalid("null");
}

static void test_validate_invalid_json_names_line_and_column(void **state)
{
	const char *s = "{\n  \"aps\": {\n    \"alert\": \"Hi\",\n  }\n}";
	struct vresult r;

	(void)state;
	validate(s, strlen(s), PAYLOAD_MAX, &r);
	assert_int_equal(r.rc, -1);
	assert_non_null(strstr(r.why, "line"));
	assert_non_null(strstr(r.why, "column"));
	/* The error is on line 4. */
	assert_non_null(strstr(r.why, "4"));
}

/* jansson quotes the bytes it stopped at; they reach the terminal and
 * JSON lines only as \xNN (found by tests/fuzz/fuzz_payload). */
static void test_validate_error_quotes_bytes_printably(void **state)
{
	static const char esc[] = "{\"aps\":\033]0;owned\007}";
	static const char ctl[] = "[\005]";
	struct vresult r;

	(void)state;
	validate(esc, sizeof esc - 1, PAYLOAD_MAX, &r);
	assert_int_equal(r.rc, -1);
	for (const char *p = r.why; *p; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
	assert_non_null(strstr(r.why, "near '\\x1b'"));
	validate(ctl, sizeof ctl - 1, PAYLOAD_MAX, &r);
	assert_int_equal(r.rc, -1);
	for (const char *p = r.why; *p; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
	assert_non_null(strstr(r.why, "\\x05"));
}

static void test_validate_invalid_json_variants(void **state)
{
	(void)state;
	assert_invalid("{");
	assert_invalid("{\"a\":1,}");
	assert_invalid("{'a':1}");
	assert_invalid("{\"a\":1} {\"b\":2}");
	assert_invalid("{\"a\":1} x");
}

static void test_validate_invalid_utf8_refused(void **state)
{
	(void)state;
	assert_invalid("{\"a\":\"\xff\"}");
	assert_invalid("{\"a\":\"\xc3\"}");       /* truncated sequence */
	assert_invalid("{\"a\":\"\xc0\xaf\"}");   /* overlong '/' */
	assert_invalid("{\"a\":\"\xed\xa0\x80\"}"); /* UTF-16 surrogate */
	assert_invalid("{\"\xfe\":1}");
}

static void test_validate_valid_utf8_ok(void **state)
{
	(void)state;
	assert_valid("{\"a\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}");
}

static void test_validate_escaped_nul_refused(void **state)
{
	(void)state;
	assert_invalid("{\"a\":\"x\\u0000y\"}");
	assert_invalid("{\"\\u0000\":1}");
}

static void test_validate_raw_nul_refused(void **state)
{
	static const char s[] = "{\"a\":\"x\0y\"}";

	(void)state;
	assert_invalid_len(s, sizeof s - 1);
}

/* jansson loads {"a":1<NUL>}: a NUL after a number or a literal is
 * skipped.  A payload never holds one (found by tests/fuzz/fuzz_payload). */
static void test_validate_nul_after_number_refused(void **state)
{
	static const char num[] = "{\"a\":3\0}";
	static const char lit[] = " {\"a\":true\0 }\n";
	struct vresult r;

	(void)state;
	validate(num, sizeof num - 1, PAYLOAD_MAX, &r);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.why, "payload holds a NUL byte (byte 7)");
	validate(lit, sizeof lit - 1, PAYLOAD_MAX, &r);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.why, "payload holds a NUL byte (byte 10)");
}

static void test_validate_duplicate_keys_refused(void **state)
{
	(void)state;
	assert_invalid("{\"a\":1,\"a\":2}");
	assert_invalid("{\"aps\":{\"alert\":\"x\",\"alert\":\"y\"}}");
}

static void test_validate_empty_refused(void **state)
{
	(void)state;
	assert_invalid("");
	assert_invalid_len("{}", 0);
}

static void test_validate_whitespace_only_refused(void **state)
{
	(void)state;
	assert_invalid(" ");
	assert_invalid(" \t\r\n \n");
}

/* --- payload_build -------------------------------------------------------- */

struct bresult {
	int rc;
	char *out;
	size_t outlen;
	char why[512];
};

static void build(const struct payload_fields *f, size_t max, struct bresult *r)
{
	r->out = NULL;
	r->outlen = (size_t)-1;
	r->why[0] = '\0';
	r->rc = payload_build(f, max, &r->out, &r->outlen, r->why, sizeof r->why);
}

static void assert_built(const struct payload_fields *f, const char *want)
{
	struct bresult r;
	struct vresult v;

	build(f, PAYLOAD_MAX, &r);
	assert_int_equal(r.rc, 0);
	assert_non_null(r.out);
	assert_string_equal(r.out, want);
	assert_int_equal(r.outlen, strlen(want));
	/* What we build is what we accept. */
	validate(r.out, r.outlen, PAYLOAD_MAX, &v);
	assert_int_equal(v.rc, 0);
	free(r.out);
}

static void test_build_alert_only(void **state)
{
	struct payload_fields f = { .alert = "Hi" };

	(void)state;
	assert_built(&f, "{\"aps\":{\"alert\":\"Hi\"}}");
}

static void test_build_all_fields_in_order(void **state)
{
	struct payload_fields f = {
		.alert = "A",
		.sound = "default",
		.category = "C",
		.thread_id = "T",
		.has_badge = 1,
		.badge = 3,
		.content_available = 1,
		.mutable_content = 1,
	};

	(void)state;
	assert_built(&f, "{\"aps\":{\"alert\":\"A\",\"badge\":3,\"sound\":\"default\","
			 "\"category\":\"C\",\"thread-id\":\"T\","
			 "\"content-available\":1,\"mutable-content\":1}}");
}

static void test_build_badge_zero_emitted(void **state)
{
	struct payload_fields f = { .has_badge = 1, .badge = 0 };

	(void)state;
	assert_built(&f, "{\"aps\":{\"badge\":0}}");
}

static void test_build_escapes_strings(void **state)
{
	struct payload_fields f = { .alert = "say \"hi\"\\\n" };

	(void)state;
	assert_built(&f, "{\"aps\":{\"alert\":\"say \\\"hi\\\"\\\\\\n\"}}");
}

static void test_build_invalid_utf8_alert_refused(void **state)
{
	struct payload_fields f = { .alert = "bad \xff byte" };
	struct bresult r;

	(void)state;
	build(&f, PAYLOAD_MAX, &r);
	assert_int_equal(r.rc, -1);
	assert_true(r.why[0] != '\0');
}

static void test_build_invalid_utf8_sound_refused(void **state)
{
	struct payload_fields f = { .alert = "ok", .sound = "\xc3" };
	struct bresult r;

	(void)state;
	build(&f, PAYLOAD_MAX, &r);
	assert_int_equal(r.rc, -1);
	assert_true(r.why[0] != '\0');
}

static void test_build_too_large_refused(void **state)
{
	char alert[3001];
	struct payload_fields f = { .alert = alert };
	struct bresult r;

	(void)state;
	memset(alert, 'a', 3000);
	alert[3000] = '\0';
	build(&f, PAYLOAD_MAX, &r);
	assert_int_equal(r.rc, -1);
	assert_true(r.why[0] != '\0');
}

static void test_build_exactly_max_ok(void **state)
{
	/* {"aps":{"alert":""}} is 20 bytes. */
	char alert[PAYLOAD_MAX - 20 + 2];
	struct payload_fields f = { .alert = alert };
	struct bresult r;

	(void)state;
	memset(alert, 'a', PAYLOAD_MAX - 20);
	alert[PAYLOAD_MAX - 20] = '\0';
	build(&f, PAYLOAD_MAX, &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.outlen, PAYLOAD_MAX);
	free(r.out);

	memset(alert, 'a', PAYLOAD_MAX - 20 + 1);
	alert[PAYLOAD_MAX - 20 + 1] = '\0';
	build(&f, PAYLOAD_MAX, &r);
	assert_int_equal(r.rc, -1);
	assert_true(r.why[0] != '\0');
}

static void test_fields_any(void **state)
{
	struct payload_fields none = { 0 };
	struct payload_fields f;

	(void)state;
	assert_false(payload_fields_any(&none));
	f = none; f.alert = "x";
	assert_true(payload_fields_any(&f));
	f = none; f.sound = "x";
	assert_true(payload_fields_any(&f));
	f = none; f.category = "x";
	assert_true(payload_fields_any(&f));
	f = none; f.thread_id = "x";
	assert_true(payload_fields_any(&f));
	f = none; f.has_badge = 1; f.badge = 0;
	assert_true(payload_fields_any(&f));
	f = none; f.content_available = 1;
	assert_true(payload_fields_any(&f));
	f = none; f.mutable_content = 1;
	assert_true(payload_fields_any(&f));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate_object_ok),
		cmocka_unit_test(test_validate_trims_whitespace),
		cmocka_unit_test(test_validate_not_nul_terminated),
		cmocka_unit_test(test_validate_exactly_2048_ok),
		cmocka_unit_test(test_validate_2049_refused),
		cmocka_unit_test(test_validate_limit_counts_trimmed_bytes),
		cmocka_unit_test(test_validate_max_parameter_used),
		cmocka_unit_test(test_validate_array_refused),
		cmocka_unit_test(test_validate_string_refused),
		cmocka_unit_test(test_validate_number_refused),
		cmocka_unit_test(test_validate_invalid_json_names_line_and_column),
		cmocka_unit_test(test_validate_invalid_json_variants),
		cmocka_unit_test(test_validate_error_quotes_bytes_printably),
		cmocka_unit_test(test_validate_invalid_utf8_refused),
		cmocka_unit_test(test_validate_valid_utf8_ok),
		cmocka_unit_test(test_validate_escaped_nul_refused),
		cmocka_unit_test(test_validate_raw_nul_refused),
		cmocka_unit_test(test_validate_nul_after_number_refused),
		cmocka_unit_test(test_validate_duplicate_keys_refused),
		cmocka_unit_test(test_validate_empty_refused),
		cmocka_unit_test(test_validate_whitespace_only_refused),
		cmocka_unit_test(test_build_alert_only),
		cmocka_unit_test(test_build_all_fields_in_order),
		cmocka_unit_test(test_build_badge_zero_emitted),
		cmocka_unit_test(test_build_escapes_strings),
		cmocka_unit_test(test_build_invalid_utf8_alert_refused),
		cmocka_unit_test(test_build_invalid_utf8_sound_refused),
		cmocka_unit_test(test_build_too_large_refused),
		cmocka_unit_test(test_build_exactly_max_ok),
		cmocka_unit_test(test_fields_any),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
