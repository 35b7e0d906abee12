/* answer.c: names of answer kinds. */
#include <config.h>

#include "answer.h"

const char *answer_kind_name(enum answer_kind kind)
{
	switch (kind) {
	case ANSWER_NONE: return "none";
	case ANSWER_ERROR_RESPONSE: return "error-response";
	case ANSWER_CLOSE_NOTIFY: return "close-notify";
	case ANSWER_TCP_CLOSE: return "tcp-close";
	case ANSWER_TLS_ALERT: return "tls-alert";
	case ANSWER_PROTOCOL_ERROR: return "protocol-error";
	case ANSWER_STALLED: return "stalled";
	case ANSWER_NO_CONNECTION: return "no-connection";
	case ANSWER_GOAWAY: return "goaway";
	}
	return "?";
}

const char *closed_kind_name(enum closed_kind closed)
{
	switch (closed) {
	case CLOSED_OPEN: return "open";
	case CLOSED_CLOSE_NOTIFY: return "close-notify";
	case CLOSED_TCP: return "tcp-close";
	case CLOSED_RESET: return "reset";
	case CLOSED_ALERT: return "tls-alert";
	case CLOSED_ERROR: return "tls-error";
	}
	return "?";
}

enum answer_kind answer_kind_of_close(enum closed_kind closed)
{
	switch (closed) {
	case CLOSED_OPEN: return ANSWER_NONE;
	case CLOSED_CLOSE_NOTIFY: return ANSWER_CLOSE_NOTIFY;
	case CLOSED_TCP: return ANSWER_TCP_CLOSE;
	case CLOSED_RESET: return ANSWER_TCP_CLOSE;
	case CLOSED_ALERT: return ANSWER_TLS_ALERT;
	case CLOSED_ERROR: return ANSWER_PROTOCOL_ERROR;
	}
	return ANSWER_PROTOCOL_ERROR;
}

void answer_hex(const struct answer *a, char out[2 * ANSWER_BYTES_KEPT + 1])
{
	hex_encode(a->bytes, a->nbytes < ANSWER_BYTES_KEPT ? a->nbytes : ANSWER_BYTES_KEPT,
		   out);
}
