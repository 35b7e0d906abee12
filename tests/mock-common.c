/*
 * mock-common: the helpers the test mocks share (see mock-common.h).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "mock-common.h"

const char *mock_name = "mock";
static int log_fd = -1;

static void
vmessage(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", mock_name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
	exit(1);
}

void
usagex(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
	usage(2);
}

int
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void
log_open(const char *path)
{
	if ((log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0644)) < 0)
		fatalx("%s: %s", path, strerror(errno));
}

void
logev(const char *fmt, ...)
{
	va_list ap, ap2;
	char small[512], *line = small;
	int n;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	n = vsnprintf(small, sizeof(small) - 1, fmt, ap);
	if (n < 0)
		fatalx("log: bad format");
	if ((size_t)n >= sizeof(small) - 1) {
		if ((line = malloc((size_t)n + 2)) == NULL)
			fatalx("out of memory");
		vsnprintf(line, (size_t)n + 1, fmt, ap2);
	}
	va_end(ap2);
	va_end(ap);
	line[n] = '\n';
	if (write_all(log_fd, line, (size_t)n + 1) < 0)
		fatalx("write to log: %s", strerror(errno));
	if (line != small)
		free(line);
}

static void
on_alarm(int sig)
{
	static const char msg[] = "deadline\n";

	(void)sig;
	if (log_fd >= 0 && write(log_fd, msg, sizeof(msg) - 1) < 0) {
		/* nothing left to do about it */
	}
	_exit(EXIT_DEADLINE);
}

void
deadline_start(long seconds)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	alarm((unsigned)seconds);
}

long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *
hex(const unsigned char *buf, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	char *s;
	size_t i;

	if ((s = malloc(len * 2 + 1)) == NULL)
		fatalx("out of memory");
	for (i = 0; i < len; i++) {
		s[2 * i] = digits[buf[i] >> 4];
		s[2 * i + 1] = digits[buf[i] & 0xf];
	}
	s[2 * len] = '\0';
	return s;
}

char *
escape(const char *in, size_t len, int quoted, char *out, size_t outsz)
{
	size_t i, o = 0;
	unsigned char c;

	for (i = 0; i < len && o + 5 < outsz; i++) {
		c = (unsigned char)in[i];
		if (c < 0x20 || c > 0x7e || c == '"' || c == '\\' ||
		    (!quoted && c == ' '))
			o += (size_t)snprintf(out + o, outsz - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
}

char *
quote(const char *s, char *out, size_t outsz)
{
	return escape(s, strlen(s), 1, out, outsz);
}

int
parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (*s == '\0' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

long
num_arg(const char *name, const char *s, long min, long max)
{
	long v;

	if (parse_long(s, min, max, &v) < 0)
		usagex("--%s: expected a number from %ld to %ld, got \"%s\"",
		    name, min, max, s);
	return v;
}

int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

const char *
alert_name(gnutls_alert_description_t d)
{
	static char out[64];
	const char *n = gnutls_alert_get_strname(d);
	size_t i;

	if (n == NULL) {
		snprintf(out, sizeof(out), "alert%d", (int)d);
		return out;
	}
	if (strncmp(n, "GNUTLS_A_", 9) == 0)
		n += 9;
	for (i = 0; n[i] != '\0' && i < sizeof(out) - 1; i++)
		out[i] = (char)(n[i] >= 'A' && n[i] <= 'Z' ? n[i] - 'A' + 'a' :
		    n[i]);
	out[i] = '\0';
	return out;
}

int
listen_loopback(long port)
{
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	int lfd, one = 1;

	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		fatalx("socket: %s", strerror(errno));
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		fatalx("bind 127.0.0.1:%ld: %s", port, strerror(errno));
	if (listen(lfd, 16) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &slen) < 0)
		fatalx("listen: %s", strerror(errno));
	printf("port %u\n", ntohs(sin.sin_port));
	if (fflush(stdout) == EOF)
		fatalx("stdout: %s", strerror(errno));
	return lfd;
}

int
accept_conn(int lfd)
{
	int fd, one = 1;

	while ((fd = accept(lfd, NULL, NULL)) < 0)
		if (errno != EINTR && errno != ECONNABORTED)
			fatalx("accept: %s", strerror(errno));
	/*
	 * No Nagle: a small record held back behind an unacknowledged one
	 * would be thrown away by the RST that close() sends when the
	 * client's data is left unread.
	 */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static ssize_t
pull(gnutls_transport_ptr_t p, void *buf, size_t len)
{
	struct mock_tls *t = p;
	ssize_t n;

	n = recv(t->fd, buf, len, 0);
	if (n < 0) {
		t->saved_errno = errno;
		gnutls_transport_set_errno(t->s, errno);
	}
	return n;
}

static ssize_t
push(gnutls_transport_ptr_t p, const void *buf, size_t len)
{
	struct mock_tls *t = p;
	ssize_t n;

	n = send(t->fd, buf, len, MSG_NOSIGNAL);
	if (n < 0) {
		t->saved_errno = errno;
		gnutls_transport_set_errno(t->s, errno);
	}
	return n;
}

static int
pull_timeout(gnutls_transport_ptr_t p, unsigned int ms)
{
	struct mock_tls *t = p;
	struct pollfd pfd = { .fd = t->fd, .events = POLLIN };
	int r;

	r = poll(&pfd, 1, ms == GNUTLS_INDEFINITE_TIMEOUT ? -1 : (int)ms);
	if (r < 0) {
		t->saved_errno = errno;
		gnutls_transport_set_errno(t->s, errno);
	}
	return r;
}

void
mock_tls_transport(struct mock_tls *t)
{
	gnutls_transport_set_ptr(t->s, t);
	gnutls_transport_set_pull_function(t->s, pull);
	gnutls_transport_set_pull_timeout_function(t->s, pull_timeout);
	gnutls_transport_set_push_function(t->s, push);
}

char *
tls_error(struct mock_tls *t, int err, char *out, size_t outsz)
{
	char detail[512] = "", raw[768];
	gnutls_datum_t d;
	unsigned status;

	if (err == GNUTLS_E_FATAL_ALERT_RECEIVED ||
	    err == GNUTLS_E_WARNING_ALERT_RECEIVED) {
		snprintf(detail, sizeof(detail), " (%s)",
		    alert_name(gnutls_alert_get(t->s)));
	} else if (err == GNUTLS_E_PULL_ERROR || err == GNUTLS_E_PUSH_ERROR) {
		snprintf(detail, sizeof(detail), " (%s)",
		    strerror(t->saved_errno));
	} else if (err == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
		status = gnutls_session_get_verify_cert_status(t->s);
		if (gnutls_certificate_verification_status_print(status,
		    GNUTLS_CRT_X509, &d, 0) == 0) {
			while (d.size > 0 && d.data[d.size - 1] == ' ')
				d.size--;
			snprintf(detail, sizeof(detail), " (%.*s)", (int)d.size,
			    d.data);
			gnutls_free(d.data);
		}
	}
	snprintf(raw, sizeof(raw), "%s%s", gnutls_strerror(err), detail);
	return quote(raw, out, outsz);
}

int
tls_send_all(struct mock_tls *t, const void *b, size_t len)
{
	const unsigned char *p = b;
	char e[1024];
	ssize_t n;

	while (len > 0) {
		n = gnutls_record_send(t->s, p, len);
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			continue;
		if (n < 0) {
			logev("send failed error=\"%s\"",
			    tls_error(t, (int)n, e, sizeof(e)));
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t
tls_recv(struct mock_tls *t, void *buf, size_t len, int *gone)
{
	char e[1024];
	ssize_t n;

	n = gnutls_record_recv(t->s, buf, len);
	if (n > 0)
		return n;
	if (n == 0) {
		logev("client close-notify");
		*gone = PEER_CLOSE_NOTIFY;
		return -1;
	}
	if (n == GNUTLS_E_REHANDSHAKE) {
		/* TLS 1.2 renegotiation: not something to test. */
		gnutls_alert_send(t->s, GNUTLS_AL_WARNING,
		    GNUTLS_A_NO_RENEGOTIATION);
		return 0;
	}
	if (n == GNUTLS_E_PREMATURE_TERMINATION) {
		logev("client eof");
		*gone = PEER_EOF;
		return -1;
	}
	if (!gnutls_error_is_fatal((int)n))
		return 0;	/* GNUTLS_E_AGAIN and the like */
	logev("client error error=\"%s\"", tls_error(t, (int)n, e, sizeof(e)));
	*gone = PEER_EOF;
	return -1;
}

void
linger_raw(int fd, long ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	long long until = now_ms() + ms, left;
	char tmp[16384];
	ssize_t n;

	shutdown(fd, SHUT_WR);
	while ((left = until - now_ms()) > 0) {
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			fatalx("poll: %s", strerror(errno));
		if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = recv(fd, tmp, sizeof(tmp), 0);
		if (n == 0) {
			logev("client eof");
			return;
		}
		if (n < 0 && errno != EINTR && errno != EAGAIN) {
			logev("client error error=\"%s\"", strerror(errno));
			return;
		}
	}
}

static int
is_cert_error(int err)
{
	return err == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR ||
	    err == GNUTLS_E_CERTIFICATE_ERROR ||
	    err == GNUTLS_E_NO_CERTIFICATE_FOUND ||
	    err == GNUTLS_E_CERTIFICATE_REQUIRED;
}

int
tls_handshake(struct mock_tls *t, long ms)
{
	char e[1024];
	int r, level, alert;

	do
		r = gnutls_handshake(t->s);
	while (r < 0 && !gnutls_error_is_fatal(r));
	if (r == 0)
		return 0;
	logev("handshake failed error=\"%s\"", tls_error(t, r, e, sizeof(e)));
	/*
	 * GnuTLS 3.7 sends no alert by itself here. A refused client
	 * certificate gets bad_certificate (what the tests expect),
	 * anything else the alert GnuTLS would pick.
	 */
	alert = is_cert_error(r) ? GNUTLS_A_BAD_CERTIFICATE :
	    gnutls_error_to_alert(r, &level);
	if (alert >= 0 && r != GNUTLS_E_FATAL_ALERT_RECEIVED &&
	    r != GNUTLS_E_PULL_ERROR && r != GNUTLS_E_PUSH_ERROR &&
	    r != GNUTLS_E_PREMATURE_TERMINATION &&
	    gnutls_alert_send(t->s, GNUTLS_AL_FATAL,
	    (gnutls_alert_description_t)alert) == 0) {
		logev("sent alert name=%s",
		    alert_name((gnutls_alert_description_t)alert));
		linger_raw(t->fd, ms);
	}
	return r;
}

void
wait_for_leave(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLRDHUP };
	socklen_t sl = sizeof(int);
	int err = 0;

	for (;;) {
		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			fatalx("poll: %s", strerror(errno));
		}
		if (pfd.revents & POLLERR) {
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl);
			logev("client error error=\"%s\"", strerror(err));
			return;
		}
		if (pfd.revents & (POLLRDHUP | POLLHUP)) {
			logev("client eof");
			return;
		}
	}
}

int
peer_dn(gnutls_session_t s, char *out, size_t outsz)
{
	const gnutls_datum_t *peers;
	gnutls_x509_crt_t crt;
	gnutls_datum_t d;
	unsigned int n = 0;

	out[0] = '\0';
	peers = gnutls_certificate_get_peers(s, &n);
	if (peers == NULL || n == 0)
		return 0;
	if (gnutls_x509_crt_init(&crt) == 0) {
		if (gnutls_x509_crt_import(crt, &peers[0],
		    GNUTLS_X509_FMT_DER) == 0 &&
		    gnutls_x509_crt_get_dn3(crt, &d, 0) == 0) {
			escape((const char *)d.data, d.size, 1, out, outsz);
			gnutls_free(d.data);
		}
		gnutls_x509_crt_deinit(crt);
	}
	return 1;
}

gnutls_certificate_credentials_t
load_creds(const char *cert, const char *key, const char *client_ca)
{
	gnutls_certificate_credentials_t cred;
	int r;

	if ((r = gnutls_global_init()) < 0 ||
	    (r = gnutls_certificate_allocate_credentials(&cred)) < 0)
		fatalx("GnuTLS init: %s", gnutls_strerror(r));
	if ((r = gnutls_certificate_set_x509_key_file(cred, cert, key,
	    GNUTLS_X509_FMT_PEM)) < 0)
		fatalx("loading %s and %s: %s", cert, key, gnutls_strerror(r));
	if ((r = gnutls_certificate_set_x509_trust_file(cred, client_ca,
	    GNUTLS_X509_FMT_PEM)) <= 0)
		fatalx("loading %s: %s", client_ca,
		    r == 0 ? "no certificate found" : gnutls_strerror(r));
	return cred;
}
