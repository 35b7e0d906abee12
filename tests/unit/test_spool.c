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
#include <fcntl.h>
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

/* A well-mixed function of x (splitmix64), for lengths and contents. */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Contents and lengths that depend on seq only, so any record can be
 * checked without keeping a copy: frames of 50 to 300 bytes, input lines
 * of 0 to 200. */
static uint8_t frame_byte(uint64_t seq, size_t i)
{
	return (uint8_t)(seq * 31 + i);
}

static char raw_byte(uint64_t seq, size_t i)
{
	return (char)(' ' + (seq * 7 + i * 3) % 95);
}

static size_t frame_len_of(uint64_t seq)
{
	return 50 + (size_t)(mix(seq) % 251);
}

static size_t raw_len_of(uint64_t seq)
{
	return (size_t)(mix(seq ^ 0x5555) % 201);
}

static size_t token_len_of(uint64_t seq)
{
	return TOKEN_MIN_BYTES + (size_t)(seq % (TOKEN_MAX_BYTES - TOKEN_MIN_BYTES + 1));
}

static struct spool_rec make_rec(uint64_t seq)
{
	struct spool_rec r;

	memset(&r, 0, sizeof r);
	r.seq = seq;
	r.id = (uint32_t)(seq * 3 + 1000);
	r.line = seq + 1;
	r.token.len = token_len_of(seq);
	for (size_t i = 0; i < r.token.len; i++)
		r.token.bytes[i] = (uint8_t)(seq + i * 5);
	r.frame_len = frame_len_of(seq);
	for (size_t i = 0; i < r.frame_len; i++)
		frame_buf[i] = frame_byte(seq, i);
	r.frame = frame_buf;
	r.raw_len = raw_len_of(seq);
	for (size_t i = 0; i < r.raw_len; i++)
		raw_buf[i] = raw_byte(seq, i);
	r.raw = raw_buf;
	return r;
}

/* Byte for byte what make_rec(seq) put.  Returns 0, or -1 after printing
 * what differs (cmocka's asserts are too slow for millions of bytes). */
static int rec_differs(const struct spool_rec *r, uint64_t seq)
{
	const char *what = NULL;

	if (r->seq != seq)
		what = "seq";
	else if (r->id != seq * 3 + 1000)
		what = "id";
	else if (r->line != seq + 1)
		what = "line";
	else if (r->token.len != token_len_of(seq))
		what = "token length";
	else if (r->frame_len != frame_len_of(seq))
		what = "frame length";
	else if (r->raw_len != raw_len_of(seq))
		what = "raw length";
	for (size_t i = 0; what == NULL && i < r->token.len; i++)
		if (r->token.bytes[i] != (uint8_t)(seq + i * 5))
			what = "token";
	for (size_t i = 0; what == NULL && i < r->frame_len; i++)
		if (r->frame[i] != frame_byte(seq, i))
			what = "frame";
	for (size_t i = 0; what == NULL && i < r->raw_len; i++)
		if (r->raw[i] != raw_byte(seq, i))
			what = "raw";
	if (what == NULL)
		return 0;
	print_error("seq %llu: wrong %s\n", (unsigned long long)seq, what);
	return -1;
}

static void put_ok(struct fixture *f, uint64_t seq)
{
	struct spool_rec r = make_rec(seq);

	if (spool_put(f->s, &r, &f->err) != 0)
		fail_msg("spool_put %llu: %s", (unsigned long long)seq, f->err.msg);
}

static void get_ok(struct fixture *f, uint64_t seq)
{
	struct spool_rec r;

	memset(&r, 0xa5, sizeof r);
	if (spool_get(f->s, seq, &r, &f->err) != 0)
		fail_msg("spool_get %llu: %s", (unsigned long long)seq, f->err.msg);
	if (rec_differs(&r, seq) != 0)
		fail();
}

static void put_range(struct fixture *f, uint64_t from, uint64_t to)
{
	for (uint64_t i = from; i < to; i++)
		put_ok(f, i);
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
		put_ok(f, i);
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
		get_ok(f, order[i]);
}

/* Append only: a seq already put cannot be put again. */
static void test_reput_refused(void **state)
{
	struct fixture *f = *state;
	struct spool_rec r;

	put_range(f, 0, 5);
	r = make_rec(2);
	put_fails(f, &r, "out of order");
	r = make_rec(4);
	put_fails(f, &r, "out of order");
	r = make_rec(0);
	put_fails(f, &r, "expected 5");
	r = make_rec(6);
	put_fails(f, &r, "out of order");
	for (uint64_t i = 0; i < 5; i++)
		get_ok(f, i);
	put_ok(f, 5);
	get_ok(f, 5);
	get_fails(f, 6, "never put");
}

/* What spool_get returned cannot be put back, not even as a new seq with
 * the returned frame (the append buffer it points into may be reused). */
static void test_put_from_get_refused(void **state)
{
	struct fixture *f = *state;
	struct spool_rec r;

	put_range(f, 0, 3);
	assert_int_equal(spool_get(f->s, 1, &r, &f->err), 0);
	put_fails(f, &r, "out of order");
	r.seq = 3;
	put_fails(f, &r, "inside the spool");
	for (uint64_t i = 0; i < 3; i++)
		get_ok(f, i);
	put_ok(f, 3);
	get_ok(f, 3);
}

static void test_put_gap_fails(void **state)
{
	struct fixture *f = *state;
	struct spool_rec r;

	r = make_rec(1);
	put_fails(f, &r, "seq 1");
	put_ok(f, 0);
	r = make_rec(2);
	put_fails(f, &r, "out of order");
	put_ok(f, 1);
	put_ok(f, 2);
	r = make_rec(UINT64_MAX);
	put_fails(f, &r, "out of order");
	get_ok(f, 0);
	get_ok(f, 1);
	get_ok(f, 2);
}

static void test_get_never_put_fails(void **state)
{
	struct fixture *f = *state;

	get_fails(f, 0, "never put");
	put_ok(f, 0);
	put_ok(f, 1);
	get_fails(f, 2, "seq 2");
	get_fails(f, 2, "never put");
	get_fails(f, UINT64_MAX, "never put");
	get_ok(f, 1);
}

static void test_forget_partial(void **state)
{
	struct fixture *f = *state;
	struct spool_rec r;
	uint64_t bytes;

	for (uint64_t i = 0; i < 10; i++)
		put_ok(f, i);
	bytes = spool_bytes(f->s);
	spool_forget(f->s, 5);
	/* Seqs 5-9 are still wanted: nothing is emptied. */
	assert_int_equal(spool_bytes(f->s), bytes);
	for (uint64_t i = 0; i < 5; i++)
		get_fails(f, i, "forgotten");
	for (uint64_t i = 5; i < 10; i++)
		get_ok(f, i);
	/* A forgotten seq cannot come back. */
	r = make_rec(4);
	put_fails(f, &r, "out of order");
	/* Forgetting less than before changes nothing. */
	spool_forget(f->s, 2);
	get_fails(f, 4, "forgotten");
	get_ok(f, 5);
	/* New seqs go on as before; a live one cannot be put again. */
	r = make_rec(7);
	put_fails(f, &r, "out of order");
	put_ok(f, 10);
	get_ok(f, 7);
	get_ok(f, 10);
	spool_forget(f->s, 8);
	get_fails(f, 7, "forgotten");
	get_ok(f, 8);
	get_ok(f, 9);
	get_ok(f, 10);
	assert_true(spool_bytes(f->s) > 0);
}

static void test_forget_all_empties(void **state)
{
	struct fixture *f = *state;
	struct spool_rec r;

	put_range(f, 0, 10);
	assert_true(spool_bytes(f->s) > 0);
	spool_forget(f->s, 10);
	assert_int_equal(spool_bytes(f->s), 0);
	get_fails(f, 9, "forgotten");
	get_fails(f, 10, "never put");
	/* Below the new base, or past it: refused. */
	r = make_rec(9);
	put_fails(f, &r, "out of order");
	r = make_rec(11);
	put_fails(f, &r, "out of order");
	/* Numbering goes on from the new base. */
	put_range(f, 10, 20);
	for (uint64_t i = 10; i < 20; i++)
		get_ok(f, i);

	/* Forgetting past everything put moves the base there. */
	spool_forget(f->s, 100);
	assert_int_equal(spool_bytes(f->s), 0);
	get_fails(f, 19, "forgotten");
	r = make_rec(20);
	put_fails(f, &r, "out of order");
	put_ok(f, 100);
	put_ok(f, 101);
	get_ok(f, 100);
	get_ok(f, 101);
	assert_true(spool_bytes(f->s) > 0);
}

static void test_forget_before_any_put(void **state)
{
	struct fixture *f = *state;
	struct spool_rec r;

	spool_forget(f->s, 0);
	spool_forget(f->s, 7);
	assert_int_equal(spool_bytes(f->s), 0);
	r = make_rec(0);
	put_fails(f, &r, "out of order");
	put_ok(f, 7);
	get_ok(f, 7);
}

#define MANY 100000

/* AddressSanitizer keeps freed blocks in a quarantine (256 MiB by default)
 * to catch uses after free, so under it RSS grows with every free and says
 * nothing about what the spool keeps: the memory bounds below are checked
 * in a build without it (scripts/check runs both). */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_MEANS_SPOOL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RSS_MEANS_SPOOL 0
#endif
#endif
#ifndef RSS_MEANS_SPOOL
#define RSS_MEANS_SPOOL 1
#endif

static void test_many_records_flat_memory(void **state)
{
	struct fixture *f = *state;
	long before, after;

	/* Warm up the code paths and stdio before the first measurement. */
	put_ok(f, 0);
	get_ok(f, 0);
	before = rss_kib();
	put_range(f, 1, MANY);
	for (uint64_t i = 0; i < MANY; i += 101)
		get_ok(f, i);
	after = rss_kib();
	print_message("RSS %ld KiB -> %ld KiB after %d records, spool %llu bytes\n",
		      before, after, MANY,
		      (unsigned long long)spool_bytes(f->s));
	assert_true(!RSS_MEANS_SPOOL || after - before < 1024);
	get_ok(f, MANY - 1);
	spool_forget(f->s, MANY / 2);
	get_fails(f, MANY / 2 - 1, "forgotten");
	get_ok(f, MANY / 2);
	spool_forget(f->s, MANY);
	assert_int_equal(spool_bytes(f->s), 0);
	assert_true(!RSS_MEANS_SPOOL || rss_kib() - before < 1024);
}

/* Every field at its largest, for odd seqs; small records between. */
static struct spool_rec make_max_rec(uint64_t seq)
{
	static uint8_t frame[FRAME_MAX_BYTES];
	static char raw[SPOOL_RAW_MAX];
	struct spool_rec r;

	memset(&r, 0, sizeof r);
	r.seq = seq;
	r.id = UINT32_MAX;
	r.line = UINT64_MAX;
	r.token.len = TOKEN_MAX_BYTES;
	for (size_t i = 0; i < TOKEN_MAX_BYTES; i++)
		r.token.bytes[i] = (uint8_t)(255 - i - seq);
	for (size_t i = 0; i < FRAME_MAX_BYTES; i++)
		frame[i] = (uint8_t)(i * 13 + seq);
	for (size_t i = 0; i < SPOOL_RAW_MAX; i++)
		raw[i] = (char)(' ' + (i + seq) % 95);
	r.frame = frame;
	r.frame_len = FRAME_MAX_BYTES;
	r.raw = raw;
	r.raw_len = SPOOL_RAW_MAX;
	return r;
}

static void check_max_rec(struct fixture *f, uint64_t seq)
{
	struct spool_rec want = make_max_rec(seq), out;

	if (spool_get(f->s, seq, &out, &f->err) != 0)
		fail_msg("spool_get %llu: %s", (unsigned long long)seq, f->err.msg);
	assert_int_equal(out.seq, seq);
	assert_int_equal(out.id, UINT32_MAX);
	assert_true(out.line == UINT64_MAX);
	assert_int_equal(out.token.len, TOKEN_MAX_BYTES);
	assert_memory_equal(out.token.bytes, want.token.bytes, TOKEN_MAX_BYTES);
	assert_int_equal(out.frame_len, FRAME_MAX_BYTES);
	assert_memory_equal(out.frame, want.frame, FRAME_MAX_BYTES);
	assert_int_equal(out.raw_len, SPOOL_RAW_MAX);
	assert_memory_equal(out.raw, want.raw, SPOOL_RAW_MAX);
}

/* Largest records, first from the append buffer, then from disk through
 * the read windows (several per window, some straddling its end). */
static void test_max_sizes(void **state)
{
	struct fixture *f = *state;
	struct spool_rec in;

	for (uint64_t i = 0; i < 200; i++) {
		if (i % 2 == 1) {
			in = make_max_rec(i);
			assert_int_equal(spool_put(f->s, &in, &f->err), 0);
		} else {
			put_ok(f, i);
		}
		if (i == 3) {
			check_max_rec(f, 1);
			check_max_rec(f, 3);
			get_ok(f, 2);
		}
	}
	for (uint64_t i = 0; i < 200; i++) {
		if (i % 2 == 1)
			check_max_rec(f, i);
		else
			get_ok(f, i);
	}
}

/* Reading every seq in order, as the result stream does. */
static void test_sequential_get(void **state)
{
	struct fixture *f = *state;

	put_range(f, 0, MANY);
	for (uint64_t i = 0; i < MANY; i++)
		get_ok(f, i);
	/* And again, from a point in the middle. */
	for (uint64_t i = MANY / 3; i < MANY; i++)
		get_ok(f, i);
}

/* The result stream and a resend stream, read alternately: each keeps its
 * own window, and neither returns the other's bytes. */
static void test_two_streams(void **state)
{
	struct fixture *f = *state;

	put_range(f, 0, MANY);
	for (uint64_t i = 0; i < MANY / 2; i++) {
		get_ok(f, i);
		get_ok(f, MANY / 2 + i);
	}
	/* Streams that cross each other, one started near the end. */
	for (uint64_t i = 0; i < MANY / 4; i++) {
		get_ok(f, MANY / 4 + i);
		get_ok(f, MANY - 3 * (MANY / 8) + i % (3 * (MANY / 8)));
	}
}

/* Gets between puts: the newest records come from the append buffers,
 * older ones from disk, with writes happening in between. */
static void test_get_while_putting(void **state)
{
	struct fixture *f = *state;

	for (uint64_t i = 0; i < 30000; i++) {
		put_ok(f, i);
		get_ok(f, i);
		if (i >= 5000)
			get_ok(f, i - 5000);
		if (i % 7 == 0)
			get_ok(f, i / 2);
	}
}

/* Emptying the files must drop the read windows: the new records are
 * written over the bytes they hold. */
static void test_windows_dropped_on_empty(void **state)
{
	struct fixture *f = *state;

	put_range(f, 0, 3000);
	for (uint64_t i = 0; i < 3000; i++)
		get_ok(f, i);
	get_ok(f, 0);    /* windows at the start of both files, */
	get_ok(f, 2000); /* and in the middle */
	get_ok(f, 1);
	spool_forget(f->s, 3000);
	assert_int_equal(spool_bytes(f->s), 0);
	/* Enough to be written out, at the offsets the windows cover. */
	put_range(f, 3000, 6000);
	for (uint64_t i = 3000; i < 6000; i++)
		get_ok(f, i);
	get_ok(f, 3000);
	get_ok(f, 5000);
	get_fails(f, 2999, "forgotten");
	get_fails(f, 0, "forgotten");
}

/* A forgotten seq stays forgotten, even while a window still holds it. */
static void test_get_below_base_fails(void **state)
{
	struct fixture *f = *state;

	put_range(f, 0, 20000);
	for (uint64_t i = 0; i < 1000; i++)
		get_ok(f, i);
	spool_forget(f->s, 500);
	get_fails(f, 499, "forgotten");
	get_fails(f, 0, "forgotten");
	get_ok(f, 500);
	get_ok(f, 19999);
	spool_forget(f->s, 19999);
	get_fails(f, 19998, "forgotten");
	get_ok(f, 19999);
}

/* Whether fallocate can punch holes in files of dir. */
static int can_punch(const char *dir)
{
	int ok = 0;
#ifdef FALLOC_FL_PUNCH_HOLE
	static const uint8_t block[16384];
	char path[128];
	int fd;

	snprintf(path, sizeof path, "%s/punch-probe", dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, block, sizeof block), (ssize_t)sizeof block);
	ok = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 8192) == 0;
	close(fd);
#else
	(void)dir;
#endif
	return ok;
}

#define LONG_RUN 300000

/* A stream that never drains: the disk blocks of forgotten records are
 * freed as it goes. */
static void test_forget_frees_disk(void **state)
{
	struct fixture *f = *state;
	uint64_t full, left, streaming;
	int punch = can_punch(f->dir);

	put_range(f, 0, LONG_RUN);
	full = spool_bytes(f->s);
	spool_forget(f->s, LONG_RUN - 10000);
	left = spool_bytes(f->s);
	get_fails(f, LONG_RUN - 10001, "forgotten");
	get_fails(f, 0, "forgotten");
	for (uint64_t i = LONG_RUN - 10000; i < LONG_RUN; i++)
		get_ok(f, i);

	/* Go on with 10000 unresolved: holes are punched every 65536. */
	for (uint64_t i = LONG_RUN; i < LONG_RUN + 200000; i++) {
		put_ok(f, i);
		spool_forget(f->s, i - 10000);
	}
	streaming = spool_bytes(f->s);
	for (uint64_t i = LONG_RUN + 190000; i < LONG_RUN + 200000; i++)
		get_ok(f, i);
	print_message("spool %llu bytes for %d records, %llu after forgetting "
		      "all but 10000, %llu streaming\n",
		      (unsigned long long)full, LONG_RUN, (unsigned long long)left,
		      (unsigned long long)streaming);
	if (!punch) {
		print_message("fallocate cannot punch holes in %s: "
			      "disk use not checked\n", f->dir);
		return;
	}
	assert_true(left < full / 10);
	/* At most 10000 + 65536 records of about 400 bytes, of the 200000. */
	assert_true(streaming < full / 3);
}

static void test_oversize_fails(void **state)
{
	struct fixture *f = *state;
	struct spool_rec r;

	r = make_rec(0);
	memset(raw_buf, 'x', sizeof raw_buf);
	r.raw_len = SPOOL_RAW_MAX + 1;
	put_fails(f, &r, "8193 bytes");

	r = make_rec(0);
	r.frame_len = FRAME_MAX_BYTES + 1;
	put_fails(f, &r, "frame");

	r = make_rec(0);
	r.token.len = TOKEN_MAX_BYTES + 1;
	put_fails(f, &r, "token");

	r = make_rec(0);
	r.frame = NULL;
	put_fails(f, &r, "NULL");

	/* Nothing was written, and the spool still works. */
	assert_int_equal(spool_bytes(f->s), 0);
	get_fails(f, 0, "never put");
	put_ok(f, 0);
	get_ok(f, 0);
}

static void test_files_not_visible(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(dir_entries(f->dir), 0);
	for (uint64_t i = 0; i < 10; i++)
		put_ok(f, i);
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
	get_ok(f, 9);
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
		cmocka_unit_test_setup_teardown(test_reput_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_from_get_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_gap_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_never_put_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forget_partial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forget_all_empties, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forget_before_any_put, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_records_flat_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sequential_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_streams, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_while_putting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_windows_dropped_on_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_below_base_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forget_frees_disk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversize_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_files_not_visible, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_missing_dir_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_uses_tmpdir, setup, teardown),
		cmocka_unit_test(test_close_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
