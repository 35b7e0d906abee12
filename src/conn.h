/* conn.h: one connection to an Apple service, the gateway or the feedback
 * service: connect and handshake within one deadline, and what a read that
 * returned no data says about how the connection ended, both in the terms
 * of answer.h.  The sender and --feedback share these.
 */
#ifndef APNSEND_CONN_H
#define APNSEND_CONN_H

#include <sys/types.h>

#include "answer.h"
#include "error.h"
#include "tls.h"

/* Resolve host, connect to port and complete the TLS handshake with creds,
 * all within connect_timeout_ms.  *a is cleared.  Returns 0 with *out set
 * (end it with tls_close or tls_abort), or -1 with err set (APN_NOHOST,
 * APN_UNAVAILABLE, APN_PROTOCOL, APN_NOPERM, APN_SOFTWARE: see net_connect
 * and tls_connect) and *a filled as the connection's answer: tls-alert
 * during the handshake when the peer sent a fatal alert, else
 * no-connection. */
int conn_open(const char *host, unsigned port, struct tls_creds *creds,
	      int connect_timeout_ms, struct tls_conn **out, struct answer *a,
	      struct apn_error *err);

/* r is a tls_recv result that is no data and not TLS_IO_AGAIN: the peer
 * ended the connection.  Record how in a->closed, with the alert's name or
 * the error's text (a->detail). */
void conn_read_end(struct tls_conn *c, ssize_t r, struct answer *a);

#endif
