/*
 * blast: the throughput ceiling for any APNs binary-protocol sender.
 *
 * It connects, completes a mutual-TLS handshake (the server certificate is
 * verified against --cafile for the name "localhost"), encodes --count
 * command-2 frames (PROTOCOL.md 1.4: items 1-5; token = the frame's index
 * as 32 big-endian bytes, identifier = index + 1, expiry 0, priority 10)
 * into one buffer, and only then starts the clock: it writes the buffer in
 * 16 KiB records with blocking gnutls_record_send(), then gnutls_bye()
 * (which waits for the gateway's close_notify, so the gateway has read
 * everything), and prints
 *
 *   sent N notifications in S seconds: R per second
 *
 * on stdout. Nothing else is timed: no input parsing, no encoding, no
 * handshake. scripts/bench compares apnsend with this figure.
 *
 * Every socket read and write gives up after IO_TIMEOUT seconds.
 * Exit status: 0 when everything was written and the close completed,
 * 1 on a failure (message on stderr), 2 on a usage error.
 *
 * Build: gcc -std=c11 -D_GNU_SOURCE -O2 -o blast tests/blast.c \
 *            $(pkg-config --cflags --libs gnutls)
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1		/* getaddrinfo with -std=c11 */
#endif

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <gnutls/gnutls.h>

#define SERVER_NAME	"localhost"
#define CHUNK		16384	/* the largest TLS record */
#define TOKEN_LEN	32
#define PAYLOAD_MAX	2048
#define COUNT_MAX	50000000L
#define IO_TIMEOUT	60	/* seconds */

static const char *progname = "blast";

static void __attribute__((noreturn, format(printf, 1, 2)))
fatalx(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void __attribute__((noreturn))
usage(int status)
{
	fputs(
"usage: blast --host HOST --port N --cafile FILE --cert FILE --key FILE\n"
"             --count N [--payload JSON]\n",
	    status ? stderr : stdout);
	exit(status);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
usagex(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage(2);
}

static long
num_arg(const char *name, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *s == '+' || *s == ' ' || *end != '\0' ||
	    errno != 0 || v < min || v > max)
		usagex("--%s: expected a number from %ld to %ld, got \"%s\"",
		    name, min, max, s);
	return v;
}

static unsigned char *
put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
	return p + 2;
}

static unsigned char *
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
	return p + 4;
}

/* Bytes one frame takes on the wire: PROTOCOL.md 1.4, N + L + 24 + 5. */
static size_t
frame_size(size_t payload_len)
{
	return 5 + 3 + TOKEN_LEN + 3 + payload_len + 7 + 7 + 4;
}

/* Encode frame number index at p; returns the end. */
static unsigned char *
encode(unsigned char *p, uint64_t index, const char *payload, size_t plen)
{
	int i;

	*p++ = 2;
	p = put32(p, (uint32_t)(frame_size(plen) - 5));
	*p++ = 1;
	p = put16(p, TOKEN_LEN);
	memset(p, 0, TOKEN_LEN - 8);
	for (i = 0; i < 8; i++)
		p[TOKEN_LEN - 1 - i] = (unsigned char)(index >> (8 * i));
	p += TOKEN_LEN;
	*p++ = 2;
	p = put16(p, (unsigned)plen);
	memcpy(p, payload, plen);
	p += plen;
	*p++ = 3;
	p = put16(p, 4);
	p = put32(p, (uint32_t)(index + 1));
	*p++ = 4;
	p = put16(p, 4);
	p = put32(p, 0);
	*p++ = 5;
	p = put16(p, 1);
	*p++ = 10;
	return p;
}

static int
connect_to(const char *host, const char *port)
{
	struct addrinfo hints, *res, *ai;
	struct timeval tv = { .tv_sec = IO_TIMEOUT };
	int fd = -1, r, saved = 0, one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((r = getaddrinfo(host, port, &hints, &res)) != 0)
		fatalx("%s: %s", host, gai_strerror(r));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype,
		    ai->ai_protocol)) < 0) {
			saved = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		fatalx("connect to %s:%s failed: %s", host, port,
		    strerror(saved));
	/*
	 * A blocked read or write fails with EAGAIN after IO_TIMEOUT. No
	 * Nagle: records are full anyway, and the last short one and the
	 * close_notify should not wait for a delayed ACK.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
		fatalx("setsockopt: %s", strerror(errno));
	return fd;
}

/* gnutls_strerror(r), with why the certificate was refused if it was. */
static void __attribute__((noreturn))
tls_fatal(gnutls_session_t s, const char *step, int r)
{
	gnutls_datum_t d;

	if (r == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR &&
	    gnutls_certificate_verification_status_print(
	    gnutls_session_get_verify_cert_status(s), GNUTLS_CRT_X509, &d,
	    0) == 0) {
		while (d.size > 0 && d.data[d.size - 1] == ' ')
			d.size--;
		fatalx("%s failed: %s (%.*s)", step, gnutls_strerror(r),
		    (int)d.size, (const char *)d.data);
	}
	if (r == GNUTLS_E_FATAL_ALERT_RECEIVED)
		fatalx("%s failed: %s (%s)", step, gnutls_strerror(r),
		    gnutls_alert_get_name(gnutls_alert_get(s)));
	if (r == GNUTLS_E_AGAIN)
		fatalx("%s failed: no progress in %d seconds", step,
		    IO_TIMEOUT);
	fatalx("%s failed: %s", step, gnutls_strerror(r));
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	enum { O_HOST = 256, O_PORT, O_CAFILE, O_CERT, O_KEY, O_COUNT,
	    O_PAYLOAD, O_HELP };
	static const struct option longopts[] = {
		{ "host", required_argument, NULL, O_HOST },
		{ "port", required_argument, NULL, O_PORT },
		{ "cafile", required_argument, NULL, O_CAFILE },
		{ "cert", required_argument, NULL, O_CERT },
		{ "key", required_argument, NULL, O_KEY },
		{ "count", required_argument, NULL, O_COUNT },
		{ "payload", required_argument, NULL, O_PAYLOAD },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	const char *host = NULL, *port = NULL, *cafile = NULL, *cert = NULL;
	const char *key = NULL, *payload = "{\"aps\":{\"alert\":\"Hi\"}}";
	gnutls_certificate_credentials_t cred;
	gnutls_session_t s;
	unsigned char *buf, *p;
	size_t plen, total, off, n;
	double t0, t1;
	long count = -1, i;
	ssize_t w;
	int c, fd, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case O_HOST:
			host = optarg;
			break;
		case O_PORT:
			num_arg("port", optarg, 1, 65535);
			port = optarg;
			break;
		case O_CAFILE:
			cafile = optarg;
			break;
		case O_CERT:
			cert = optarg;
			break;
		case O_KEY:
			key = optarg;
			break;
		case O_COUNT:
			count = num_arg("count", optarg, 1, COUNT_MAX);
			break;
		case O_PAYLOAD:
			payload = optarg;
			break;
		case O_HELP:
			usage(0);
		case ':':
			usagex("%s needs a value", argv[optind - 1]);
		default:
			usagex("unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		usagex("unexpected argument \"%s\"", argv[optind]);
	if (host == NULL || port == NULL || cafile == NULL || cert == NULL ||
	    key == NULL || count < 0)
		usagex("--host, --port, --cafile, --cert, --key and --count "
		    "are required");
	plen = strlen(payload);
	if (plen < 1 || plen > PAYLOAD_MAX)
		usagex("--payload: 1 to %d bytes, got %zu", PAYLOAD_MAX, plen);
	signal(SIGPIPE, SIG_IGN);

	/* Every frame, before the clock starts. */
	total = frame_size(plen) * (size_t)count;
	if ((buf = malloc(total)) == NULL)
		fatalx("out of memory for %zu bytes of frames", total);
	for (p = buf, i = 0; i < count; i++)
		p = encode(p, (uint64_t)i, payload, plen);

	if ((r = gnutls_global_init()) < 0 ||
	    (r = gnutls_certificate_allocate_credentials(&cred)) < 0)
		fatalx("GnuTLS init: %s", gnutls_strerror(r));
	if ((r = gnutls_certificate_set_x509_trust_file(cred, cafile,
	    GNUTLS_X509_FMT_PEM)) <= 0)
		fatalx("loading %s: %s", cafile,
		    r == 0 ? "no certificate found" : gnutls_strerror(r));
	if ((r = gnutls_certificate_set_x509_key_file(cred, cert, key,
	    GNUTLS_X509_FMT_PEM)) < 0)
		fatalx("loading %s and %s: %s", cert, key, gnutls_strerror(r));
	if ((r = gnutls_init(&s, GNUTLS_CLIENT)) < 0 ||
	    (r = gnutls_set_default_priority(s)) < 0 ||
	    (r = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred)) < 0 ||
	    (r = gnutls_server_name_set(s, GNUTLS_NAME_DNS, SERVER_NAME,
	    strlen(SERVER_NAME))) < 0)
		fatalx("TLS session setup: %s", gnutls_strerror(r));
	gnutls_session_set_verify_cert(s, SERVER_NAME, 0);
	gnutls_handshake_set_timeout(s, IO_TIMEOUT * 1000);

	fd = connect_to(host, port);
	gnutls_transport_set_int(s, fd);
	do
		r = gnutls_handshake(s);
	while (r < 0 && !gnutls_error_is_fatal(r) && r != GNUTLS_E_AGAIN);
	if (r < 0)
		tls_fatal(s, "TLS handshake", r);

	t0 = now_s();
	for (off = 0; off < total; off += (size_t)w) {
		n = total - off < CHUNK ? total - off : CHUNK;
		do
			w = gnutls_record_send(s, buf + off, n);
		while (w == GNUTLS_E_INTERRUPTED);
		if (w < 0)
			tls_fatal(s, "write", (int)w);
	}
	do
		r = gnutls_bye(s, GNUTLS_SHUT_RDWR);
	while (r == GNUTLS_E_INTERRUPTED);
	if (r < 0)
		tls_fatal(s, "close", r);
	t1 = now_s();

	printf("sent %ld notifications in %.3f seconds: %.0f per second\n",
	    count, t1 - t0, (double)count / (t1 - t0));
	close(fd);
	gnutls_deinit(s);
	gnutls_certificate_free_credentials(cred);
	gnutls_global_deinit();
	free(buf);
	return fflush(stdout) == 0 ? 0 : 1;
}
