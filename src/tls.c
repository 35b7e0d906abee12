/* tls.c: client TLS sessions with GnuTLS (see tls.h). */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "clock.h"
#include "net.h"
#include "tls-internal.h"
#include "tls.h"
#include "trace.h"

struct tls_conn {
	gnutls_session_t session;
	int fd;
	int last_errno;           /* errno seen by our push/pull functions */
	short want;               /* POLLIN or POLLOUT after TLS_IO_AGAIN */
	int send_pending;         /* a record is part-sent (tls_send AGAIN) */
	int handshake_done;       /* for --trace: later handshake messages */
	unsigned char rec_hdr[5]; /* for --trace: the TLS record header being */
	size_t rec_hdr_n;         /* read, and the bytes left of the record */
	size_t rec_left;
	gnutls_alert_description_t alert;
	int have_alert;
	char alert_text[64];
	char errtext[256];
};

void tls_abort(struct tls_conn *c);

int tls_init(struct apn_error *err)
{
	int r = gnutls_global_init();

	if (r < 0)
		return apn_fail(err, APN_SOFTWARE, "GnuTLS initialisation failed: %s",
				gnutls_strerror(r));
	return 0;
}

void tls_deinit(void)
{
	gnutls_global_deinit();
}

const char *tls_runtime_version(void)
{
	return gnutls_check_version(NULL);
}

int tls_alert_is_cert_refusal(gnutls_alert_description_t alert)
{
	switch (alert) {
	case GNUTLS_A_BAD_CERTIFICATE:
	case GNUTLS_A_UNSUPPORTED_CERTIFICATE:
	case GNUTLS_A_CERTIFICATE_REVOKED:
	case GNUTLS_A_CERTIFICATE_EXPIRED:
	case GNUTLS_A_CERTIFICATE_UNKNOWN:
	case GNUTLS_A_UNKNOWN_CA:
	case GNUTLS_A_ACCESS_DENIED:
	case GNUTLS_A_CERTIFICATE_REQUIRED:
		return 1;
	default:
		return 0;
	}
}

/* The alert's name as RFC 8446 spells it ("bad_certificate"); GnuTLS
 * calls it "GNUTLS_A_BAD_CERTIFICATE". */
static void alert_name(gnutls_alert_description_t a, char out[64])
{
	const char *name = gnutls_alert_get_strname(a);
	size_t j = 0;

	if (name == NULL) {
		snprintf(out, 64, "alert %d", (int)a);
		return;
	}
	if (strncmp(name, "GNUTLS_A_", 9) == 0)
		name += 9;
	for (; name[j] != '\0' && j < 63; j++)
		out[j] = (char)tolower((unsigned char)name[j]);
	out[j] = '\0';
}

/* GnuTLS's status texts end in a space. */
static char *trim_end(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* --trace: the header of every TLS record read from the socket.  Under
 * TLS 1.3 every record after the handshake has the outer type
 * application_data; what it really is shows when TLS opens it. */
static void trace_records(struct tls_conn *c, const unsigned char *p, size_t n)
{
	static const char *const types[] = { "change_cipher_spec", "alert",
					     "handshake", "application_data" };

	for (size_t i = 0; i < n;) {
		if (c->rec_left > 0) {
			size_t take = n - i < c->rec_left ? n - i : c->rec_left;

			c->rec_left -= take;
			i += take;
			continue;
		}
		c->rec_hdr[c->rec_hdr_n++] = p[i++];
		if (c->rec_hdr_n == sizeof c->rec_hdr) {
			unsigned type = c->rec_hdr[0];

			c->rec_left = (size_t)c->rec_hdr[3] << 8 | c->rec_hdr[4];
			c->rec_hdr_n = 0;
			tracef("socket: TLS record, type %s (%u), %zu byte%s",
			       type >= 20 && type <= 23 ? types[type - 20] : "unknown",
			       type, c->rec_left, c->rec_left == 1 ? "" : "s");
		}
	}
}

/* Our own transport functions: MSG_NOSIGNAL (no SIGPIPE whatever main
 * did), and errno is kept so a reset can be told from other errors. */
static ssize_t push(gnutls_transport_ptr_t ptr, const void *buf, size_t len)
{
	struct tls_conn *c = ptr;
	ssize_t r = send(c->fd, buf, len, MSG_NOSIGNAL);

	if (r < 0) {
		c->last_errno = errno;
		gnutls_transport_set_errno(c->session, errno);
	}
	return r;
}

static ssize_t pull(gnutls_transport_ptr_t ptr, void *buf, size_t len)
{
	struct tls_conn *c = ptr;
	ssize_t r = recv(c->fd, buf, len, 0);

	if (r < 0) {
		c->last_errno = errno;
		gnutls_transport_set_errno(c->session, errno);
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			tracef("socket: receive failed: %s", strerror(errno));
	} else if (r == 0) {
		tracef("socket: end of stream (the peer's TCP FIN)");
	} else if (trace_on()) {
		trace_records(c, buf, (size_t)r);
	}
	return r;
}

/* --trace: every handshake message, both ways, and every alert read.
 * After the handshake these are the records that are not application
 * data: what makes a socket readable while TLS delivers nothing. */
static int trace_handshake_msg(gnutls_session_t session, unsigned int htype,
			       unsigned when, unsigned int incoming,
			       const gnutls_datum_t *msg)
{
	struct tls_conn *c = gnutls_session_get_ptr(session);
	const char *name = gnutls_handshake_description_get_name(
		(gnutls_handshake_description_t)htype);

	(void)when;
	tracef("tls: %s handshake message %s (%u bytes)%s", incoming ? "<-" : "->",
	       name ? name : "?", msg ? msg->size : 0,
	       c && c->handshake_done ? ", after the handshake: not application data" : "");
	return 0;
}

/* --trace: an alert TLS reported through a return code. */
static void trace_alert(struct tls_conn *c, const char *level)
{
	char name[64];

	alert_name(gnutls_alert_get(c->session), name);
	tracef("tls: <- alert %s, level %s: an alert record, not application data",
	       name, level);
}

/* "subject ..., issuer ..., expires ..." of one DER certificate. */
static void trace_cert(const char *what, unsigned i, const gnutls_datum_t *der)
{
	gnutls_x509_crt_t crt;
	gnutls_datum_t subject = { NULL, 0 }, issuer = { NULL, 0 };
	time_t until;
	struct tm tm;
	char when[32] = "?";

	if (gnutls_x509_crt_init(&crt) < 0)
		return;
	if (gnutls_x509_crt_import(crt, der, GNUTLS_X509_FMT_DER) < 0) {
		tracef("tls: %s %u: cannot be parsed", what, i);
		gnutls_x509_crt_deinit(crt);
		return;
	}
	gnutls_x509_crt_get_dn3(crt, &subject, 0);
	gnutls_x509_crt_get_issuer_dn3(crt, &issuer, 0);
	until = gnutls_x509_crt_get_expiration_time(crt);
	if (until != (time_t)-1 && gmtime_r(&until, &tm) != NULL)
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
	tracef("tls: %s %u: subject \"%s\", issuer \"%s\", expires %s", what, i,
	       subject.data ? (char *)subject.data : "?",
	       issuer.data ? (char *)issuer.data : "?", when);
	gnutls_free(subject.data);
	gnutls_free(issuer.data);
	gnutls_x509_crt_deinit(crt);
}

/* After the handshake (or its failure): what was agreed and presented. */
static void trace_session(struct tls_conn *c, const char *host)
{
	const gnutls_datum_t *chain, *ours;
	unsigned n = 0, status;
	char *desc;

	if (!trace_on())
		return;
	chain = gnutls_certificate_get_peers(c->session, &n);
	for (unsigned i = 0; chain != NULL && i < n; i++)
		trace_cert("gateway certificate", i, &chain[i]);
	status = gnutls_session_get_verify_cert_status(c->session);
	if (chain == NULL) {
		tracef("tls: the gateway presented no certificate");
	} else if (status == 0) {
		tracef("tls: gateway certificate verified: trusted chain, valid, "
		       "issued to %s", host);
	} else {
		gnutls_datum_t txt = { NULL, 0 };

		if (gnutls_certificate_verification_status_print(
			    status, GNUTLS_CRT_X509, &txt, 0) == 0) {
			tracef("tls: gateway certificate NOT verified: %s",
			       trim_end((char *)txt.data));
			gnutls_free(txt.data);
		}
	}
	/* Before the handshake is done the client has not sent its own. */
	if (!c->handshake_done)
		return;
	ours = gnutls_certificate_get_ours(c->session);
	if (ours != NULL)
		trace_cert("client certificate sent", 0, ours);
	else
		tracef("tls: no client certificate sent (the gateway did not ask for one)");
	if ((desc = gnutls_session_get_desc(c->session)) != NULL) {
		tracef("tls: handshake done: %s", desc);
		gnutls_free(desc);
	}
}

static int pull_timeout(gnutls_transport_ptr_t ptr, unsigned int ms)
{
	struct tls_conn *c = ptr;
	struct pollfd pfd = { c->fd, POLLIN, 0 };
	int r = poll(&pfd, 1, ms == GNUTLS_INDEFINITE_TIMEOUT ? -1 : (int)ms);

	return r < 0 ? -1 : r;
}

static void set_error(struct tls_conn *c, int r)
{
	if ((r == GNUTLS_E_PUSH_ERROR || r == GNUTLS_E_PULL_ERROR) && c->last_errno)
		snprintf(c->errtext, sizeof c->errtext, "%s", strerror(c->last_errno));
	else
		snprintf(c->errtext, sizeof c->errtext, "%s", gnutls_strerror(r));
}

static int is_reset(struct tls_conn *c, int r)
{
	return (r == GNUTLS_E_PUSH_ERROR || r == GNUTLS_E_PULL_ERROR) &&
	       (c->last_errno == ECONNRESET || c->last_errno == EPIPE);
}

static int wait_io(struct tls_conn *c, int64_t deadline)
{
	struct pollfd pfd;
	int r;

	pfd.fd = c->fd;
	pfd.events = gnutls_record_get_direction(c->session) ? POLLOUT : POLLIN;
	do
		r = poll(&pfd, 1, clock_left(deadline));
	while (r < 0 && errno == EINTR);
	return r; /* 0: deadline passed */
}

/* The server must have selected the protocol creds asks for. */
static int check_alpn(struct tls_conn *c, const struct tls_creds *creds,
		      const char *host, struct apn_error *err)
{
	gnutls_datum_t got = { NULL, 0 };

	if (creds->alpn == NULL)
		return 0;
	if (gnutls_alpn_get_selected_protocol(c->session, &got) < 0) {
		tracef("tls: ALPN: the server selected no protocol");
		return apn_fail(err, APN_PROTOCOL, "%s does not speak HTTP/2: it "
				"agreed to no protocol by ALPN (%s asked)", host, creds->alpn);
	}
	tracef("tls: ALPN: the server selected %.*s", (int)got.size, (char *)got.data);
	if (got.size != strlen(creds->alpn) || memcmp(got.data, creds->alpn, got.size) != 0)
		return apn_fail(err, APN_PROTOCOL, "%s does not speak HTTP/2: ALPN gave "
				"%.*s, not %s", host, (int)got.size, (char *)got.data,
				creds->alpn);
	return 0;
}

static int handshake(struct tls_conn *c, struct tls_creds *creds,
		     const char *host, int64_t deadline, char alert[64],
		     struct apn_error *err)
{
	int r;

	if ((r = creds->alpn ? gnutls_set_default_priority_append(
			 c->session, "-VERS-TLS1.0:-VERS-TLS1.1", NULL, 0)
			     : gnutls_set_default_priority(c->session)) < 0 ||
	    (r = gnutls_credentials_set(c->session, GNUTLS_CRD_CERTIFICATE, creds->cred)) < 0 ||
	    (!net_is_ip_literal(host) &&
	     (r = gnutls_server_name_set(c->session, GNUTLS_NAME_DNS, host, strlen(host))) < 0))
		return apn_fail(err, APN_SOFTWARE, "TLS setup failed: %s", gnutls_strerror(r));
	if (creds->alpn != NULL) {
		gnutls_datum_t proto = { (unsigned char *)creds->alpn,
					 (unsigned)strlen(creds->alpn) };

		if ((r = gnutls_alpn_set_protocols(c->session, &proto, 1, 0)) < 0)
			return apn_fail(err, APN_SOFTWARE, "TLS setup failed: %s",
					gnutls_strerror(r));
	}
	/* Verify the chain and the name (DNS name, or IP address SAN). */
	gnutls_session_set_verify_cert(c->session, host, 0);
	gnutls_transport_set_ptr(c->session, c);
	gnutls_transport_set_push_function(c->session, push);
	gnutls_transport_set_pull_function(c->session, pull);
	gnutls_transport_set_pull_timeout_function(c->session, pull_timeout);
	if (trace_on()) {
		gnutls_session_set_ptr(c->session, c);
		gnutls_handshake_set_hook_function(c->session, GNUTLS_HANDSHAKE_ANY,
						   GNUTLS_HOOK_POST, trace_handshake_msg);
		if (net_is_ip_literal(host))
			tracef("tls: handshake with %s (no SNI: an IP address)", host);
		else
			tracef("tls: handshake with %s, SNI %s", host, host);
	}

	for (;;) {
		r = gnutls_handshake(c->session);
		if (r == 0) {
			c->handshake_done = 1;
			trace_session(c, host);
			return check_alpn(c, creds, host, err);
		}
		if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
			int w = wait_io(c, deadline);

			if (w == 0)
				return apn_fail(err, APN_PROTOCOL,
						"TLS handshake with %s timed out (--connect-timeout)", host);
			if (w < 0)
				return apn_fail(err, APN_SOFTWARE,
						"TLS handshake with %s: poll failed: %s",
						host, strerror(errno));
			continue;
		}
		if (!gnutls_error_is_fatal(r)) {
			if (r == GNUTLS_E_WARNING_ALERT_RECEIVED && trace_on())
				trace_alert(c, "warning");
			continue; /* a warning alert: carry on */
		}
		break;
	}
	if (r == GNUTLS_E_FATAL_ALERT_RECEIVED && trace_on())
		trace_alert(c, "fatal");
	trace_session(c, host);
	tracef("tls: handshake failed: %s", gnutls_strerror(r));
	if (r == GNUTLS_E_FATAL_ALERT_RECEIVED) {
		gnutls_alert_description_t a = gnutls_alert_get(c->session);

		alert_name(a, alert);
		c->alert = a;
		c->have_alert = 1;
		if (tls_alert_is_cert_refusal(a))
			return apn_fail(err, APN_NOPERM,
					"TLS handshake failed: the gateway refused our certificate "
					"(fatal alert %s)", alert);
		return apn_fail(err, APN_PROTOCOL,
				"TLS handshake failed: the gateway sent fatal alert %s", alert);
	}
	if (r == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
		unsigned status = gnutls_session_get_verify_cert_status(c->session);
		gnutls_datum_t txt = { NULL, 0 };
		char why[256] = "verification failed";

		if (gnutls_certificate_verification_status_print(
			    status, GNUTLS_CRT_X509, &txt, 0) == 0) {
			snprintf(why, sizeof why, "%s", trim_end((char *)txt.data));
			gnutls_free(txt.data);
		}
		return apn_fail(err, APN_PROTOCOL,
				"TLS handshake failed: the certificate of %s is not accepted: %s",
				host, why);
	}
	/* A close or a reset in the middle of the handshake, with no alert
	 * saying why, is the network's or an overloaded server's: worth
	 * trying again, like a refused connect. */
	if (r == GNUTLS_E_PREMATURE_TERMINATION || r == GNUTLS_E_UNEXPECTED_PACKET_LENGTH)
		return apn_fail(err, APN_UNAVAILABLE,
				"TLS handshake failed: %s closed the connection", host);
	set_error(c, r);
	if (is_reset(c, r))
		return apn_fail(err, APN_UNAVAILABLE,
				"TLS handshake failed: %s reset the connection", host);
	return apn_fail(err, APN_PROTOCOL, "TLS handshake failed: %s", c->errtext);
}

int tls_connect(struct tls_creds *creds, int fd, const char *host,
		int64_t deadline, struct tls_conn **out, char alert[64],
		struct apn_error *err)
{
	struct tls_conn *c;
	int r;

	alert[0] = '\0';
	*out = NULL;
	c = calloc(1, sizeof *c);
	if (c == NULL) {
		apn_fail(err, APN_SOFTWARE, "TLS setup: out of memory");
		goto fail;
	}
	c->fd = fd;
	r = gnutls_init(&c->session, GNUTLS_CLIENT | GNUTLS_NONBLOCK);
	if (r < 0) {
		c->session = NULL;
		apn_fail(err, APN_SOFTWARE, "TLS setup failed: %s", gnutls_strerror(r));
		goto fail;
	}
	if (handshake(c, creds, host, deadline, alert, err) != 0)
		goto fail;
	*out = c;
	return 0;
fail:
	/* No close_notify after a failed handshake: just let go. */
	if (c != NULL && c->session != NULL)
		gnutls_deinit(c->session);
	close(fd);
	free(c);
	return -1;
}

ssize_t tls_send(struct tls_conn *c, const void *buf, size_t len)
{
	ssize_t r = gnutls_record_send(c->session, buf, len);

	c->send_pending = r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED;
	if (r >= 0)
		return r;
	if (c->send_pending) {
		c->want = gnutls_record_get_direction(c->session) ? POLLOUT : POLLIN;
		return TLS_IO_AGAIN;
	}
	set_error(c, (int)r);
	return is_reset(c, (int)r) ? TLS_IO_RESET : TLS_IO_ERROR;
}

/* --trace: what the socket holds before a read, next to what TLS then
 * delivers: the difference is records that are not application data. */
static void trace_before_read(struct tls_conn *c)
{
	long unread = net_unread(c->fd);
	size_t pending = gnutls_record_check_pending(c->session);

	if (unread > 0 || pending > 0)
		tracef("read: %ld bytes waiting in the socket (FIONREAD), %zu bytes "
		       "already decrypted by TLS", unread, pending);
}

ssize_t tls_recv(struct tls_conn *c, void *buf, size_t len)
{
	if (trace_on())
		trace_before_read(c);
	for (;;) {
		ssize_t r = gnutls_record_recv(c->session, buf, len);

		if (r > 0) {
			tracef("read: TLS delivered %zd bytes of application data", r);
			trace_hex(buf, (size_t)r);
			return r;
		}
		if (r == 0) {
			if (trace_on()) {
				tracef("tls: <- alert close_notify, level warning: an alert "
				       "record, not application data");
				tracef("read: TLS delivered no data: the peer ended the "
				       "session with a close_notify alert");
			}
			return TLS_IO_CLOSE_NOTIFY;
		}
		switch (r) {
		case GNUTLS_E_AGAIN:
		case GNUTLS_E_INTERRUPTED:
			c->want = gnutls_record_get_direction(c->session) ? POLLOUT : POLLIN;
			return TLS_IO_AGAIN;
		case GNUTLS_E_WARNING_ALERT_RECEIVED:
			if (trace_on())
				trace_alert(c, "warning");
			continue;
		case GNUTLS_E_REHANDSHAKE: /* refused by not answering */
			tracef("tls: <- the peer asks to renegotiate: refused by not answering");
			continue;
		case GNUTLS_E_PREMATURE_TERMINATION:
		case GNUTLS_E_UNEXPECTED_PACKET_LENGTH:
			tracef("read: TLS delivered no data: the TCP connection ended "
			       "without a close_notify alert");
			return TLS_IO_TCP_CLOSE;
		case GNUTLS_E_FATAL_ALERT_RECEIVED:
			c->alert = gnutls_alert_get(c->session);
			c->have_alert = 1;
			if (trace_on()) {
				trace_alert(c, "fatal");
				tracef("read: TLS delivered no data: a fatal alert");
			}
			return TLS_IO_ALERT;
		default:
			set_error(c, (int)r);
			tracef("read: TLS error: %s", c->errtext);
			return is_reset(c, (int)r) ? TLS_IO_RESET : TLS_IO_ERROR;
		}
	}
}

size_t tls_pending(struct tls_conn *c)
{
	return gnutls_record_check_pending(c->session);
}

short tls_poll_events(struct tls_conn *c)
{
	return c->want ? c->want : POLLIN;
}

int tls_fd(struct tls_conn *c)
{
	return c->fd;
}

const char *tls_alert_name(struct tls_conn *c)
{
	if (!c->have_alert)
		return "none";
	alert_name(c->alert, c->alert_text);
	return c->alert_text;
}

int tls_alert_refuses_cert(struct tls_conn *c)
{
	return c->have_alert && tls_alert_is_cert_refusal(c->alert);
}

const char *tls_error_text(struct tls_conn *c)
{
	return c->errtext;
}

void tls_describe(struct tls_conn *c, char *buf, size_t len)
{
	const char *ver = gnutls_protocol_get_name(gnutls_protocol_get_version(c->session));
	const char *cipher = gnutls_cipher_get_name(gnutls_cipher_get(c->session));

	snprintf(buf, len, "%s, %s", ver ? ver : "?", cipher ? cipher : "?");
}

void tls_close(struct tls_conn *c, int64_t deadline)
{
	if (c == NULL)
		return;
	/* gnutls_bye would first finish the record a blocked tls_send left
	 * part-sent, delivering notifications the caller counts as not
	 * written.  Reset instead: a partial record is never decrypted. */
	if (c->send_pending) {
		tls_abort(c);
		return;
	}
	if (c->session != NULL) {
		tracef("tls: -> alert close_notify: closing politely");
		for (;;) {
			int r = gnutls_bye(c->session, GNUTLS_SHUT_WR);

			if ((r != GNUTLS_E_AGAIN && r != GNUTLS_E_INTERRUPTED) ||
			    wait_io(c, deadline) <= 0)
				break;
		}
		gnutls_deinit(c->session);
	}
	close(c->fd);
	free(c);
}

void tls_abort(struct tls_conn *c)
{
	struct linger lg = { 1, 0 };

	if (c == NULL)
		return;
	tracef("tcp: closing with a reset (no close_notify)");
	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	gnutls_deinit(c->session);
	close(c->fd);
	free(c);
}

/* --- A polite close that listens (--check) ----------------------------- */

void tls_shutdown(struct tls_conn *c, int64_t deadline, struct tls_goodbye *g)
{
	char buf[512];
	int r, w;

	memset(g, 0, sizeof *g);
	/* A failed close_notify is not the end: the peer's alert or close
	 * may be waiting to be read, and says more. */
	while ((r = gnutls_bye(c->session, GNUTLS_SHUT_WR)) == GNUTLS_E_AGAIN ||
	       r == GNUTLS_E_INTERRUPTED)
		if (wait_io(c, deadline) <= 0)
			break;
	for (;;) {
		ssize_t n = tls_recv(c, buf, sizeof buf);

		if (n > 0) {
			g->data += (size_t)n;
			continue;
		}
		if (n != TLS_IO_AGAIN) {
			g->how = (enum tls_io)n;
			break;
		}
		w = wait_io(c, deadline);
		if (w <= 0) {
			g->how = w == 0 ? TLS_IO_AGAIN : TLS_IO_ERROR;
			if (w < 0)
				snprintf(c->errtext, sizeof c->errtext, "poll failed: %s",
					 strerror(errno));
			break;
		}
	}
	if (g->how == TLS_IO_ALERT) {
		snprintf(g->alert, sizeof g->alert, "%s", tls_alert_name(c));
		g->refuses_cert = tls_alert_refuses_cert(c);
	}
	if (g->how == TLS_IO_ERROR || g->how == TLS_IO_RESET)
		snprintf(g->error, sizeof g->error, "%s", c->errtext);
	gnutls_deinit(c->session);
	close(c->fd);
	free(c);
}
