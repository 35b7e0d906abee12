/* test_frame.c: unit tests of the binary protocol bytes (src/frame.h),
 * checked against PROTOCOL.md 1.2-1.4 and 1.8. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "frame.h"

#define HI_PAYLOAD "{\"aps\":{\"alert\":\"Hi\"}}"
#define HI_LEN 22

/* PROTOCOL.md 1.4 worked example, written out by hand from the doc. */
static const uint8_t worked_example[83] = {
	/* command 2, frame length 78 */
	0x02, 0x00, 0x00, 0x00, 0x4e,
	/* item 1, length 32, token 00..1f */
	0x01, 0x00, 0x20,
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	/* item 2, length 22, {"aps":{"alert":"Hi"}} */
	0x02, 0x00, 0x16,
	0x7b, 0x22, 0x61, 0x70, 0x73, 0x22, 0x3a, 0x7b, 0x22, 0x61, 0x6c,
	0x65, 0x72, 0x74, 0x22, 0x3a, 0x22, 0x48, 0x69, 0x22, 0x7d, 0x7d,
	/* item 3, length 4, identifier 1 */
	0x03, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01,
	/* item 4, length 4, expiry 0 */
	0x04, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00,
	/* item 5, length 1, priority 10 */
	0x05, 0x00, 0x01, 0x0a,
};

static struct apn_token tok32, tok100;

static int setup_tokens(void **state)
{
	(void)state;
	tok32.len = 32;
	for (size_t i = 0; i < 32; i++)
		tok32.bytes[i] = (uint8_t)i;
	tok100.len = 100;
	for (size_t i = 0; i < 100; i++)
		tok100.bytes[i] = (uint8_t)(0xff - i);
	return 0;
}

static struct notification hi_note(const struct apn_token *tok)
{
	struct notification n = {
		.id = 1,
		.expiry = 0,
		.priority = 10,
		.token = tok,
		.payload = (const uint8_t *)HI_PAYLOAD,
		.payload_len = HI_LEN,
	};
	return n;
}

/* Encode into a buffer poisoned with 0xAA and check frame_size agrees and
 * nothing past the result was touched. */
static size_t encode(enum frame_format fmt, const struct notification *n,
		     uint8_t *buf, size_t bufsize)
{
	size_t len;

	memset(buf, 0xAA, bufsize);
	len = frame_encode(fmt, n, buf, bufsize);
	assert_int_not_equal(len, 0);
	assert_int_equal(len, frame_size(fmt, n));
	for (size_t i = len; i < bufsize; i++)
		assert_int_equal(buf[i], 0xAA);
	return len;
}

/* --- command 2 ------------------------------------------------------------ */

static void test_frame_worked_example(void **state)
{
	struct notification n = hi_note(&tok32);
	uint8_t buf[FRAME_MAX_BYTES + 16];
	size_t len;

	(void)state;
	len = encode(FORMAT_FRAME, &n, buf, sizeof buf);
	assert_int_equal(len, sizeof worked_example);
	assert_memory_equal(buf, worked_example, sizeof worked_example);
}

static void test_frame_size_worked_example(void **state)
{
	struct notification n = hi_note(&tok32);

	(void)state;
	assert_int_equal(frame_size(FORMAT_FRAME, &n), 83);
	/* L + 61 with a 32-byte token (PROTOCOL.md 1.4). */
	assert_int_equal(frame_size(FORMAT_FRAME, &n), HI_LEN + 61);
}

static void test_frame_big_endian(void **state)
{
	struct notification n = hi_note(&tok32);
	uint8_t buf[FRAME_MAX_BYTES];
	static const uint8_t id_item[] = { 0x03, 0x00, 0x04, 0x01, 0x02, 0x03, 0x04 };
	static const uint8_t exp_item[] = { 0x04, 0x00, 0x04, 0xA0, 0xB0, 0xC0, 0xD0 };

	(void)state;
	n.id = 0x01020304;
	n.expiry = 0xA0B0C0D0;
	assert_int_equal(encode(FORMAT_FRAME, &n, buf, sizeof buf), 83);
	assert_memory_equal(buf, worked_example, 5 + 35 + 25);
	assert_memory_equal(buf + 65, id_item, sizeof id_item);
	assert_memory_equal(buf + 72, exp_item, sizeof exp_item);
	assert_memory_equal(buf + 79, worked_example + 79, 4);
}

static void test_frame_priority_5(void **state)
{
	struct notification n = hi_note(&tok32);
	uint8_t buf[FRAME_MAX_BYTES];
	static const uint8_t prio_item[] = { 0x05, 0x00, 0x01, 0x05 };

	(void)state;
	n.priority = 5;
	assert_int_equal(encode(FORMAT_FRAME, &n, buf, sizeof buf), 83);
	assert_memory_equal(buf, worked_example, 79);
	assert_memory_equal(buf + 79, prio_item, sizeof prio_item);
}

static void test_frame_100_byte_token(void **state)
{
	struct notification n = hi_note(&tok100);
	uint8_t buf[FRAME_MAX_BYTES];
	/* frame length = N + L + 24 = 100 + 22 + 24 = 146 = 0x92 */
	static const uint8_t head[] = { 0x02, 0x00, 0x00, 0x00, 0x92, 0x01, 0x00, 0x64 };
	static const uint8_t item2[] = { 0x02, 0x00, 0x16 };

	(void)state;
	assert_int_equal(encode(FORMAT_FRAME, &n, buf, sizeof buf), 151);
	assert_memory_equal(buf, head, sizeof head);
	assert_memory_equal(buf + 8, tok100.bytes, 100);
	assert_memory_equal(buf + 108, item2, sizeof item2);
	assert_memory_equal(buf + 111, HI_PAYLOAD, HI_LEN);
	assert_memory_equal(buf + 133, worked_example + 65, 18);
}

static void test_frame_max_size(void **state)
{
	static uint8_t payload[2048];
	struct notification n = hi_note(&tok100);
	uint8_t buf[FRAME_MAX_BYTES];

	(void)state;
	memset(payload, 'x', sizeof payload);
	n.payload = payload;
	n.payload_len = sizeof payload;
	assert_int_equal(frame_size(FORMAT_FRAME, &n), FRAME_MAX_BYTES);
	assert_int_equal(frame_encode(FORMAT_FRAME, &n, buf, sizeof buf), FRAME_MAX_BYTES);
}

/* --- command 1 ------------------------------------------------------------ */

static void test_enhanced_header(void **state)
{
	struct notification n = hi_note(&tok32);
	uint8_t buf[FRAME_MAX_BYTES];
	static const uint8_t head[] = {
		0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20
	};

	(void)state;
	assert_int_equal(encode(FORMAT_ENHANCED, &n, buf, sizeof buf), 11 + 32 + 2 + 22);
	assert_memory_equal(buf, head, sizeof head);
}

static void test_enhanced_full_bytes(void **state)
{
	struct notification n = hi_note(&tok32);
	uint8_t buf[FRAME_MAX_BYTES];
	static const uint8_t want[67] = {
		0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20,
		0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
		0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
		0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
		0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
		0x00, 0x16,
		0x7b, 0x22, 0x61, 0x70, 0x73, 0x22, 0x3a, 0x7b, 0x22, 0x61, 0x6c,
		0x65, 0x72, 0x74, 0x22, 0x3a, 0x22, 0x48, 0x69, 0x22, 0x7d, 0x7d,
	};

	(void)state;
	assert_int_equal(encode(FORMAT_ENHANCED, &n, buf, sizeof buf), sizeof want);
	assert_memory_equal(buf, want, sizeof want);
	/* 13 + N + L (PROTOCOL.md 1.3 layout). */
	assert_int_equal(frame_size(FORMAT_ENHANCED, &n), 13 + 32 + HI_LEN);
}

static void test_enhanced_big_endian(void **state)
{
	struct notification n = hi_note(&tok32);
	uint8_t buf[FRAME_MAX_BYTES];
	static const uint8_t head[] = {
		0x01, 0x01, 0x02, 0x03, 0x04, 0xA0, 0xB0, 0xC0, 0xD0, 0x00, 0x20
	};

	(void)state;
	n.id = 0x01020304;
	n.expiry = 0xA0B0C0D0;
	encode(FORMAT_ENHANCED, &n, buf, sizeof buf);
	assert_memory_equal(buf, head, sizeof head);
}

static void test_enhanced_100_byte_token(void **state)
{
	struct notification n = hi_note(&tok100);
	uint8_t buf[FRAME_MAX_BYTES];
	static const uint8_t len[] = { 0x00, 0x64 };
	static const uint8_t plen[] = { 0x00, 0x16 };

	(void)state;
	assert_int_equal(encode(FORMAT_ENHANCED, &n, buf, sizeof buf), 13 + 100 + HI_LEN);
	assert_memory_equal(buf + 9, len, 2);
	assert_memory_equal(buf + 11, tok100.bytes, 100);
	assert_memory_equal(buf + 111, plen, 2);
	assert_memory_equal(buf + 113, HI_PAYLOAD, HI_LEN);
}

/* --- command 0 ------------------------------------------------------------ */

static void test_simple_bytes(void **state)
{
	struct notification n = hi_note(&tok32);
	uint8_t buf[FRAME_MAX_BYTES];
	static const uint8_t want[59] = {
		0x00, 0x00, 0x20,
		0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
		0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
		0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
		0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
		0x00, 0x16,
		0x7b, 0x22, 0x61, 0x70, 0x73, 0x22, 0x3a, 0x7b, 0x22, 0x61, 0x6c,
		0x65, 0x72, 0x74, 0x22, 0x3a, 0x22, 0x48, 0x69, 0x22, 0x7d, 0x7d,
	};

	(void)state;
	assert_int_equal(encode(FORMAT_SIMPLE, &n, buf, sizeof buf), sizeof want);
	assert_memory_equal(buf, want, sizeof want);
	/* 5 + N + L (PROTOCOL.md 1.2 layout). */
	assert_int_equal(frame_size(FORMAT_SIMPLE, &n), 5 + 32 + HI_LEN);
}

static void test_simple_ignores_id_and_expiry(void **state)
{
	struct notification a = hi_note(&tok32), b = hi_note(&tok32);
	uint8_t ba[FRAME_MAX_BYTES], bb[FRAME_MAX_BYTES];
	size_t la, lb;

	(void)state;
	b.id = 0x01020304;
	b.expiry = 0xA0B0C0D0;
	b.priority = 5;
	la = encode(FORMAT_SIMPLE, &a, ba, sizeof ba);
	lb = encode(FORMAT_SIMPLE, &b, bb, sizeof bb);
	assert_int_equal(la, lb);
	assert_memory_equal(ba, bb, la);
}

static void test_simple_100_byte_token(void **state)
{
	struct notification n = hi_note(&tok100);
	uint8_t buf[FRAME_MAX_BYTES];
	static const uint8_t head[] = { 0x00, 0x00, 0x64 };

	(void)state;
	assert_int_equal(encode(FORMAT_SIMPLE, &n, buf, sizeof buf), 5 + 100 + HI_LEN);
	assert_memory_equal(buf, head, sizeof head);
	assert_memory_equal(buf + 3, tok100.bytes, 100);
}

/* --- capacity ------------------------------------------------------------- */

static void check_cap(enum frame_format fmt)
{
	struct notification n = hi_note(&tok32);
	uint8_t buf[FRAME_MAX_BYTES];
	size_t need = frame_size(fmt, &n);

	memset(buf, 0xAA, sizeof buf);
	assert_int_equal(frame_encode(fmt, &n, buf, need - 1), 0);
	/* Nothing written past cap. */
	for (size_t i = need - 1; i < sizeof buf; i++)
		assert_int_equal(buf[i], 0xAA);
	assert_int_equal(frame_encode(fmt, &n, buf, 0), 0);
	assert_int_equal(frame_encode(fmt, &n, buf, 1), 0);
	assert_int_equal(frame_encode(fmt, &n, buf, need), need);
}

static void test_cap_too_small_frame(void **state)
{
	(void)state;
	check_cap(FORMAT_FRAME);
}

static void test_cap_too_small_enhanced(void **state)
{
	(void)state;
	check_cap(FORMAT_ENHANCED);
}

static void test_cap_too_small_simple(void **state)
{
	(void)state;
	check_cap(FORMAT_SIMPLE);
}

static void test_payload_too_long_for_length_field(void **state)
{
	static uint8_t payload[65536], buf[65536 + 64];
	struct notification n = hi_note(&tok32);

	(void)state;
	memset(payload, 'x', sizeof payload);
	n.payload = payload;
	n.payload_len = 65535;
	assert_int_equal(frame_encode(FORMAT_SIMPLE, &n, buf, sizeof buf), 5 + 32 + 65535);
	assert_int_equal(buf[35], 0xff);
	assert_int_equal(buf[36], 0xff);
	n.payload_len = 65536; /* does not fit a u16 */
	assert_int_equal(frame_encode(FORMAT_SIMPLE, &n, buf, sizeof buf), 0);
	assert_int_equal(frame_encode(FORMAT_ENHANCED, &n, buf, sizeof buf), 0);
	assert_int_equal(frame_encode(FORMAT_FRAME, &n, buf, sizeof buf), 0);
}

/* --- error response ------------------------------------------------------- */

static void test_error_response_invalid_token_id_1(void **state)
{
	static const uint8_t pkt[6] = { 0x08, 0x08, 0x00, 0x00, 0x00, 0x01 };
	struct error_response er = { 0, 0 };

	(void)state;
	assert_int_equal(error_response_decode(pkt, &er), 0);
	assert_int_equal(er.status, 8);
	assert_int_equal(er.id, 1);
}

static void test_error_response_big_endian_id(void **state)
{
	static const uint8_t pkt[6] = { 0x08, 0x0a, 0xff, 0xff, 0xff, 0xfe };
	struct error_response er = { 0, 0 };

	(void)state;
	assert_int_equal(error_response_decode(pkt, &er), 0);
	assert_int_equal(er.status, 10);
	assert_int_equal(er.id, 0xfffffffeU);
}

static void test_error_response_high_status(void **state)
{
	static const uint8_t pkt[6] = { 0x08, 0xff, 0x01, 0x02, 0x03, 0x04 };
	struct error_response er = { 0, 0 };

	(void)state;
	assert_int_equal(error_response_decode(pkt, &er), 0);
	assert_int_equal(er.status, 255);
	assert_int_equal(er.id, 0x01020304U);
}

static void test_error_response_wrong_command_refused(void **state)
{
	static const uint8_t firsts[] = { 0x00, 0x01, 0x02, 0x07, 0x09, 0x80, 0xff };
	uint8_t pkt[6] = { 0x00, 0x08, 0x00, 0x00, 0x00, 0x01 };
	struct error_response er;

	(void)state;
	for (size_t i = 0; i < sizeof firsts; i++) {
		pkt[0] = firsts[i];
		assert_int_equal(error_response_decode(pkt, &er), -1);
	}
}

/* --- names ---------------------------------------------------------------- */

static void test_status_names_table(void **state)
{
	/* PROTOCOL.md 1.8, Apple's names. */
	static const struct { uint8_t code; const char *name; } table[] = {
		{ 0, "no errors encountered" },
		{ 1, "processing error" },
		{ 2, "missing device token" },
		{ 3, "missing topic" },
		{ 4, "missing payload" },
		{ 5, "invalid token size" },
		{ 6, "invalid topic size" },
		{ 7, "invalid payload size" },
		{ 8, "invalid token" },
		{ 10, "shutdown" },
		{ 128, "protocol error" },
		{ 255, "none (unknown)" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		const char *got = status_name(table[i].code);

		assert_non_null(got);
		if (strcasecmp(got, table[i].name) != 0)
			fail_msg("status_name(%u) = \"%s\", want \"%s\"",
				 table[i].code, got, table[i].name);
	}
}

static void test_status_name_invalid_token_exact(void **state)
{
	(void)state;
	/* The example spelling in frame.h. */
	assert_string_equal(status_name(8), "invalid token");
}

static void test_status_names_unknown(void **state)
{
	static const uint8_t unknown[] = { 9, 11, 200, 127, 129, 254 };

	(void)state;
	for (size_t i = 0; i < sizeof unknown; i++)
		assert_string_equal(status_name(unknown[i]), "unknown status");
}

static void test_format_names(void **state)
{
	(void)state;
	assert_string_equal(format_name(FORMAT_SIMPLE), "simple");
	assert_string_equal(format_name(FORMAT_ENHANCED), "enhanced");
	assert_string_equal(format_name(FORMAT_FRAME), "frame");
}

static void test_format_enum_values_are_commands(void **state)
{
	(void)state;
	assert_int_equal(FORMAT_SIMPLE, 0);
	assert_int_equal(FORMAT_ENHANCED, 1);
	assert_int_equal(FORMAT_FRAME, 2);
}

/* --- frame_view: reading back what was encoded (for --trace) ----------- */

static void test_view_worked_example(void **state)
{
	struct frame_view v;

	(void)state;
	assert_int_equal(frame_view(FORMAT_FRAME, worked_example,
				    sizeof worked_example, &v), 0);
	assert_int_equal(v.size, sizeof worked_example);
	assert_true(v.has_id);
	assert_int_equal(v.id, 1);
	assert_int_equal(v.token_len, 32);
	assert_ptr_equal(v.token, worked_example + 8);
	assert_int_equal(v.payload_len, HI_LEN);
}

/* Every format reads back what it encoded, also followed by more bytes. */
static void test_view_round_trip(void **state)
{
	static const enum frame_format fmts[] = { FORMAT_SIMPLE, FORMAT_ENHANCED,
						  FORMAT_FRAME };
	struct notification n = hi_note(&tok100);
	uint8_t buf[2 * FRAME_MAX_BYTES];
	struct frame_view v;

	(void)state;
	n.id = 0x01020304;
	for (size_t i = 0; i < 3; i++) {
		size_t len = encode(fmts[i], &n, buf, sizeof buf);

		assert_int_equal(frame_view(fmts[i], buf, sizeof buf, &v), 0);
		assert_int_equal(v.size, len);
		assert_int_equal(v.has_id, fmts[i] != FORMAT_SIMPLE);
		if (v.has_id)
			assert_int_equal(v.id, 0x01020304);
		assert_int_equal(v.token_len, 100);
		assert_memory_equal(v.token, tok100.bytes, 100);
		assert_int_equal(v.payload_len, HI_LEN);
	}
}

/* Every cut of a frame, a wrong command and a missing item are refused. */
static void test_view_refuses_bad_bytes(void **state)
{
	uint8_t buf[sizeof worked_example];
	struct frame_view v;

	(void)state;
	for (size_t cut = 0; cut < sizeof worked_example; cut++)
		assert_int_equal(frame_view(FORMAT_FRAME, worked_example, cut, &v), -1);
	assert_int_equal(frame_view(FORMAT_ENHANCED, worked_example,
				    sizeof worked_example, &v), -1);
	/* Item 1 renamed item 9: no token. */
	memcpy(buf, worked_example, sizeof buf);
	buf[5] = 9;
	assert_int_equal(frame_view(FORMAT_FRAME, buf, sizeof buf, &v), -1);
	/* An item longer than the frame. */
	memcpy(buf, worked_example, sizeof buf);
	buf[7] = 0xff;
	assert_int_equal(frame_view(FORMAT_FRAME, buf, sizeof buf, &v), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_worked_example),
		cmocka_unit_test(test_view_worked_example),
		cmocka_unit_test(test_view_round_trip),
		cmocka_unit_test(test_view_refuses_bad_bytes),
		cmocka_unit_test(test_frame_size_worked_example),
		cmocka_unit_test(test_frame_big_endian),
		cmocka_unit_test(test_frame_priority_5),
		cmocka_unit_test(test_frame_100_byte_token),
		cmocka_unit_test(test_frame_max_size),
		cmocka_unit_test(test_enhanced_header),
		cmocka_unit_test(test_enhanced_full_bytes),
		cmocka_unit_test(test_enhanced_big_endian),
		cmocka_unit_test(test_enhanced_100_byte_token),
		cmocka_unit_test(test_simple_bytes),
		cmocka_unit_test(test_simple_ignores_id_and_expiry),
		cmocka_unit_test(test_simple_100_byte_token),
		cmocka_unit_test(test_cap_too_small_frame),
		cmocka_unit_test(test_cap_too_small_enhanced),
		cmocka_unit_test(test_cap_too_small_simple),
		cmocka_unit_test(test_payload_too_long_for_length_field),
		cmocka_unit_test(test_error_response_invalid_token_id_1),
		cmocka_unit_test(test_error_response_big_endian_id),
		cmocka_unit_test(test_error_response_high_status),
		cmocka_unit_test(test_error_response_wrong_command_refused),
		cmocka_unit_test(test_status_names_table),
		cmocka_unit_test(test_status_name_invalid_token_exact),
		cmocka_unit_test(test_status_names_unknown),
		cmocka_unit_test(test_format_names),
		cmocka_unit_test(test_format_enum_values_are_commands),
	};

	return cmocka_run_group_tests(tests, setup_tokens, NULL);
}
