/* spool.c: the on-disk window of unresolved notifications.
 *
 * Two unlinked temporary files.  The data file holds records appended one
 * after another; a re-put seq gets a new record and the old one is dead
 * space until the files are emptied.  The index file holds one 8-byte
 * little-endian data-file offset per seq, at (seq - file_base) * 8: the
 * latest record of that seq.  Seqs are put densely (each new one is one
 * more than the last), so the index has no holes.
 *
 * Record layout (integers little-endian):
 *   0 seq u64, 8 id u32, 12 attempts u32, 16 line u64, 24 token len u16,
 *   26 token bytes (TOKEN_MAX_BYTES, zero past len), 126 frame_len u32,
 *   130 raw_len u32, 134 frame bytes, then raw bytes.
 *
 * Appends are gathered in fixed buffers (records, and the index entries
 * of new seqs) and written in large pieces, not two system calls per
 * notification; any read flushes them first.
 *
 * The only heap memory is the struct and its fixed buffers, all allocated
 * at open: nothing grows with the number of records.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include "frame.h"
#include "spool.h"

#define HDR_BYTES (8 + 4 + 4 + 8 + 2 + TOKEN_MAX_BYTES + 4 + 4)
#define REC_MAX_BYTES (HDR_BYTES + FRAME_MAX_BYTES + SPOOL_RAW_MAX)
#define INDEX_ENTRY 8
#define TEMPLATE_NAME "apnsend-spool-XXXXXX"
#define APPEND_BYTES (256 * 1024)
#define INDEX_BUF_ENTRIES 8192

/* Largest value of the signed off_t (32 bits without large-file support). */
#define OFF_T_MAX ((uint64_t)(((uint64_t)1 << (sizeof(off_t) * 8 - 1)) - 1))

struct spool {
	int data_fd;
	int index_fd;
	uint64_t data_end;  /* append position, counting buffered bytes */
	uint8_t *abuf;      /* APPEND_BYTES of records not yet written */
	size_t alen;
	uint8_t *ibuf;      /* index entries of seqs ib_seq0.. not yet written */
	uint64_t ib_seq0;
	size_t ib_n;
	uint64_t file_base; /* seq whose index entry is at offset 0 */
	uint64_t base;      /* seqs below this are forgotten */
	uint64_t next;      /* one more than the largest seq put (or file_base) */
	uint8_t *buf;       /* REC_MAX_BYTES: header, then frame, then raw */
};

static void put_le(uint8_t *p, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

/* Write every byte of iov[0..cnt) at off, across short writes and EINTR.
 * iov is consumed.  Returns 0, or -1 with errno set. */
static int pwritev_all(int fd, struct iovec *iov, int cnt, uint64_t off)
{
	while (cnt > 0) {
		ssize_t w = pwritev(fd, iov, cnt, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		if (w == 0) {
			errno = EIO; /* cannot happen for a regular file; never spin */
			return -1;
		}
		off += (uint64_t)w;
		while (cnt > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* Read len bytes at off, across short reads and EINTR.  Returns 0, or -1
 * with *why saying what went wrong (the file may end first). */
static int pread_all(int fd, uint8_t *p, size_t len, uint64_t off,
		     const char **why)
{
	while (len > 0) {
		ssize_t r = pread(fd, p, len, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*why = strerror(errno);
			return -1;
		}
		if (r == 0) {
			*why = "corrupt spool (a file ends early)";
			return -1;
		}
		p += r;
		len -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

/* Create one spool file in dir and unlink it.  Returns the descriptor, or
 * -1 with err filled. */
static int make_file(const char *dir, struct apn_error *err)
{
	size_t dlen = strlen(dir);
	const char *sep = dlen > 0 && dir[dlen - 1] == '/' ? "" : "/";
	size_t plen = dlen + 1 + sizeof TEMPLATE_NAME;
	char *path = malloc(plen);
	int fd = -1, e;

	if (path == NULL)
		return apn_fail(err, APN_SOFTWARE,
				"cannot create a spool file in %s: out of memory", dir);
	snprintf(path, plen, "%s%s%s", dir, sep, TEMPLATE_NAME);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		apn_fail(err, APN_SOFTWARE, "cannot create a spool file in %s: %s",
			 dir, strerror(e));
		goto out;
	}
	if (unlink(path) != 0) {
		e = errno;
		apn_fail(err, APN_SOFTWARE, "cannot unlink spool file %s: %s",
			 path, strerror(e));
		close(fd);
		fd = -1;
	}
out:
	free(path);
	return fd;
}

int spool_open(const char *dir, struct spool **out, struct apn_error *err)
{
	struct spool *s;

	if (dir == NULL) {
		dir = getenv("TMPDIR");
		if (dir == NULL || dir[0] == '\0')
			dir = "/tmp";
	}
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return apn_fail(err, APN_SOFTWARE, "opening the spool: out of memory");
	s->data_fd = -1;
	s->index_fd = -1;
	s->buf = malloc(REC_MAX_BYTES);
	s->abuf = malloc(APPEND_BYTES);
	s->ibuf = malloc(INDEX_BUF_ENTRIES * INDEX_ENTRY);
	if (s->buf == NULL || s->abuf == NULL || s->ibuf == NULL) {
		apn_fail(err, APN_SOFTWARE, "opening the spool: out of memory");
		goto fail;
	}
	s->data_fd = make_file(dir, err);
	if (s->data_fd < 0)
		goto fail;
	s->index_fd = make_file(dir, err);
	if (s->index_fd < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	spool_close(s);
	return -1;
}

/* Write the buffered records and index entries.  Returns 0, or -1 with
 * errno set. */
static int flush(struct spool *s)
{
	struct iovec iov[1];

	if (s->alen > 0) {
		iov[0].iov_base = s->abuf;
		iov[0].iov_len = s->alen;
		if (pwritev_all(s->data_fd, iov, 1, s->data_end - s->alen) != 0)
			return -1;
		s->alen = 0;
	}
	if (s->ib_n > 0) {
		iov[0].iov_base = s->ibuf;
		iov[0].iov_len = s->ib_n * INDEX_ENTRY;
		if (pwritev_all(s->index_fd, iov, 1,
				(s->ib_seq0 - s->file_base) * INDEX_ENTRY) != 0)
			return -1;
		s->ib_n = 0;
	}
	return 0;
}

int spool_put(struct spool *s, const struct spool_rec *rec, struct apn_error *err)
{
	uint8_t hdr[HDR_BYTES], ent[INDEX_ENTRY];
	struct iovec iov[3];
	uint64_t rec_len, slot;
	int e;

	if (rec->frame_len > FRAME_MAX_BYTES)
		return apn_fail(err, APN_SOFTWARE,
				"spooling seq %llu: frame of %zu bytes is longer than %d",
				(unsigned long long)rec->seq, rec->frame_len,
				(int)FRAME_MAX_BYTES);
	if (rec->raw_len > SPOOL_RAW_MAX)
		return apn_fail(err, APN_SOFTWARE,
				"spooling seq %llu: input line of %zu bytes is longer than %d",
				(unsigned long long)rec->seq, rec->raw_len,
				SPOOL_RAW_MAX);
	if (rec->token.len > TOKEN_MAX_BYTES)
		return apn_fail(err, APN_SOFTWARE,
				"spooling seq %llu: token of %zu bytes is longer than %d",
				(unsigned long long)rec->seq, rec->token.len,
				TOKEN_MAX_BYTES);
	if ((rec->frame == NULL && rec->frame_len > 0) ||
	    (rec->raw == NULL && rec->raw_len > 0))
		return apn_fail(err, APN_SOFTWARE,
				"spooling seq %llu: NULL frame or input line",
				(unsigned long long)rec->seq);
	if (rec->seq < s->base || rec->seq > s->next || rec->seq == UINT64_MAX)
		return apn_fail(err, APN_SOFTWARE,
				"spooling seq %llu: out of order (expected %llu to %llu)",
				(unsigned long long)rec->seq,
				(unsigned long long)s->base,
				(unsigned long long)s->next);
	rec_len = HDR_BYTES + rec->frame_len + rec->raw_len;
	slot = (rec->seq - s->file_base) * INDEX_ENTRY;
	if (rec->seq - s->file_base > OFF_T_MAX / INDEX_ENTRY ||
	    s->data_end > OFF_T_MAX - rec_len)
		return apn_fail(err, APN_SOFTWARE,
				"spooling seq %llu: spool file too large",
				(unsigned long long)rec->seq);

	memset(hdr, 0, sizeof hdr);
	put_le(hdr + 0, rec->seq, 8);
	put_le(hdr + 8, rec->id, 4);
	put_le(hdr + 12, rec->attempts, 4);
	put_le(hdr + 16, rec->line, 8);
	put_le(hdr + 24, rec->token.len, 2);
	memcpy(hdr + 26, rec->token.bytes, rec->token.len);
	put_le(hdr + 26 + TOKEN_MAX_BYTES, rec->frame_len, 4);
	put_le(hdr + 30 + TOKEN_MAX_BYTES, rec->raw_len, 4);
	if (s->alen + rec_len > APPEND_BYTES && flush(s) != 0)
		goto fail;
	/* Copied from the caller's memory into the append buffer; rec may be
	 * what spool_get just filled (a resend), pointing into s->buf, which
	 * is a different buffer. */
	memcpy(s->abuf + s->alen, hdr, sizeof hdr);
	if (rec->frame_len > 0)
		memcpy(s->abuf + s->alen + sizeof hdr, rec->frame, rec->frame_len);
	if (rec->raw_len > 0)
		memcpy(s->abuf + s->alen + sizeof hdr + rec->frame_len, rec->raw,
		       rec->raw_len);
	s->alen += rec_len;
	put_le(ent, s->data_end, INDEX_ENTRY);
	s->data_end += rec_len;
	if (s->ib_n > 0 && rec->seq >= s->ib_seq0 && rec->seq < s->ib_seq0 + s->ib_n) {
		/* A resend of a seq whose entry is still buffered. */
		memcpy(s->ibuf + (rec->seq - s->ib_seq0) * INDEX_ENTRY, ent, INDEX_ENTRY);
	} else if (rec->seq == s->next) {
		if (s->ib_n == INDEX_BUF_ENTRIES && flush(s) != 0)
			goto fail;
		if (s->ib_n == 0)
			s->ib_seq0 = rec->seq;
		memcpy(s->ibuf + s->ib_n * INDEX_ENTRY, ent, INDEX_ENTRY);
		s->ib_n++;
	} else {
		/* A resend of a seq whose entry is on disk: its record must be
		 * there before the entry points at it. */
		if (flush(s) != 0)
			goto fail;
		iov[0].iov_base = ent;
		iov[0].iov_len = sizeof ent;
		if (pwritev_all(s->index_fd, iov, 1, slot) != 0)
			goto fail;
	}
	if (rec->seq == s->next)
		s->next++;
	return 0;
fail:
	e = errno;
	return apn_fail(err, APN_SOFTWARE, "cannot write seq %llu to the spool: %s",
			(unsigned long long)rec->seq, strerror(e));
}

int spool_get(struct spool *s, uint64_t seq, struct spool_rec *rec,
	      struct apn_error *err)
{
	uint8_t ent[INDEX_ENTRY];
	uint64_t off, body;
	size_t tlen, flen, rlen;
	const char *why;

	why = "already forgotten";
	if (seq < s->base)
		goto fail;
	why = "never put";
	if (seq >= s->next)
		goto fail;
	if (flush(s) != 0) {
		why = strerror(errno);
		goto fail;
	}
	if (pread_all(s->index_fd, ent, sizeof ent,
		      (seq - s->file_base) * INDEX_ENTRY, &why) != 0)
		goto fail;
	off = get_le(ent, INDEX_ENTRY);
	why = "corrupt spool (record offset past the end of the data)";
	if (off > s->data_end || s->data_end - off < HDR_BYTES)
		goto fail;
	if (pread_all(s->data_fd, s->buf, HDR_BYTES, off, &why) != 0)
		goto fail;
	tlen = (size_t)get_le(s->buf + 24, 2);
	flen = (size_t)get_le(s->buf + 26 + TOKEN_MAX_BYTES, 4);
	rlen = (size_t)get_le(s->buf + 30 + TOKEN_MAX_BYTES, 4);
	why = "corrupt spool (the record is of another seq)";
	if (get_le(s->buf, 8) != seq)
		goto fail;
	why = "corrupt spool (impossible lengths)";
	if (tlen > TOKEN_MAX_BYTES || flen > FRAME_MAX_BYTES || rlen > SPOOL_RAW_MAX)
		goto fail;
	body = (uint64_t)flen + rlen;
	why = "corrupt spool (record runs past the end of the data)";
	if (s->data_end - off - HDR_BYTES < body)
		goto fail;
	if (pread_all(s->data_fd, s->buf + HDR_BYTES, (size_t)body,
		      off + HDR_BYTES, &why) != 0)
		goto fail;

	rec->seq = seq;
	rec->id = (uint32_t)get_le(s->buf + 8, 4);
	rec->attempts = (uint32_t)get_le(s->buf + 12, 4);
	rec->line = get_le(s->buf + 16, 8);
	memset(&rec->token, 0, sizeof rec->token);
	rec->token.len = tlen;
	memcpy(rec->token.bytes, s->buf + 26, tlen);
	rec->frame = s->buf + HDR_BYTES;
	rec->frame_len = flen;
	rec->raw = (const char *)(s->buf + HDR_BYTES + flen);
	rec->raw_len = rlen;
	return 0;
fail:
	return apn_fail(err, APN_SOFTWARE, "cannot read seq %llu from the spool: %s",
			(unsigned long long)seq, why);
}

void spool_forget(struct spool *s, uint64_t below)
{
	if (below <= s->base)
		return;
	s->base = below;
	if (below < s->next)
		return;
	/* Nothing unresolved is left: start both files again from empty.  A
	 * failed ftruncate only wastes disk, since every later record and
	 * index entry is written over the old bytes from offset 0. */
	if (ftruncate(s->data_fd, 0) != 0) {
		/* harmless: see above */
	}
	if (ftruncate(s->index_fd, 0) != 0) {
		/* harmless: see above */
	}
	s->data_end = 0;
	s->alen = 0;
	s->ib_n = 0;
	s->file_base = below;
	s->next = below;
}

uint64_t spool_bytes(const struct spool *s)
{
	struct stat d, i;

	/* Ask the files, so a failed truncation shows; add what is buffered. */
	if (fstat(s->data_fd, &d) == 0 && fstat(s->index_fd, &i) == 0)
		return (uint64_t)d.st_size + (uint64_t)i.st_size + s->alen +
		       s->ib_n * INDEX_ENTRY;
	return s->data_end + (s->next - s->file_base) * INDEX_ENTRY;
}

void spool_close(struct spool *s)
{
	if (s == NULL)
		return;
	if (s->data_fd >= 0)
		close(s->data_fd);
	if (s->index_fd >= 0)
		close(s->index_fd);
	free(s->buf);
	free(s->abuf);
	free(s->ibuf);
	free(s);
}
