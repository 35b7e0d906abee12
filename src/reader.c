/* reader.c: poll-driven line reading. */
#include <config.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "reader.h"

void reader_init(struct reader *r, int fd)
{
	memset(r, 0, sizeof *r);
	r->fd = fd;
}

void reader_fill(struct reader *r)
{
	ssize_t n;

	if (r->eof || r->error)
		return;
	if (r->start > 0) { /* make room at the end */
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	do
		n = read(r->fd, r->buf + r->end, sizeof r->buf - r->end);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		r->error = errno;
	else if (n == 0)
		r->eof = 1;
	else
		r->end += (size_t)n;
}

enum reader_status reader_next(struct reader *r, const char **line, size_t *len,
			       int *toolong)
{
	for (;;) {
		char *s = r->buf + r->start;
		size_t have = r->end - r->start;
		char *nl = memchr(s, '\n', have);

		if (r->skipping) {
			if (nl == NULL) {
				r->start = r->end = 0;
				if (r->eof)
					return READER_EOF;
				return r->error ? READER_ERROR : READER_AGAIN;
			}
			r->start += (size_t)(nl - s) + 1;
			r->skipping = 0;
			continue;
		}
		*toolong = 0;
		if (nl != NULL && (size_t)(nl - s) <= READER_LINE_MAX) {
			*line = s;
			*len = (size_t)(nl - s);
			r->start += *len + 1;
			r->lineno++;
			return READER_LINE;
		}
		if (have > READER_LINE_MAX) {
			/* Too long: hand out the start, drop the rest. */
			*line = s;
			*len = READER_LINE_MAX;
			*toolong = 1;
			r->lineno++;
			if (nl != NULL)
				r->start += (size_t)(nl - s) + 1;
			else {
				r->start = r->end = 0;
				r->skipping = !r->eof;
			}
			/* The returned bytes stay in place until the next call. */
			return READER_LINE;
		}
		if (r->eof) {
			if (have == 0)
				return READER_EOF;
			*line = s; /* a last line without its newline */
			*len = have;
			r->start = r->end;
			r->lineno++;
			return READER_LINE;
		}
		if (r->error)
			return READER_ERROR;
		return READER_AGAIN;
	}
}
