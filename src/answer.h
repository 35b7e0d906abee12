/* answer.h: how the gateway answered one connection.  No I/O.
 *
 * gateway.c fills a struct answer while it writes and waits; outcome.c
 * turns it into a result per notification; report.c prints it.
 */
#ifndef APNSEND_ANSWER_H
#define APNSEND_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"

/* INTERFACE: the names of these values appear in --json output. */
enum answer_kind {
	ANSWER_NONE,           /* "none": nothing before the timeout */
	ANSWER_ERROR_RESPONSE, /* "error-response": the 6-byte packet */
	ANSWER_CLOSE_NOTIFY,   /* "close-notify": TLS close_notify, no packet */
	ANSWER_TCP_CLOSE,      /* "tcp-close": FIN or reset, no close_notify */
	ANSWER_TLS_ALERT,      /* "tls-alert": a fatal TLS alert */
	ANSWER_PROTOCOL_ERROR, /* "protocol-error": bytes that are no packet */
	ANSWER_STALLED,        /* "stalled": the gateway stopped reading */
	ANSWER_NO_CONNECTION,  /* "no-connection": connect or handshake failed */
	ANSWER_GOAWAY          /* "goaway": an HTTP/2 GOAWAY frame (--http2) */
};

/* How the connection ended, as far as we saw. */
enum closed_kind {
	CLOSED_OPEN,         /* "open": still open when we stopped waiting */
	CLOSED_CLOSE_NOTIFY, /* "close-notify" */
	CLOSED_TCP,          /* "tcp-close" (FIN) */
	CLOSED_RESET,        /* "reset" (RST, or EPIPE on write) */
	CLOSED_ALERT,        /* "tls-alert" */
	CLOSED_ERROR         /* "tls-error": a TLS record layer error */
};

#define ANSWER_BYTES_KEPT 64

struct answer {
	enum answer_kind kind;
	enum closed_kind closed;
	struct error_response packet; /* valid for ANSWER_ERROR_RESPONSE */
	uint8_t bytes[ANSWER_BYTES_KEPT]; /* first application bytes received */
	size_t nbytes;                    /* all application bytes received */
	char alert[64];                   /* alert name for CLOSED_ALERT */
	int alert_refuses_cert;           /* the alert refuses our certificate */
	int during_handshake;             /* failed before any frame was written */
	size_t written;                   /* notifications fully written */
	int idle;                         /* ended with nothing unresolved */
	char detail[512];                 /* error text (write error, TLS error) */
	/* ANSWER_GOAWAY: the frame's fields */
	char goaway_error[32];            /* "NO_ERROR", ... */
	int32_t goaway_last_stream;
	char goaway_debug[256];           /* its debug data, printable */
};

/* The --json spelling of kind and closed. */
const char *answer_kind_name(enum answer_kind kind);
const char *closed_kind_name(enum closed_kind closed);

/* The answer a connection's end makes by itself, when nothing else was
 * received: close-notify, tcp-close (FIN or reset), tls-alert,
 * protocol-error (a TLS error), or none (still open). */
enum answer_kind answer_kind_of_close(enum closed_kind closed);

/* Lowercase hex of the kept answer bytes into out (2*64+1 bytes). */
void answer_hex(const struct answer *a, char out[2 * ANSWER_BYTES_KEPT + 1]);

#endif
