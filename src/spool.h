/* spool.h: notifications written to the gateway but not yet resolved,
 * kept on disk so memory stays flat however large the window grows.
 *
 * The binary gateway can name a notification written up to --timeout
 * seconds ago, and everything written after it must then be resent: at
 * full speed that is millions of frames.  They live in two unlinked
 * temporary files (data and a fixed-size index), never in RAM.
 *
 * Records are addressed by sequence number (0, 1, 2, ... in input order)
 * and only appended: each seq is put once, in order, and never changes
 * (the caller counts resend attempts itself).  Reading seqs in increasing
 * order, in up to two interleaved streams, is served from read-ahead
 * buffers, not a system call per record.  No I/O other than the spool's
 * own files.
 */
#ifndef APNSEND_SPOOL_H
#define APNSEND_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "token.h"

/* Longest input line kept for --failed-out (longer lines are invalid). */
#define SPOOL_RAW_MAX 8192

struct spool;

struct spool_rec {
	uint64_t seq;          /* sequence number, in input order */
	uint32_t id;           /* identifier written in the frame */
	uint64_t line;         /* input line number; 0 for a TOKEN argument */
	struct apn_token token;
	const uint8_t *frame;  /* encoded frame, frame_len bytes */
	size_t frame_len;
	const char *raw;       /* the input line as read, without its newline */
	size_t raw_len;        /* at most SPOOL_RAW_MAX */
};

/* Create the spool in dir (NULL: $TMPDIR if set and not empty, else
 * /tmp).  The files are unlinked at once: nothing is left behind, whatever
 * happens.  Errors: APN_SOFTWARE (cannot create or unlink; the message
 * names the path). */
int spool_open(const char *dir, struct spool **out, struct apn_error *err);

/* Append rec (frame, raw and token are copied).  rec->seq must be the
 * spool's next seq: one more than the last seq put, or, when nothing has
 * been put since the files were emptied, the base (the largest `below`
 * given to spool_forget, 0 at first).  A seq put again or out of order is
 * refused.  frame and raw must not point into a record spool_get
 * returned (a seq is put once, so there is no need; it may be refused).
 * Errors: APN_SOFTWARE (seq not the next one, a length over its limit,
 * frame or raw inside the spool, write failed, e.g. disk full; the message
 * says which). */
int spool_put(struct spool *s, const struct spool_rec *rec, struct apn_error *err);

/* Read the record of seq into *rec.  rec->frame and rec->raw point into
 * memory the spool owns (a read-ahead buffer or the append buffer): valid
 * until the next spool_get or spool_put, whichever seq it is for.
 * Increasing seqs are cheap; a seq far from the last two read costs two
 * reads of up to 64 KiB.  Errors: APN_SOFTWARE (seq never put or already
 * forgotten, read failed, corrupt spool). */
int spool_get(struct spool *s, uint64_t seq, struct spool_rec *rec,
	      struct apn_error *err);

/* Every seq below `below` is resolved and will not be asked for again.
 * When that is every seq put so far, the files are emptied (ftruncate) and
 * the next seq to put is `below`.  Otherwise, each time `below` has moved
 * 65536 seqs past the last such point, the disk blocks of the forgotten
 * records are freed (holes punched, sizes and offsets unchanged), so a
 * stream that never drains uses disk bounded by its unresolved window plus
 * 65536 records.  On a file system that cannot punch holes those blocks
 * stay until the files are emptied.  A `below` under an earlier one
 * changes nothing. */
void spool_forget(struct spool *s, uint64_t below);

/* Disk bytes the spool files occupy now (blocks allocated, so freed holes
 * do not count), plus appends not yet written (for tests and --verbose). */
uint64_t spool_bytes(const struct spool *s);

/* Close (and so delete) the spool.  NULL is fine. */
void spool_close(struct spool *s);

#endif
