/* window.h: which notifications are still unresolved, and the arithmetic
 * that ties sequence numbers to identifiers.  No I/O.
 *
 * Every valid input item gets a sequence number (seq) 0, 1, 2, ... in input
 * order, and the identifier id_of(seq): --id for seq 0, then one more per
 * seq, skipping 0 (what the gateway says when it cannot tell) after
 * 4294967295.  So an identifier named by the gateway maps back to a seq by
 * arithmetic alone, with no table in memory however large the window.
 *
 *   lo    every seq below lo has its final result;
 *   w     next seq to write on the current connection (lo <= w <= next);
 *   next  seqs read from the input so far.
 *
 * Attempts: a notification's attempts are the connections it was fully
 * written on.  A connection starts writing at lo and ends having written
 * up to its w, so attempts(seq) = (ended connections whose w > seq) + (1
 * if the current connection wrote it).  The ends are kept in a small heap
 * that drops those at or below lo, so it holds only connections whose
 * writes reach past what is resolved.
 */
#ifndef APNSEND_WINDOW_H
#define APNSEND_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct window {
	uint64_t lo, w, next;
	uint32_t first_id;
	uint64_t *ends;   /* min-heap of ended connections' w, each > lo */
	size_t nends, cap;
};

void window_init(struct window *win, uint32_t first_id);
void window_free(struct window *win);

/* The identifier of seq. */
uint32_t window_id(const struct window *win, uint64_t seq);

/* The written, unresolved seq ([lo, w)) whose identifier is id; -1 when
 * none has it (id 0, an identifier resolved already or never written). */
int window_find(const struct window *win, uint32_t id, uint64_t *seq);

/* The current connection ended having written up to win->w: remember it
 * for attempts, and rewind w to lo so the next connection resends from
 * there.  Errors: APN_SOFTWARE (out of memory). */
int window_conn_end(struct window *win, struct apn_error *err);

/* Every seq below `below` is resolved (lo moves up; w too if it was
 * below).  Call for increasing values. */
void window_resolve(struct window *win, uint64_t below);

/* Attempts of seq (lo <= seq): ended connections that wrote it, plus the
 * current one when current is nonzero and seq < w. */
unsigned window_attempts(const struct window *win, uint64_t seq, int current);

#endif
