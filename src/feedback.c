/* feedback.c: --feedback (see feedback.h).
 *
 * One connection, made as the sender makes its own (conn.h), on which
 * apnsend only reads.  Each chunk read goes through the tuple decoder
 * (frame.h); each token is printed as soon as its tuple is complete, and
 * stdout is flushed after every chunk, before the next read: the service
 * deletes what it sends, so what was read must be out before anything else
 * can go wrong.  The connection ends when the service closes it, or after
 * --timeout of silence, when apnsend closes it politely.  Then the end is
 * classified like the gateway's answer (answer.h), with what the decoder
 * could not take (a truncated tuple, a tuple with no token) as a protocol
 * error.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "conn.h"
#include "creds.h"
#include "feedback.h"
#include "signals.h"
#include "frame.h"
#include "msg.h"
#include "report.h"
#include "tls.h"
#include "trace.h"

/* One TLS record's worth of data per read. */
#define READ_BYTES 16384

struct feedback {
	const struct options *o;
	struct report rep;
	struct answer ans;
	uint64_t tuples;    /* decoded, the empty ones included */
	uint64_t tokens;    /* printed */
	uint64_t bytes;     /* read from the service */
	uint64_t empty;     /* tuples with no token */
	uint64_t first_empty;               /* which tuple was the first */
	uint8_t first_empty_raw[FEEDBACK_HEADER_BYTES];
	int out_failed;     /* stdout cannot be written: stop reading */
	struct feedback_decoder dec;
	char hex[2 * FEEDBACK_TOKEN_MAX + 1];
	uint8_t buf[READ_BYTES];
};

/* Decode a chunk; print each token at once. */
static void take(struct feedback *f, const uint8_t *data, size_t len)
{
	struct feedback_tuple t;
	enum feedback_step step;
	char when[FEEDBACK_TIME_TEXT];

	f->bytes += len;
	while ((step = feedback_next(&f->dec, &data, &len, &t)) != FEEDBACK_NEED_MORE) {
		f->tuples++;
		feedback_time_text(t.time, when);
		if (step == FEEDBACK_EMPTY_TOKEN) {
			tracef("feedback: tuple %" PRIu64 ": time %s, no token: "
			       "no tuple the service may send", f->tuples, when);
			if (f->empty++ == 0) {
				f->first_empty = f->tuples;
				memcpy(f->first_empty_raw, t.raw, FEEDBACK_HEADER_BYTES);
			}
			continue;
		}
		hex_encode(t.token, t.token_len, f->hex);
		tracef("feedback: tuple %" PRIu64 ": time %s, token %s (%zu bytes)",
		       f->tuples, when, f->hex, t.token_len);
		report_feedback_token(&f->rep, t.time, when, f->hex);
		f->tokens++;
	}
	if (fflush(f->rep.out) != 0 || ferror(f->rep.out)) {
		/* main says so; reading on would delete tokens nobody sees. */
		tracef("feedback: stdout cannot be written (%s): reading stops",
		       strerror(errno));
		f->out_failed = 1;
	}
}

/* Read until the service closes, falls silent for --timeout, or stdout
 * fails.  f->ans.closed says which (CLOSED_OPEN: apnsend stopped). */
static void read_all(struct feedback *f, struct tls_conn *c)
{
	int64_t deadline = clock_ms() + f->o->timeout_ms;

	while (!f->out_failed && !signals_caught()) {
		ssize_t r;

		/* Records GnuTLS has decrypted already do not wake poll(). */
		if (tls_pending(c) == 0) {
			struct pollfd pfd = { tls_fd(c), tls_poll_events(c), 0 };
			int n = poll(&pfd, 1, clock_left(deadline));

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				snprintf(f->ans.detail, sizeof f->ans.detail,
					 "poll failed: %s", strerror(errno));
				f->ans.closed = CLOSED_ERROR;
				return;
			}
			if (n == 0)
				return; /* silent for --timeout */
		}
		r = tls_recv(c, f->buf, sizeof f->buf);
		if (r > 0) {
			take(f, f->buf, (size_t)r);
			deadline = clock_ms() + f->o->timeout_ms;
		} else if (r != TLS_IO_AGAIN) {
			conn_read_end(c, r, &f->ans);
			return;
		}
	}
}

/* The answer, from how the connection closed and what the decoder could
 * not take. */
static void classify(struct feedback *f)
{
	struct answer *a = &f->ans;
	const uint8_t *left;
	size_t nleft = feedback_partial(&f->dec, &left);
	char tls_error[sizeof a->detail];

	a->kind = answer_kind_of_close(a->closed);
	if (nleft == 0 && f->empty == 0)
		return;
	/* Bytes that are no tuple: a protocol error, whatever the close. */
	snprintf(tls_error, sizeof tls_error, "%s", a->detail);
	a->kind = ANSWER_PROTOCOL_ERROR;
	if (nleft > 0) {
		a->nbytes = nleft;
		memcpy(a->bytes, left, nleft < ANSWER_BYTES_KEPT ? nleft : ANSWER_BYTES_KEPT);
		snprintf(a->detail, sizeof a->detail,
			 "the last %zu byte%s %s a truncated tuple",
			 nleft, nleft == 1 ? "" : "s", nleft == 1 ? "is" : "are");
	} else {
		/* The first such tuple's header stands for them all. */
		a->nbytes = FEEDBACK_HEADER_BYTES;
		memcpy(a->bytes, f->first_empty_raw, FEEDBACK_HEADER_BYTES);
		if (f->empty == 1)
			snprintf(a->detail, sizeof a->detail, "tuple %" PRIu64 " has no token",
				 f->first_empty);
		else
			snprintf(a->detail, sizeof a->detail, "%" PRIu64 " tuples have no "
				 "token (the first: tuple %" PRIu64 ")", f->empty, f->first_empty);
	}
	if (f->empty > 0 && nleft > 0)
		snprintf(a->detail + strlen(a->detail), sizeof a->detail - strlen(a->detail),
			 "; %" PRIu64 " tuple%s no token", f->empty,
			 f->empty == 1 ? " has" : "s have");
	if (tls_error[0])
		snprintf(a->detail + strlen(a->detail), sizeof a->detail - strlen(a->detail),
			 "; %s", tls_error);
}

/* INTERFACE (exit status; see FEEDBACK SERVICE in apnsend(1)): the
 * service's list is complete after close-notify or a FIN; a reset or
 * silence may have lost some or left some unsent. */
static enum apn_code end_code(const struct answer *a)
{
	switch (a->kind) {
	case ANSWER_CLOSE_NOTIFY:
		return APN_OK;
	case ANSWER_TCP_CLOSE:
		return a->closed == CLOSED_RESET ? APN_TEMPFAIL : APN_OK;
	case ANSWER_NONE:
		return APN_TEMPFAIL;
	case ANSWER_TLS_ALERT:
		return a->alert_refuses_cert ? APN_NOPERM : APN_PROTOCOL;
	default:
		return APN_PROTOCOL;
	}
}

/* Every end but a clean one gets its line on stderr, where cron and -q
 * users look. */
static void stderr_line(const struct feedback *f)
{
	const struct answer *a = &f->ans;

	if (a->kind == ANSWER_PROTOCOL_ERROR)
		errorf("protocol error: %s", a->detail);
	else if (a->kind == ANSWER_TLS_ALERT)
		errorf("the feedback service sent fatal TLS alert %s%s", a->alert,
		       a->alert_refuses_cert ? ": it refused our client certificate" : "");
	else if (a->kind == ANSWER_TCP_CLOSE && a->closed == CLOSED_RESET)
		errorf("the feedback service reset the connection: what it sent "
		       "last may be lost");
	else if (a->kind == ANSWER_NONE)
		errorf("nothing from the feedback service for %g s (--timeout): "
		       "its list may not be complete", f->o->timeout_ms / 1000.0);
}

enum apn_code feedback_run(const struct options *o)
{
	struct apn_error err = { APN_OK, "" };
	struct tls_creds *creds = NULL;
	struct tls_conn *conn = NULL;
	struct feedback *f = NULL;
	enum apn_code code;
	int64_t start = clock_ms();
	int tls_ready = 0;
	const uint8_t *left;

	if (tls_init(&err) != 0)
		goto fail;
	tls_ready = 1;
	if (creds_load(o, &creds, &err) != 0)
		goto fail;
	if ((f = calloc(1, sizeof *f)) == NULL) {
		apn_fail(&err, APN_SOFTWARE, "reading the feedback service: out of memory");
		goto fail;
	}
	f->o = o;
	f->rep.out = stdout;
	f->rep.json = o->json;
	f->rep.quiet = o->quiet;
	f->rep.format = FORMAT_FRAME;
	feedback_init(&f->dec);

	verbosef("connecting to the feedback service %s port %u", o->host, o->port);
	if (conn_open(o->host, o->port, creds, o->connect_timeout_ms, &conn, &f->ans,
		      &err) != 0) {
		report_feedback_end(&f->rep, &f->ans, err.msg, o->timeout_ms);
		report_feedback_summary(&f->rep, 0, 0, f->ans.kind, clock_ms() - start);
		goto fail;
	}
	read_all(f, conn);
	classify(f);
	tracef("feedback: ended: answer %s, closed %s; %" PRIu64 " tuple%s in %" PRIu64
	       " bytes, %zu left over", answer_kind_name(f->ans.kind),
	       closed_kind_name(f->ans.closed), f->tuples, f->tuples == 1 ? "" : "s",
	       f->bytes, feedback_partial(&f->dec, &left));
	/* Close politely when the service did not, or answer its close_notify;
	 * after anything else there is no session left to be polite in. */
	if (f->ans.closed == CLOSED_OPEN || f->ans.closed == CLOSED_CLOSE_NOTIFY)
		tls_close(conn, clock_ms() + 1000);
	else
		tls_abort(conn);
	if (f->out_failed) {
		code = APN_IOERR; /* main says so */
		goto out;
	}
	report_feedback_end(&f->rep, &f->ans, NULL, o->timeout_ms);
	report_feedback_summary(&f->rep, f->tokens, f->bytes, f->ans.kind,
				clock_ms() - start);
	stderr_line(f);
	code = end_code(&f->ans);
	if (signals_caught()) {
		errorf("stopped by %s: every token read was printed", signals_name());
		code = apn_code_worst(code, APN_INTERRUPTED);
	}
	goto out;
fail:
	errorf("%s", err.msg);
	code = err.code;
out:
	free(f);
	tls_creds_free(creds);
	if (tls_ready)
		tls_deinit();
	return code;
}
