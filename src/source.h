/* source.h: where notifications come from, one item at a time: the TOKEN
 * arguments in order, with stdin's lines where "-" stands (or stdin alone
 * when there is no argument).  Reading stdin never blocks: when no whole
 * line is buffered, source_next says SOURCE_AGAIN and the caller polls
 * source_fd().  Memory is one fixed line buffer.
 */
#ifndef APNSEND_SOURCE_H
#define APNSEND_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "line.h"
#include "reader.h"

/* Where an item came from: stdin line N, or TOKEN argument N (1-based),
 * packed into one number for the spool. */
#define SOURCE_ARG_BIT ((uint64_t)1 << 63)

struct source {
	const char **args;
	int nargs, argi;
	int stdin_at;      /* index of "-" in args, or nargs when none; -1 no stdin */
	int in_stdin;      /* reading stdin now */
	struct reader rd;
	size_t payload_max;
};

enum source_status {
	SOURCE_ITEM,    /* a valid item */
	SOURCE_INVALID, /* a bad line: item->why says what is wrong */
	SOURCE_AGAIN,   /* poll source_fd() for POLLIN, then source_fill() */
	SOURCE_END,
	SOURCE_ERROR    /* reading stdin failed: item->why */
};

struct source_item {
	uint64_t where;           /* stdin line number, or SOURCE_ARG_BIT | arg */
	struct line_item li;      /* token and payload (into raw) */
	const char *raw;          /* the line or argument as given */
	size_t raw_len;
	char why[320];
};

/* Check the TOKEN arguments before anything is sent: each a token or "-"
 * (at most one).  Errors: APN_DATAERR naming the argument, APN_USAGE. */
int source_check_args(const char **args, int nargs, struct apn_error *err);

/* Nonzero when stdin is read (no argument, or a "-"). */
int source_reads_stdin(const char **args, int nargs);

/* args: the TOKEN arguments (already checked: each is a token or "-"). */
void source_init(struct source *s, const char **args, int nargs, int stdin_fd,
		 size_t payload_max);

/* The next item; item->raw and item->li.payload stay valid until the next
 * call. */
enum source_status source_next(struct source *s, struct source_item *item);

int source_fd(const struct source *s);
void source_fill(struct source *s);

/* source_next, waiting (poll) while stdin has no whole line: never
 * SOURCE_AGAIN.  For reading the rest of the input to its end. */
enum source_status source_next_wait(struct source *s, struct source_item *item);

/* Lines read from stdin so far. */
uint64_t source_lines(const struct source *s);

/* "line 12" or "argument 2" for messages. */
void source_where(uint64_t where, char *buf, size_t len);

#endif
