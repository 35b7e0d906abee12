/* conn.c: connecting, and how a connection ended (see conn.h). */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "conn.h"
#include "msg.h"
#include "net.h"

int conn_open(const char *host, unsigned port, struct tls_creds *creds,
	      int connect_timeout_ms, struct tls_conn **out, struct answer *a,
	      struct apn_error *err)
{
	int64_t deadline = clock_ms() + connect_timeout_ms;
	char alert[64] = "", desc[128];
	int fd;

	memset(a, 0, sizeof *a);
	a->closed = CLOSED_OPEN;
	fd = net_connect(host, port, deadline, err);
	if (fd >= 0 && tls_connect(creds, fd, host, deadline, out, alert, err) == 0) {
		tls_describe(*out, desc, sizeof desc);
		verbosef("TLS handshake with %s done (%s)", host, desc);
		return 0;
	}
	a->during_handshake = 1;
	if (alert[0]) {
		a->kind = ANSWER_TLS_ALERT;
		a->closed = CLOSED_ALERT;
		snprintf(a->alert, sizeof a->alert, "%s", alert);
		a->alert_refuses_cert = err->code == APN_NOPERM;
	} else {
		a->kind = ANSWER_NO_CONNECTION;
	}
	return -1;
}

void conn_read_end(struct tls_conn *c, ssize_t r, struct answer *a)
{
	switch (r) {
	case TLS_IO_CLOSE_NOTIFY:
		a->closed = CLOSED_CLOSE_NOTIFY;
		break;
	case TLS_IO_TCP_CLOSE:
		a->closed = CLOSED_TCP;
		break;
	case TLS_IO_RESET:
		a->closed = CLOSED_RESET;
		break;
	case TLS_IO_ALERT:
		snprintf(a->alert, sizeof a->alert, "%s", tls_alert_name(c));
		a->alert_refuses_cert = tls_alert_refuses_cert(c);
		a->closed = CLOSED_ALERT;
		break;
	default:
		snprintf(a->detail, sizeof a->detail, "TLS error while reading: %s",
			 tls_error_text(c));
		a->closed = CLOSED_ERROR;
		break;
	}
}
