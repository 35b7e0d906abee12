/* test_source.c: unit tests of the item source (src/source.h): TOKEN
 * arguments and stdin lines (through a pipe) as one stream. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "source.h"

#define T1 "0000000000000000000000000000000000000000000000000000000000000001"
#define T2 "0000000000000000000000000000000000000000000000000000000000000002"
#define T3 "0000000000000000000000000000000000000000000000000000000000000003"

static int fds[2];
static struct source src;
static struct source_item it;

static int setup(void **state)
{
	(void)state;
	return pipe(fds);
}

static int teardown(void **state)
{
	(void)state;
	close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	return 0;
}

static void put(const char *s)
{
	assert_int_equal(write(fds[1], s, strlen(s)), (ssize_t)strlen(s));
}

static void end_input(void)
{
	close(fds[1]);
	fds[1] = -1;
}

/* The next status, filling from the pipe while the source asks for it. */
static enum source_status next(void)
{
	enum source_status st;

	while ((st = source_next(&src, &it)) == SOURCE_AGAIN)
		source_fill(&src);
	return st;
}

static void expect_item(uint64_t where, uint8_t last_byte)
{
	assert_int_equal(next(), SOURCE_ITEM);
	assert_int_equal(it.where, where);
	assert_int_equal(it.li.token.len, 32);
	assert_int_equal(it.li.token.bytes[31], last_byte);
}

static void test_stdin_only(void **state)
{
	(void)state;
	source_init(&src, NULL, 0, fds[0], 2048);
	assert_true(source_reads_stdin(NULL, 0));
	put("# comment\n\n" T1 "\r\n  " T2 " {\"a\":1}\n");
	end_input();
	expect_item(3, 1);
	assert_null(it.li.payload);
	assert_int_equal(it.raw_len, 65); /* the CR stays in the raw line */
	expect_item(4, 2);
	assert_int_equal(it.li.payload_len, 7);
	assert_memory_equal(it.li.payload, "{\"a\":1}", 7);
	assert_int_equal(next(), SOURCE_END);
	assert_int_equal(source_lines(&src), 4);
}

static void test_invalid_lines_keep_their_number(void **state)
{
	(void)state;
	source_init(&src, NULL, 0, fds[0], 16);
	put("xyz\n" T1 " {\"too\":\"long for sixteen\"}\n" T1 " {\n" T3 "\n");
	end_input();
	assert_int_equal(next(), SOURCE_INVALID);
	assert_int_equal(it.where, 1);
	assert_string_equal(it.why, "not a hexadecimal digit in the token ('x' at column 1)");
	assert_int_equal(next(), SOURCE_INVALID);
	assert_int_equal(it.where, 2);
	assert_non_null(strstr(it.why, "the limit is 16"));
	assert_int_equal(next(), SOURCE_INVALID);
	assert_int_equal(it.where, 3);
	expect_item(4, 3);
	assert_int_equal(next(), SOURCE_END);
}

static void test_dash_in_the_middle(void **state)
{
	const char *args[] = { T1, "-", T3 };

	(void)state;
	assert_true(source_reads_stdin(args, 3));
	source_init(&src, args, 3, fds[0], 2048);
	put(T2 "\n");
	end_input();
	expect_item(SOURCE_ARG_BIT | 1, 1);
	assert_int_equal(it.raw_len, 64);
	expect_item(1, 2);
	expect_item(SOURCE_ARG_BIT | 3, 3);
	assert_int_equal(next(), SOURCE_END);
	assert_int_equal(next(), SOURCE_END);
}

static void test_arguments_only_never_read_stdin(void **state)
{
	const char *args[] = { T1, T2 };

	(void)state;
	assert_false(source_reads_stdin(args, 2));
	source_init(&src, args, 2, fds[0], 2048);
	put("not read\n");
	expect_item(SOURCE_ARG_BIT | 1, 1);
	expect_item(SOURCE_ARG_BIT | 2, 2);
	assert_int_equal(next(), SOURCE_END);
}

static void test_again_until_a_whole_line(void **state)
{
	(void)state;
	source_init(&src, NULL, 0, fds[0], 2048);
	put("00000000000000000000000000000000");
	assert_int_equal(source_next(&src, &it), SOURCE_AGAIN);
	source_fill(&src);
	assert_int_equal(source_next(&src, &it), SOURCE_AGAIN);
	put("00000000000000000000000000000001\n");
	source_fill(&src);
	assert_int_equal(source_next(&src, &it), SOURCE_ITEM);
	assert_int_equal(it.where, 1);
	end_input();
	assert_int_equal(next(), SOURCE_END);
}

static void test_check_args(void **state)
{
	const char *good[] = { T1, "-", "<" T2 ">" };
	const char *bad[] = { T1, "0001" };
	const char *dashes[] = { "-", T1, "-" };
	struct apn_error err = { APN_OK, "" };

	(void)state;
	assert_int_equal(source_check_args(good, 3, &err), 0);
	assert_int_equal(source_check_args(bad, 2, &err), -1);
	assert_int_equal(err.code, APN_DATAERR);
	assert_non_null(strstr(err.msg, "token '0001': "));
	assert_int_equal(source_check_args(dashes, 3, &err), -1);
	assert_int_equal(err.code, APN_USAGE);
}

static void test_where_text(void **state)
{
	char buf[40];

	(void)state;
	source_where(12, buf, sizeof buf);
	assert_string_equal(buf, "line 12");
	source_where(SOURCE_ARG_BIT | 2, buf, sizeof buf);
	assert_string_equal(buf, "argument 2");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_stdin_only),
		T(test_invalid_lines_keep_their_number),
		T(test_dash_in_the_middle),
		T(test_arguments_only_never_read_stdin),
		T(test_again_until_a_whole_line),
		T(test_check_args),
		T(test_where_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
