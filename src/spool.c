/* spool.c: the on-disk window of unresolved notifications.
 *
 * Two unlinked temporary files.  The data file holds records appended in
 * seq order; the index file holds one 8-byte little-endian data-file
 * offset per seq, at (seq - file_base) * 8.  Since seqs are put once and
 * in order, both files are ordered by seq: the live seqs [base, next) are
 * one contiguous byte range of the data file, from index[base] to the end.
 *
 * Record layout (integers little-endian):
 *   0 seq u64, 8 id u32, 12 line u64, 20 token len u16, 22 frame_len u32,
 *   26 raw_len u32, 30 token bytes, then frame bytes, then raw bytes.
 * Nothing is padded: the spool is written for every notification, and its
 * size is most of the run's disk traffic.
 *
 * Appends are gathered in fixed buffers (records, and the index entries
 * of new seqs) and written in large pieces, not two system calls per
 * notification.  A record or entry still in those buffers is read from
 * there, so reading never forces a write.
 *
 * Reads go through two slots, each a window of the index and a window of
 * the data file read in one piece: the caller reads two interleaved runs
 * of increasing seqs (results from the oldest, resends from another
 * point), and each keeps one slot busy.  Bytes once written never change
 * (appends go past them, holes are punched only below base), so a window
 * stays valid until the files are emptied.
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
#include <unistd.h>

#include "frame.h"
#include "spool.h"

#define HDR_BYTES (8 + 4 + 8 + 2 + 4 + 4)
#define OFF_FLEN 22
#define OFF_RLEN 26
#define REC_MAX_BYTES (HDR_BYTES + TOKEN_MAX_BYTES + FRAME_MAX_BYTES + SPOOL_RAW_MAX)
#define INDEX_ENTRY 8
#define TEMPLATE_NAME "apnsend-spool-XXXXXX"
#define APPEND_BYTES (256 * 1024)
#define INDEX_BUF_ENTRIES 8192
#define SLOTS 2
#define SLOT_ENTRIES 8192
/* At least one whole record, so a window read at a record holds it. */
#define SLOT_BYTES (REC_MAX_BYTES > 65536 ? REC_MAX_BYTES : 65536)
/* Holes are punched after this many seqs are forgotten: one fallocate per
 * file per 65536 notifications costs nothing, and the blocks waiting to be
 * freed stay a few tens of MB at typical record sizes. */
#define PUNCH_SEQS 65536
#define PUNCH_ALIGN 4096

/* Largest value of the signed off_t (32 bits without large-file support). */
#define OFF_T_MAX ((uint64_t)(((uint64_t)1 << (sizeof(off_t) * 8 - 1)) - 1))

/* A read-ahead window of each file; empty when in or dn is 0. */
struct slot {
	uint8_t *ix;     /* SLOT_ENTRIES index entries of seqs iseq0.. */
	uint64_t iseq0;
	size_t in;
	uint8_t *data;   /* SLOT_BYTES of the data file from doff */
	uint64_t doff;
	size_t dn;
	uint64_t used;   /* s->clock when last used: the older one is refilled */
};

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
	uint64_t next;      /* the seq to put next */
	struct slot slot[SLOTS];
	uint64_t clock;
	uint64_t punch_seq;   /* base when holes were last punched */
	uint64_t data_holed;  /* bytes of each file already punched out */
	uint64_t index_holed;
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

/* Write len bytes at off, across short writes and EINTR.  Returns 0, or
 * -1 with errno set. */
static int pwrite_all(int fd, const uint8_t *p, size_t len, uint64_t off)
{
	while (len > 0) {
		ssize_t w = pwrite(fd, p, len, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		if (w == 0) {
			errno = EIO; /* cannot happen for a regular file; never spin */
			return -1;
		}
		p += w;
		len -= (size_t)w;
		off += (uint64_t)w;
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
	s->abuf = malloc(APPEND_BYTES);
	s->ibuf = malloc(INDEX_BUF_ENTRIES * INDEX_ENTRY);
	if (s->abuf == NULL || s->ibuf == NULL)
		goto oom;
	for (int i = 0; i < SLOTS; i++) {
		s->slot[i].ix = malloc(SLOT_ENTRIES * INDEX_ENTRY);
		s->slot[i].data = malloc(SLOT_BYTES);
		if (s->slot[i].ix == NULL || s->slot[i].data == NULL)
			goto oom;
	}
	s->data_fd = make_file(dir, err);
	if (s->data_fd < 0)
		goto fail;
	s->index_fd = make_file(dir, err);
	if (s->index_fd < 0)
		goto fail;
	*out = s;
	return 0;
oom:
	apn_fail(err, APN_SOFTWARE, "opening the spool: out of memory");
fail:
	spool_close(s);
	return -1;
}

/* Write the buffered records and index entries.  Returns 0, or -1 with
 * errno set. */
static int flush(struct spool *s)
{
	if (s->alen > 0) {
		if (pwrite_all(s->data_fd, s->abuf, s->alen, s->data_end - s->alen) != 0)
			return -1;
		s->alen = 0;
	}
	if (s->ib_n > 0) {
		if (pwrite_all(s->index_fd, s->ibuf, s->ib_n * INDEX_ENTRY,
			       (s->ib_seq0 - s->file_base) * INDEX_ENTRY) != 0)
			return -1;
		s->ib_n = 0;
	}
	return 0;
}

/* Whether [p, p + len) overlaps the append buffer. */
static int in_abuf(const struct spool *s, const void *p, size_t len)
{
	uintptr_t a = (uintptr_t)s->abuf, q = (uintptr_t)p;

	return len > 0 && q < a + APPEND_BYTES && q + len > a;
}

int spool_put(struct spool *s, const struct spool_rec *rec, struct apn_error *err)
{
	uint8_t *p;
	uint64_t rec_len;
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
	if (rec->seq != s->next || rec->seq == UINT64_MAX)
		return apn_fail(err, APN_SOFTWARE,
				"spooling seq %llu: out of order (expected %llu)",
				(unsigned long long)rec->seq,
				(unsigned long long)s->next);
	/* A flush below would let the copy overwrite its own source. */
	if (in_abuf(s, rec->frame, rec->frame_len) ||
	    in_abuf(s, rec->raw, rec->raw_len))
		return apn_fail(err, APN_SOFTWARE,
				"spooling seq %llu: frame or input line inside the spool",
				(unsigned long long)rec->seq);
	rec_len = HDR_BYTES + rec->token.len + rec->frame_len + rec->raw_len;
	if (rec->seq - s->file_base > OFF_T_MAX / INDEX_ENTRY ||
	    s->data_end > OFF_T_MAX - rec_len)
		return apn_fail(err, APN_SOFTWARE,
				"spooling seq %llu: spool file too large",
				(unsigned long long)rec->seq);

	if ((s->alen + rec_len > APPEND_BYTES || s->ib_n == INDEX_BUF_ENTRIES) &&
	    flush(s) != 0)
		goto fail;
	p = s->abuf + s->alen;
	put_le(p + 0, rec->seq, 8);
	put_le(p + 8, rec->id, 4);
	put_le(p + 12, rec->line, 8);
	put_le(p + 20, rec->token.len, 2);
	put_le(p + OFF_FLEN, rec->frame_len, 4);
	put_le(p + OFF_RLEN, rec->raw_len, 4);
	p += HDR_BYTES;
	memcpy(p, rec->token.bytes, rec->token.len);
	p += rec->token.len;
	if (rec->frame_len > 0)
		memcpy(p, rec->frame, rec->frame_len);
	if (rec->raw_len > 0)
		memcpy(p + rec->frame_len, rec->raw, rec->raw_len);
	s->alen += rec_len;
	if (s->ib_n == 0)
		s->ib_seq0 = rec->seq;
	put_le(s->ibuf + s->ib_n * INDEX_ENTRY, s->data_end, INDEX_ENTRY);
	s->ib_n++;
	s->data_end += rec_len;
	s->next++;
	return 0;
fail:
	e = errno;
	return apn_fail(err, APN_SOFTWARE, "cannot write seq %llu to the spool: %s",
			(unsigned long long)rec->seq, strerror(e));
}

/* The slot whose index window holds seq, or NULL. */
static struct slot *index_hit(struct spool *s, uint64_t seq)
{
	for (int i = 0; i < SLOTS; i++) {
		struct slot *sl = &s->slot[i];

		if (seq >= sl->iseq0 && seq - sl->iseq0 < sl->in)
			return sl;
	}
	return NULL;
}

static struct slot *oldest(struct spool *s)
{
	struct slot *o = &s->slot[0];

	for (int i = 1; i < SLOTS; i++)
		if (s->slot[i].used < o->used)
			o = &s->slot[i];
	return o;
}

/* Fill sl's index window from seq, as far as the written entries go
 * (seq's entry is written).  Returns 0, or -1 with *why set. */
static int fill_index(struct spool *s, struct slot *sl, uint64_t seq,
		      const char **why)
{
	uint64_t written = (s->ib_n > 0 ? s->ib_seq0 : s->next) - seq;
	size_t n = written < SLOT_ENTRIES ? (size_t)written : SLOT_ENTRIES;

	sl->in = 0;
	if (pread_all(s->index_fd, sl->ix, n * INDEX_ENTRY,
		      (seq - s->file_base) * INDEX_ENTRY, why) != 0)
		return -1;
	sl->iseq0 = seq;
	sl->in = n;
	return 0;
}

/* Point *p at want bytes of the data file at off, all written (below
 * `written`): from a slot that holds them, else read into pref (or the
 * least recently used slot) from off.  Returns 0, or -1 with *why set. */
static int data_at(struct spool *s, struct slot *pref, uint64_t off,
		   size_t want, const uint8_t **p, const char **why)
{
	uint64_t written = s->data_end - s->alen;
	struct slot *sl;
	size_t n;

	for (int i = 0; i < SLOTS; i++) {
		sl = &s->slot[i];
		if (off >= sl->doff && off - sl->doff <= sl->dn &&
		    sl->dn - (off - sl->doff) >= want) {
			sl->used = ++s->clock;
			*p = sl->data + (off - sl->doff);
			return 0;
		}
	}
	*why = "corrupt spool (record runs past the end of the data)";
	if (written - off < want)
		return -1;
	sl = pref != NULL ? pref : oldest(s);
	n = written - off < SLOT_BYTES ? (size_t)(written - off) : SLOT_BYTES;
	sl->dn = 0;
	if (pread_all(s->data_fd, sl->data, n, off, why) != 0)
		return -1;
	sl->doff = off;
	sl->dn = n;
	sl->used = ++s->clock;
	*p = sl->data;
	return 0;
}

int spool_get(struct spool *s, uint64_t seq, struct spool_rec *rec,
	      struct apn_error *err)
{
	struct slot *sl = NULL;
	const uint8_t *p;
	uint64_t off, written = s->data_end - s->alen;
	size_t tlen, flen, rlen;
	const char *why;

	why = "already forgotten";
	if (seq < s->base)
		goto fail;
	why = "never put";
	if (seq >= s->next)
		goto fail;
	if (s->ib_n > 0 && seq >= s->ib_seq0) {
		p = s->ibuf + (seq - s->ib_seq0) * INDEX_ENTRY;
	} else {
		sl = index_hit(s, seq);
		if (sl == NULL) {
			sl = oldest(s);
			if (fill_index(s, sl, seq, &why) != 0)
				goto fail;
		}
		sl->used = ++s->clock;
		p = sl->ix + (seq - sl->iseq0) * INDEX_ENTRY;
	}
	off = get_le(p, INDEX_ENTRY);
	why = "corrupt spool (record offset past the end of the data)";
	if (off > s->data_end || s->data_end - off < HDR_BYTES)
		goto fail;
	/* A record is either all written or all in the append buffer. */
	if (off >= written)
		p = s->abuf + (off - written);
	else if (data_at(s, sl, off, HDR_BYTES, &p, &why) != 0)
		goto fail;
	tlen = (size_t)get_le(p + 20, 2);
	flen = (size_t)get_le(p + OFF_FLEN, 4);
	rlen = (size_t)get_le(p + OFF_RLEN, 4);
	why = "corrupt spool (the record is of another seq)";
	if (get_le(p, 8) != seq)
		goto fail;
	why = "corrupt spool (impossible lengths)";
	if (tlen > TOKEN_MAX_BYTES || flen > FRAME_MAX_BYTES || rlen > SPOOL_RAW_MAX)
		goto fail;
	why = "corrupt spool (record runs past the end of the data)";
	if (s->data_end - off - HDR_BYTES < (uint64_t)tlen + flen + rlen)
		goto fail;
	if (off < written &&
	    data_at(s, sl, off, HDR_BYTES + tlen + flen + rlen, &p, &why) != 0)
		goto fail;

	rec->seq = seq;
	rec->id = (uint32_t)get_le(p + 8, 4);
	rec->line = get_le(p + 12, 8);
	memset(&rec->token, 0, sizeof rec->token);
	rec->token.len = tlen;
	memcpy(rec->token.bytes, p + HDR_BYTES, tlen);
	rec->frame = p + HDR_BYTES + tlen;
	rec->frame_len = flen;
	rec->raw = (const char *)(p + HDR_BYTES + tlen + flen);
	rec->raw_len = rlen;
	return 0;
fail:
	return apn_fail(err, APN_SOFTWARE, "cannot read seq %llu from the spool: %s",
			(unsigned long long)seq, why);
}

/* Free the blocks of fd in [*holed, end rounded down to PUNCH_ALIGN). */
static void punch(int fd, uint64_t *holed, uint64_t end)
{
	end -= end % PUNCH_ALIGN;
	if (end <= *holed)
		return;
#ifdef FALLOC_FL_PUNCH_HOLE
	/* Failure (EOPNOTSUPP on some file systems, ...) only wastes disk
	 * until the files are emptied: the bytes are never read again. */
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)*holed, (off_t)(end - *holed)) == 0)
		*holed = end;
#else
	(void)fd;
#endif
}

/* Free the disk blocks of the records and index entries below base that
 * are written (punching past what is written would free nothing: those
 * blocks are allocated later). */
static void punch_forgotten(struct spool *s)
{
	uint64_t off, iwritten = (s->ib_n > 0 ? s->ib_seq0 : s->next);
	uint8_t ent[INDEX_ENTRY];
	const uint8_t *p = ent;
	const char *why;
	struct slot *sl;

	s->punch_seq = s->base;
	if (s->base >= iwritten) {
		p = s->ibuf + (s->base - s->ib_seq0) * INDEX_ENTRY;
	} else if ((sl = index_hit(s, s->base)) != NULL) {
		p = sl->ix + (s->base - sl->iseq0) * INDEX_ENTRY;
	} else if (pread_all(s->index_fd, ent, sizeof ent,
			     (s->base - s->file_base) * INDEX_ENTRY, &why) != 0) {
		return; /* nothing lost but disk, as in punch() */
	}
	off = get_le(p, INDEX_ENTRY);
	if (off > s->data_end - s->alen)
		off = s->data_end - s->alen;
	punch(s->data_fd, &s->data_holed, off);
	if (iwritten > s->base)
		iwritten = s->base;
	punch(s->index_fd, &s->index_holed,
	      (iwritten - s->file_base) * INDEX_ENTRY);
}

void spool_forget(struct spool *s, uint64_t below)
{
	if (below <= s->base)
		return;
	s->base = below;
	if (below < s->next) {
		if (below - s->punch_seq >= PUNCH_SEQS)
			punch_forgotten(s);
		return;
	}
	/* Nothing unresolved is left: start both files again from empty.  A
	 * failed ftruncate only wastes disk, since every later record and
	 * index entry is written over the old bytes from offset 0. */
	if (ftruncate(s->data_fd, 0) != 0) {
		/* harmless: see above */
	}
	if (ftruncate(s->index_fd, 0) != 0) {
		/* harmless: see above */
	}
	/* The windows hold bytes the new records will be written over. */
	for (int i = 0; i < SLOTS; i++) {
		s->slot[i].in = 0;
		s->slot[i].dn = 0;
	}
	s->data_end = 0;
	s->alen = 0;
	s->ib_n = 0;
	s->file_base = below;
	s->next = below;
	s->punch_seq = below;
	s->data_holed = 0;
	s->index_holed = 0;
}

uint64_t spool_bytes(const struct spool *s)
{
	struct stat d, i;

	/* Ask the files, so a failed truncation and punched holes show; add
	 * what is buffered. */
	if (fstat(s->data_fd, &d) == 0 && fstat(s->index_fd, &i) == 0)
		return ((uint64_t)d.st_blocks + (uint64_t)i.st_blocks) * 512 +
		       s->alen + s->ib_n * INDEX_ENTRY;
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
	for (int i = 0; i < SLOTS; i++) {
		free(s->slot[i].ix);
		free(s->slot[i].data);
	}
	free(s->abuf);
	free(s->ibuf);
	free(s);
}
