/* gateway.c: the write/read loop of one gateway connection.
 *
 * Three phases under one poll loop that always reads too:
 *   writing   frames go out, batched into full TLS records;
 *   draining  all frames are with the kernel: wait until the gateway's TCP
 *             has acknowledged every byte, so "ok" never covers bytes still
 *             sitting in our send queue;
 *   waiting   up to timeout_ms for an answer.
 * Anything the gateway sends ends the writing; a close ends the loop.
 */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "gateway.h"
#include "msg.h"
#include "net.h"

/* One TLS record carries at most 16 KiB of data: fill that much per send. */
#define BATCH_BYTES 16384
#define BATCH_FRAMES (BATCH_BYTES / 60 + 2)
/* A gateway's answer is 6 bytes; past this it is flooding us. */
#define READ_LIMIT 65536
/* How often to look at the send queue while draining. */
#define DRAIN_POLL_MS 20

enum phase { WRITING, DRAINING, WAITING };

struct batch {
	uint8_t buf[BATCH_BYTES + FRAME_MAX_BYTES];
	size_t len;                /* encoded bytes in buf */
	size_t off;                /* bytes of buf already sent */
	size_t ends[BATCH_FRAMES]; /* end offset of each frame in buf */
	size_t nframes;
	size_t done;               /* frames of this batch fully sent */
};

struct exchange {
	struct tls_conn *conn;
	const struct gateway_params *p;
	const struct notification *list;
	size_t n, next;      /* next notification to encode */
	struct batch b;
	enum phase phase;
	int reading;         /* 0 once the read side ended */
	int64_t deadline;    /* end of the wait (WAITING) */
	int64_t progress;    /* last write or acknowledgement progress */
	long unacked;        /* send queue bytes at the last look */
	short send_events;   /* what the last blocked send waits for */
	int stalled;
	int have_packet;
	int local_error;     /* our side failed (poll, a non-reset write error) */
	struct answer *ans;
};

static void fill(struct exchange *x)
{
	struct batch *b = &x->b;

	b->len = b->off = b->nframes = b->done = 0;
	while (x->next < x->n && b->len < BATCH_BYTES && b->nframes < BATCH_FRAMES) {
		size_t w = frame_encode(x->p->format, &x->list[x->next],
					b->buf + b->len, sizeof b->buf - b->len);
		if (w == 0)
			break; /* cannot happen: sizes were validated */
		b->len += w;
		b->ends[b->nframes++] = b->len;
		x->next++;
	}
}

/* Start the answer wait now (no-op when already waiting). */
static void start_wait(struct exchange *x)
{
	if (x->phase == WAITING)
		return;
	x->phase = WAITING;
	x->deadline = clock_ms() + x->p->timeout_ms;
}

static void end_reading(struct exchange *x, enum closed_kind how)
{
	x->ans->closed = how;
	x->reading = 0;
	start_wait(x);
}

static void take_bytes(struct exchange *x, const uint8_t *data, size_t len)
{
	struct answer *a = x->ans;

	for (size_t i = 0; i < len; i++) {
		if (a->nbytes < ANSWER_BYTES_KEPT)
			a->bytes[a->nbytes] = data[i];
		a->nbytes++;
	}
	/* Anything the gateway says means it is closing: stop writing into a
	 * connection whose later notifications it will discard. */
	start_wait(x);
	if (!x->have_packet && a->nbytes >= ERROR_RESPONSE_BYTES &&
	    error_response_decode(a->bytes, &a->packet) == 0)
		x->have_packet = 1;
}

static void do_read(struct exchange *x)
{
	uint8_t buf[4096];

	while (x->reading) {
		ssize_t r = tls_recv(x->conn, buf, sizeof buf);

		if (r > 0) {
			take_bytes(x, buf, (size_t)r);
			if (x->ans->nbytes > READ_LIMIT) {
				snprintf(x->ans->detail, sizeof x->ans->detail,
					 "the gateway sent more than %d bytes", READ_LIMIT);
				end_reading(x, CLOSED_ERROR);
			}
			continue;
		}
		switch (r) {
		case TLS_IO_AGAIN:
			return;
		case TLS_IO_CLOSE_NOTIFY:
			end_reading(x, CLOSED_CLOSE_NOTIFY);
			return;
		case TLS_IO_TCP_CLOSE:
			end_reading(x, CLOSED_TCP);
			return;
		case TLS_IO_RESET:
			end_reading(x, CLOSED_RESET);
			return;
		case TLS_IO_ALERT:
			snprintf(x->ans->alert, sizeof x->ans->alert, "%s",
				 tls_alert_name(x->conn));
			x->ans->alert_refuses_cert = tls_alert_refuses_cert(x->conn);
			end_reading(x, CLOSED_ALERT);
			return;
		default:
			snprintf(x->ans->detail, sizeof x->ans->detail,
				 "TLS error while reading: %s", tls_error_text(x->conn));
			end_reading(x, CLOSED_ERROR);
			return;
		}
	}
}

static void written_all(struct exchange *x)
{
	verbosef("wrote %zu notification%s; waiting for the gateway to "
		 "acknowledge the bytes", x->ans->written,
		 x->ans->written == 1 ? "" : "s");
	x->phase = DRAINING;
	x->progress = clock_ms();
	x->unacked = -2; /* not looked at yet */
}

static void do_write(struct exchange *x)
{
	struct batch *b = &x->b;

	while (x->phase == WRITING) {
		ssize_t r;

		if (b->off == b->len) {
			x->ans->written += b->nframes - b->done;
			b->done = b->nframes;
			if (x->next == x->n) {
				written_all(x);
				return;
			}
			fill(x);
		}
		r = tls_send(x->conn, b->buf + b->off, b->len - b->off);
		if (r == TLS_IO_AGAIN) {
			x->send_events = tls_poll_events(x->conn);
			return;
		}
		if (r < 0) {
			snprintf(x->ans->detail, sizeof x->ans->detail,
				 "write failed: %s", tls_error_text(x->conn));
			if (r == TLS_IO_RESET) {
				if (x->ans->closed == CLOSED_OPEN)
					x->ans->closed = CLOSED_RESET;
			} else {
				x->local_error = 1;
			}
			/* Keep reading: the answer may be waiting for us. */
			start_wait(x);
			return;
		}
		b->off += (size_t)r;
		x->progress = clock_ms();
		while (b->done < b->nframes && b->ends[b->done] <= b->off) {
			b->done++;
			x->ans->written++;
		}
	}
}

/* While draining: has the gateway acknowledged everything? */
static void check_drain(struct exchange *x, int64_t now)
{
	long q = net_unacked(tls_fd(x->conn));

	if (q <= 0) { /* all acknowledged, or the system cannot tell */
		verbosef("the gateway acknowledged every byte; waiting up to %d ms "
			 "for an answer", x->p->timeout_ms);
		start_wait(x);
		return;
	}
	if (x->unacked < 0 || q < x->unacked)
		x->progress = now;
	x->unacked = q;
}

static void stall(struct exchange *x, const char *what)
{
	x->stalled = 1;
	snprintf(x->ans->detail, sizeof x->ans->detail,
		 "no %s for %d ms: the gateway stopped reading", what, x->p->stall_ms);
	start_wait(x);
}

static void classify(struct exchange *x)
{
	struct answer *a = x->ans;

	if (x->have_packet)
		a->kind = ANSWER_ERROR_RESPONSE;
	else if (a->nbytes > 0)
		a->kind = ANSWER_PROTOCOL_ERROR;
	else if (a->closed == CLOSED_CLOSE_NOTIFY)
		a->kind = ANSWER_CLOSE_NOTIFY;
	else if (a->closed == CLOSED_TCP || a->closed == CLOSED_RESET)
		a->kind = ANSWER_TCP_CLOSE;
	else if (a->closed == CLOSED_ALERT)
		a->kind = ANSWER_TLS_ALERT;
	else if (a->closed == CLOSED_ERROR || x->local_error)
		a->kind = ANSWER_PROTOCOL_ERROR;
	else if (x->stalled)
		a->kind = ANSWER_STALLED;
	else
		a->kind = ANSWER_NONE;
}

void gateway_exchange(struct tls_conn *conn, const struct gateway_params *p,
		      const struct notification *list, size_t n,
		      struct answer *ans)
{
	struct exchange x;

	memset(ans, 0, sizeof *ans);
	ans->closed = CLOSED_OPEN;
	memset(&x, 0, sizeof x);
	x.conn = conn;
	x.p = p;
	x.list = list;
	x.n = n;
	x.ans = ans;
	x.phase = WRITING;
	x.reading = 1;
	x.progress = clock_ms();
	x.send_events = POLLOUT;
	fill(&x);

	while (x.reading) {
		struct pollfd pfd;
		int64_t now, until;
		int r;

		/* Records GnuTLS already decrypted do not make the socket
		 * readable: take them before trusting poll(). */
		if (tls_pending(conn) > 0) {
			do_read(&x);
			continue;
		}
		if (x.phase == WRITING)
			do_write(&x);
		now = clock_ms();
		if (x.phase == DRAINING)
			check_drain(&x, now);
		switch (x.phase) {
		case WRITING:
		case DRAINING:
			until = x.progress + p->stall_ms;
			if (now >= until) {
				stall(&x, x.phase == WRITING ? "write progress"
							     : "acknowledgement");
				continue;
			}
			if (x.phase == DRAINING && until > now + DRAIN_POLL_MS)
				until = now + DRAIN_POLL_MS;
			break;
		default:
			until = x.deadline;
			if (now >= until)
				goto done;
			break;
		}
		pfd.fd = tls_fd(conn);
		pfd.events = POLLIN;
		if (x.phase == WRITING)
			pfd.events |= x.send_events;
		pfd.revents = 0;
		r = poll(&pfd, 1, clock_left(until));
		if (r < 0 && errno != EINTR) {
			snprintf(ans->detail, sizeof ans->detail, "poll failed: %s",
				 strerror(errno));
			x.local_error = 1;
			break;
		}
		if (r > 0 && (pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			do_read(&x);
	}
done:
	classify(&x);
}
