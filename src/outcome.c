/* outcome.c: results per notification from the gateway's answer. */
#include <config.h>

#include "outcome.h"

static void set(enum result *results, enum note *notes, size_t i,
		enum result r, enum note why)
{
	results[i] = r;
	notes[i] = why;
}

void outcome_assign(const struct answer *ans, enum frame_format fmt,
		    const struct notification *list, size_t n,
		    enum result *results, enum note *notes, struct outcome *out)
{
	size_t written = ans->written < n ? ans->written : n;
	enum apn_code code = APN_OK;

	out->named = 0;
	out->named_found = 0;
	if (ans->kind == ANSWER_ERROR_RESPONSE && fmt != FORMAT_SIMPLE) {
		for (size_t i = 0; i < written; i++) {
			if (list[i].id == ans->packet.id) {
				out->named = i;
				out->named_found = 1;
				break;
			}
		}
	}

	for (size_t i = 0; i < n; i++) {
		if (i >= written) {
			set(results, notes, i, RESULT_FAILED,
			    ans->kind == ANSWER_TLS_ALERT && ans->alert_refuses_cert
				    ? NOTE_CERT_REFUSED : NOTE_NOT_SENT);
			continue;
		}
		switch (ans->kind) {
		case ANSWER_NONE:
			set(results, notes, i, RESULT_OK, NOTE_NONE);
			break;
		case ANSWER_ERROR_RESPONSE:
			if (!out->named_found)
				set(results, notes, i, RESULT_UNCONFIRMED, NOTE_NO_ANSWER);
			else if (ans->packet.status == STATUS_SHUTDOWN)
				set(results, notes, i, i <= out->named ? RESULT_OK : RESULT_FAILED,
				    i <= out->named ? NOTE_NONE : NOTE_AFTER_SHUTDOWN);
			else if (i < out->named)
				set(results, notes, i, RESULT_OK, NOTE_NONE);
			else if (i == out->named)
				set(results, notes, i, RESULT_REJECTED, NOTE_NONE);
			else
				set(results, notes, i, RESULT_FAILED, NOTE_AFTER_REJECTED);
			break;
		case ANSWER_TLS_ALERT:
			if (ans->alert_refuses_cert)
				set(results, notes, i, RESULT_FAILED, NOTE_CERT_REFUSED);
			else
				set(results, notes, i, RESULT_UNCONFIRMED, NOTE_NO_ANSWER);
			break;
		case ANSWER_NO_CONNECTION:
			set(results, notes, i, RESULT_FAILED, NOTE_NOT_SENT);
			break;
		default:
			set(results, notes, i, RESULT_UNCONFIRMED, NOTE_NO_ANSWER);
			break;
		}
	}

	out->ok = out->rejected = out->unconfirmed = out->failed = 0;
	for (size_t i = 0; i < n; i++) {
		switch (results[i]) {
		case RESULT_OK: out->ok++; break;
		case RESULT_REJECTED: out->rejected++; break;
		case RESULT_UNCONFIRMED: out->unconfirmed++; break;
		case RESULT_FAILED: out->failed++; break;
		}
	}

	switch (ans->kind) {
	case ANSWER_PROTOCOL_ERROR:
		code = APN_PROTOCOL;
		break;
	case ANSWER_TLS_ALERT:
		code = ans->alert_refuses_cert ? APN_NOPERM : APN_PROTOCOL;
		break;
	case ANSWER_ERROR_RESPONSE:
		if (ans->packet.status == STATUS_SHUTDOWN)
			code = APN_TEMPFAIL;
		break;
	case ANSWER_CLOSE_NOTIFY:
	case ANSWER_TCP_CLOSE:
	case ANSWER_STALLED:
		code = APN_TEMPFAIL;
		break;
	default:
		break;
	}
	if (out->rejected > 0)
		code = apn_code_worst(code, APN_REJECTED);
	if (out->unconfirmed + out->failed > 0)
		code = apn_code_worst(code, APN_TEMPFAIL);
	out->code = code;
}

const char *result_name(enum result r)
{
	switch (r) {
	case RESULT_OK: return "ok";
	case RESULT_REJECTED: return "rejected";
	case RESULT_UNCONFIRMED: return "unconfirmed";
	case RESULT_FAILED: return "failed";
	}
	return "?";
}

const char *note_text(enum note note)
{
	switch (note) {
	case NOTE_NONE: return "";
	case NOTE_NOT_SENT: return "not sent";
	case NOTE_AFTER_REJECTED: return "discarded by the gateway after the rejected notification";
	case NOTE_AFTER_SHUTDOWN: return "discarded by the gateway at shutdown (status 10)";
	case NOTE_NO_ANSWER: return "the connection ended without an answer naming it";
	case NOTE_CERT_REFUSED: return "the gateway refused the client certificate";
	}
	return "";
}
