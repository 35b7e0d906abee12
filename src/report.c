/* report.c: human and JSON lines on stdout. */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>

#include <jansson.h>

#include "report.h"
#include "token.h"

static void emit(const struct report *r, json_t *obj)
{
	if (obj == NULL)
		return;
	json_dumpf(obj, r->out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	fputc('\n', r->out);
	json_decref(obj);
}

void report_notification(const struct report *r, const struct notification *n,
			 enum result result, enum note note, const struct answer *a)
{
	char hex[TOKEN_HEX_MAX];
	int has_id = r->format != FORMAT_SIMPLE;

	token_hex(n->token, hex);
	if (r->json) {
		json_t *o = json_object();

		json_object_set_new(o, "type", json_string("notification"));
		if (has_id)
			json_object_set_new(o, "id", json_integer(n->id));
		json_object_set_new(o, "token", json_string(hex));
		json_object_set_new(o, "result", json_string(result_name(result)));
		if (result == RESULT_REJECTED) {
			json_object_set_new(o, "status", json_integer(a->packet.status));
			json_object_set_new(o, "reason",
					    json_string(status_name(a->packet.status)));
		} else if (note != NOTE_NONE) {
			json_object_set_new(o, "reason", json_string(note_text(note)));
		}
		emit(r, o);
		return;
	}
	if (r->quiet)
		return;
	fprintf(r->out, "%-11s ", result_name(result));
	if (has_id)
		fprintf(r->out, "id %-5" PRIu32 " ", n->id);
	fprintf(r->out, "%s", hex);
	if (result == RESULT_REJECTED)
		fprintf(r->out, "  status %u (%s)", a->packet.status,
			status_name(a->packet.status));
	else if (note != NOTE_NONE)
		fprintf(r->out, "  (%s)", note_text(note));
	fputc('\n', r->out);
}

static const char *explain(const struct answer *a)
{
	switch (a->kind) {
	case ANSWER_NONE:
		return "nothing from the gateway before the timeout";
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

void report_connection(const struct report *r, const struct answer *a,
		       const struct outcome *o, const struct notification *list,
		       const char *error)
{
	char hex[2 * ANSWER_BYTES_KEPT + 1];
	int named = a->kind == ANSWER_ERROR_RESPONSE && o->named_found;

	answer_hex(a, hex);
	if (r->json) {
		json_t *j = json_object();

		json_object_set_new(j, "type", json_string("connection"));
		json_object_set_new(j, "answer", json_string(answer_kind_name(a->kind)));
		switch (a->kind) {
		case ANSWER_ERROR_RESPONSE:
			json_object_set_new(j, "status", json_integer(a->packet.status));
			json_object_set_new(j, "reason", json_string(status_name(a->packet.status)));
			json_object_set_new(j, "id", json_integer(a->packet.id));
			if (named) {
				char th[TOKEN_HEX_MAX];

				token_hex(list[o->named].token, th);
				json_object_set_new(j, "token", json_string(th));
			} else
				json_object_set_new(j, "unmatched", json_true());
			json_object_set_new(j, "closed", json_string(closed_kind_name(a->closed)));
			if (a->nbytes > ERROR_RESPONSE_BYTES)
				json_object_set_new(j, "bytes", json_string(hex));
			break;
		case ANSWER_TLS_ALERT:
			json_object_set_new(j, "alert", json_string(a->alert));
			json_object_set_new(j, "during",
					    json_string(a->during_handshake ? "handshake" : "session"));
			break;
		case ANSWER_TCP_CLOSE:
			json_object_set_new(j, "closed", json_string(closed_kind_name(a->closed)));
			break;
		case ANSWER_PROTOCOL_ERROR:
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
		default:
			break;
		}
		if (r->format == FORMAT_SIMPLE)
			json_object_set_new(j, "note", json_string(
				"format simple: the gateway cannot name a failed notification"));
		emit(r, j);
		return;
	}
	if (r->quiet)
		return;
	fprintf(r->out, "answer: %s", answer_kind_name(a->kind));
	switch (a->kind) {
	case ANSWER_ERROR_RESPONSE:
		fprintf(r->out, ": status %u (%s), id %" PRIu32, a->packet.status,
			status_name(a->packet.status), a->packet.id);
		if (named) {
			char th[TOKEN_HEX_MAX];

			token_hex(list[o->named].token, th);
			fprintf(r->out, " = token %s", th);
		} else
			fprintf(r->out, ", which names no notification sent on this connection");
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
		fprintf(r->out, ": %s", error ? error : "");
		break;
	case ANSWER_STALLED:
		fprintf(r->out, ": %s", a->detail);
		break;
	default:
		fprintf(r->out, " (%s)", explain(a));
		break;
	}
	fputc('\n', r->out);
	if (r->format == FORMAT_SIMPLE)
		fprintf(r->out, "note: format simple: the gateway cannot name a failed notification\n");
}

void report_summary(const struct report *r, const struct answer *a,
		    const struct outcome *o, size_t total, int64_t elapsed_ms)
{
	size_t sent = a->written < total ? a->written : total;

	if (r->json) {
		json_t *j = json_object();

		json_object_set_new(j, "type", json_string("summary"));
		json_object_set_new(j, "sent", json_integer((json_int_t)sent));
		json_object_set_new(j, "ok", json_integer((json_int_t)o->ok));
		json_object_set_new(j, "rejected", json_integer((json_int_t)o->rejected));
		json_object_set_new(j, "unconfirmed", json_integer((json_int_t)o->unconfirmed));
		json_object_set_new(j, "failed", json_integer((json_int_t)o->failed));
		json_object_set_new(j, "answer", json_string(answer_kind_name(a->kind)));
		json_object_set_new(j, "elapsed_ms", json_integer(elapsed_ms));
		emit(r, j);
		return;
	}
	if (r->quiet)
		return;
	fprintf(r->out, "summary: %zu sent of %zu: %zu ok, %zu rejected, %zu unconfirmed, "
		"%zu failed; answer %s; %" PRId64 " ms\n", sent, total, o->ok, o->rejected,
		o->unconfirmed, o->failed, answer_kind_name(a->kind), elapsed_ms);
}
