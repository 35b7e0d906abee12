/* test_window.c: unit tests of the seq/identifier arithmetic and the
 * attempt counting of src/window.h. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "error.h"
#include "window.h"

/* Identifiers cycle through 1 .. 2^32-1. */
#define ID_SPAN 4294967295ULL

/* --- window_id --------------------------------------------------------- */

static void test_id_from_one(void **state)
{
	struct window win;

	(void)state;
	window_init(&win, 1);
	assert_int_equal(window_id(&win, 0), 1);
	assert_int_equal(window_id(&win, 1), 2);
	assert_int_equal(window_id(&win, 41), 42);
	assert_int_equal(window_id(&win, ID_SPAN - 2), 4294967294U);
	assert_int_equal(window_id(&win, ID_SPAN - 1), 4294967295U);
	/* After 4294967295 comes 1, not 0. */
	assert_int_equal(window_id(&win, ID_SPAN), 1);
	assert_int_equal(window_id(&win, ID_SPAN + 1), 2);
	assert_int_equal(window_id(&win, 2 * ID_SPAN), 1);
	window_free(&win);
}

static void test_id_from_max(void **state)
{
	struct window win;

	(void)state;
	window_init(&win, 4294967295U);
	assert_int_equal(window_id(&win, 0), 4294967295U);
	assert_int_equal(window_id(&win, 1), 1);
	assert_int_equal(window_id(&win, 2), 2);
	assert_int_equal(window_id(&win, ID_SPAN), 4294967295U);
	assert_int_equal(window_id(&win, ID_SPAN + 1), 1);
	window_free(&win);
}

static void test_id_never_zero(void **state)
{
	static const uint32_t firsts[] = { 1, 2, 1000, 4294967280U,
					   4294967294U, 4294967295U };
	static const uint64_t bases[] = { 0, ID_SPAN - 40, 2 * ID_SPAN - 40,
					  (1ULL << 32) - 40, 1ULL << 40 };

	(void)state;
	for (size_t f = 0; f < sizeof firsts / sizeof firsts[0]; f++) {
		struct window win;

		window_init(&win, firsts[f]);
		for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++) {
			uint64_t seq = bases[b];
			uint32_t prev = window_id(&win, seq);

			assert_int_not_equal(prev, 0);
			for (seq++; seq < bases[b] + 100; seq++) {
				uint32_t id = window_id(&win, seq);

				if (id == 0)
					fail_msg("first_id %lu seq %llu: id 0",
						 (unsigned long)firsts[f],
						 (unsigned long long)seq);
				/* One more per seq, 4294967295 then 1. */
				if (id != (prev == 4294967295U ? 1 : prev + 1))
					fail_msg("first_id %lu seq %llu: id %lu after %lu",
						 (unsigned long)firsts[f],
						 (unsigned long long)seq,
						 (unsigned long)id,
						 (unsigned long)prev);
				prev = id;
			}
		}
		window_free(&win);
	}
}

/* --- window_find ------------------------------------------------------- */

static struct window make_window(uint32_t first_id, uint64_t lo, uint64_t w)
{
	struct window win;

	window_init(&win, first_id);
	win.lo = lo;
	win.w = w;
	win.next = w + 5;
	return win;
}

static void expect_found(const struct window *win, uint32_t id, uint64_t want)
{
	uint64_t seq = UINT64_MAX;

	if (window_find(win, id, &seq) != 0)
		fail_msg("id %lu: not found, want seq %llu", (unsigned long)id,
			 (unsigned long long)want);
	if (seq != want)
		fail_msg("id %lu: seq %llu, want %llu", (unsigned long)id,
			 (unsigned long long)seq, (unsigned long long)want);
}

static void expect_not_found(const struct window *win, uint32_t id)
{
	uint64_t seq = 12345;

	if (window_find(win, id, &seq) != -1)
		fail_msg("id %lu: found seq %llu, want none", (unsigned long)id,
			 (unsigned long long)seq);
}

static void test_find_inside(void **state)
{
	struct window win = make_window(1, 10, 20);

	(void)state;
	for (uint64_t s = 10; s < 20; s++)
		expect_found(&win, (uint32_t)(s + 1), s);
	window_free(&win);
}

static void test_find_outside(void **state)
{
	struct window win = make_window(1, 10, 20);

	(void)state;
	expect_not_found(&win, 0);
	expect_not_found(&win, 1);  /* seq 0 */
	expect_not_found(&win, 10); /* seq 9 */
	expect_not_found(&win, 21); /* seq 20 */
	expect_not_found(&win, 26); /* seq 25, never read */
	expect_not_found(&win, 4294967295U);
	window_free(&win);
}

static void test_find_first_id(void **state)
{
	struct window win = make_window(1000, 0, 3);

	(void)state;
	expect_found(&win, 1000, 0);
	expect_found(&win, 1002, 2);
	expect_not_found(&win, 999);
	expect_not_found(&win, 1003);
	expect_not_found(&win, 1);
	window_free(&win);
}

static void test_find_empty(void **state)
{
	struct window win = make_window(1, 10, 10);

	(void)state;
	expect_not_found(&win, 10);
	expect_not_found(&win, 11);
	expect_not_found(&win, 12);
	expect_not_found(&win, 0);
	window_free(&win);
}

/* first_id 4294967290: seq 5 is 4294967295, seq 6 is 1; [3, 12) spans. */
static void test_find_across_wrap(void **state)
{
	struct window win = make_window(4294967290U, 3, 12);

	(void)state;
	expect_found(&win, 4294967293U, 3);
	expect_found(&win, 4294967295U, 5);
	expect_found(&win, 1, 6);
	expect_found(&win, 6, 11);
	expect_not_found(&win, 0);
	expect_not_found(&win, 4294967292U); /* seq 2 */
	expect_not_found(&win, 7);           /* seq 12 */
	window_free(&win);
}

/* A window far past the first wrap, spanning the second. */
static void test_find_far_across_wrap(void **state)
{
	struct window win = make_window(1, 2 * ID_SPAN - 3, 2 * ID_SPAN + 3);

	(void)state;
	for (uint64_t s = win.lo; s < win.w; s++)
		expect_found(&win, window_id(&win, s), s);
	expect_found(&win, 4294967295U, 2 * ID_SPAN - 1);
	expect_found(&win, 1, 2 * ID_SPAN);
	expect_not_found(&win, window_id(&win, win.lo - 1));
	expect_not_found(&win, window_id(&win, win.w));
	expect_not_found(&win, 0);
	window_free(&win);
}

/* --- window_conn_end, window_resolve, window_attempts ------------------ */

static void conn_end(struct window *win)
{
	struct apn_error err;

	memset(&err, 0, sizeof err);
	if (window_conn_end(win, &err) != 0)
		fail_msg("window_conn_end: %s", err.msg);
}

static void test_attempts_sequence(void **state)
{
	struct window win;

	(void)state;
	window_init(&win, 1);
	assert_int_equal(win.lo, 0);
	assert_int_equal(win.w, 0);
	assert_int_equal(win.nends, 0);

	win.next = 10;
	win.w = 10; /* the first connection wrote [0, 10) */
	assert_int_equal(window_attempts(&win, 5, 1), 1);
	assert_int_equal(window_attempts(&win, 5, 0), 0);
	assert_int_equal(window_attempts(&win, 9, 1), 1);

	conn_end(&win);
	assert_int_equal(win.w, win.lo);
	assert_int_equal(win.nends, 1);
	assert_int_equal(window_attempts(&win, 5, 0), 1);
	assert_int_equal(window_attempts(&win, 5, 1), 1); /* 5 >= w now */

	win.w = 6; /* the second wrote [0, 6) */
	assert_int_equal(window_attempts(&win, 5, 1), 2);
	assert_int_equal(window_attempts(&win, 6, 1), 1);
	conn_end(&win);
	assert_int_equal(win.w, 0);
	assert_int_equal(window_attempts(&win, 0, 0), 2);
	assert_int_equal(window_attempts(&win, 5, 0), 2);
	assert_int_equal(window_attempts(&win, 6, 0), 1);
	assert_int_equal(window_attempts(&win, 7, 0), 1);
	assert_int_equal(window_attempts(&win, 9, 0), 1);
	assert_int_equal(window_attempts(&win, 10, 0), 0);

	window_resolve(&win, 6);
	assert_int_equal(win.lo, 6);
	assert_int_equal(win.w, 6); /* w was below */
	assert_int_equal(win.nends, 1);
	assert_int_equal(window_attempts(&win, 7, 0), 1);

	/* A lower value than lo changes nothing. */
	window_resolve(&win, 3);
	assert_int_equal(win.lo, 6);

	window_resolve(&win, 10);
	assert_int_equal(win.lo, 10);
	assert_int_equal(win.w, 10);
	assert_int_equal(win.nends, 0);
	assert_int_equal(window_attempts(&win, 10, 0), 0);
	window_free(&win);
	assert_null(win.ends);
	assert_int_equal(win.nends, 0);
}

/* A connection that wrote nothing is no attempt and is not kept. */
static void test_conn_end_nothing_written(void **state)
{
	struct window win;

	(void)state;
	window_init(&win, 1);
	win.lo = win.w = 4;
	win.next = 8;
	conn_end(&win);
	assert_int_equal(win.nends, 0);
	assert_int_equal(win.w, 4);
	assert_int_equal(window_attempts(&win, 4, 0), 0);
	window_free(&win);
}

/* resolve leaves w alone when it is already past `below`. */
static void test_resolve_keeps_w_above(void **state)
{
	struct window win;

	(void)state;
	window_init(&win, 1);
	win.next = 20;
	win.w = 8;
	conn_end(&win);
	win.w = 15;
	window_resolve(&win, 5);
	assert_int_equal(win.lo, 5);
	assert_int_equal(win.w, 15);
	assert_int_equal(window_attempts(&win, 7, 1), 2);
	assert_int_equal(window_attempts(&win, 8, 1), 1);
	window_resolve(&win, 8);
	assert_int_equal(win.nends, 0);
	assert_int_equal(window_attempts(&win, 8, 1), 1);
	window_free(&win);
}

/* A small deterministic generator, so a failure repeats. */
static uint32_t rng_state = 12345;

static uint32_t rnd(uint32_t n)
{
	rng_state = rng_state * 1103515245U + 12345U;
	return (rng_state >> 8) % n;
}

#define MAX_ENDS 5000

/* Every connection end ever recorded, and the brute-force count. */
struct model {
	uint64_t ends[MAX_ENDS];
	size_t n;
};

static unsigned model_attempts(const struct model *m, const struct window *win,
			       uint64_t seq, int current)
{
	unsigned a = 0;

	for (size_t i = 0; i < m->n; i++)
		if (m->ends[i] > seq)
			a++;
	return a + (current && seq < win->w ? 1 : 0);
}

static size_t model_kept(const struct model *m, uint64_t lo)
{
	size_t k = 0;

	for (size_t i = 0; i < m->n; i++)
		if (m->ends[i] > lo)
			k++;
	return k;
}

static void model_end(struct model *m, struct window *win)
{
	assert_true(m->n < MAX_ENDS);
	m->ends[m->n++] = win->w;
	conn_end(win);
	assert_int_equal(win->w, win->lo);
}

static void check_all(const struct model *m, const struct window *win,
		      uint64_t hi)
{
	if (win->nends != model_kept(m, win->lo))
		fail_msg("lo %llu: nends %zu, want %zu",
			 (unsigned long long)win->lo, win->nends,
			 model_kept(m, win->lo));
	for (uint64_t s = win->lo; s <= hi; s++) {
		for (int cur = 0; cur <= 1; cur++) {
			unsigned got = window_attempts(win, s, cur);
			unsigned want = model_attempts(m, win, s, cur);

			if (got != want)
				fail_msg("lo %llu w %llu seq %llu current %d: attempts %u, want %u",
					 (unsigned long long)win->lo,
					 (unsigned long long)win->w,
					 (unsigned long long)s, cur, got,
					 want);
		}
	}
}

/* 1000 connection ends with varied w, then resolving one seq at a time. */
static void test_attempts_many_ends(void **state)
{
	static struct model m;
	struct window win;

	(void)state;
	memset(&m, 0, sizeof m);
	rng_state = 12345;
	window_init(&win, 1);
	win.next = 300;
	for (int i = 0; i < 1000; i++) {
		win.w = rnd(300);
		model_end(&m, &win);
	}
	check_all(&m, &win, 300);
	for (uint64_t below = 1; below <= 300; below++) {
		window_resolve(&win, below);
		assert_int_equal(win.lo, below);
		check_all(&m, &win, 300);
	}
	assert_int_equal(win.nends, 0);
	window_free(&win);
}

/* Ends and resolves interleaved, with a current connection written part
 * way, as the sending loop does. */
static void test_attempts_interleaved(void **state)
{
	static struct model m;
	struct window win;
	uint64_t next = 0;

	(void)state;
	memset(&m, 0, sizeof m);
	rng_state = 777;
	window_init(&win, 4294967200U);
	for (int i = 0; i < 3000; i++) {
		next += rnd(8);
		win.next = next;
		win.w = win.lo + rnd((uint32_t)(next - win.lo + 1));
		check_all(&m, &win, next);
		switch (rnd(3)) {
		case 0:
			model_end(&m, &win);
			break;
		case 1:
			window_resolve(&win,
				       win.lo + rnd((uint32_t)(win.w - win.lo + 1)));
			break;
		default:
			window_resolve(&win, win.lo + rnd(4));
			if (win.lo > next)
				next = win.next = win.lo;
			model_end(&m, &win);
			break;
		}
		check_all(&m, &win, next);
	}
	window_resolve(&win, next + 1);
	assert_int_equal(win.nends, 0);
	window_free(&win);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_from_one),
		cmocka_unit_test(test_id_from_max),
		cmocka_unit_test(test_id_never_zero),
		cmocka_unit_test(test_find_inside),
		cmocka_unit_test(test_find_outside),
		cmocka_unit_test(test_find_first_id),
		cmocka_unit_test(test_find_empty),
		cmocka_unit_test(test_find_across_wrap),
		cmocka_unit_test(test_find_far_across_wrap),
		cmocka_unit_test(test_attempts_sequence),
		cmocka_unit_test(test_conn_end_nothing_written),
		cmocka_unit_test(test_resolve_keeps_w_above),
		cmocka_unit_test(test_attempts_many_ends),
		cmocka_unit_test(test_attempts_interleaved),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
