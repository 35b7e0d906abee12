/* spool.h: notifications written to the gateway but not yet resolved,
 * kept on disk so memory stays flat however large the window grows.
 *
 * The binary gateway can name a notification written up to --timeout
 * seconds ago, and everything written after it must then be resent: at
 * full speed that is millions of frames.  They live in two unlinked
 * temporary files (data and a fixed-size index), never in RAM.
 *
 * Records are addressed by sequence number (0, 1, 2, ... in input order).
 * A sequence number may be put again (a resend: new attempt count); the
 * latest record wins.  No I/O other than the spool's own files.
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
	uint32_t attempts;     /* connections it was written on, so far */
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

/* Append rec (frame and raw are copied).  rec->seq must be at least the
 * spool's base (the largest `below` given to spool_forget, 0 at first) and
 * at most one more than the largest seq put so far (or the base, when
 * nothing has been put since the files were emptied).  rec may be a record
 * spool_get just filled (a resend), pointing into the spool's buffer.
 * Errors: APN_SOFTWARE (seq out of that range, a length over its limit,
 * write failed, e.g. disk full; the message says which). */
int spool_put(struct spool *s, const struct spool_rec *rec, struct apn_error *err);

/* Read the latest record of seq into *rec.  rec->frame and rec->raw point
 * into the spool's own buffer: valid until the next spool_get or
 * spool_put.  Errors: APN_SOFTWARE (seq never put or already forgotten,
 * read failed). */
int spool_get(struct spool *s, uint64_t seq, struct spool_rec *rec,
	      struct apn_error *err);

/* Every seq below `below` is resolved and will not be asked for again (nor
 * put again).  When that is every seq put so far, the files are emptied
 * (ftruncate), so disk use is bounded by the largest unresolved window, not
 * the run, and the next seq to put is `below`.  A `below` under an earlier
 * one changes nothing. */
void spool_forget(struct spool *s, uint64_t below);

/* Bytes the spool files hold now (for tests and --verbose). */
uint64_t spool_bytes(const struct spool *s);

/* Close (and so delete) the spool.  NULL is fine. */
void spool_close(struct spool *s);

#endif
