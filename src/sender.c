/* sender.c: the streaming engine (see sender.h).
 *
 * A connection goes through: connect and handshake; write frames, batched
 * into 16 KiB TLS records, from the spool (resends) and then from the
 * input; keep reading all along.  The first byte from the gateway stops
 * the writing (it is about to close, and discards what follows); the
 * connection ends when the gateway closes it, --timeout after its packet,
 * when everything is resolved and the input has ended, or when it stalls.
 * Then the verdict resolves what the answer proves, and the loop goes on
 * with a new connection for what is left.
 *
 * Resolution by silence: after each batch we note how far the socket's
 * byte stream reached (a checkpoint).  When the gateway's TCP has
 * acknowledged that far and --timeout more has passed with no byte from
 * the gateway, every notification of the checkpoint is ok.
 */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "conn.h"
#include "msg.h"
#include "net.h"
#include "progress.h"
#include "sender.h"
#include "signals.h"
#include "trace.h"
#include "verdict.h"
#include "window.h"

/* One TLS record carries at most 16 KiB of data: fill that much per send. */
#define BATCH_BYTES 16384
#define BATCH_FRAMES (BATCH_BYTES / 40 + 2)
/* A gateway's answer is 6 bytes; past this it is flooding us. */
#define READ_LIMIT 65536
/* How often to look at the acknowledgements while some are missing. */
#define ACK_POLL_MS 20
/* Checkpoints kept; when full, the newest one grows instead (later). */
#define CHECKPOINTS 1024
#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 5000

struct batch {
	uint8_t buf[BATCH_BYTES + FRAME_MAX_BYTES];
	size_t len, off;
	size_t ends[BATCH_FRAMES]; /* end offset of each frame in buf */
	size_t nframes, done;      /* frames in buf, frames fully sent */
	size_t nseq;               /* frames that are notifications (the rest: the sentinel) */
};

struct checkpoint {
	uint64_t seq_end;  /* notifications below this were written ... */
	uint64_t pos;      /* ... within the first pos bytes of the socket */
	int64_t acked_at;  /* when TCP acknowledged pos (0: not yet) */
};

enum sentinel_state { SENTINEL_NONE, SENTINEL_QUEUED, SENTINEL_SENT };

struct sender {
	const struct sender_params *p;
	struct window win;
	struct totals *tot;
	struct progress prog;
	enum apn_code code;
	int stop;            /* a fatal condition: no more connections */
	int broken;          /* the spool failed: no result can be read back */
	int input_done;
	int want_input;      /* the source said SOURCE_AGAIN */
	uint64_t ever;       /* highest w ever reached: below it, a write is a resend */
	uint64_t read;       /* items read (valid and invalid) */
	int no_progress;     /* connections in a row that resolved nothing */
	int interrupted;     /* signals seen: 1 stop sending, 2 stop waiting too */
	int64_t backoff_until;
	uint8_t scratch[FRAME_MAX_BYTES];

	/* the current connection */
	struct tls_conn *conn;
	struct answer ans;
	int writing, reading;
	int have_packet, stalled, local_error;
	int64_t answer_deadline; /* after the first byte: wait for the close */
	int64_t write_progress, ack_progress;
	uint64_t acked_pos;
	short send_events;
	enum sentinel_state sentinel;
	uint32_t sentinel_id;
	uint64_t since_confirm;  /* frames written since the connection started */
	uint64_t lo_at_start;
	int64_t idle_since;      /* 0: not idle */
	struct batch b;
	struct checkpoint cp[CHECKPOINTS];
	size_t cp_head, cp_n;
};

/* ---- results ------------------------------------------------------------ */

static void internal(struct sender *s, const struct apn_error *err)
{
	progress_clear(&s->prog);
	errorf("%s", err->msg);
	s->code = apn_code_worst(s->code, err->code);
	s->stop = s->broken = 1;
}

static void count_n(struct sender *s, enum result r, uint64_t n)
{
	if (n == 0)
		return;
	s->tot->results[r] += n;
	if (r == RESULT_REJECTED)
		s->code = apn_code_worst(s->code, APN_REJECTED);
	else if (r == RESULT_INVALID)
		s->code = apn_code_worst(s->code, APN_DATAERR);
	else if (r != RESULT_OK)
		s->code = apn_code_worst(s->code, APN_TEMPFAIL);
}

static void count(struct sender *s, enum result r)
{
	count_n(s, r, 1);
}

static void to_failed_out(struct sender *s, const char *raw, size_t len)
{
	if (s->p->failed_out == NULL)
		return;
	fwrite(raw, 1, len, s->p->failed_out);
	fputc('\n', s->p->failed_out);
}

/* A bad input line: its result, at once. */
static void invalid_line(struct sender *s, uint64_t where, const char *why)
{
	struct result_line l;

	s->read++;
	memset(&l, 0, sizeof l);
	l.result = RESULT_INVALID;
	l.where = where;
	l.reason = why;
	report_result(s->p->rep, &l);
	count(s, RESULT_INVALID);
}

/* Reading stdin failed: what was read is still sent. */
static void input_failed(struct sender *s, const char *why)
{
	progress_clear(&s->prog);
	errorf("%s", why);
	s->code = apn_code_worst(s->code, APN_NOINPUT);
	s->input_done = 1;
}

/* Final results for seqs [lo, to): result, with status for rejected ones
 * and reason for the others.  Moves lo to `to`. */
static void resolve(struct sender *s, uint64_t to, enum result result,
		    uint8_t status, const char *reason)
{
	struct apn_error err = { APN_OK, "" };
	int current = s->conn != NULL;
	int to_fo = (result == RESULT_FAILED || result == RESULT_UNCONFIRMED) &&
		    s->p->failed_out != NULL;

	if (s->broken)
		return;
	if (!to_fo && !report_shows_results(s->p->rep)) {
		/* Nothing is printed (--quiet): no record need be read back. */
		count_n(s, result, to > s->win.lo ? to - s->win.lo : 0);
	} else {
		for (uint64_t seq = s->win.lo; seq < to; seq++) {
			struct spool_rec rec;
			struct result_line l;

			if (spool_get(s->p->spool, seq, &rec, &err) != 0) {
				internal(s, &err);
				return;
			}
			l.result = result;
			l.where = rec.line;
			l.id = rec.id;
			l.token = &rec.token;
			l.attempts = window_attempts(&s->win, seq, current);
			l.status = status;
			l.reason = reason;
			l.apns_id = NULL;
			l.timestamp_ms = -1;
			report_result(s->p->rep, &l);
			count(s, result);
			if (to_fo)
				to_failed_out(s, rec.raw, rec.raw_len);
		}
	}
	window_resolve(&s->win, to);
	spool_forget(s->p->spool, to);
}

/* Everything unresolved, and every item still to come, fails. */
static void fail_rest(struct sender *s, const char *reason)
{
	struct source_item it;

	resolve(s, s->win.next, RESULT_FAILED, 0, reason);
	/* Read the rest of the input so each line gets its result and goes to
	 * --failed-out: the next run can take over from there. */
	while (!s->input_done) {
		struct result_line l;

		switch (source_next_wait(s->p->src, &it)) {
		case SOURCE_ITEM:
			s->read++;
			memset(&l, 0, sizeof l);
			l.result = RESULT_FAILED;
			l.where = it.where;
			l.token = &it.li.token;
			l.reason = reason;
			/* The identifier it would have had. */
			l.id = window_id(&s->win, s->win.next++);
			s->win.lo = s->win.w = s->win.next;
			report_result(s->p->rep, &l);
			count(s, RESULT_FAILED);
			to_failed_out(s, it.raw, it.raw_len);
			break;
		case SOURCE_INVALID:
			invalid_line(s, it.where, it.why);
			break;
		case SOURCE_ERROR:
			input_failed(s, it.why);
			break;
		case SOURCE_AGAIN: /* not from source_next_wait */
		case SOURCE_END:
			s->input_done = 1;
			break;
		}
	}
	spool_forget(s->p->spool, s->win.next);
	s->stop = 1;
}

/* ---- input -------------------------------------------------------------- */

/* The frame's expiry: --expiry seconds from now, now being when the
 * notification is first encoded, so a long stream does not send
 * notifications that expired before they were written (a resend keeps
 * the frame, and so its expiry). */
static uint32_t expiry_now(const struct sender_params *p)
{
	struct timespec now;
	unsigned long long at;

	if (p->expiry_s <= 0)
		return 0;
	/* Not time(): it may lag the second the wall clock is in. */
	clock_gettime(CLOCK_REALTIME, &now);
	at = (unsigned long long)now.tv_sec + (unsigned long long)p->expiry_s;
	return at > UINT32_MAX ? UINT32_MAX : (uint32_t)at;
}

/* Read input until one valid item is spooled (1), or none is available now
 * (0: s->want_input or s->input_done says why).  Invalid lines get their
 * result on the way.  -1: internal error. */
static int ingest(struct sender *s, const uint8_t **frame, size_t *flen)
{
	const struct sender_params *p = s->p;
	struct source_item it;
	struct apn_error err = { APN_OK, "" };

	for (;;) {
		struct notification n;
		struct spool_rec rec;

		switch (source_next(p->src, &it)) {
		case SOURCE_AGAIN:
			s->want_input = 1;
			return 0;
		case SOURCE_END:
			s->input_done = 1;
			return 0;
		case SOURCE_ERROR:
			input_failed(s, it.why);
			return 0;
		case SOURCE_INVALID:
			invalid_line(s, it.where, it.why);
			continue;
		case SOURCE_ITEM:
			break;
		}
		if (it.li.payload == NULL && p->payload == NULL) {
			invalid_line(s, it.where, "no payload: the line has none and no "
				     "default payload was given (--payload, --alert, ...)");
			continue;
		}
		s->read++;
		n.id = window_id(&s->win, s->win.next);
		n.expiry = expiry_now(p);
		n.priority = p->priority;
		n.token = &it.li.token;
		n.payload = it.li.payload ? (const uint8_t *)it.li.payload : p->payload;
		n.payload_len = it.li.payload ? it.li.payload_len : p->payload_len;
		rec.seq = s->win.next;
		rec.id = n.id;
		rec.line = it.where;
		rec.token = it.li.token;
		rec.frame = s->scratch;
		rec.frame_len = frame_encode(p->format, &n, s->scratch, sizeof s->scratch);
		/* The raw line is kept only for --failed-out. */
		rec.raw = p->failed_out ? it.raw : NULL;
		rec.raw_len = p->failed_out ? it.raw_len : 0;
		if (rec.frame_len == 0) {
			apn_fail(&err, APN_SOFTWARE, "cannot encode the notification of input %llu",
				 (unsigned long long)it.where);
			internal(s, &err);
			return -1;
		}
		if (spool_put(p->spool, &rec, &err) != 0) {
			internal(s, &err);
			return -1;
		}
		s->win.next++;
		*frame = s->scratch;
		*flen = rec.frame_len;
		return 1;
	}
}

/* ---- writing ------------------------------------------------------------ */

static void append(struct batch *b, const uint8_t *frame, size_t len)
{
	memcpy(b->buf + b->len, frame, len);
	b->len += len;
	b->ends[b->nframes++] = b->len;
}

/* The sentinel: a frame with an empty token item and an empty payload
 * item, which the gateway must refuse (status 2), naming its identifier:
 * one no notification in the window has. */
static void append_sentinel(struct sender *s)
{
	struct apn_token none;
	struct notification n;
	size_t len;

	memset(&none, 0, sizeof none);
	n.id = s->sentinel_id = window_id(&s->win, s->win.w + s->b.nseq);
	n.expiry = expiry_now(s->p);
	n.priority = s->p->priority;
	n.token = &none;
	n.payload = (const uint8_t *)"";
	n.payload_len = 0;
	len = frame_encode(s->p->format, &n, s->b.buf + s->b.len,
			   sizeof s->b.buf - s->b.len);
	if (len == 0)
		return;
	s->b.len += len;
	s->b.ends[s->b.nframes++] = s->b.len;
	s->sentinel = SENTINEL_QUEUED;
}

static void fill(struct sender *s)
{
	const struct sender_params *p = s->p;
	struct batch *b = &s->b;
	struct apn_error err = { APN_OK, "" };

	b->len = b->off = b->nframes = b->done = b->nseq = 0;
	while (b->len < BATCH_BYTES && b->nframes < BATCH_FRAMES - 1) {
		uint64_t seq = s->win.w + b->nseq;
		const uint8_t *frame;
		size_t len;

		if (p->confirm_every && s->since_confirm + b->nseq >= p->confirm_every &&
		    p->format != FORMAT_SIMPLE) {
			append_sentinel(s);
			return;
		}
		if (seq < s->win.next) {
			struct spool_rec rec;

			if (spool_get(p->spool, seq, &rec, &err) != 0) {
				internal(s, &err);
				return;
			}
			append(b, rec.frame, rec.frame_len);
		} else {
			if (s->input_done || ingest(s, &frame, &len) <= 0)
				break;
			append(b, frame, len);
		}
		b->nseq++;
	}
	if (b->nframes == 0 && p->confirm && p->format != FORMAT_SIMPLE &&
	    s->input_done && s->win.w == s->win.next && s->win.lo < s->win.w)
		append_sentinel(s);
}

static void start_answer_wait(struct sender *s)
{
	if (s->answer_deadline == 0)
		s->answer_deadline = clock_ms() + s->p->timeout_ms;
	s->writing = 0;
}

static void checkpoint(struct sender *s)
{
	uint64_t written, acked;
	struct checkpoint *c;

	if (net_tx_position(tls_fd(s->conn), &written, &acked) != 0) {
		written = 0; /* cannot tell: count from now */
	}
	if (s->cp_n == CHECKPOINTS) {
		c = &s->cp[(s->cp_head + s->cp_n - 1) % CHECKPOINTS];
	} else {
		c = &s->cp[(s->cp_head + s->cp_n) % CHECKPOINTS];
		s->cp_n++;
	}
	c->seq_end = s->win.w;
	c->pos = written;
	c->acked_at = 0;
}

/* --trace: frame i of the batch is written. */
static void trace_frame(const struct sender *s, size_t i)
{
	const struct batch *b = &s->b;
	size_t start = i ? b->ends[i - 1] : 0;
	struct frame_view v;
	char hex[TOKEN_HEX_MAX];
	struct apn_token tok;

	if (frame_view(s->p->format, b->buf + start, b->ends[i] - start, &v) != 0) {
		tracef("write: a frame of %zu bytes", b->ends[i] - start);
	} else if (i >= b->nseq) {
		tracef("write: sentinel, id %u: empty token and payload, which the "
		       "gateway must refuse (%zu bytes)", v.id, v.size);
	} else {
		tok.len = v.token_len <= TOKEN_MAX_BYTES ? v.token_len : 0;
		memcpy(tok.bytes, v.token, tok.len);
		token_hex(&tok, hex);
		if (v.has_id)
			tracef("write: notification id %u%s, token %s, payload %zu bytes, "
			       "frame %zu bytes", v.id, s->win.w < s->ever ? " (resent)" : "",
			       hex, v.payload_len, v.size);
		else
			tracef("write: notification (no id in --format simple), token %s, "
			       "payload %zu bytes, frame %zu bytes", hex, v.payload_len, v.size);
	}
	trace_hex(b->buf + start, b->ends[i] - start);
}

static void frames_done(struct sender *s)
{
	struct batch *b = &s->b;

	while (b->done < b->nframes && b->ends[b->done] <= b->off) {
		if (trace_on())
			trace_frame(s, b->done);
		if (b->done < b->nseq) {
			if (s->win.w < s->ever)
				s->tot->resent++;
			s->win.w++;
			if (s->win.w > s->ever)
				s->ever = s->win.w;
			s->ans.written++;
			s->tot->written++;
			s->since_confirm++;
		} else {
			s->sentinel = SENTINEL_SENT;
			s->writing = 0; /* nothing after it would be read */
		}
		b->done++;
	}
}

/* Has the gateway said something (or closed) that we have not read? */
static void do_read(struct sender *s);

static void peek_socket(struct sender *s)
{
	struct pollfd pfd = { tls_fd(s->conn), POLLIN, 0 };

	if (tls_pending(s->conn) > 0 || (poll(&pfd, 1, 0) > 0 && pfd.revents))
		do_read(s);
}

static void do_write(struct sender *s)
{
	struct batch *b = &s->b;

	while (s->writing && !s->stop) {
		ssize_t r;

		if (b->off == b->len) {
			if (b->len > 0)
				checkpoint(s);
			b->len = b->off = 0;
			/* Never write into a connection the gateway has closed
			 * (a stream may have been idle for hours). */
			peek_socket(s);
			if (!s->writing)
				return;
			fill(s);
			if (b->len == 0)
				return;
			s->idle_since = 0;
		}
		r = tls_send(s->conn, b->buf + b->off, b->len - b->off);
		if (r == TLS_IO_AGAIN) {
			s->send_events = tls_poll_events(s->conn);
			return;
		}
		if (r < 0) {
			snprintf(s->ans.detail, sizeof s->ans.detail, "write failed: %s",
				 tls_error_text(s->conn));
			if (r == TLS_IO_RESET) {
				if (s->ans.closed == CLOSED_OPEN)
					s->ans.closed = CLOSED_RESET;
			} else {
				s->local_error = 1;
			}
			/* Keep reading: the answer may be waiting for us. */
			start_answer_wait(s);
			return;
		}
		b->off += (size_t)r;
		s->write_progress = clock_ms();
		tracef("write: %zd bytes into one TLS record", r);
		frames_done(s);
	}
}

/* ---- reading ------------------------------------------------------------ */

static void end_reading(struct sender *s, enum closed_kind how)
{
	s->ans.closed = how;
	s->reading = 0;
}

static void take_bytes(struct sender *s, const uint8_t *data, size_t len)
{
	struct answer *a = &s->ans;

	for (size_t i = 0; i < len; i++) {
		if (a->nbytes < ANSWER_BYTES_KEPT)
			a->bytes[a->nbytes] = data[i];
		a->nbytes++;
	}
	/* Anything the gateway says means it is closing: stop writing into a
	 * connection whose later notifications it will discard. */
	start_answer_wait(s);
	if (!s->have_packet && a->nbytes >= ERROR_RESPONSE_BYTES &&
	    error_response_decode(a->bytes, &a->packet) == 0)
		s->have_packet = 1;
}

static void do_read(struct sender *s)
{
	uint8_t buf[4096];

	while (s->reading) {
		ssize_t r = tls_recv(s->conn, buf, sizeof buf);

		if (r > 0) {
			take_bytes(s, buf, (size_t)r);
			if (s->ans.nbytes > READ_LIMIT) {
				snprintf(s->ans.detail, sizeof s->ans.detail,
					 "the gateway sent more than %d bytes", READ_LIMIT);
				end_reading(s, CLOSED_ERROR);
			}
			continue;
		}
		if (r == TLS_IO_AGAIN)
			return;
		conn_read_end(s->conn, r, &s->ans);
		s->reading = 0;
	}
}

/* ---- acknowledgements and resolution by silence -------------------------- */

static void track_acks(struct sender *s, int64_t now)
{
	uint64_t written, acked;
	int known = net_tx_position(tls_fd(s->conn), &written, &acked) == 0;

	if (known && acked != s->acked_pos) {
		s->acked_pos = acked;
		s->ack_progress = now;
	}
	for (size_t i = 0; i < s->cp_n; i++) {
		struct checkpoint *c = &s->cp[(s->cp_head + i) % CHECKPOINTS];

		if (c->acked_at != 0)
			continue;
		if (known && acked < c->pos)
			break;
		c->acked_at = now;
	}
	/* Silence proves nothing once the gateway has spoken, nor while it
	 * may have stopped reading: bytes its TCP acknowledged may sit unread
	 * in its buffer.  So with bytes still unacknowledged, silence counts
	 * only while acknowledgements keep coming (within half the timeout). */
	if (s->ans.nbytes > 0 || !s->reading)
		return;
	if (known && written > acked && now - s->ack_progress > s->p->timeout_ms / 2)
		return;
	while (s->cp_n > 0 && !s->stop) {
		struct checkpoint *c = &s->cp[s->cp_head];

		if (c->acked_at == 0 || now - c->acked_at < s->p->timeout_ms)
			break;
		if (c->seq_end > s->win.lo)
			resolve(s, c->seq_end, RESULT_OK, 0, NULL);
		s->cp_head = (s->cp_head + 1) % CHECKPOINTS;
		s->cp_n--;
	}
}

/* When the loop must look again: the next checkpoint's resolution, or a
 * short while when acknowledgements are missing. */
static int64_t ack_deadline(const struct sender *s, int64_t now)
{
	if (s->cp_n == 0)
		return INT64_MAX;
	for (size_t i = 0; i < s->cp_n; i++)
		if (s->cp[(s->cp_head + i) % CHECKPOINTS].acked_at == 0)
			return now + ACK_POLL_MS;
	return s->cp[s->cp_head].acked_at + s->p->timeout_ms;
}

/* ---- one connection's end ----------------------------------------------- */

static void classify(struct sender *s)
{
	struct answer *a = &s->ans;

	if (s->have_packet)
		a->kind = ANSWER_ERROR_RESPONSE;
	else if (a->nbytes > 0)
		a->kind = ANSWER_PROTOCOL_ERROR;
	else if (a->closed != CLOSED_OPEN)
		a->kind = answer_kind_of_close(a->closed);
	else if (s->local_error)
		a->kind = ANSWER_PROTOCOL_ERROR;
	else if (s->stalled)
		a->kind = ANSWER_STALLED;
	else
		a->kind = ANSWER_NONE;
}

/* --trace: the classification, and what it rests on. */
static void trace_answer(const struct sender *s)
{
	const struct answer *a = &s->ans;
	const char *kind = answer_kind_name(a->kind), *closed = closed_kind_name(a->closed);

	switch (a->kind) {
	case ANSWER_ERROR_RESPONSE:
		tracef("answer: %s: the first 6 bytes of application data are command 8, "
		       "status %u (%s), id %u; the connection then ended: %s", kind,
		       a->packet.status, status_name(a->packet.status), a->packet.id, closed);
		break;
	case ANSWER_PROTOCOL_ERROR:
		if (a->nbytes > 0)
			tracef("answer: %s: %zu bytes of application data that are not an "
			       "error-response packet (%s); the connection then ended: %s",
			       kind, a->nbytes, a->nbytes < ERROR_RESPONSE_BYTES
			       ? "too short" : "the first byte is not command 8", closed);
		else
			tracef("answer: %s: %s", kind, a->detail);
		break;
	case ANSWER_CLOSE_NOTIFY:
		tracef("answer: %s: no application data, then a close_notify alert: "
		       "the gateway closed the session without an error-response packet",
		       kind);
		break;
	case ANSWER_TCP_CLOSE:
		tracef("answer: %s: no application data and no close_notify alert; the "
		       "TCP connection ended (%s)", kind, closed);
		break;
	case ANSWER_TLS_ALERT:
		tracef("answer: %s: the gateway sent fatal alert %s", kind, a->alert);
		break;
	case ANSWER_STALLED:
		tracef("answer: %s: %s", kind, a->detail);
		break;
	case ANSWER_NONE:
		tracef("answer: %s: no byte and no close from the gateway%s", kind,
		       s->ans.written ? " for --timeout after the last frame it received"
				      : "");
		break;
	case ANSWER_NO_CONNECTION:
	case ANSWER_GOAWAY: /* HTTP/2 only */
		break;
	}
}

static int64_t backoff_ms(int n)
{
	int64_t ms = BACKOFF_FIRST_MS;

	while (--n > 0 && ms < BACKOFF_MAX_MS)
		ms *= 2;
	return ms < BACKOFF_MAX_MS ? ms : BACKOFF_MAX_MS;
}

/* After a connection that resolved nothing: back off, or give up. */
static const char *after_no_progress(struct sender *s, char *then, size_t len)
{
	s->no_progress++;
	if (s->no_progress > s->p->retries) {
		snprintf(then, len, "giving up after %d connection%s in a row "
			 "without progress (--retries %d)", s->no_progress,
			 s->no_progress == 1 ? "" : "s", s->p->retries);
		return "given up: the gateway could not be reached or resolved "
		       "nothing on the last connections (--retries)";
	}
	s->backoff_until = clock_ms() + backoff_ms(s->no_progress);
	snprintf(then, len, "reconnecting in %.1f s", backoff_ms(s->no_progress) / 1000.0);
	return NULL;
}

static void stderr_line(struct sender *s)
{
	const struct answer *a = &s->ans;

	/* Failures (not answers the protocol allows) also get their line on
	 * stderr, where cron and -q users look. */
	progress_clear(&s->prog);
	if (a->kind == ANSWER_TLS_ALERT)
		errorf("the gateway sent fatal TLS alert %s%s", a->alert,
		       a->alert_refuses_cert ? ": it refused our client certificate" : "");
	else if (a->kind == ANSWER_PROTOCOL_ERROR && a->nbytes > 0)
		errorf("protocol error: the gateway's answer is not an "
		       "error-response packet");
	else if (a->kind == ANSWER_PROTOCOL_ERROR || a->kind == ANSWER_STALLED)
		errorf("%s", a->detail);
}

static void end_connection(struct sender *s, int politely)
{
	const struct sender_params *p = s->p;
	struct verdict_context ctx = { p->format, p->at_most_once,
				       s->sentinel == SENTINEL_SENT, s->sentinel_id };
	struct verdict v;
	struct conn_line cl;
	struct spool_rec named;
	struct apn_token named_token;
	struct apn_error err = { APN_OK, "" };
	char then[160] = "";
	const char *give_up = NULL;
	int had_unresolved = s->win.lo < s->win.w;

	classify(s);
	s->ans.idle = !had_unresolved && !s->input_done &&
		      s->ans.kind != ANSWER_ERROR_RESPONSE;
	if (trace_on())
		trace_answer(s);
	verdict_decide(&s->ans, &ctx, &s->win, &v);
	memset(&cl, 0, sizeof cl);
	cl.number = s->tot->connections;
	cl.a = &s->ans;
	cl.named = v.named;
	if (v.named == NAMED_NOTIFICATION) {
		if (spool_get(p->spool, v.named_seq, &named, &err) != 0) {
			internal(s, &err);
		} else {
			named_token = named.token;
			cl.named_token = &named_token;
			cl.named_where = named.line;
		}
	}
	if (v.named == NAMED_SENTINEL || s->sentinel != SENTINEL_SENT)
		;
	else if (s->ans.kind == ANSWER_NONE)
		warnf("the gateway did not answer the sentinel: it may not check "
		      "notifications the way Apple's gateway does");

	resolve(s, v.ok_below, RESULT_OK, 0, NULL);
	if (v.has_rejected)
		resolve(s, v.ok_below + 1, RESULT_REJECTED, v.status, NULL);
	resolve(s, v.unconfirmed_below, RESULT_UNCONFIRMED, 0,
		s->ans.kind == ANSWER_PROTOCOL_ERROR ? "protocol error: nobody can tell whether it was processed"
		: s->ans.kind == ANSWER_STALLED ? "the gateway stopped reading: nobody can tell whether it was processed"
		: s->ans.kind == ANSWER_TLS_ALERT ? "the connection ended with a fatal alert: nobody can tell whether it was processed"
		: "the connection closed without an answer (--at-most-once: not resent)");
	s->code = apn_code_worst(s->code, v.code);

	if (s->win.lo > s->lo_at_start || !had_unresolved)
		s->no_progress = 0;
	else if (!v.stop)
		give_up = after_no_progress(s, then, sizeof then);

	if (v.stop) {
		snprintf(then, sizeof then, "stopping");
	} else if (s->interrupted) {
		snprintf(then, sizeof then, "stopping: %s", signals_name());
	} else if (give_up == NULL && s->win.lo < s->win.w) {
		snprintf(then + strlen(then), sizeof then - strlen(then), "%s"
			 "resending %llu notification%s on a new connection",
			 then[0] ? "; " : "",
			 (unsigned long long)(s->win.w - s->win.lo),
			 s->win.w - s->win.lo == 1 ? "" : "s");
	} else if (politely == 2) {
		snprintf(then, sizeof then, "closed after --idle-timeout");
	} else if (give_up == NULL && !s->input_done) {
		snprintf(then, sizeof then, "a new connection for the next notification");
	}
	cl.then = then[0] ? then : NULL;
	s->tot->last_answer = s->ans.kind;
	progress_clear(&s->prog);
	report_connection(p->rep, &cl);
	stderr_line(s);

	if (s->ans.kind == ANSWER_STALLED || s->ans.closed != CLOSED_OPEN || !politely)
		tls_abort(s->conn);
	else
		tls_close(s->conn, clock_ms() + 1000);
	s->conn = NULL;
	if (window_conn_end(&s->win, &err) != 0)
		internal(s, &err);

	if (v.stop) {
		s->code = apn_code_worst(s->code, v.code);
		fail_rest(s, s->ans.alert_refuses_cert
			  ? "the gateway refused the client certificate"
			  : "not sent: the run stopped at a gateway failure");
	} else if (give_up) {
		progress_clear(&s->prog);
		errorf("%s", then);
		fail_rest(s, give_up);
	}
}

/* ---- connecting --------------------------------------------------------- */

static int connect_gateway(struct sender *s)
{
	const struct sender_params *p = s->p;
	struct apn_error err = { APN_OK, "" };
	char then[160] = "";
	struct conn_line cl;
	struct tls_conn *conn = NULL;
	const char *give_up = NULL;

	s->tot->connections++;
	verbosef("connecting to %s port %u (connection %u)", p->host, p->port,
		 s->tot->connections);
	if (conn_open(p->host, p->port, p->creds, p->connect_timeout_ms, &conn,
		      &s->ans, &err) == 0) {
		s->conn = conn;
		s->writing = s->reading = 1;
		s->have_packet = s->stalled = s->local_error = 0;
		s->answer_deadline = 0;
		s->write_progress = s->ack_progress = clock_ms();
		s->acked_pos = 0;
		s->send_events = POLLOUT;
		s->sentinel = SENTINEL_NONE;
		s->since_confirm = 0;
		s->lo_at_start = s->win.lo;
		s->idle_since = 0;
		s->cp_head = s->cp_n = 0;
		s->b.len = s->b.off = s->b.nframes = s->b.done = s->b.nseq = 0;
		return 0;
	}

	/* No connection: say so, then retry or give up.  Only an
	 * unreachable gateway is worth trying again; a name that does
	 * not exist, a refused certificate or an untrusted gateway will not
	 * change by itself. */
	if (err.code == APN_UNAVAILABLE)
		give_up = after_no_progress(s, then, sizeof then);
	else
		snprintf(then, sizeof then, "stopping");
	memset(&cl, 0, sizeof cl);
	cl.number = s->tot->connections;
	cl.a = &s->ans;
	cl.error = err.msg;
	cl.then = then;
	s->tot->last_answer = s->ans.kind;
	progress_clear(&s->prog);
	report_connection(p->rep, &cl);
	if (err.code == APN_UNAVAILABLE && give_up == NULL) {
		verbosef("%s; %s", err.msg, then);
		return -1;
	}
	if (give_up != NULL && s->no_progress > 1)
		errorf("%s; %s", err.msg, then);
	else
		errorf("%s", err.msg);
	s->code = apn_code_worst(s->code, err.code);
	fail_rest(s, err.code == APN_NOPERM ? "the gateway refused the client certificate"
					    : "no connection to the gateway");
	return -1;
}

/* ---- the loop ----------------------------------------------------------- */

/* Should the current connection end now?  1 politely, 2 idle, -1 abort. */
static int conn_done(struct sender *s, int64_t now)
{
	int resolved = s->win.lo == s->win.w && s->b.off == s->b.len;

	if (!s->reading)
		return -1;
	if (s->stalled)
		return -1;
	if (s->interrupted > 1)
		return -1;
	if (s->interrupted && s->win.lo == s->win.w)
		return 1; /* what was written is resolved: stop here */
	if (s->answer_deadline && now >= s->answer_deadline)
		return 1;
	if (s->ans.nbytes > 0)
		return 0;
	if (resolved && s->sentinel == SENTINEL_SENT)
		return 1; /* unanswered sentinel: the timeout passed */
	if (resolved && s->input_done && s->win.w == s->win.next &&
	    s->sentinel == SENTINEL_NONE)
		return 1;
	if (resolved && s->p->idle_timeout_ms && s->idle_since &&
	    now - s->idle_since >= s->p->idle_timeout_ms)
		return 2;
	return 0;
}

static void check_stall(struct sender *s, int64_t now)
{
	int blocked = s->writing && s->b.off < s->b.len;
	int unacked = 0;

	for (size_t i = 0; i < s->cp_n; i++)
		if (s->cp[(s->cp_head + i) % CHECKPOINTS].acked_at == 0)
			unacked = 1;
	if (blocked && now - s->write_progress >= s->p->stall_ms) {
		s->stalled = 1;
		snprintf(s->ans.detail, sizeof s->ans.detail,
			 "no write progress for %d ms: the gateway stopped reading",
			 s->p->stall_ms);
	} else if (!blocked && unacked && s->ans.nbytes == 0 &&
		   now - s->ack_progress >= s->p->stall_ms &&
		   now - s->write_progress >= s->p->stall_ms) {
		s->stalled = 1;
		snprintf(s->ans.detail, sizeof s->ans.detail,
			 "no acknowledgement for %d ms: the gateway stopped reading",
			 s->p->stall_ms);
	}
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* One turn with a connection open. */
static void conn_turn(struct sender *s)
{
	struct pollfd pfd[2];
	int64_t now, until;
	int done, n = 1, r;

	if (tls_pending(s->conn) > 0) {
		do_read(s);
	}
	if (s->writing)
		do_write(s);
	if (s->stop)
		return;
	now = clock_ms();
	track_acks(s, now);
	if (s->stop)
		return;
	check_stall(s, now);
	if (s->writing && s->b.off == s->b.len && s->win.lo == s->win.w) {
		if (s->idle_since == 0)
			s->idle_since = now;
	} else {
		s->idle_since = 0;
	}
	done = conn_done(s, now);
	if (done != 0) {
		end_connection(s, done < 0 ? 0 : done);
		return;
	}
	until = ack_deadline(s, now);
	if (s->answer_deadline)
		until = min64(until, s->answer_deadline);
	if ((s->writing && s->b.off < s->b.len) || s->cp_n > 0)
		until = min64(until, now + s->p->stall_ms);
	if (s->idle_since && s->p->idle_timeout_ms)
		until = min64(until, s->idle_since + s->p->idle_timeout_ms);
	if (s->p->progress)
		until = min64(until, now + 250);

	pfd[0].fd = tls_fd(s->conn);
	pfd[0].events = POLLIN;
	if (s->writing && s->b.off < s->b.len)
		pfd[0].events |= s->send_events;
	pfd[0].revents = 0;
	if (s->writing && s->b.off == s->b.len && s->want_input && !s->input_done) {
		pfd[1].fd = source_fd(s->p->src);
		pfd[1].events = POLLIN;
		pfd[1].revents = 0;
		n = 2;
	}
	/* About to wait rather than write: let a stream's reader see the
	 * results so far. */
	if (!(s->writing && s->b.off < s->b.len))
		fflush(s->p->rep->out);
	until = min64(until, now + SIGNALS_POLL_MS);
	r = poll(pfd, (nfds_t)n, clock_left(until));
	if (r < 0 && errno != EINTR) {
		snprintf(s->ans.detail, sizeof s->ans.detail, "poll failed: %s",
			 strerror(errno));
		s->local_error = 1;
		s->reading = 0;
		return;
	}
	if (r > 0 && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
		do_read(s);
	if (n == 2 && r > 0 && pfd[1].revents) {
		source_fill(s->p->src);
		s->want_input = 0;
	}
}

/* One turn without a connection: read ahead one item, wait for input or
 * the back-off, or connect. */
static void idle_turn(struct sender *s)
{
	const uint8_t *frame;
	size_t len;
	int64_t now = clock_ms();

	if (s->win.w == s->win.next) {
		if (s->input_done)
			return;
		if (ingest(s, &frame, &len) != 0)
			return; /* spooled: connect on the next turn */
		if (s->want_input && !s->input_done) {
			struct pollfd pfd = { source_fd(s->p->src), POLLIN, 0 };
			int r;

			fflush(s->p->rep->out);
			r = poll(&pfd, 1, s->p->progress ? 250 : SIGNALS_POLL_MS);

			if (r < 0 && errno != EINTR) {
				progress_clear(&s->prog);
				errorf("poll failed: %s", strerror(errno));
				s->code = apn_code_worst(s->code, APN_SOFTWARE);
				s->stop = 1;
				return;
			}
			if (r > 0) {
				source_fill(s->p->src);
				s->want_input = 0;
			}
		}
		return;
	}
	if (now < s->backoff_until) {
		(void)poll(NULL, 0, clock_left(min64(s->backoff_until, now + SIGNALS_POLL_MS)));
		return;
	}
	connect_gateway(s);
}

/* SIGINT or SIGTERM: read no more, write no more; the first waits for
 * what was written to be resolved as usual (bounded: --timeout, the stall
 * limit), the second gives up on it. */
static void interrupt(struct sender *s)
{
	progress_clear(&s->prog);
	if (s->interrupted == 0)
		errorf("%s: stopping; no more input is read or sent%s", signals_name(),
		       s->win.lo < s->win.w ? "; waiting (a second signal: no longer) "
		       "for the gateway to settle what was written" : "");
	s->interrupted = signals_caught() > 1 ? 2 : 1;
	s->input_done = 1;
	s->writing = 0;
	s->code = apn_code_worst(s->code, APN_INTERRUPTED);
	if (s->interrupted > 1 && s->conn != NULL)
		resolve(s, s->win.w, RESULT_UNCONFIRMED, 0,
			"interrupted before the gateway settled it: nobody can tell "
			"whether it was processed");
}

/* After the last connection of an interrupted run: what was written and
 * is still unresolved is unconfirmed, what was not written failed. */
static void stop_interrupted(struct sender *s)
{
	static char why[64];

	resolve(s, s->win.w, RESULT_UNCONFIRMED, 0, "interrupted before the gateway "
		"settled it: nobody can tell whether it was processed");
	snprintf(why, sizeof why, "not sent: interrupted (%s)", signals_name());
	resolve(s, s->win.next, RESULT_FAILED, 0, why);
}

enum apn_code sender_run(const struct sender_params *p, struct totals *tot)
{
	struct sender *s = calloc(1, sizeof *s);
	enum apn_code code;

	if (s == NULL) {
		errorf("starting: out of memory");
		return APN_SOFTWARE;
	}
	memset(tot, 0, sizeof *tot);
	s->p = p;
	s->tot = tot;
	s->code = APN_OK;
	window_init(&s->win, p->first_id);
	progress_init(&s->prog, p->progress, clock_ms());

	while (!s->stop) {
		if (signals_caught() > s->interrupted && s->interrupted < 2)
			interrupt(s);
		if (s->interrupted && s->conn == NULL) {
			stop_interrupted(s);
			break;
		}
		if (s->conn != NULL)
			conn_turn(s);
		else if (s->input_done && s->win.w == s->win.next)
			break;
		else
			idle_turn(s);
		progress_tick(&s->prog, tot, s->read, clock_ms());
	}
	if (s->conn != NULL) { /* stopped by an internal error */
		tls_abort(s->conn);
		s->conn = NULL;
	}
	progress_clear(&s->prog);
	if (s->win.lo < s->win.next && s->code == APN_OK)
		s->code = APN_SOFTWARE; /* cannot happen: every item has a result */
	code = s->code;
	window_free(&s->win);
	free(s);
	return code;
}
