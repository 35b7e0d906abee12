/* fuzz_reader.c: the line reader (src/reader.h) on a pipe, the way
 * apnsend reads stdin: reader_fill only when poll says the fd is
 * readable, after reader_next said READER_AGAIN.
 *
 * Input: a byte k, then k % 16 + 1 bytes of write sizes (used in turn:
 * b below 128 is b bytes, 0 meaning 1; b from 128 is (b - 127) * 512; at
 * least a 64th of the bytes), then the bytes written to the pipe in
 * writes of those sizes.
 *
 * Checks, against a plain reference that splits the bytes at '\n': the
 * same lines in the same order, each cut at READER_LINE_MAX with toolong
 * set exactly when it was longer, a last line without newline returned
 * too, then READER_EOF; a line points into the reader's buffer; lineno
 * counts the lines. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "reader.h"

static struct reader rd;

struct ref {
	const uint8_t *s;
	size_t len, pos;
	unsigned long long lines;
};

/* The reader's line is the reference's next one. */
static void expect(struct ref *r, const char *line, size_t len, int toolong)
{
	const uint8_t *nl;
	size_t full;

	FUZZ_CHECK(r->pos < r->len);
	nl = memchr(r->s + r->pos, '\n', r->len - r->pos);
	full = nl ? (size_t)(nl - (r->s + r->pos)) : r->len - r->pos;
	FUZZ_CHECK(toolong == (full > READER_LINE_MAX));
	FUZZ_CHECK(len == (toolong ? READER_LINE_MAX : full));
	FUZZ_CHECK(line >= rd.buf && line + len <= rd.buf + sizeof rd.buf);
	FUZZ_CHECK(memcmp(line, r->s + r->pos, len) == 0);
	r->pos += full + (nl != NULL);
	r->lines++;
	FUZZ_CHECK(rd.lineno == r->lines);
}

static int readable(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return poll(&p, 1, 0) > 0;
}

/* Take every line the reader has, filling while the pipe has bytes.
 * Returns 1 at READER_EOF. */
static int drain(struct ref *r, int fd, int closed)
{
	for (;;) {
		const char *line;
		size_t len;
		int toolong = -1;

		switch (reader_next(&rd, &line, &len, &toolong)) {
		case READER_LINE:
			expect(r, line, len, toolong);
			break;
		case READER_AGAIN:
			FUZZ_CHECK(!rd.eof);
			if (!closed && !readable(fd))
				return 0;
			reader_fill(&rd); /* blocks only until the closed end's EOF */
			break;
		case READER_EOF:
			FUZZ_CHECK(closed);
			return 1;
		default:
			FUZZ_CHECK(!"reader_next failed on a pipe");
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sizes, *stream;
	size_t nsizes, slen, at = 0, i = 0;
	struct ref r;
	int fds[2];

	if (fuzz_chunked(data, size, &sizes, &nsizes, &stream, &slen) != 0)
		return 0;

	FUZZ_CHECK(pipe(fds) == 0);
	FUZZ_CHECK(fcntl(fds[1], F_SETFL, O_NONBLOCK) == 0);
	reader_init(&rd, fds[0]);
	r = (struct ref){ stream, slen, 0, 0 };
	while (at < slen) {
		size_t n = fuzz_chunk_size(sizes[i++ % nsizes]);
		ssize_t w;

		if (n == 0)
			n = 1;
		if (n < slen / 64)
			n = slen / 64; /* at most about 64 writes: runs stay fast */
		if (n > slen - at)
			n = slen - at;
		while (n > 0) {
			w = write(fds[1], stream + at, n);
			if (w < 0) {
				/* The pipe is full: let the reader take some. */
				FUZZ_CHECK(errno == EAGAIN || errno == EINTR);
				w = 0;
			}
			at += (size_t)w;
			n -= (size_t)w;
			drain(&r, fds[0], 0);
		}
	}
	close(fds[1]);
	FUZZ_CHECK(drain(&r, fds[0], 1) == 1);
	close(fds[0]);
	FUZZ_CHECK(r.pos == r.len);
	return 0;
}
