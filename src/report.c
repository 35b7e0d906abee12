/* report.c: human and JSON lines on stdout. */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "report.h"
#include "source.h"
#include "verdict.h"

const char *result_name(enum result r)
{
	switch (r) {
	case RESULT_OK: return "ok";
	case RESULT_REJECTED: return "rejected";
	case RESULT_UNCONFIRMED: return "unconfirmed";
	case RESULT_FAILED: return "failed";
	case RESULT_INVALID: return "invalid";
	}
	return "?";
}

static void emit(const struct report *r, json_t *obj)
{
	if (obj == NULL)
		return;
	json_dumpf(obj, r->out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	fputc('\n', r->out);
	json_decref(obj);
}

/* "line": N or "argument": N. */
static void json_where(json_t *o, uint64_t where)
{
	if (where & SOURCE_ARG_BIT)
		json_object_set_new(o, "argument",
				    json_integer((json_int_t)(where & ~SOURCE_ARG_BIT)));
	else
		json_object_set_new(o, "line", json_integer((json_int_t)where));
}

/* A JSON string for s (which need not be valid UTF-8). */
static void put_json_string(FILE *out, const char *s)
{
	json_t *j = json_string(s);

	if (j == NULL)
		j = json_string("(text that is not UTF-8)");
	json_dumpf(j, out, JSON_ENCODE_ANY);
	json_decref(j);
}

int report_shows_results(const struct report *r)
{
	return r->json || !r->quiet;
}

/* A result line is built in memory and written with one fwrite: it is
 * printed for every notification, and printf's parsing of its format
 * was most of the time a --json run spent outside the kernel. */
struct linebuf {
	char b[64 + TOKEN_HEX_MAX + 6 * 24];
	size_t n;
};

static void lb_str(struct linebuf *lb, const char *s)
{
	size_t len = strlen(s);

	memcpy(lb->b + lb->n, s, len);
	lb->n += len;
}

static void lb_u64(struct linebuf *lb, uint64_t v)
{
	char d[24];
	size_t i = sizeof d;

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	memcpy(lb->b + lb->n, d + i, sizeof d - i);
	lb->n += sizeof d - i;
}

/* Spaces up to `width` characters from `from`, as printf's %-Ns. */
static void lb_pad(struct linebuf *lb, size_t from, size_t width)
{
	while (lb->n - from < width)
		lb->b[lb->n++] = ' ';
}

static void lb_flush(struct linebuf *lb, FILE *out)
{
	fwrite(lb->b, 1, lb->n, out);
	lb->n = 0;
}

/* A rejection's reason: Apple's word over HTTP/2, else the status's name. */
static const char *rejected_reason(const struct report *r, const struct result_line *l)
{
	if (r->http2)
		return l->reason != NULL && l->reason[0] ? l->reason : "(no reason given)";
	return status_name((uint8_t)l->status);
}

void report_result(const struct report *r, const struct result_line *l)
{
	struct linebuf lb;
	char hex[TOKEN_HEX_MAX];
	int has_id = r->format != FORMAT_SIMPLE && !r->http2 && l->result != RESULT_INVALID;
	int arg = (l->where & SOURCE_ARG_BIT) != 0;
	uint64_t where = l->where & ~SOURCE_ARG_BIT;
	size_t from;

	if (!report_shows_results(r))
		return;
	if (l->token)
		token_hex(l->token, hex);
	lb.n = 0;
	if (r->json) {
		/* Formatted by hand, not through jansson objects: only the
		 * reason can need escaping. */
		lb_str(&lb, arg ? "{\"type\":\"notification\",\"argument\":"
				: "{\"type\":\"notification\",\"line\":");
		lb_u64(&lb, where);
		if (has_id) {
			lb_str(&lb, ",\"id\":");
			lb_u64(&lb, l->id);
		}
		if (l->token) {
			lb_str(&lb, ",\"token\":\"");
			lb_str(&lb, hex);
			lb_str(&lb, "\"");
		}
		lb_str(&lb, ",\"result\":\"");
		lb_str(&lb, result_name(l->result));
		lb_str(&lb, "\",\"attempts\":");
		lb_u64(&lb, l->attempts);
		if (r->http2 && l->apns_id != NULL) {
			lb_str(&lb, ",\"apns_id\":\"");
			lb_str(&lb, l->apns_id);
			lb_str(&lb, "\"");
		}
		if (l->result == RESULT_REJECTED) {
			lb_str(&lb, ",\"status\":");
			lb_u64(&lb, l->status);
			lb_str(&lb, ",\"reason\":");
			lb_flush(&lb, r->out);
			put_json_string(r->out, rejected_reason(r, l));
			if (r->http2 && l->timestamp_ms >= 0) {
				lb_str(&lb, ",\"timestamp\":");
				lb_u64(&lb, (uint64_t)l->timestamp_ms);
			}
		} else if (l->reason != NULL) {
			lb_str(&lb, ",\"reason\":");
			lb_flush(&lb, r->out);
			put_json_string(r->out, l->reason);
		}
		lb_str(&lb, "}\n");
		lb_flush(&lb, r->out);
		return;
	}
	/* "%-11s %-11s id %-5u attempts %u  TOKEN" */
	lb_str(&lb, result_name(l->result));
	lb_pad(&lb, 0, 11);
	lb_str(&lb, " ");
	from = lb.n;
	lb_str(&lb, arg ? "argument " : "line ");
	lb_u64(&lb, where);
	lb_pad(&lb, from, 11);
	if (has_id) {
		lb_str(&lb, " id ");
		from = lb.n;
		lb_u64(&lb, l->id);
		lb_pad(&lb, from, 5);
	}
	if (l->result != RESULT_INVALID) {
		lb_str(&lb, " attempts ");
		lb_u64(&lb, l->attempts);
	}
	if (l->token) {
		lb_str(&lb, "  ");
		lb_str(&lb, hex);
	}
	if (r->http2 && l->apns_id != NULL) {
		lb_str(&lb, "  apns-id ");
		lb_str(&lb, l->apns_id);
	}
	lb_flush(&lb, r->out);
	if (l->result == RESULT_REJECTED) {
		fprintf(r->out, "  status %u (%s)", l->status, rejected_reason(r, l));
		if (r->http2 && l->timestamp_ms >= 0) {
			char when[FEEDBACK_TIME_TEXT];

			feedback_time_text((uint32_t)(l->timestamp_ms / 1000), when);
			fprintf(r->out, " since %s", when);
		}
	} else if (l->reason != NULL)
		fprintf(r->out, "  (%s)", l->reason);
	fputc('\n', r->out);
}

static const char *explain(const struct report *r, const struct answer *a)
{
	switch (a->kind) {
	case ANSWER_NONE:
		if (r->http2)
			return "every request answered; apnsend closed the connection";
		return a->closed == CLOSED_OPEN ? "nothing from the gateway before the timeout"
						: "nothing from the gateway";
	case ANSWER_CLOSE_NOTIFY:
		return "the gateway closed the TLS session (close_notify alert) "
		       "without an error-response packet";
	case ANSWER_TCP_CLOSE:
		return a->closed == CLOSED_RESET
			       ? "the gateway reset the connection without a close_notify "
				 "alert or an error-response packet"
			       : "the gateway closed the TCP connection without a "
				 "close_notify alert or an error-response packet";
	default:
		return "";
	}
}

/* The keys of a connection object that describe an answer other than
 * error-response (error: why there was no connection). */
static void json_answer_keys(json_t *j, const struct answer *a, const char *error)
{
	char hex[2 * ANSWER_BYTES_KEPT + 1];

	switch (a->kind) {
	case ANSWER_TLS_ALERT:
		json_object_set_new(j, "alert", json_string(a->alert));
		json_object_set_new(j, "during",
				    json_string(a->during_handshake ? "handshake" : "session"));
		break;
	case ANSWER_TCP_CLOSE:
		json_object_set_new(j, "closed", json_string(closed_kind_name(a->closed)));
		break;
	case ANSWER_PROTOCOL_ERROR:
		answer_hex(a, hex);
		json_object_set_new(j, "bytes", json_string(hex));
		json_object_set_new(j, "length", json_integer((json_int_t)a->nbytes));
		json_object_set_new(j, "closed", json_string(closed_kind_name(a->closed)));
		if (a->detail[0])
			json_object_set_new(j, "error", json_string(a->detail));
		break;
	case ANSWER_NO_CONNECTION:
		json_object_set_new(j, "error", json_string(error ? error : ""));
		break;
	case ANSWER_STALLED:
		json_object_set_new(j, "error", json_string(a->detail));
		break;
	case ANSWER_GOAWAY:
		json_object_set_new(j, "error_code", json_string(a->goaway_error));
		json_object_set_new(j, "last_stream", json_integer(a->goaway_last_stream));
		json_object_set_new(j, "debug", json_string(a->goaway_debug));
		json_object_set_new(j, "closed", json_string(closed_kind_name(a->closed)));
		break;
	default:
		break;
	}
}

static void json_connection(const struct report *r, const struct conn_line *c,
			    const char *hex)
{
	const struct answer *a = c->a;
	json_t *j = json_object();

	json_object_set_new(j, "type", json_string("connection"));
	json_object_set_new(j, "connection", json_integer(c->number));
	json_object_set_new(j, "answer", json_string(answer_kind_name(a->kind)));
	switch (a->kind) {
	case ANSWER_ERROR_RESPONSE:
		json_object_set_new(j, "status", json_integer(a->packet.status));
		json_object_set_new(j, "reason", json_string(status_name(a->packet.status)));
		json_object_set_new(j, "id", json_integer(a->packet.id));
		if (c->named == NAMED_NOTIFICATION && c->named_token) {
			char th[TOKEN_HEX_MAX];

			token_hex(c->named_token, th);
			json_object_set_new(j, "token", json_string(th));
			json_where(j, c->named_where);
		} else if (c->named == NAMED_SENTINEL) {
			json_object_set_new(j, "sentinel", json_true());
		} else {
			json_object_set_new(j, "unmatched", json_true());
		}
		json_object_set_new(j, "closed", json_string(closed_kind_name(a->closed)));
		if (a->nbytes > ERROR_RESPONSE_BYTES)
			json_object_set_new(j, "bytes", json_string(hex));
		break;
	default:
		json_answer_keys(j, a, c->error);
		break;
	}
	json_object_set_new(j, "written", json_integer((json_int_t)a->written));
	if (a->idle)
		json_object_set_new(j, "idle", json_true());
	if (c->then)
		json_object_set_new(j, "then", json_string(c->then));
	if (r->format == FORMAT_SIMPLE)
		json_object_set_new(j, "note", json_string(
			"format simple: the gateway cannot name a failed notification"));
	emit(r, j);
}

void report_connection(const struct report *r, const struct conn_line *c)
{
	const struct answer *a = c->a;
	char hex[2 * ANSWER_BYTES_KEPT + 1];

	answer_hex(a, hex);
	if (r->json) {
		json_connection(r, c, hex);
		return;
	}
	if (r->quiet)
		return;
	fprintf(r->out, "answer: %s", answer_kind_name(a->kind));
	switch (a->kind) {
	case ANSWER_ERROR_RESPONSE:
		fprintf(r->out, ": status %u (%s), id %" PRIu32, a->packet.status,
			status_name(a->packet.status), a->packet.id);
		if (c->named == NAMED_NOTIFICATION && c->named_token) {
			char th[TOKEN_HEX_MAX], where[40];

			token_hex(c->named_token, th);
			source_where(c->named_where, where, sizeof where);
			fprintf(r->out, " = token %s (%s)", th, where);
		} else if (c->named == NAMED_SENTINEL) {
			fprintf(r->out, " = our sentinel: every notification before it "
				"was processed");
		} else {
			fprintf(r->out, ", which names no unresolved notification "
				"sent on this connection");
		}
		fprintf(r->out, "; then %s", a->closed == CLOSED_OPEN
				? "the connection stayed open"
				: closed_kind_name(a->closed));
		if (a->nbytes > ERROR_RESPONSE_BYTES)
			fprintf(r->out, " (%zu bytes more after the packet)",
				a->nbytes - ERROR_RESPONSE_BYTES);
		break;
	case ANSWER_TLS_ALERT:
		fprintf(r->out, ": fatal alert %s%s%s", a->alert,
			a->during_handshake ? " during the handshake" : "",
			a->alert_refuses_cert ? " (the gateway refused the client certificate)" : "");
		break;
	case ANSWER_PROTOCOL_ERROR:
		if (a->nbytes > 0)
			fprintf(r->out, ": %zu byte%s (%s%s) where a 6-byte error-response "
				"packet starting with 08 was expected; then %s",
				a->nbytes, a->nbytes == 1 ? "" : "s", hex,
				a->nbytes > ANSWER_BYTES_KEPT ? "..." : "",
				closed_kind_name(a->closed));
		else
			fprintf(r->out, ": %s", a->detail);
		break;
	case ANSWER_NO_CONNECTION:
		fprintf(r->out, ": %s", c->error ? c->error : "");
		break;
	case ANSWER_STALLED:
		fprintf(r->out, ": %s", a->detail);
		break;
	case ANSWER_GOAWAY:
		fprintf(r->out, ": error %s, last stream %" PRId32 "%s%s; then %s",
			a->goaway_error, a->goaway_last_stream,
			a->goaway_debug[0] ? ", debug data " : "", a->goaway_debug,
			a->closed == CLOSED_OPEN ? "we closed" : closed_kind_name(a->closed));
		break;
	default:
		fprintf(r->out, " (%s%s)", explain(r, a), a->idle ? ", while idle" : "");
		break;
	}
	if (c->number > 1 || c->then)
		fprintf(r->out, " [connection %u, %zu written]", c->number, a->written);
	if (c->then)
		fprintf(r->out, "; %s", c->then);
	fputc('\n', r->out);
	if (r->format == FORMAT_SIMPLE)
		fprintf(r->out, "note: format simple: the gateway cannot name a failed notification\n");
}

void report_summary(const struct report *r, const struct totals *t,
		    int64_t elapsed_ms)
{
	uint64_t total = 0;

	for (int i = 0; i < RESULT_KINDS; i++)
		total += t->results[i];
	if (r->json) {
		json_t *j = json_object();

		json_object_set_new(j, "type", json_string("summary"));
		json_object_set_new(j, "notifications", json_integer((json_int_t)total));
		/* Written at least once: every write is a first or a resend. */
		json_object_set_new(j, "sent",
				    json_integer((json_int_t)(t->written - t->resent)));
		for (int i = 0; i < RESULT_KINDS; i++)
			json_object_set_new(j, result_name((enum result)i),
					    json_integer((json_int_t)t->results[i]));
		json_object_set_new(j, "written", json_integer((json_int_t)t->written));
		json_object_set_new(j, "resent", json_integer((json_int_t)t->resent));
		json_object_set_new(j, "connections", json_integer(t->connections));
		json_object_set_new(j, "answer", json_string(answer_kind_name(t->last_answer)));
		json_object_set_new(j, "elapsed_ms", json_integer(elapsed_ms));
		emit(r, j);
		return;
	}
	if (r->quiet)
		return;
	fprintf(r->out, "summary: %" PRIu64 " notification%s: %" PRIu64 " ok, %" PRIu64
		" rejected, %" PRIu64 " unconfirmed, %" PRIu64 " failed, %" PRIu64
		" invalid; %" PRIu64 " written (%" PRIu64 " resent) on %u connection%s; "
		"last answer %s; %" PRId64 " ms\n",
		total, total == 1 ? "" : "s", t->results[RESULT_OK],
		t->results[RESULT_REJECTED], t->results[RESULT_UNCONFIRMED],
		t->results[RESULT_FAILED], t->results[RESULT_INVALID], t->written,
		t->resent, t->connections, t->connections == 1 ? "" : "s",
		answer_kind_name(t->last_answer), elapsed_ms);
}

/* ---- --feedback ----------------------------------------------------------- */

void report_feedback_token(const struct report *r, uint32_t unix_time,
			   const char *iso, const char *hex)
{
	if (r->json)
		fprintf(r->out, "{\"type\":\"feedback\",\"token\":\"%s\",\"time\":\"%s\","
			"\"unix\":%" PRIu32 "}\n", hex, iso, unix_time);
	else
		fprintf(r->out, "%s  %s\n", iso, hex);
}

void report_feedback_end(const struct report *r, const struct answer *a,
			 const char *error, int timeout_ms)
{
	char hex[2 * ANSWER_BYTES_KEPT + 1];

	if (r->json) {
		json_t *j = json_object();

		json_object_set_new(j, "type", json_string("connection"));
		json_object_set_new(j, "connection", json_integer(1));
		json_object_set_new(j, "answer", json_string(answer_kind_name(a->kind)));
		json_answer_keys(j, a, error);
		if (a->kind != ANSWER_NO_CONNECTION && json_object_get(j, "closed") == NULL)
			json_object_set_new(j, "closed",
					    json_string(closed_kind_name(a->closed)));
		emit(r, j);
		return;
	}
	if (r->quiet)
		return;
	fprintf(r->out, "answer: %s", answer_kind_name(a->kind));
	switch (a->kind) {
	case ANSWER_CLOSE_NOTIFY:
		fprintf(r->out, " (the feedback service sent its list and closed the "
			"TLS session with a close_notify alert)");
		break;
	case ANSWER_TCP_CLOSE:
		fprintf(r->out, " (%s)", a->closed == CLOSED_RESET
			? "the feedback service reset the connection: what it sent "
			  "last may be lost"
			: "the feedback service closed the TCP connection without a "
			  "close_notify alert");
		break;
	case ANSWER_NONE:
		fprintf(r->out, " (nothing from the feedback service for %g s "
			"(--timeout); apnsend closed the connection)", timeout_ms / 1000.0);
		break;
	case ANSWER_TLS_ALERT:
		fprintf(r->out, ": fatal alert %s%s%s", a->alert,
			a->during_handshake ? " during the handshake" : "",
			a->alert_refuses_cert
				? " (the feedback service refused the client certificate)" : "");
		break;
	case ANSWER_PROTOCOL_ERROR:
		answer_hex(a, hex);
		fprintf(r->out, ": %s", a->detail);
		if (a->nbytes > 0)
			fprintf(r->out, " (%s%s)", hex,
				a->nbytes > ANSWER_BYTES_KEPT ? "..." : "");
		fprintf(r->out, "; then %s", closed_kind_name(a->closed));
		break;
	default:
		fprintf(r->out, ": %s", error ? error : a->detail);
		break;
	}
	fputc('\n', r->out);
}

void report_feedback_summary(const struct report *r, uint64_t tokens,
			     uint64_t bytes, enum answer_kind answer,
			     int64_t elapsed_ms)
{
	if (r->json) {
		json_t *j = json_object();

		json_object_set_new(j, "type", json_string("summary"));
		json_object_set_new(j, "tokens", json_integer((json_int_t)tokens));
		json_object_set_new(j, "bytes", json_integer((json_int_t)bytes));
		json_object_set_new(j, "answer", json_string(answer_kind_name(answer)));
		json_object_set_new(j, "elapsed_ms", json_integer(elapsed_ms));
		emit(r, j);
		return;
	}
	if (r->quiet)
		return;
	fprintf(r->out, "summary: %" PRIu64 " token%s, %" PRIu64 " byte%s read; "
		"answer %s; %" PRId64 " ms\n", tokens, tokens == 1 ? "" : "s",
		bytes, bytes == 1 ? "" : "s", answer_kind_name(answer), elapsed_ms);
}
