/* test_spool.c: unit tests of the on-disk spool (src/spool.h). */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

#include <cmocka.h>

#include "error.h"
#include "frame.h"
#include "spool.h"
#include "token.h"

/* Each test gets a fresh empty directory and a spool opened in it. */
struct fixture {
	char dir[64];
	struct spool *s;
	struct apn_error err;
};

/* Storage for the records the tests put; filled by make_rec. */
static uint8_t frame_buf[FRAME_MAX_BYTES + 1];
static char raw_buf[SPOOL_RAW_MAX + 1];

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);

	if (f == NULL)
		return -1;
	strcpy(f->dir, "/tmp/test_spool.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	if (spool_open(f->dir, &f->s, &f->err) != 0) {
		fprintf(stderr, "spool_open: %s\n", f->err.msg);
		rmdir(f->dir);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	spool_close(f->s);
	/* Fails if the spool left anything behind. */
	if (rmdir(f->dir) != 0)
		return -1;
	free(f);
	return 0;
}

/* Contents that depend on seq and attempts only, so any record can be
 * checked without keeping a copy. */
static uint8_t frame_byte(uint64_t seq, uint32_t attempts, size_t i)
{
	return (uint8_t)(seq * 31 + attempts * 7 + i);
}

static size_t frame_len_of(uint64_t seq)
{
	return 45 + (size_t)(seq % 200);
}

static size_t token_len_of(uint64_t seq)
{
	return TOKEN_MIN_BYTES + (size_t)(seq % (TOKEN_MAX_BYTES - TOKEN_MIN_BYTES + 1));
}

static struct spool_rec make_rec(uint64_t seq, uint32_t attempts)
{
	struct spool_rec r;
	int n;

	memset(&r, 0, sizeof r);
	r.seq = seq;
	r.id = (uint32_t)(seq * 3 + 1000);
	r.attempts = attempts;
	r.line = seq + 1;
	r.token.len = token_len_of(seq);
	for (size_t i = 0; i < r.token.len; i++)
		r.token.bytes[i] = (uint8_t)(seq + i * 5);
	r.frame_len = frame_len_of(seq);
	for (size_t i = 0; i < r.frame_len; i++)
		frame_buf[i] = frame_byte(seq, attempts, i);
	r.frame = frame_buf;
	n = snprintf(raw_buf, sizeof raw_buf, "%064llx line %llu attempt %u",
		     (unsigned long long)seq, (unsigned long long)seq, attempts);
	r.raw = raw_buf;
	r.raw_len = (size_t)n;
	return r;
}

static void check_rec(const struct spool_rec *r, uint64_t seq, uint32_t attempts)
{
	char want[128];
	int n;

	assert_int_equal(r->seq, seq);
	assert_int_equal(r->id, seq * 3 + 1000);
	assert_int_equal(r->attempts, attempts);
	assert_int_equal(r->line, seq + 1);
	assert_int_equal(r->token.len, token_len_of(seq));
	for (size_t i = 0; i < r->token.len; i++)
		assert_int_equal(r->token.bytes[i], (uint8_t)(seq + i * 5));
	assert_int_equal(r->frame_len, frame_len_of(seq));
	for (size_t i = 0; i < r->frame_len; i++)
		assert_int_equal(r->frame[i], frame_byte(seq, attempts, i));
	n = snprintf(want, sizeof want, "%064llx line %llu attempt %u",
		     (unsigned long long)seq, (unsigned long long)seq, attempts);
	assert_int_equal(r->raw_len, (size_t)n);
	assert_memory_equal(r->raw, want, (size_t)n);
}

static void put_ok(struct fixture *f, uint64_t seq, uint32_t attempts)
{
	struct spool_rec r = make_rec(seq, attempts);

	if (spool_put(f->s, &r, &f->err) != 0)
		fail_msg("spool_put %llu: %s", (unsigned long long)seq, f->err.msg);
}

static void get_ok(struct fixture *f, uint64_t seq, uint32_t attempts)
{
	struct spool_rec r;

	memset(&r, 0xa5, sizeof r);
	if (spool_get(f->s, seq, &r, &f->err) != 0)
		fail_msg("spool_get %llu: %s", (unsigned long long)seq, f->err.msg);
	check_rec(&r, seq, attempts);
}

/* spool_get fails with APN_SOFTWARE and a message containing `what`. */
static void get_fails(struct fixture *f, uint64_t seq, const char *what)
{
	struct spool_rec r;

	memset(&f->err, 0, sizeof f->err);
	assert_int_equal(spool_get(f->s, seq, &r, &f->err), -1);
	assert_int_equal(f->err.code, APN_SOFTWARE);
	if (strstr(f->err.msg, what) == NULL)
		fail_msg("message '%s' lacks '%s'", f->err.msg, what);
}

static void put_fails(struct fixture *f, const struct spool_rec *r,
		      const char *what)
{
	memset(&f->err, 0, sizeof f->err);
	assert_int_equal(spool_put(f->s, r, &f->err), -1);
	assert_int_equal(f->err.code, APN_SOFTWARE);
	if (strstr(f->err.msg, what) == NULL)
		fail_msg("message '%s' lacks '%s'", f->err.msg, what);
}

/* Entries of dir other than "." and "..". */
static int dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static long rss_kib(void)
{
	FILE *fp = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;

	assert_non_null(fp);
	while (fgets(line, sizeof line, fp) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(fp);
	assert_true(kib > 0);
	return kib;
}

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	struct spool_rec in, out;
	uint8_t frame[] = { 2, 0, 0, 0, 0x2d, 1, 0, 0x20, 0xff, 0x00, 0x7f, 0x80 };
	const char raw[] = "740f4707 bebcf74f\t<x>\0after-nul";

	memset(&in, 0, sizeof in);
	in.seq = 0;
	in.id = 0xdeadbeef;
	in.attempts = 1;
	in.line = 0x0123456789abcdefULL;
	in.token.len = 32;
	for (size_t i = 0; i < 32; i++)
		in.token.bytes[i] = (uint8_t)(0xf0 ^ i);
	in.frame = frame;
	in.frame_len = sizeof frame;
	in.raw = raw;
	in.raw_len = sizeof raw - 1; /* a NUL inside must survive */
	assert_int_equal(spool_put(f->s, &in, &f->err), 0);
	assert_true(spool_bytes(f->s) > 0);

	memset(&out, 0, sizeof out);
	assert_int_equal(spool_get(f->s, 0, &out, &f->err), 0);
	assert_int_equal(out.seq, 0);
	assert_int_equal(out.id, 0xdeadbeef);
	assert_int_equal(out.attempts, 1);
	assert_true(out.line == 0x0123456789abcdefULL);
	assert_int_equal(out.token.len, 32);
	assert_memory_equal(out.token.bytes, in.token.bytes, 32);
	assert_int_equal(out.frame_len, sizeof frame);
	assert_memory_equal(out.frame, frame, sizeof frame);
	assert_int_equal(out.raw_len, sizeof raw - 1);
	assert_memory_equal(out.raw, raw, sizeof raw - 1);
	/* The copy is the spool's: the caller's buffers were not kept. */
	assert_ptr_not_equal(out.frame, frame);
	assert_ptr_not_equal(out.raw, raw);
}

static void test_empty_frame_and_raw(void **state)
{
	struct fixture *f = *state;
	struct spool_rec in, out;

	memset(&in, 0, sizeof in);
	in.token.len = 32;
	assert_int_equal(spool_put(f->s, &in, &f->err), 0);
	assert_int_equal(spool_get(f->s, 0, &out, &f->err), 0);
	assert_int_equal(out.frame_len, 0);
	assert_int_equal(out.raw_len, 0);
	assert_int_equal(out.token.len, 32);
}

static void test_random_order(void **state)
{
	struct fixture *f = *state;
	uint64_t order[300];
	uint32_t x = 12345;

	for (uint64_t i = 0; i < 300; i++) {
		put_ok(f, i, 1);
		order[i] = i;
	}
	for (size_t i = 299; i > 0; i--) {
		size_t j;
		uint64_t t;

		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		j = x % (i + 1);
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (size_t i = 0; i < 300; i++)
		get_ok(f, order[i], 1);
}

static void test_reput_latest_wins(void **state)
{
	struct fixture *f = *state;

	for (uint64_t i = 0; i < 5; i++)
		put_ok(f, i, 1);
	put_ok(f, 2, 2);
	put_ok(f, 4, 2);
	put_ok(f, 4, 3);
	get_ok(f, 0, 1);
	get_ok(f, 1, 1);
	get_ok(f, 2, 2);
	get_ok(f, 3, 1);
	get_ok(f, 4, 3);
	/* A re-put does not move the end: the next new seq is still 5. */
	put_ok(f, 5, 1);
	get_ok(f, 5, 1);
	get_fails(f, 6, "never put");
}

/* A resend puts back what spool_get returned, whose frame and raw point
 * into the spool's own buffer. */
static void test_reput_from_get(void **state)
{
	struct fixture *f = *state;
	struct spool_rec r;

	for (uint64_t i = 0; i < 3; i++)
		put_ok(f, i, 1);
	assert_int_equal(spool_get(f->s, 1, &r, &f->err), 0);
	r.attempts = 2;
	assert_int_equal(spool_put(f->s, &r, &f->err), 0);
	{
		struct spool_rec want = make_rec(1, 1);

		assert_int_equal(spool_get(f->s, 1, &r, &f->err), 0);
		assert_int_equal(r.attempts, 2);
		assert_int_equal(r.id, want.id);
		assert_int_equal(r.line, want.line);
		assert_int_equal(r.token.len, want.token.len);
		assert_memory_equal(r.token.bytes, want.token.bytes, want.token.len);
		assert_int_equal(r.frame_len, want.frame_len);
		assert_memory_equal(r.frame, want.frame, want.frame_len);
		assert_int_equal(r.raw_len, want.raw_len);
		assert_memory_equal(r.raw, want.raw, want.raw_len);
	}
	get_ok(f, 0, 1);
	get_ok(f, 2, 1);

	/* A new frame from elsewhere, with the raw line still in the spool's
	 * buffer behind the old (shorter) frame. */
	assert_int_equal(spool_get(f->s, 0, &r, &f->err), 0);
	{
		struct spool_rec fresh = make_rec(0, 1);
		uint8_t big[FRAME_MAX_BYTES];

		memset(big, 0x5a, sizeof big);
		r.frame = big;
		r.frame_len = sizeof big;
		assert_int_equal(spool_put(f->s, &r, &f->err), 0);
		assert_int_equal(spool_get(f->s, 0, &r, &f->err), 0);
		assert_int_equal(r.frame_len, sizeof big);
		assert_memory_equal(r.frame, big, sizeof big);
		assert_int_equal(r.raw_len, fresh.raw_len);
		assert_memory_equal(r.raw, fresh.raw, fresh.raw_len);
	}
}

static void test_put_gap_fails(void **state)
{
	struct fixture *f = *state;
	struct spool_rec r;

	r = make_rec(1, 1);
	put_fails(f, &r, "seq 1");
	put_ok(f, 0, 1);
	r = make_rec(2, 1);
	put_fails(f, &r, "out of order");
	put_ok(f, 1, 1);
	put_ok(f, 2, 1);
	r = make_rec(UINT64_MAX, 1);
	put_fails(f, &r, "out of order");
	get_ok(f, 0, 1);
	get_ok(f, 1, 1);
	get_ok(f, 2, 1);
}

static void test_get_never_put_fails(void **state)
{
	struct fixture *f = *state;

	get_fails(f, 0, "never put");
	put_ok(f, 0, 1);
	put_ok(f, 1, 1);
	get_fails(f, 2, "seq 2");
	get_fails(f, 2, "never put");
	get_fails(f, UINT64_MAX, "never put");
	get_ok(f, 1, 1);
}

static void test_forget_partial(void **state)
{
	struct fixture *f = *state;
	struct spool_rec r;
	uint64_t bytes;

	for (uint64_t i = 0; i < 10; i++)
		put_ok(f, i, 1);
	bytes = spool_bytes(f->s);
	spool_forget(f->s, 5);
	/* Seqs 5-9 are still wanted: nothing is emptied. */
	assert_int_equal(spool_bytes(f->s), bytes);
	for (uint64_t i = 0; i < 5; i++)
		get_fails(f, i, "forgotten");
	for (uint64_t i = 5; i < 10; i++)
		get_ok(f, i, 1);
	/* A forgotten seq cannot come back. */
	r = make_rec(4, 2);
	put_fails(f, &r, "out of order");
	/* Forgetting less than before changes nothing. */
	spool_forget(f->s, 2);
	get_fails(f, 4, "forgotten");
	get_ok(f, 5, 1);
	/* Resends and new seqs go on as before. */
	put_ok(f, 7, 2);
	put_ok(f, 10, 1);
	get_ok(f, 7, 2);
	get_ok(f, 10, 1);
	spool_forget(f->s, 8);
	get_fails(f, 7, "forgotten");
	get_ok(f, 8, 1);
	get_ok(f, 9, 1);
	get_ok(f, 10, 1);
	assert_true(spool_bytes(f->s) > 0);
}

static void test_forget_all_empties(void **state)
{
	struct fixture *f = *state;
	struct spool_rec r;

	for (uint64_t i = 0; i < 10; i++)
		put_ok(f, i, 1);
	put_ok(f, 3, 2);
	assert_true(spool_bytes(f->s) > 0);
	spool_forget(f->s, 10);
	assert_int_equal(spool_bytes(f->s), 0);
	get_fails(f, 9, "forgotten");
	get_fails(f, 10, "never put");
	/* Below the new base, or past it: refused. */
	r = make_rec(9, 2);
	put_fails(f, &r, "out of order");
	r = make_rec(11, 1);
	put_fails(f, &r, "out of order");
	/* Numbering goes on from the new base. */
	for (uint64_t i = 10; i < 20; i++)
		put_ok(f, i, 1);
	put_ok(f, 15, 2);
	for (uint64_t i = 10; i < 20; i++)
		get_ok(f, i, i == 15 ? 2 : 1);

	/* Forgetting past everything put moves the base there. */
	spool_forget(f->s, 100);
	assert_int_equal(spool_bytes(f->s), 0);
	get_fails(f, 19, "forgotten");
	r = make_rec(20, 1);
	put_fails(f, &r, "out of order");
	put_ok(f, 100, 1);
	put_ok(f, 101, 1);
	get_ok(f, 100, 1);
	get_ok(f, 101, 1);
	assert_true(spool_bytes(f->s) > 0);
}

static void test_forget_before_any_put(void **state)
{
	struct fixture *f = *state;
	struct spool_rec r;

	spool_forget(f->s, 0);
	spool_forget(f->s, 7);
	assert_int_equal(spool_bytes(f->s), 0);
	r = make_rec(0, 1);
	put_fails(f, &r, "out of order");
	put_ok(f, 7, 1);
	get_ok(f, 7, 1);
}

#define MANY 100000

static void test_many_records_flat_memory(void **state)
{
	struct fixture *f = *state;
	long before, after;

	/* Warm up the code paths and stdio before the first measurement. */
	put_ok(f, 0, 1);
	get_ok(f, 0, 1);
	before = rss_kib();
	for (uint64_t i = 1; i < MANY; i++)
		put_ok(f, i, 1);
	for (uint64_t i = 0; i < MANY; i += 97)
		put_ok(f, i, 2); /* resends */
	after = rss_kib();
	print_message("RSS %ld KiB -> %ld KiB after %d records, spool %llu bytes\n",
		      before, after, MANY,
		      (unsigned long long)spool_bytes(f->s));
	assert_true(after - before < 1024);
	for (uint64_t i = 0; i < MANY; i += 101)
		get_ok(f, i, i % 97 == 0 ? 2 : 1);
	get_ok(f, MANY - 1, (MANY - 1) % 97 == 0 ? 2 : 1);
	spool_forget(f->s, MANY / 2);
	get_fails(f, MANY / 2 - 1, "forgotten");
	get_ok(f, MANY / 2, (MANY / 2) % 97 == 0 ? 2 : 1);
	spool_forget(f->s, MANY);
	assert_int_equal(spool_bytes(f->s), 0);
	assert_true(rss_kib() - before < 1024);
}

static void test_max_sizes(void **state)
{
	struct fixture *f = *state;
	struct spool_rec in, out;

	memset(&in, 0, sizeof in);
	in.seq = 0;
	in.id = UINT32_MAX;
	in.attempts = UINT32_MAX;
	in.line = UINT64_MAX;
	in.token.len = TOKEN_MAX_BYTES;
	for (size_t i = 0; i < TOKEN_MAX_BYTES; i++)
		in.token.bytes[i] = (uint8_t)(255 - i);
	for (size_t i = 0; i < FRAME_MAX_BYTES; i++)
		frame_buf[i] = (uint8_t)(i * 13);
	for (size_t i = 0; i < SPOOL_RAW_MAX; i++)
		raw_buf[i] = (char)(' ' + i % 95);
	in.frame = frame_buf;
	in.frame_len = FRAME_MAX_BYTES;
	in.raw = raw_buf;
	in.raw_len = SPOOL_RAW_MAX;
	assert_int_equal(spool_put(f->s, &in, &f->err), 0);
	put_ok(f, 1, 1); /* a small one after it */
	assert_int_equal(spool_put(f->s, &in, &f->err), 0); /* again, at the end */

	assert_int_equal(spool_get(f->s, 0, &out, &f->err), 0);
	assert_int_equal(out.id, UINT32_MAX);
	assert_int_equal(out.attempts, UINT32_MAX);
	assert_true(out.line == UINT64_MAX);
	assert_int_equal(out.token.len, TOKEN_MAX_BYTES);
	assert_memory_equal(out.token.bytes, in.token.bytes, TOKEN_MAX_BYTES);
	assert_int_equal(out.frame_len, FRAME_MAX_BYTES);
	assert_memory_equal(out.frame, frame_buf, FRAME_MAX_BYTES);
	assert_int_equal(out.raw_len, SPOOL_RAW_MAX);
	assert_memory_equal(out.raw, raw_buf, SPOOL_RAW_MAX);
	get_ok(f, 1, 1);
}

static void test_oversize_fails(void **state)
{
	struct fixture *f = *state;
	struct spool_rec r;

	r = make_rec(0, 1);
	memset(raw_buf, 'x', sizeof raw_buf);
	r.raw_len = SPOOL_RAW_MAX + 1;
	put_fails(f, &r, "8193 bytes");

	r = make_rec(0, 1);
	r.frame_len = FRAME_MAX_BYTES + 1;
	put_fails(f, &r, "frame");

	r = make_rec(0, 1);
	r.token.len = TOKEN_MAX_BYTES + 1;
	put_fails(f, &r, "token");

	r = make_rec(0, 1);
	r.frame = NULL;
	put_fails(f, &r, "NULL");

	/* Nothing was written, and the spool still works. */
	assert_int_equal(spool_bytes(f->s), 0);
	get_fails(f, 0, "never put");
	put_ok(f, 0, 1);
	get_ok(f, 0, 1);
}

static void test_files_not_visible(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(dir_entries(f->dir), 0);
	for (uint64_t i = 0; i < 10; i++)
		put_ok(f, i, 1);
	assert_int_equal(dir_entries(f->dir), 0);
	assert_true(spool_bytes(f->s) > 0);
	/* A second spool in the same directory is independent. */
	{
		struct spool *t = NULL;
		struct spool_rec r;

		assert_int_equal(spool_open(f->dir, &t, &f->err), 0);
		assert_int_equal(dir_entries(f->dir), 0);
		assert_int_equal(spool_bytes(t), 0);
		assert_int_equal(spool_get(t, 0, &r, &f->err), -1);
		spool_close(t);
	}
	get_ok(f, 9, 1);
}

static void test_open_missing_dir_fails(void **state)
{
	struct fixture *f = *state;
	struct spool *t = NULL;
	char path[128];

	snprintf(path, sizeof path, "%s/no-such-dir", f->dir);
	memset(&f->err, 0, sizeof f->err);
	assert_int_equal(spool_open(path, &t, &f->err), -1);
	assert_null(t);
	assert_int_equal(f->err.code, APN_SOFTWARE);
	if (strstr(f->err.msg, path) == NULL)
		fail_msg("message '%s' lacks the path '%s'", f->err.msg, path);
	if (strstr(f->err.msg, "No such file or directory") == NULL)
		fail_msg("message '%s' lacks the reason", f->err.msg);
}

/* NULL dir: $TMPDIR is used (shown by pointing it at a missing dir). */
static void test_open_uses_tmpdir(void **state)
{
	struct fixture *f = *state;
	struct spool *t = NULL;
	char *old = getenv("TMPDIR");
	char saved[512] = "", missing[128];
	int had = old != NULL;

	if (had)
		snprintf(saved, sizeof saved, "%s", old);
	assert_int_equal(setenv("TMPDIR", f->dir, 1), 0);
	assert_int_equal(spool_open(NULL, &t, &f->err), 0);
	assert_int_equal(dir_entries(f->dir), 0);
	spool_close(t);
	t = NULL;

	snprintf(missing, sizeof missing, "%s/gone", f->dir);
	assert_int_equal(setenv("TMPDIR", missing, 1), 0);
	assert_int_equal(spool_open(NULL, &t, &f->err), -1);
	assert_null(t);
	if (strstr(f->err.msg, missing) == NULL)
		fail_msg("message '%s' lacks '%s'", f->err.msg, missing);

	if (had)
		setenv("TMPDIR", saved, 1);
	else
		unsetenv("TMPDIR");
}

static void test_close_null(void **state)
{
	(void)state;
	spool_close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_frame_and_raw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reput_latest_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reput_from_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_gap_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_never_put_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forget_partial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forget_all_empties, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forget_before_any_put, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_records_flat_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversize_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_files_not_visible, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_missing_dir_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_uses_tmpdir, setup, teardown),
		cmocka_unit_test(test_close_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
