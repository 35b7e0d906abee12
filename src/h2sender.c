/* h2sender.c: the HTTP/2 sender (see h2sender.h).
 *
 * One poll loop: input into slots, slots into requests (nghttp2 session,
 * fed and drained by hand over tls_send/tls_recv), responses into results.
 * Slots form two lists through `next`: the free ones, and the queue of
 * those waiting to be sent (first come, first sent; a retry waits for its
 * back-off at the head of nothing: it goes to the tail).
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nghttp2/nghttp2.h>

#include "clock.h"
#include "h2msg.h"
#include "h2sender.h"
#include "jwt.h"
#include "msg.h"
#include "net.h"
#include "progress.h"
#include "signals.h"
#include "trace.h"

#define NONE UINT32_MAX
#define BODY_MAX 512
#define OUT_BYTES 16384
#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 5000

enum slot_state { SLOT_FREE, SLOT_QUEUED, SLOT_SENT };

struct slot {
	enum slot_state state;
	uint32_t next;
	uint64_t where;
	struct apn_token token;
	uint8_t *payload;          /* the line's own, or NULL: the default */
	size_t payload_len;
	char *raw;                 /* the input line, for --failed-out */
	size_t raw_len;
	char apns_id[H2_UUID_LEN + 1];
	uint32_t expiration;
	unsigned attempts;         /* connections it was written on */
	unsigned tries;            /* answers that asked for another try */
	int64_t not_before;
	int32_t stream_id;
	size_t sent;               /* payload bytes given to nghttp2 */
	int written;               /* its HEADERS went out on this connection */
	struct h2_response resp;
	char resp_id[H2_UUID_LEN + 1];
	char body[BODY_MAX];
	size_t body_len;
};

struct h2s {
	const struct h2_params *p;
	struct totals *tot;
	struct progress prog;
	enum apn_code code;
	struct slot *slots;
	uint32_t free_head, q_head, q_tail;
	size_t nqueued, ninflight;
	int input_done, stop;
	int interrupted;           /* signals seen: 1 stop sending, 2 stop waiting */
	const char *stop_reason;
	char next_id[H2_UUID_LEN + 1];
	uint64_t read;
	int no_progress;
	int64_t backoff_until;

	/* the current connection */
	struct tls_conn *conn;
	nghttp2_session *ng;
	struct answer ans;
	int settings_seen, goaway, broken;
	int draining;              /* no new requests here: 1 out of stream ids,
				    * 2 for a new provider token */
	uint32_t max_streams;
	int64_t last_read, idle_since;
	uint64_t settled;          /* notifications settled on this connection */
	uint8_t out[OUT_BYTES];
	size_t out_len, out_off;
	const uint8_t *pend;       /* what nghttp2 gave and is not in out yet */
	size_t pend_len;
};

/* ---- results ------------------------------------------------------------ */

static void count(struct h2s *h, enum result r)
{
	h->tot->results[r]++;
	if (r == RESULT_REJECTED)
		h->code = apn_code_worst(h->code, APN_REJECTED);
	else if (r == RESULT_INVALID)
		h->code = apn_code_worst(h->code, APN_DATAERR);
	else if (r != RESULT_OK)
		h->code = apn_code_worst(h->code, APN_TEMPFAIL);
}

static void to_failed_out(struct h2s *h, const char *raw, size_t len)
{
	if (h->p->failed_out == NULL || raw == NULL)
		return;
	fwrite(raw, 1, len, h->p->failed_out);
	fputc('\n', h->p->failed_out);
}

static void slot_free(struct h2s *h, struct slot *s)
{
	free(s->payload);
	free(s->raw);
	memset(s, 0, sizeof *s);
	s->state = SLOT_FREE;
	s->next = h->free_head;
	h->free_head = (uint32_t)(s - h->slots);
}

/* The final result of slot s, which is then free. */
static void settle(struct h2s *h, struct slot *s, enum result r, const char *reason)
{
	struct result_line l;

	memset(&l, 0, sizeof l);
	l.result = r;
	l.where = s->where;
	l.token = &s->token;
	l.attempts = s->attempts;
	l.reason = reason;
	l.timestamp_ms = -1;
	if (s->resp_id[0])
		l.apns_id = s->resp_id;
	if (r == RESULT_REJECTED) {
		l.status = (unsigned)s->resp.status;
		l.reason = s->resp.reason;
		l.timestamp_ms = s->resp.timestamp_ms;
	}
	progress_clear(&h->prog);
	report_result(h->p->rep, &l);
	count(h, r);
	if (r == RESULT_FAILED || r == RESULT_UNCONFIRMED)
		to_failed_out(h, s->raw, s->raw_len);
	h->settled++;
	slot_free(h, s);
}

/* Reading stdin failed: what was read is still sent. */
static void input_failed(struct h2s *h, const char *why)
{
	progress_clear(&h->prog);
	errorf("%s", why);
	h->code = apn_code_worst(h->code, APN_NOINPUT);
	h->input_done = 1;
}

static void invalid_line(struct h2s *h, uint64_t where, const char *why)
{
	struct result_line l;

	h->read++;
	memset(&l, 0, sizeof l);
	l.result = RESULT_INVALID;
	l.where = where;
	l.reason = why;
	l.timestamp_ms = -1;
	progress_clear(&h->prog);
	report_result(h->p->rep, &l);
	count(h, RESULT_INVALID);
}

/* ---- the queue ---------------------------------------------------------- */

static void enqueue(struct h2s *h, struct slot *s, int64_t not_before)
{
	uint32_t i = (uint32_t)(s - h->slots);

	s->state = SLOT_QUEUED;
	s->next = NONE;
	s->not_before = not_before;
	s->stream_id = 0;
	s->sent = 0;
	s->written = 0;
	memset(&s->resp, 0, sizeof s->resp);
	s->resp_id[0] = '\0';
	s->body_len = 0;
	if (h->q_tail == NONE)
		h->q_head = i;
	else
		h->slots[h->q_tail].next = i;
	h->q_tail = i;
	h->nqueued++;
}

static struct slot *dequeue(struct h2s *h)
{
	struct slot *s;

	if (h->q_head == NONE)
		return NULL;
	s = &h->slots[h->q_head];
	h->q_head = s->next;
	if (h->q_head == NONE)
		h->q_tail = NONE;
	h->nqueued--;
	return s;
}

/* ---- input -------------------------------------------------------------- */

static char *copy(const void *p, size_t n)
{
	char *c = malloc(n ? n : 1);

	if (c != NULL && n)
		memcpy(c, p, n);
	return c;
}

static uint32_t expiration_now(const struct h2_params *p)
{
	struct timespec now;
	unsigned long long at;

	if (p->expiry_s <= 0)
		return 0;
	clock_gettime(CLOCK_REALTIME, &now);
	at = (unsigned long long)now.tv_sec + (unsigned long long)p->expiry_s;
	return at > UINT32_MAX ? UINT32_MAX : (uint32_t)at;
}

/* Read input into free slots.  Returns 1 when stdin must be polled. */
static int ingest(struct h2s *h)
{
	struct source_item it;

	while (h->free_head != NONE && !h->input_done && !h->stop) {
		struct slot *s;

		switch (source_next(h->p->src, &it)) {
		case SOURCE_AGAIN:
			return 1;
		case SOURCE_END:
			h->input_done = 1;
			return 0;
		case SOURCE_ERROR:
			input_failed(h, it.why);
			return 0;
		case SOURCE_INVALID:
			invalid_line(h, it.where, it.why);
			continue;
		case SOURCE_ITEM:
			break;
		}
		if (it.li.payload == NULL && h->p->payload == NULL) {
			invalid_line(h, it.where, "no payload: the line has none and no "
				     "default payload was given (--payload, --alert, ...)");
			continue;
		}
		h->read++;
		s = &h->slots[h->free_head];
		h->free_head = s->next;
		s->where = it.where;
		s->token = it.li.token;
		if (it.li.payload != NULL) {
			s->payload = (uint8_t *)copy(it.li.payload, it.li.payload_len);
			s->payload_len = it.li.payload_len;
		}
		if (h->p->failed_out != NULL) {
			s->raw = copy(it.raw, it.raw_len);
			s->raw_len = it.raw_len;
		}
		if ((it.li.payload != NULL && s->payload == NULL) ||
		    (h->p->failed_out != NULL && s->raw == NULL)) {
			errorf("reading the input: out of memory");
			h->code = apn_code_worst(h->code, APN_SOFTWARE);
			h->stop = 1;
			h->stop_reason = "not sent: out of memory";
			enqueue(h, s, 0);
			return 0;
		}
		if (h->next_id[0]) {
			memcpy(s->apns_id, h->next_id, sizeof s->apns_id);
			h2_uuid_next(h->next_id);
		}
		s->expiration = expiration_now(h->p);
		enqueue(h, s, 0);
	}
	return 0;
}

/* ---- nghttp2's callbacks ------------------------------------------------ */

static const char *frame_name(uint8_t type)
{
	static const char *const names[] = { "DATA", "HEADERS", "PRIORITY", "RST_STREAM",
					     "SETTINGS", "PUSH_PROMISE", "PING", "GOAWAY",
					     "WINDOW_UPDATE", "CONTINUATION" };

	return type < sizeof names / sizeof names[0] ? names[type] : "unknown";
}

static struct slot *slot_of(struct h2s *h, int32_t stream_id)
{
	return nghttp2_session_get_stream_user_data(h->ng, stream_id);
}

static ssize_t read_payload(nghttp2_session *ng, int32_t stream_id, uint8_t *buf,
			    size_t length, uint32_t *flags, nghttp2_data_source *src,
			    void *user)
{
	struct h2s *h = user;
	struct slot *s = src->ptr;
	const uint8_t *data = s->payload ? s->payload : h->p->payload;
	size_t len = s->payload ? s->payload_len : h->p->payload_len;
	size_t n = len - s->sent < length ? len - s->sent : length;

	(void)ng;
	(void)stream_id;
	memcpy(buf, data + s->sent, n);
	s->sent += n;
	if (s->sent == len)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

static int on_header(nghttp2_session *ng, const nghttp2_frame *f, const uint8_t *name,
		     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
		     void *user)
{
	struct h2s *h = user;
	struct slot *s;

	(void)ng;
	(void)flags;
	if (f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_RESPONSE)
		return 0;
	s = slot_of(h, f->hd.stream_id);
	if (s == NULL)
		return 0;
	if (namelen == 7 && memcmp(name, ":status", 7) == 0 && valuelen == 3) {
		s->resp.status = (value[0] - '0') * 100 + (value[1] - '0') * 10 + (value[2] - '0');
		if (s->resp.status < 100 || s->resp.status > 599)
			s->resp.status = 0;
	} else if (namelen == 7 && memcmp(name, "apns-id", 7) == 0 &&
		   h2_uuid_valid((const char *)value, valuelen)) {
		memcpy(s->resp_id, value, H2_UUID_LEN);
		s->resp_id[H2_UUID_LEN] = '\0';
	}
	tracef("h2: <- stream %" PRId32 " header %.*s: %.*s", f->hd.stream_id,
	       (int)namelen, (const char *)name, (int)(valuelen > 200 ? 200 : valuelen),
	       (const char *)value);
	return 0;
}

static int on_data(nghttp2_session *ng, uint8_t flags, int32_t stream_id,
		   const uint8_t *data, size_t len, void *user)
{
	struct h2s *h = user;
	struct slot *s = slot_of(h, stream_id);

	(void)ng;
	(void)flags;
	tracef("h2: <- stream %" PRId32 " DATA, %zu bytes", stream_id, len);
	trace_hex(data, len);
	if (s == NULL)
		return 0;
	for (size_t i = 0; i < len && s->body_len < sizeof s->body; i++)
		s->body[s->body_len++] = (char)data[i];
	return 0;
}

static int on_frame_recv(nghttp2_session *ng, const nghttp2_frame *f, void *user)
{
	struct h2s *h = user;

	switch (f->hd.type) {
	case NGHTTP2_SETTINGS:
		if (f->hd.flags & NGHTTP2_FLAG_ACK) {
			tracef("h2: <- SETTINGS acknowledged");
			break;
		}
		h->settings_seen = 1;
		h->max_streams = nghttp2_session_get_remote_settings(
			ng, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
		for (size_t i = 0; i < f->settings.niv; i++)
			tracef("h2: <- SETTINGS %s = %" PRIu32,
			       f->settings.iv[i].settings_id == NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS
			       ? "MAX_CONCURRENT_STREAMS" : f->settings.iv[i].settings_id ==
			       NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE ? "INITIAL_WINDOW_SIZE"
			       : f->settings.iv[i].settings_id == NGHTTP2_SETTINGS_MAX_FRAME_SIZE
			       ? "MAX_FRAME_SIZE" : f->settings.iv[i].settings_id ==
			       NGHTTP2_SETTINGS_HEADER_TABLE_SIZE ? "HEADER_TABLE_SIZE"
			       : f->settings.iv[i].settings_id ==
			       NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE ? "MAX_HEADER_LIST_SIZE"
			       : "another setting", f->settings.iv[i].value);
		break;
	case NGHTTP2_GOAWAY: {
		struct answer *a = &h->ans;
		size_t n = f->goaway.opaque_data_len, j = 0;

		h->goaway = 1;
		a->kind = ANSWER_GOAWAY;
		snprintf(a->goaway_error, sizeof a->goaway_error, "%s",
			 nghttp2_http2_strerror(f->goaway.error_code));
		a->goaway_last_stream = f->goaway.last_stream_id;
		for (size_t i = 0; i < n && j < sizeof a->goaway_debug - 1; i++) {
			uint8_t c = f->goaway.opaque_data[i];

			a->goaway_debug[j++] = c >= 0x20 && c < 0x7f ? (char)c : '.';
		}
		a->goaway_debug[j] = '\0';
		tracef("h2: <- GOAWAY last stream %" PRId32 ", error %s, debug data \"%s\"",
		       a->goaway_last_stream, a->goaway_error, a->goaway_debug);
		break;
	}
	case NGHTTP2_RST_STREAM:
		tracef("h2: <- RST_STREAM stream %" PRId32 ", error %s", f->hd.stream_id,
		       nghttp2_http2_strerror(f->rst_stream.error_code));
		break;
	case NGHTTP2_HEADERS:
	case NGHTTP2_DATA:
		break; /* traced as they come, in on_header and on_data */
	default:
		tracef("h2: <- %s stream %" PRId32 ", %zu bytes", frame_name(f->hd.type),
		       f->hd.stream_id, f->hd.length);
		break;
	}
	return 0;
}

static int on_frame_send(nghttp2_session *ng, const nghttp2_frame *f, void *user)
{
	struct h2s *h = user;
	struct slot *s;

	(void)ng;
	if (f->hd.type == NGHTTP2_HEADERS && (s = slot_of(h, f->hd.stream_id)) != NULL &&
	    !s->written) {
		char hex[TOKEN_HEX_MAX];

		s->written = 1;
		s->attempts++;
		h->ans.written++;
		h->tot->written++;
		if (s->attempts > 1)
			h->tot->resent++;
		token_hex(&s->token, hex);
		tracef("h2: -> stream %" PRId32 " HEADERS: POST /3/device/%s%s%s", f->hd.stream_id,
		       hex, s->apns_id[0] ? ", apns-id " : "", s->apns_id);
		return 0;
	}
	tracef("h2: -> %s stream %" PRId32 ", %zu bytes", frame_name(f->hd.type),
	       f->hd.stream_id, f->hd.length);
	return 0;
}

static int64_t backoff_ms(unsigned n)
{
	int64_t ms = BACKOFF_FIRST_MS;

	while (n-- > 1 && ms < BACKOFF_MAX_MS)
		ms *= 2;
	return ms < BACKOFF_MAX_MS ? ms : BACKOFF_MAX_MS;
}

/* The answer to slot s is complete: settle it, or queue it again. */
static void answered(struct h2s *h, struct slot *s)
{
	static char why[160];
	int64_t now = clock_ms();

	h2_parse_body(s->body, s->body_len, &s->resp);
	switch (h2_judge(&s->resp)) {
	case H2_OK:
		settle(h, s, RESULT_OK, NULL);
		return;
	case H2_REJECTED:
		settle(h, s, RESULT_REJECTED, NULL);
		return;
	case H2_CREDENTIALS:
		if (!h->stop) {
			snprintf(why, sizeof why, "not sent: the server refused our credentials "
				 "(%d %s)", s->resp.status, s->resp.reason);
			h->stop = 1;
			h->stop_reason = why;
			h->code = apn_code_worst(h->code, APN_NOPERM);
			progress_clear(&h->prog);
			errorf("the server refused our credentials: %d %s", s->resp.status,
			       s->resp.reason);
		}
		settle(h, s, RESULT_REJECTED, NULL);
		return;
	case H2_NEW_TOKEN:
		if (h->p->jwt != NULL)
			jwt_expire(h->p->jwt);
		h->draining = 2; /* this connection may be wedged: a new one */
		/* fall through */
	case H2_RETRY:
		if ((int)s->tries >= h->p->retries) {
			snprintf(why, sizeof why, "given up: answered %d %s %u time%s (--retries %d)",
				 s->resp.status, s->resp.reason[0] ? s->resp.reason : "",
				 s->tries + 1, s->tries ? "s" : "", h->p->retries);
			settle(h, s, RESULT_FAILED, why);
			return;
		}
		s->tries++;
		verbosef("answered %d %s: sending it again in %.1f s", s->resp.status,
			 s->resp.reason, backoff_ms(s->tries) / 1000.0);
		enqueue(h, s, now + backoff_ms(s->tries));
		return;
	}
}

static int on_stream_close(nghttp2_session *ng, int32_t stream_id, uint32_t error,
			   void *user)
{
	struct h2s *h = user;
	struct slot *s = slot_of(h, stream_id);

	(void)ng;
	if (s == NULL || s->state != SLOT_SENT)
		return 0;
	h->ninflight--;
	if (s->resp.status != 0) {
		answered(h, s);
	} else if (error == NGHTTP2_REFUSED_STREAM) {
		/* Refused (above a GOAWAY's last stream, or RST_STREAM
		 * REFUSED_STREAM): never processed, so again, safely. */
		tracef("h2: stream %" PRId32 " refused: not processed, sent again", stream_id);
		enqueue(h, s, 0);
	} else {
		static char why[128];

		snprintf(why, sizeof why, "the server reset its stream (%s) without an answer",
			 nghttp2_http2_strerror(error));
		if (h->p->at_most_once)
			settle(h, s, RESULT_UNCONFIRMED, why);
		else
			enqueue(h, s, 0);
	}
	return 0;
}

/* ---- the connection ----------------------------------------------------- */

static int new_session(struct h2s *h)
{
	nghttp2_session_callbacks *cb;
	nghttp2_settings_entry iv[] = { { NGHTTP2_SETTINGS_ENABLE_PUSH, 0 } };
	int r;

	if (nghttp2_session_callbacks_new(&cb) != 0)
		return -1;
	nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
	nghttp2_session_callbacks_set_on_frame_send_callback(cb, on_frame_send);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
	r = nghttp2_session_client_new(&h->ng, cb, h);
	nghttp2_session_callbacks_del(cb);
	if (r != 0)
		return -1;
	return nghttp2_submit_settings(h->ng, NGHTTP2_FLAG_NONE, iv, 1) == 0 ? 0 : -1;
}

/* A connection ends (how: CLOSED_*): what was unanswered on it, the
 * connection's line, and whether to go on. */
static void end_connection(struct h2s *h, int politely)
{
	struct conn_line cl;
	char then[160] = "";
	size_t again = 0, unconfirmed = 0;
	int had_work = h->settled > 0 || h->ninflight > 0;

	/* Requests still open: refused ones (above a GOAWAY's last stream)
	 * go again; the others prove nothing. */
	for (size_t i = 0; i < H2_SLOTS; i++) {
		struct slot *s = &h->slots[i];

		if (s->state != SLOT_SENT)
			continue;
		h->ninflight--;
		if (h->goaway && s->stream_id > h->ans.goaway_last_stream) {
			enqueue(h, s, 0);
			again++;
		} else if (h->interrupted && s->written) {
			settle(h, s, RESULT_UNCONFIRMED, "interrupted before the server "
			       "answered: nobody can tell whether it was processed");
		} else if (h->p->at_most_once && s->written) {
			settle(h, s, RESULT_UNCONFIRMED, "the connection ended without an "
			       "answer (--at-most-once: not sent again)");
			unconfirmed++;
		} else {
			enqueue(h, s, 0);
			again++;
		}
	}
	if (h->ans.kind != ANSWER_GOAWAY && h->ans.kind != ANSWER_PROTOCOL_ERROR &&
	    h->ans.kind != ANSWER_STALLED)
		h->ans.kind = answer_kind_of_close(h->ans.closed);
	if (h->settled > 0)
		h->no_progress = 0;
	else if (had_work)
		h->no_progress++;
	if (h->interrupted) {
		snprintf(then, sizeof then, "stopping: %s", signals_name());
	} else if (h->ans.kind == ANSWER_TLS_ALERT) {
		h->stop = 1;
		h->stop_reason = h->ans.alert_refuses_cert
					 ? "the server refused the client certificate"
					 : "not sent: the run stopped at a server failure";
		h->code = apn_code_worst(h->code, h->ans.alert_refuses_cert ? APN_NOPERM
									   : APN_PROTOCOL);
		snprintf(then, sizeof then, "stopping");
	} else if (h->ans.kind == ANSWER_STALLED || h->ans.kind == ANSWER_PROTOCOL_ERROR) {
		h->stop = 1;
		h->stop_reason = "not sent: the run stopped at a server failure";
		h->code = apn_code_worst(h->code, h->ans.kind == ANSWER_STALLED ? APN_TEMPFAIL
								   : APN_PROTOCOL);
		snprintf(then, sizeof then, "stopping");
	} else if (h->no_progress > h->p->retries) {
		h->stop = 1;
		h->stop_reason = "given up: the server resolved nothing on the last "
				 "connections (--retries)";
		snprintf(then, sizeof then, "giving up after %d connection%s in a row "
			 "without progress (--retries %d)", h->no_progress,
			 h->no_progress == 1 ? "" : "s", h->p->retries);
	} else if (h->draining == 2 && !h->stop) {
		snprintf(then, sizeof then, "a new provider token, on a new connection");
	} else if (again > 0 && !h->stop) {
		snprintf(then, sizeof then, "sending %zu notification%s again on a new "
			 "connection", again, again == 1 ? "" : "s");
		if (h->no_progress > 0)
			h->backoff_until = clock_ms() + backoff_ms((unsigned)h->no_progress);
	}
	(void)unconfirmed;
	memset(&cl, 0, sizeof cl);
	cl.number = h->tot->connections;
	cl.a = &h->ans;
	cl.then = then[0] ? then : NULL;
	h->tot->last_answer = h->ans.kind;
	progress_clear(&h->prog);
	report_connection(h->p->rep, &cl);
	if (h->ans.kind == ANSWER_STALLED || h->ans.kind == ANSWER_PROTOCOL_ERROR)
		errorf("%s", h->ans.detail);
	else if (h->ans.kind == ANSWER_TLS_ALERT)
		errorf("the server sent fatal TLS alert %s%s", h->ans.alert,
		       h->ans.alert_refuses_cert ? ": it refused our client certificate" : "");
	else if (h->stop && then[0] && h->no_progress > h->p->retries)
		errorf("%s", then);
	nghttp2_session_del(h->ng);
	h->ng = NULL;
	if (politely && h->ans.closed == CLOSED_OPEN) {
		/* Read until the server's own close_notify: closing with its
		 * last frames unread would reset the connection under ours. */
		struct tls_goodbye g;

		tls_shutdown(h->conn, clock_ms() + 1000, &g);
	} else
		tls_abort(h->conn);
	h->conn = NULL;
}

static int connect_server(struct h2s *h)
{
	const struct h2_params *p = h->p;
	int64_t deadline = clock_ms() + p->connect_timeout_ms;
	struct apn_error err = { APN_OK, "" };
	char alert[64] = "", then[160] = "";
	struct conn_line cl;
	int fd;

	h->tot->connections++;
	verbosef("connecting to %s port %u (connection %u)", p->host, p->port,
		 h->tot->connections);
	memset(&h->ans, 0, sizeof h->ans);
	h->ans.closed = CLOSED_OPEN;
	fd = net_connect(p->host, p->port, deadline, &err);
	if (fd >= 0 && tls_connect(p->creds, fd, p->host, deadline, &h->conn, alert, &err) == 0) {
		if (new_session(h) != 0) {
			errorf("HTTP/2 setup failed: out of memory");
			h->code = apn_code_worst(h->code, APN_SOFTWARE);
			h->stop = 1;
			tls_abort(h->conn);
			h->conn = NULL;
			return -1;
		}
		h->settings_seen = h->goaway = h->draining = h->broken = 0;
		h->max_streams = 1;
		h->last_read = clock_ms();
		h->idle_since = 0;
		h->settled = 0;
		h->out_len = h->out_off = h->pend_len = 0;
		return 0;
	}
	h->ans.during_handshake = 1;
	if (alert[0]) {
		h->ans.kind = ANSWER_TLS_ALERT;
		h->ans.closed = CLOSED_ALERT;
		snprintf(h->ans.alert, sizeof h->ans.alert, "%s", alert);
		h->ans.alert_refuses_cert = err.code == APN_NOPERM;
	} else {
		h->ans.kind = ANSWER_NO_CONNECTION;
	}
	if (err.code == APN_UNAVAILABLE && ++h->no_progress <= p->retries) {
		h->backoff_until = clock_ms() + backoff_ms((unsigned)h->no_progress);
		snprintf(then, sizeof then, "reconnecting in %.1f s",
			 backoff_ms((unsigned)h->no_progress) / 1000.0);
	} else {
		snprintf(then, sizeof then, "stopping");
		h->stop = 1;
		h->stop_reason = err.code == APN_NOPERM ? "the server refused the client certificate"
							: "no connection to the server";
		h->code = apn_code_worst(h->code, err.code);
	}
	memset(&cl, 0, sizeof cl);
	cl.number = h->tot->connections;
	cl.a = &h->ans;
	cl.error = err.msg;
	cl.then = then;
	h->tot->last_answer = h->ans.kind;
	progress_clear(&h->prog);
	report_connection(p->rep, &cl);
	if (h->stop)
		errorf("%s", err.msg);
	else
		verbosef("%s; %s", err.msg, then);
	return -1;
}

/* Start requests for queued slots, as many as the server allows now. */
static void submit(struct h2s *h, int64_t now)
{
	const struct h2_params *p = h->p;
	uint32_t limit = h->settings_seen ? h->max_streams : 1;
	size_t n = h->nqueued;

	if (limit > H2_SLOTS)
		limit = H2_SLOTS;
	while (n-- > 0 && h->ninflight < limit && !h->goaway && !h->draining && !h->stop) {
		struct slot *s = dequeue(h);
		char path[16 + TOKEN_HEX_MAX], prio[4], exp[12], authz[1024];
		nghttp2_nv nv[12];
		nghttp2_data_provider prd;
		size_t k = 0;
		int32_t id;

		if (s->not_before > now) {
			enqueue(h, s, s->not_before);
			continue;
		}
#define NV(n, v, f) nv[k++] = (nghttp2_nv){ (uint8_t *)(n), (uint8_t *)(v), \
					    strlen(n), strlen(v), (f) }
		h2_path(&s->token, path, sizeof path);
		snprintf(prio, sizeof prio, "%d", p->priority);
		snprintf(exp, sizeof exp, "%" PRIu32, s->expiration);
		NV(":method", "POST", NGHTTP2_NV_FLAG_NONE);
		NV(":scheme", "https", NGHTTP2_NV_FLAG_NONE);
		NV(":path", path, NGHTTP2_NV_FLAG_NO_INDEX);
		NV(":authority", p->host, NGHTTP2_NV_FLAG_NONE);
		NV("apns-push-type", p->push_type, NGHTTP2_NV_FLAG_NONE);
		NV("apns-priority", prio, NGHTTP2_NV_FLAG_NONE);
		NV("apns-expiration", exp, NGHTTP2_NV_FLAG_NONE);
		if (p->topic != NULL)
			NV("apns-topic", p->topic, NGHTTP2_NV_FLAG_NONE);
		if (p->collapse_id != NULL)
			NV("apns-collapse-id", p->collapse_id, NGHTTP2_NV_FLAG_NONE);
		if (s->apns_id[0])
			NV("apns-id", s->apns_id, NGHTTP2_NV_FLAG_NO_INDEX);
		if (p->jwt != NULL) {
			struct apn_error err = { APN_OK, "" };
			struct timespec wall = { 0, 0 };
			const char *tok;

			clock_gettime(CLOCK_REALTIME, &wall);
			tok = jwt_token(p->jwt, (int64_t)wall.tv_sec, &err);
			if (tok == NULL) {
				errorf("%s", err.msg);
				h->code = apn_code_worst(h->code, err.code);
				h->stop = 1;
				h->stop_reason = "not sent: no provider token";
				enqueue(h, s, 0);
				return;
			}
			snprintf(authz, sizeof authz, "bearer %s", tok);
			NV("authorization", authz, NGHTTP2_NV_FLAG_NO_INDEX);
		}
#undef NV
		prd.source.ptr = s;
		prd.read_callback = read_payload;
		id = nghttp2_submit_request(h->ng, NULL, nv, k, &prd, s);
		if (id < 0) {
			/* No stream ids left on this connection: use a new one. */
			enqueue(h, s, 0);
			h->draining = 1;
			return;
		}
		s->state = SLOT_SENT;
		s->stream_id = id;
		if (h->ninflight++ == 0)
			h->last_read = now; /* the wait for an answer starts now */
	}
}

/* Give nghttp2's output to TLS.  0, or -1 when the connection failed. */
static int flush_out(struct h2s *h)
{
	for (;;) {
		ssize_t r;

		if (h->out_off == h->out_len) {
			h->out_len = h->out_off = 0;
			while (h->out_len < sizeof h->out) {
				size_t take;

				if (h->pend_len == 0) {
					r = nghttp2_session_mem_send(h->ng, &h->pend);
					if (r < 0) {
						snprintf(h->ans.detail, sizeof h->ans.detail,
							 "HTTP/2 error: %s", nghttp2_strerror((int)r));
						return -1;
					}
					if (r == 0)
						break;
					h->pend_len = (size_t)r;
				}
				take = sizeof h->out - h->out_len < h->pend_len
					       ? sizeof h->out - h->out_len : h->pend_len;
				memcpy(h->out + h->out_len, h->pend, take);
				h->pend += take;
				h->pend_len -= take;
				h->out_len += take;
			}
			if (h->out_len == 0)
				return 0;
		}
		r = tls_send(h->conn, h->out + h->out_off, h->out_len - h->out_off);
		if (r == TLS_IO_AGAIN)
			return 0;
		if (r < 0) {
			h->ans.closed = r == TLS_IO_RESET ? CLOSED_RESET : CLOSED_ERROR;
			snprintf(h->ans.detail, sizeof h->ans.detail, "write failed: %s",
				 tls_error_text(h->conn));
			return -1;
		}
		h->out_off += (size_t)r;
	}
}

/* Read what TLS has.  0, or -1 when the connection ended (h->ans says how). */
static int do_read(struct h2s *h)
{
	uint8_t buf[16384];

	for (;;) {
		ssize_t r = tls_recv(h->conn, buf, sizeof buf);

		if (r > 0) {
			ssize_t used;

			h->last_read = clock_ms();
			used = nghttp2_session_mem_recv(h->ng, buf, (size_t)r);
			if (used < 0) {
				h->ans.kind = ANSWER_PROTOCOL_ERROR;
				snprintf(h->ans.detail, sizeof h->ans.detail,
					 "HTTP/2 protocol error from the server: %s",
					 nghttp2_strerror((int)used));
				return -1;
			}
			continue;
		}
		switch (r) {
		case TLS_IO_AGAIN:
			return 0;
		case TLS_IO_CLOSE_NOTIFY:
			h->ans.closed = CLOSED_CLOSE_NOTIFY;
			return -1;
		case TLS_IO_TCP_CLOSE:
			h->ans.closed = CLOSED_TCP;
			return -1;
		case TLS_IO_RESET:
			h->ans.closed = CLOSED_RESET;
			return -1;
		case TLS_IO_ALERT:
			h->ans.closed = CLOSED_ALERT;
			snprintf(h->ans.alert, sizeof h->ans.alert, "%s", tls_alert_name(h->conn));
			h->ans.alert_refuses_cert = tls_alert_refuses_cert(h->conn);
			if (h->ans.kind != ANSWER_GOAWAY)
				h->ans.kind = ANSWER_TLS_ALERT;
			return -1;
		default:
			h->ans.closed = CLOSED_ERROR;
			snprintf(h->ans.detail, sizeof h->ans.detail,
				 "TLS error while reading: %s", tls_error_text(h->conn));
			return -1;
		}
	}
}

/* Everything queued, and the rest of the input, fails with reason. */
static void fail_rest(struct h2s *h, const char *reason)
{
	struct slot *s;
	struct source_item it;

	while ((s = dequeue(h)) != NULL)
		settle(h, s, RESULT_FAILED, reason);
	while (!h->input_done) {
		struct result_line l;

		switch (source_next_wait(h->p->src, &it)) {
		case SOURCE_ITEM:
			h->read++;
			memset(&l, 0, sizeof l);
			l.result = RESULT_FAILED;
			l.where = it.where;
			l.token = &it.li.token;
			l.reason = reason;
			l.timestamp_ms = -1;
			report_result(h->p->rep, &l);
			count(h, RESULT_FAILED);
			to_failed_out(h, it.raw, it.raw_len);
			break;
		case SOURCE_INVALID:
			invalid_line(h, it.where, it.why);
			break;
		case SOURCE_ERROR:
			input_failed(h, it.why);
			break;
		case SOURCE_AGAIN: /* not from source_next_wait */
		case SOURCE_END:
			h->input_done = 1;
			break;
		}
	}
}

/* SIGINT or SIGTERM: read no more, send no more; the first waits for the
 * answers to what is in flight (bounded by the stall limit), the second
 * gives up on them. */
static void interrupt(struct h2s *h)
{
	static char why[64];

	progress_clear(&h->prog);
	if (h->interrupted == 0)
		errorf("%s: stopping; no more input is read or sent%s", signals_name(),
		       h->ninflight ? "; waiting (a second signal: no longer) for the "
		       "answers to the requests in flight" : "");
	h->interrupted = signals_caught() > 1 ? 2 : 1;
	h->input_done = 1;
	h->stop = 1;
	snprintf(why, sizeof why, "not sent: interrupted (%s)", signals_name());
	h->stop_reason = why;
	h->code = apn_code_worst(h->code, APN_INTERRUPTED);
}

/* ---- the loop ----------------------------------------------------------- */

/* The nearest time the loop must look again, from now. */
static int poll_ms(struct h2s *h, int64_t now)
{
	int64_t at = INT64_MAX;

	/* Queued ones ready now wait for a free stream, which an answer
	 * brings: only a back-off still to run is a time to look again. */
	for (uint32_t i = h->q_head; i != NONE; i = h->slots[i].next)
		if (h->slots[i].not_before > now && h->slots[i].not_before < at)
			at = h->slots[i].not_before;
	if (h->conn == NULL && h->q_head != NONE)
		at = h->backoff_until > now ? h->backoff_until : now;
	if (h->conn != NULL && h->ninflight > 0 && h->last_read + h->p->timeout_ms < at)
		at = h->last_read + h->p->timeout_ms;
	if (h->conn != NULL && h->idle_since && h->p->idle_timeout_ms &&
	    h->idle_since + h->p->idle_timeout_ms < at)
		at = h->idle_since + h->p->idle_timeout_ms;
	if (at == INT64_MAX)
		return -1;
	return at <= now ? 0 : (at - now > 60000 ? 60000 : (int)(at - now));
}

enum apn_code h2_run(const struct h2_params *p, struct totals *tot)
{
	struct h2s *h = calloc(1, sizeof *h);
	enum apn_code code;

	memset(tot, 0, sizeof *tot);
	if (h == NULL || (h->slots = calloc(H2_SLOTS, sizeof *h->slots)) == NULL) {
		free(h);
		errorf("out of memory");
		return APN_SOFTWARE;
	}
	h->p = p;
	h->tot = tot;
	h->code = APN_OK;
	h->q_head = h->q_tail = NONE;
	h->free_head = NONE;
	for (uint32_t i = H2_SLOTS; i-- > 0;) {
		h->slots[i].next = h->free_head;
		h->free_head = i;
	}
	if (p->apns_id != NULL && p->apns_id[0])
		snprintf(h->next_id, sizeof h->next_id, "%s", p->apns_id);
	progress_init(&h->prog, p->progress, clock_ms());

	for (;;) {
		struct pollfd pfd[2];
		int want_stdin = 0, nfd = 0, end = 0, timeout;
		int64_t now = clock_ms();

		if (signals_caught() > h->interrupted && h->interrupted < 2)
			interrupt(h);
		if (h->interrupted > 1 && h->conn != NULL)
			end_connection(h, 0);
		want_stdin = ingest(h);
		if (h->stop) {
			if (h->conn != NULL && h->ninflight == 0)
				end_connection(h, 1);
			if (h->conn == NULL) {
				fail_rest(h, h->stop_reason ? h->stop_reason : "not sent");
				break;
			}
		}
		if (h->conn == NULL) {
			if (h->nqueued == 0) {
				if (h->input_done)
					break;
			} else if (now >= h->backoff_until) {
				if (connect_server(h) != 0)
					continue;
			}
		}
		if (h->conn != NULL) {
			submit(h, now);
			if (flush_out(h) != 0) {
				if (h->ans.closed == CLOSED_OPEN)
					h->ans.closed = CLOSED_ERROR;
				(void)do_read(h); /* a GOAWAY may be waiting */
				end_connection(h, 0);
				continue;
			}
			if (h->ninflight == 0 && (h->goaway || h->draining)) {
				end_connection(h, 1);
				continue;
			}
			if (h->ninflight == 0 && h->nqueued == 0) {
				if (h->input_done) {
					nghttp2_session_terminate_session(h->ng, NGHTTP2_NO_ERROR);
					(void)flush_out(h);
					end_connection(h, 1);
					continue;
				}
				if (h->idle_since == 0)
					h->idle_since = now;
				else if (p->idle_timeout_ms && now - h->idle_since >= p->idle_timeout_ms) {
					h->ans.idle = 1;
					nghttp2_session_terminate_session(h->ng, NGHTTP2_NO_ERROR);
					(void)flush_out(h);
					end_connection(h, 1);
					continue;
				}
			} else {
				h->idle_since = 0;
			}
			if (h->ninflight > 0 && now - h->last_read >= p->timeout_ms &&
			    now - h->last_read >= p->connect_timeout_ms) {
				h->ans.kind = ANSWER_STALLED;
				snprintf(h->ans.detail, sizeof h->ans.detail,
					 "the server answered nothing for %.1f s with %zu request%s "
					 "open", (now - h->last_read) / 1000.0, h->ninflight,
					 h->ninflight == 1 ? "" : "s");
				end_connection(h, 0);
				continue;
			}
			if (tls_pending(h->conn) > 0 && do_read(h) != 0) {
				end_connection(h, 0);
				continue;
			}
			pfd[nfd].fd = tls_fd(h->conn);
			pfd[nfd].events = POLLIN;
			if (h->out_off < h->out_len || nghttp2_session_want_write(h->ng))
				pfd[nfd].events |= tls_poll_events(h->conn) | POLLOUT;
			pfd[nfd++].revents = 0;
		}
		if (want_stdin && h->free_head != NONE) {
			pfd[nfd].fd = source_fd(p->src);
			pfd[nfd].events = POLLIN;
			pfd[nfd++].revents = 0;
		}
		progress_tick(&h->prog, tot, h->read, now);
		timeout = poll_ms(h, now);
		if (h->conn != NULL && h->ninflight > 0) {
			int stall = p->timeout_ms > p->connect_timeout_ms ? p->timeout_ms
									 : p->connect_timeout_ms;
			int64_t left = h->last_read + stall - now;

			if (timeout < 0 || left < timeout)
				timeout = left < 0 ? 0 : (int)left;
		}
		if (timeout < 0 || timeout > SIGNALS_POLL_MS)
			timeout = SIGNALS_POLL_MS; /* and look at the signals */
		if (poll(pfd, (nfds_t)nfd, timeout) < 0 && errno != EINTR) {
			errorf("poll failed: %s", strerror(errno));
			h->code = apn_code_worst(h->code, APN_SOFTWARE);
			break;
		}
		for (int i = 0; i < nfd; i++) {
			if (h->conn != NULL && pfd[i].fd == tls_fd(h->conn) && pfd[i].revents &&
			    do_read(h) != 0)
				end = 1;
			if (pfd[i].fd == source_fd(p->src) && pfd[i].revents)
				source_fill(p->src);
		}
		if (end)
			end_connection(h, 0);
	}
	if (h->conn != NULL)
		end_connection(h, 1);
	progress_clear(&h->prog);
	code = h->code;
	for (size_t i = 0; i < H2_SLOTS; i++) {
		free(h->slots[i].payload);
		free(h->slots[i].raw);
	}
	free(h->slots);
	free(h);
	return code;
}
