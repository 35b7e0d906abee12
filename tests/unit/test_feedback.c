/* test_feedback.c: unit tests of the feedback tuple decoder and the time
 * text (src/frame.h), against PROTOCOL.md 2: tuples whole, split at every
 * byte offset, truncated, with empty and 65535-byte tokens, and random
 * bytes in random chunks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "frame.h"

/* PROTOCOL.md 2: "4d 7c 6d 00 00 20 ..." is time 1300000000, 32 bytes. */
static const uint8_t one_tuple[38] = {
	0x4d, 0x7c, 0x6d, 0x00, 0x00, 0x20,
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

/* What the decoder gave back, copied out of its short-lived pointers. */
struct got {
	enum feedback_step step;
	uint32_t time;
	size_t token_len;
	uint8_t first, last; /* the token's first and last bytes (0 if none) */
};

#define GOT_MAX 64

struct run {
	struct feedback_decoder d;
	struct got got[GOT_MAX];
	size_t n;
};

static struct run *run_new(void)
{
	struct run *r = calloc(1, sizeof *r);

	assert_non_null(r);
	feedback_init(&r->d);
	return r;
}

/* Feed one chunk; collect every tuple it completes. */
static void feed(struct run *r, const uint8_t *chunk, size_t len)
{
	struct feedback_tuple t;
	enum feedback_step s;

	while ((s = feedback_next(&r->d, &chunk, &len, &t)) != FEEDBACK_NEED_MORE) {
		struct got *g = &r->got[r->n++];

		assert_true(r->n <= GOT_MAX);
		/* raw is the whole tuple, token inside it */
		assert_ptr_equal(t.token, t.raw + FEEDBACK_HEADER_BYTES);
		assert_int_equal(t.raw[4] << 8 | t.raw[5], t.token_len);
		g->step = s;
		g->time = t.time;
		g->token_len = t.token_len;
		g->first = t.token_len ? t.token[0] : 0;
		g->last = t.token_len ? t.token[t.token_len - 1] : 0;
	}
	assert_int_equal(len, 0);
}

static size_t partial(const struct run *r)
{
	const uint8_t *b;

	return feedback_partial(&r->d, &b);
}

/* Append a tuple: time, len bytes of token (byte i = seed + i). */
static size_t put_tuple(uint8_t *p, uint32_t time, size_t len, uint8_t seed)
{
	p[0] = (uint8_t)(time >> 24);
	p[1] = (uint8_t)(time >> 16);
	p[2] = (uint8_t)(time >> 8);
	p[3] = (uint8_t)time;
	p[4] = (uint8_t)(len >> 8);
	p[5] = (uint8_t)len;
	for (size_t i = 0; i < len; i++)
		p[6 + i] = (uint8_t)(seed + i);
	return 6 + len;
}

/* Three tuples of other lengths (32, 20, 100 bytes), 170 bytes. */
static size_t three_tuples(uint8_t *buf)
{
	size_t n = 0;

	n += put_tuple(buf + n, 1300000000, 32, 0x00);
	n += put_tuple(buf + n, 1617148800, 20, 0x40);
	n += put_tuple(buf + n, 4294967295u, 100, 0x80);
	return n;
}

static void expect_three(const struct run *r)
{
	assert_int_equal(r->n, 3);
	assert_int_equal(r->got[0].step, FEEDBACK_TUPLE);
	assert_int_equal(r->got[0].time, 1300000000);
	assert_int_equal(r->got[0].token_len, 32);
	assert_int_equal(r->got[0].first, 0x00);
	assert_int_equal(r->got[0].last, 0x1f);
	assert_int_equal(r->got[1].time, 1617148800);
	assert_int_equal(r->got[1].token_len, 20);
	assert_int_equal(r->got[1].first, 0x40);
	assert_int_equal(r->got[1].last, 0x53);
	assert_int_equal(r->got[2].time, 4294967295u);
	assert_int_equal(r->got[2].token_len, 100);
	assert_int_equal(r->got[2].first, 0x80);
	assert_int_equal(r->got[2].last, (uint8_t)(0x80 + 99));
	assert_int_equal(partial(r), 0);
}

static void test_protocol_example(void **state)
{
	struct run *r = run_new();
	const uint8_t *p = one_tuple;
	size_t len = sizeof one_tuple;
	struct feedback_tuple t;

	(void)state;
	assert_int_equal(feedback_next(&r->d, &p, &len, &t), FEEDBACK_TUPLE);
	assert_int_equal(t.time, 1300000000);
	assert_int_equal(t.token_len, 32);
	/* A whole tuple is used where it lies, not copied. */
	assert_ptr_equal(t.raw, one_tuple);
	assert_memory_equal(t.token, one_tuple + 6, 32);
	assert_ptr_equal(p, one_tuple + 38);
	assert_int_equal(len, 0);
	assert_int_equal(feedback_next(&r->d, &p, &len, &t), FEEDBACK_NEED_MORE);
	assert_int_equal(partial(r), 0);
	free(r);
}

static void test_several_in_one_chunk(void **state)
{
	uint8_t buf[256];
	size_t n = three_tuples(buf);
	struct run *r = run_new();

	(void)state;
	assert_int_equal(n, 170);
	feed(r, buf, n);
	expect_three(r);
	free(r);
}

/* Two chunks, split at every offset (0 and the end included). */
static void test_split_at_every_offset(void **state)
{
	uint8_t buf[256];
	size_t n = three_tuples(buf);

	(void)state;
	for (size_t k = 0; k <= n; k++) {
		struct run *r = run_new();

		feed(r, buf, k);
		feed(r, buf + k, n - k);
		expect_three(r);
		free(r);
	}
}

/* Three chunks, at every pair of offsets. */
static void test_split_at_every_pair_of_offsets(void **state)
{
	uint8_t buf[256];
	size_t n = three_tuples(buf);
	struct run *r = run_new();

	(void)state;
	for (size_t a = 0; a <= n; a++) {
		for (size_t b = a; b <= n; b++) {
			memset(r, 0, sizeof *r);
			feedback_init(&r->d);
			feed(r, buf, a);
			feed(r, buf + a, b - a);
			feed(r, buf + b, n - b);
			expect_three(r);
		}
	}
	free(r);
}

static void test_one_byte_at_a_time(void **state)
{
	uint8_t buf[256];
	size_t n = three_tuples(buf);
	struct run *r = run_new();

	(void)state;
	for (size_t i = 0; i < n; i++) {
		size_t before = r->n;

		feed(r, buf + i, 1);
		/* A tuple is out as soon as its last byte is in. */
		assert_int_equal(r->n, before + (i + 1 == 38 || i + 1 == 64 || i + 1 == 170));
	}
	expect_three(r);
	free(r);
}

/* The stream ends inside a tuple: the complete ones are out, and the
 * partial one's bytes are kept, exactly. */
static void test_truncated(void **state)
{
	uint8_t buf[256];

	(void)state;
	three_tuples(buf);
	for (size_t cut = 1; cut < 106; cut++) { /* inside the third tuple */
		struct run *r = run_new();
		const uint8_t *b;

		feed(r, buf, 64);
		feed(r, buf + 64, cut);
		assert_int_equal(r->n, 2);
		assert_int_equal(feedback_partial(&r->d, &b), cut);
		assert_memory_equal(b, buf + 64, cut);
		free(r);
	}
	/* Inside the header of the first: nothing out, 3 bytes kept. */
	{
		struct run *r = run_new();

		feed(r, buf, 3);
		assert_int_equal(r->n, 0);
		assert_int_equal(partial(r), 3);
		free(r);
	}
}

/* A tuple with no token is reported, and the tuples after it still come. */
static void test_zero_length_token(void **state)
{
	uint8_t buf[64];
	size_t n = 0;

	(void)state;
	n += put_tuple(buf + n, 7, 0, 0);
	n += put_tuple(buf + n, 8, 32, 0x10);
	n += put_tuple(buf + n, 9, 0, 0);
	for (size_t step = 1; step <= n; step++) {
		struct run *r = run_new();

		for (size_t i = 0; i < n; i += step)
			feed(r, buf + i, n - i < step ? n - i : step);
		assert_int_equal(r->n, 3);
		assert_int_equal(r->got[0].step, FEEDBACK_EMPTY_TOKEN);
		assert_int_equal(r->got[0].time, 7);
		assert_int_equal(r->got[0].token_len, 0);
		assert_int_equal(r->got[1].step, FEEDBACK_TUPLE);
		assert_int_equal(r->got[1].time, 8);
		assert_int_equal(r->got[1].token_len, 32);
		assert_int_equal(r->got[2].step, FEEDBACK_EMPTY_TOKEN);
		assert_int_equal(r->got[2].time, 9);
		assert_int_equal(partial(r), 0);
		free(r);
	}
}

/* The longest token the length field can announce: whole, in chunks, and
 * one byte at a time, and cut one byte short. */
static void test_maximum_length(void **state)
{
	static uint8_t buf[2 * FEEDBACK_TUPLE_MAX];
	size_t n = 0;
	const size_t steps[] = { 2 * FEEDBACK_TUPLE_MAX, 16384, 1000, 7, 1 };

	(void)state;
	n += put_tuple(buf + n, 1, FEEDBACK_TOKEN_MAX, 0x01);
	n += put_tuple(buf + n, 2, FEEDBACK_TOKEN_MAX, 0x02);
	assert_int_equal(n, sizeof buf);
	for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
		struct run *r = run_new();

		for (size_t i = 0; i < n; i += steps[s])
			feed(r, buf + i, n - i < steps[s] ? n - i : steps[s]);
		assert_int_equal(r->n, 2);
		assert_int_equal(r->got[0].token_len, 65535);
		assert_int_equal(r->got[0].time, 1);
		assert_int_equal(r->got[0].first, 0x01);
		assert_int_equal(r->got[0].last, (uint8_t)(0x01 + 65534));
		assert_int_equal(r->got[1].token_len, 65535);
		assert_int_equal(r->got[1].time, 2);
		assert_int_equal(partial(r), 0);
		free(r);
	}
	{
		struct run *r = run_new();

		feed(r, buf, FEEDBACK_TUPLE_MAX - 1);
		assert_int_equal(r->n, 0);
		assert_int_equal(partial(r), FEEDBACK_TUPLE_MAX - 1);
		free(r);
	}
}

/* Random bytes in random chunks: never more than the buffer, every byte
 * accounted for (tuples plus the partial one), and the same tuples as
 * from one chunk. */
static void test_random_bytes_random_chunks(void **state)
{
	static uint8_t buf[200000];
	uint32_t x = 12345;
	size_t total = 0;

	(void)state;
	for (int round = 0; round < 200; round++) {
		struct feedback_decoder *whole = malloc(sizeof *whole);
		struct feedback_decoder *parts = malloc(sizeof *parts);
		size_t n, i = 0, used_whole = 0, used_parts = 0, count = 0;
		const uint8_t *p = buf, *b;
		struct feedback_tuple t, u;
		uint32_t times[4096];
		size_t lens[4096], k = 0;

		assert_non_null(whole);
		assert_non_null(parts);
		x = x * 1103515245 + 12345;
		n = x % sizeof buf;
		for (size_t j = 0; j < n; j++) {
			x = x * 1103515245 + 12345;
			/* Three bytes in four 0, and in odd rounds every byte
			 * below 4, so many lengths are short and many tuples
			 * complete. */
			buf[j] = (x & 0x300) ? 0 : (uint8_t)(x >> 16);
			if (round % 2)
				buf[j] &= 3;
		}
		feedback_init(whole);
		feedback_init(parts);
		{
			size_t len = n;

			while (feedback_next(whole, &p, &len, &t) != FEEDBACK_NEED_MORE) {
				used_whole += FEEDBACK_HEADER_BYTES + t.token_len;
				if (count < 4096) {
					times[count] = t.time;
					lens[count] = t.token_len;
				}
				count++;
			}
		}
		assert_int_equal(used_whole + feedback_partial(whole, &b), n);
		while (i < n) {
			size_t c, len;
			const uint8_t *q = buf + i;

			x = x * 1103515245 + 12345;
			c = 1 + (x >> 8) % 300;
			if (c > n - i)
				c = n - i;
			len = c;
			while (feedback_next(parts, &q, &len, &u) != FEEDBACK_NEED_MORE) {
				used_parts += FEEDBACK_HEADER_BYTES + u.token_len;
				if (k < 4096 && k < count) {
					assert_int_equal(u.time, times[k]);
					assert_int_equal(u.token_len, lens[k]);
				}
				k++;
			}
			assert_int_equal(len, 0);
			i += c;
		}
		assert_int_equal(k, count);
		total += count;
		assert_int_equal(used_parts, used_whole);
		assert_int_equal(feedback_partial(parts, &b), feedback_partial(whole, &b));
		free(whole);
		free(parts);
	}
	assert_true(total > 10000); /* the rounds did test tuples */
}

static void expect_time(uint32_t t, const char *want)
{
	char out[FEEDBACK_TIME_TEXT];

	memset(out, 'X', sizeof out);
	feedback_time_text(t, out);
	assert_string_equal(out, want);
}

static void test_time_text(void **state)
{
	(void)state;
	expect_time(0, "1970-01-01T00:00:00Z");
	expect_time(1300000000, "2011-03-13T07:06:40Z");
	expect_time(951782400, "2000-02-29T00:00:00Z");
	expect_time(951868799, "2000-02-29T23:59:59Z");
	expect_time(1617148800, "2021-03-31T00:00:00Z");
	expect_time(2147483647, "2038-01-19T03:14:07Z");
	expect_time(2147483648u, "2038-01-19T03:14:08Z");
	expect_time(4102444800u, "2100-01-01T00:00:00Z"); /* 2100: no leap year */
	expect_time(4107542400u, "2100-03-01T00:00:00Z");
	expect_time(4294967295u, "2106-02-07T06:28:15Z");
}

/* Against the C library, where its time_t reaches. */
static void test_time_text_agrees_with_gmtime(void **state)
{
	(void)state;
	for (uint64_t t = 0; t <= UINT32_MAX; t += 86399 * 7 + 12345) {
		time_t tt = (time_t)t;
		struct tm tm;
		char want[32], got[FEEDBACK_TIME_TEXT];

		if ((uint64_t)tt != t || gmtime_r(&tt, &tm) == NULL)
			continue;
		strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", &tm);
		feedback_time_text((uint32_t)t, got);
		assert_string_equal(got, want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_protocol_example),
		cmocka_unit_test(test_several_in_one_chunk),
		cmocka_unit_test(test_split_at_every_offset),
		cmocka_unit_test(test_split_at_every_pair_of_offsets),
		cmocka_unit_test(test_one_byte_at_a_time),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_zero_length_token),
		cmocka_unit_test(test_maximum_length),
		cmocka_unit_test(test_random_bytes_random_chunks),
		cmocka_unit_test(test_time_text),
		cmocka_unit_test(test_time_text_agrees_with_gmtime),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
