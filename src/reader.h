/* reader.h: lines from a file descriptor, read only when poll() says so,
 * so one loop can watch stdin and the gateway together.  Memory is one
 * fixed buffer; a line longer than READER_LINE_MAX is returned truncated
 * with its `toolong` flag set (the rest is skipped).  The fd is never put
 * into non-blocking mode (that would change it for every process sharing
 * the terminal or pipe). */
#ifndef APNSEND_READER_H
#define APNSEND_READER_H

#include <stddef.h>

#define READER_LINE_MAX 8192

struct reader {
	int fd;
	char buf[2 * READER_LINE_MAX];
	size_t start, end;  /* unconsumed bytes are buf[start..end) */
	int eof, error;     /* error: errno of a failed read */
	int skipping;       /* inside a too-long line: drop to its newline */
	unsigned long long lineno;
};

void reader_init(struct reader *r, int fd);

enum reader_status {
	READER_LINE,  /* *line (len bytes, no newline) is the next line */
	READER_AGAIN, /* no whole line buffered: poll fd for POLLIN, then reader_fill */
	READER_EOF,   /* input ended (a last line without newline was returned) */
	READER_ERROR  /* read failed: r->error */
};

/* The next buffered line; valid until the next reader call.  *toolong is
 * set when the line was cut at READER_LINE_MAX. */
enum reader_status reader_next(struct reader *r, const char **line, size_t *len,
			       int *toolong);

/* One read() into the buffer.  Call when poll reported the fd readable
 * (or for files, which always are). */
void reader_fill(struct reader *r);

#endif
