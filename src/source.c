/* source.c: TOKEN arguments and stdin lines as one stream of items. */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "source.h"

/* A printable, bounded echo of user input for messages. */
static void shown(const char *s, size_t len, char out[48])
{
	size_t j = 0;

	for (size_t i = 0; i < len && j < 40; i++)
		out[j++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (len > 40) {
		memcpy(out + j, "...", 3);
		j += 3;
	}
	out[j] = '\0';
}

int source_check_args(const char **args, int nargs, struct apn_error *err)
{
	int dashes = 0;

	for (int i = 0; i < nargs; i++) {
		struct apn_token t;
		const char *why;
		char echo[48];

		if (strcmp(args[i], "-") == 0) {
			if (dashes++)
				return apn_fail(err, APN_USAGE, "'-' (read stdin) given twice");
			continue;
		}
		if (token_parse(args[i], strlen(args[i]), &t, &why) != 0) {
			shown(args[i], strlen(args[i]), echo);
			return apn_fail(err, APN_DATAERR, "token '%s': %s", echo, why);
		}
	}
	return 0;
}

int source_reads_stdin(const char **args, int nargs)
{
	if (nargs == 0)
		return 1;
	for (int i = 0; i < nargs; i++)
		if (strcmp(args[i], "-") == 0)
			return 1;
	return 0;
}

void source_init(struct source *s, const char **args, int nargs, int stdin_fd,
		 size_t payload_max)
{
	memset(s, 0, sizeof *s);
	s->args = args;
	s->nargs = nargs;
	s->stdin_at = nargs == 0 ? 0 : -1;
	for (int i = 0; i < nargs; i++)
		if (strcmp(args[i], "-") == 0)
			s->stdin_at = i;
	reader_init(&s->rd, stdin_fd);
	s->payload_max = payload_max;
}

static enum source_status from_stdin(struct source *s, struct source_item *it)
{
	const char *text;
	size_t len;
	int toolong;

	for (;;) {
		switch (reader_next(&s->rd, &text, &len, &toolong)) {
		case READER_AGAIN:
			return SOURCE_AGAIN;
		case READER_EOF:
			s->in_stdin = 0;
			s->stdin_at = -1;
			s->argi++; /* past the "-" (if any) */
			return SOURCE_END;
		case READER_ERROR:
			snprintf(it->why, sizeof it->why, "reading stdin: %s",
				 strerror(s->rd.error));
			return SOURCE_ERROR;
		case READER_LINE:
			break;
		}
		it->where = s->rd.lineno;
		it->raw = text;
		it->raw_len = len;
		if (toolong) {
			snprintf(it->why, sizeof it->why,
				 "line longer than %d bytes", READER_LINE_MAX);
			return SOURCE_INVALID;
		}
		switch (line_parse(text, len, s->payload_max, &it->li, it->why,
				   sizeof it->why)) {
		case LINE_SKIP:
			continue;
		case LINE_INVALID:
			return SOURCE_INVALID;
		case LINE_OK:
			return SOURCE_ITEM;
		}
	}
}

enum source_status source_next(struct source *s, struct source_item *it)
{
	for (;;) {
		enum source_status st;

		if (s->in_stdin || s->argi == s->stdin_at) {
			s->in_stdin = 1;
			st = from_stdin(s, it);
			if (st != SOURCE_END)
				return st;
			continue;
		}
		if (s->argi >= s->nargs)
			return SOURCE_END;
		{
			const char *a = s->args[s->argi++];

			it->where = SOURCE_ARG_BIT | (uint64_t)s->argi;
			it->raw = a;
			it->raw_len = strlen(a);
			if (line_parse(a, it->raw_len, 0, &it->li, it->why,
				       sizeof it->why) != LINE_OK)
				return SOURCE_INVALID; /* checked before: cannot happen */
			return SOURCE_ITEM;
		}
	}
}

int source_fd(const struct source *s)
{
	return s->rd.fd;
}

void source_fill(struct source *s)
{
	reader_fill(&s->rd);
}

uint64_t source_lines(const struct source *s)
{
	return s->rd.lineno;
}

void source_where(uint64_t where, char *buf, size_t len)
{
	if (where & SOURCE_ARG_BIT)
		snprintf(buf, len, "argument %llu",
			 (unsigned long long)(where & ~SOURCE_ARG_BIT));
	else
		snprintf(buf, len, "line %llu", (unsigned long long)where);
}

enum source_status source_next_wait(struct source *s, struct source_item *item)
{
	for (;;) {
		enum source_status st = source_next(s, item);
		struct pollfd pfd = { source_fd(s), POLLIN, 0 };

		if (st != SOURCE_AGAIN)
			return st;
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
			snprintf(item->why, sizeof item->why, "cannot wait for standard input: %s",
				 strerror(errno));
			return SOURCE_ERROR;
		}
		source_fill(s);
	}
}
