/* window.c: seq/identifier arithmetic and attempt counting. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "window.h"

/* Identifiers cycle through 1 .. 2^32-1. */
#define ID_SPAN 4294967295ULL

void window_init(struct window *win, uint32_t first_id)
{
	memset(win, 0, sizeof *win);
	win->first_id = first_id == 0 ? 1 : first_id;
}

void window_free(struct window *win)
{
	free(win->ends);
	win->ends = NULL;
	win->nends = win->cap = 0;
}

uint32_t window_id(const struct window *win, uint64_t seq)
{
	return (uint32_t)((win->first_id - 1 + seq % ID_SPAN) % ID_SPAN + 1);
}

int window_find(const struct window *win, uint32_t id, uint64_t *seq)
{
	uint64_t d;

	if (id == 0 || win->w == win->lo)
		return -1;
	d = ((uint64_t)id + ID_SPAN - window_id(win, win->lo)) % ID_SPAN;
	if (d >= win->w - win->lo)
		return -1;
	*seq = win->lo + d;
	return 0;
}

static void heap_pop(struct window *win)
{
	size_t i = 0, n = --win->nends;
	uint64_t last = win->ends[n];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && win->ends[c + 1] < win->ends[c])
			c++;
		if (win->ends[c] >= last)
			break;
		win->ends[i] = win->ends[c];
		i = c;
	}
	if (n > 0)
		win->ends[i] = last;
}

int window_conn_end(struct window *win, struct apn_error *err)
{
	size_t i;

	if (win->w > win->lo) {
		if (win->nends == win->cap) {
			size_t cap = win->cap ? 2 * win->cap : 16;
			uint64_t *v = realloc(win->ends, cap * sizeof *v);

			if (v == NULL)
				return apn_fail(err, APN_SOFTWARE,
						"counting attempts: out of memory");
			win->ends = v;
			win->cap = cap;
		}
		i = win->nends++;
		while (i > 0 && win->ends[(i - 1) / 2] > win->w) {
			win->ends[i] = win->ends[(i - 1) / 2];
			i = (i - 1) / 2;
		}
		win->ends[i] = win->w;
	}
	win->w = win->lo;
	return 0;
}

void window_resolve(struct window *win, uint64_t below)
{
	if (below <= win->lo)
		return;
	win->lo = below;
	if (win->w < below)
		win->w = below;
	while (win->nends > 0 && win->ends[0] <= below)
		heap_pop(win);
}

unsigned window_attempts(const struct window *win, uint64_t seq, int current)
{
	unsigned n = 0;

	/* Small: only connections whose writes reach past lo are kept. */
	for (size_t i = 0; i < win->nends; i++)
		if (win->ends[i] > seq)
			n++;
	return n + (current && seq < win->w ? 1 : 0);
}
