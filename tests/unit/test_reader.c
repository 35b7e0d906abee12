/* test_reader.c: unit tests of the poll-driven line reader (src/reader.h),
 * fed through a pipe in pieces. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "reader.h"

static int fds[2];
static struct reader rd;

static int setup(void **state)
{
	(void)state;
	if (pipe(fds) != 0)
		return -1;
	reader_init(&rd, fds[0]);
	return 0;
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

/* Next status, filling once when the reader asks for more. */
static enum reader_status next(const char **line, size_t *len, int *toolong)
{
	enum reader_status st = reader_next(&rd, line, len, toolong);

	if (st == READER_AGAIN) {
		reader_fill(&rd);
		st = reader_next(&rd, line, len, toolong);
	}
	return st;
}

static void expect_line(const char *want, int want_toolong)
{
	const char *line;
	size_t len;
	int toolong;

	assert_int_equal(next(&line, &len, &toolong), READER_LINE);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(line, want, len);
	assert_int_equal(toolong, want_toolong);
}

static void test_lines_in_pieces(void **state)
{
	const char *line;
	size_t len;
	int toolong;

	(void)state;
	put("one\ntw");
	expect_line("one", 0);
	assert_int_equal(reader_next(&rd, &line, &len, &toolong), READER_AGAIN);
	put("o\n\nthree");
	expect_line("two", 0);
	expect_line("", 0);
	assert_int_equal(reader_next(&rd, &line, &len, &toolong), READER_AGAIN);
	end_input();
	expect_line("three", 0); /* last line without newline */
	assert_int_equal(next(&line, &len, &toolong), READER_EOF);
	assert_int_equal(rd.lineno, 4);
}

static void test_too_long_line(void **state)
{
	char *big = malloc(READER_LINE_MAX + 101);
	const char *line;
	size_t len;
	int toolong;

	(void)state;
	assert_non_null(big);
	memset(big, 'a', READER_LINE_MAX + 100);
	big[READER_LINE_MAX + 100] = '\0';
	put(big);
	put("\nnext\n");
	end_input();
	assert_int_equal(next(&line, &len, &toolong), READER_LINE);
	assert_int_equal(len, READER_LINE_MAX);
	assert_int_equal(toolong, 1);
	expect_line("next", 0);
	assert_int_equal(next(&line, &len, &toolong), READER_EOF);
	free(big);
}

static void test_too_long_across_reads(void **state)
{
	char *big = malloc(3 * READER_LINE_MAX + 1);
	const char *line;
	size_t len;
	int toolong;

	(void)state;
	assert_non_null(big);
	memset(big, 'b', 3 * READER_LINE_MAX);
	big[3 * READER_LINE_MAX] = '\0';
	/* More than the buffer: the writer blocks unless we read as we go,
	 * so write in pieces between reads. */
	put(big + 2 * READER_LINE_MAX); /* READER_LINE_MAX bytes */
	put(big + 2 * READER_LINE_MAX);
	assert_int_equal(next(&line, &len, &toolong), READER_LINE);
	assert_int_equal(toolong, 1);
	put(big + 2 * READER_LINE_MAX);
	put("\nafter\n");
	end_input();
	expect_line("after", 0);
	assert_int_equal(next(&line, &len, &toolong), READER_EOF);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lines_in_pieces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_long_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_long_across_reads, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
