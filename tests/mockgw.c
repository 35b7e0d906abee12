/*
 * mockgw: a mock APNs binary gateway (legacy protocol, commands 0, 1 and 2)
 * for apnsend's tests.
 *
 * It listens on 127.0.0.1, prints "port N" on stdout, then serves its
 * connections one at a time over mutual TLS (GnuTLS), parses the
 * notifications strictly, answers the way the one behaviour option says,
 * and appends one line per event to the --log file, for test scripts to
 * assert on. Byte layouts: PROTOCOL.md sections 1.2-1.4 and 1.8.
 *
 * --connections N serves N connections (default 1); --connections 0 serves
 * them until --max-seconds runs out. Counters (--reject-nth, --shutdown-after,
 * --close-after) and timers (--*-after MS) start afresh on each connection.
 * --only-connection K applies the behaviour option and its modifiers
 * (--answer-delay, --answer-id, --no-close-notify) on the K-th connection
 * only (1-based); the others are a plain gateway: silent accept, and an
 * error-response then close_notify for an invalid notification.
 * --drain, --invalid-id-zero and --count-only apply to every connection.
 *
 * An invalid notification (a sentinel such as a frame with an empty token
 * item and an empty payload item: status 2) is answered with its own
 * identifier, or with identifier 0 under --invalid-id-zero (--answer-id
 * overrides both), then the connection is closed.
 *
 * Faults: --reset makes the closes of the behaviour options (after an
 * answer, --close-after, --close-before) a reset (SO_LINGER 0: RST) instead,
 * so --close-after N --reset resets the connection while the client is
 * still writing; --split-answer sends the answer one byte per TLS record;
 * --answer-extra N sends N bytes ("X") after the error-response packet;
 * --close-in-handshake reads the client's first TLS bytes and closes the
 * TCP connection without a word ("closed in handshake"). These are
 * modifiers like --no-close-notify (--close-in-handshake is a behaviour).
 *
 * --chaos PERMILLE[:SEED]: after each valid notification, with a chance of
 * PERMILLE in 1000, one of five endings chosen at random ("chaos ACTION"
 * logged first): reject it (status 8), status 10 naming it, close_notify,
 * a bare close, or a reset; what arrived after it is "discarded", as after
 * any answer.  The same SEED gives the same choices for the same input.
 *
 * --close-after N closes after the N-th valid notification with no packet:
 * close_notify, or a bare close with --no-close-notify. What arrived after
 * it is logged as "discarded", as after an answer. --close-before N closes
 * the same way when the N-th arrives, unprocessed: it is logged as
 * "discarded" too (so a client that paused before it has had every earlier
 * one processed, and can know it).
 *
 * Log lines (hex is lowercase; "-" marks a field the notification lacks):
 *   connection N
 *   handshake ok version=TLS1.3 sni=NAME|- client="RFC 4514 DN"
 *   handshake failed error="..."
 *   notification cmd=C id=N|- expiry=N|- priority=N|- token=HEX payload=HEX
 *   discarded cmd=... (same fields; arrived after the answer)
 *   invalid status=S id=N|- reason="..."   (id=- for command 0)
 *   discarded invalid status=S id=N|- reason="..."
 *   sent error-response status=S id=N [split=1]
 *   sent extra bytes=N          --answer-extra, after the packet
 *   closed in handshake         --close-in-handshake
 *   sent garbage hex=474152424147 / sent partial hex=080800
 *   sent alert name=bad_certificate|internal_error|...
 *   sent close-notify
 *   send failed error="..."
 *   client close-notify / client eof / client error error="..."
 *   leftover bytes=N           received bytes that never made a whole
 *   discarded leftover bytes=N  notification (or followed an unparseable one)
 *   unread bytes=N             left in the socket: close() will send a RST
 *   closed / closed tcp / closed reset
 *   deadline                   --max-seconds ran out
 *   count notifications=N bytes=B          --count-only: instead of the
 *   discarded count notifications=N bytes=B  notification and discarded
 *                              lines, logged when the connection ends
 *                              (the second only when some were discarded);
 *                              B counts whole notifications, on the wire
 * Error strings are gnutls_strerror() text with the detail in parentheses
 * (received alert name, errno text, or certificate verification status).
 *
 * --answer-delay applies to every answer (error-response, close for command
 * 0, garbage, partial, alert); --drain to every answer, after a fatal alert
 * as a raw read. A refused client certificate gets a bad_certificate alert,
 * then the mock reads and drops what the client still sends (up to 2 s)
 * before closing, so the alert is not lost to a RST.
 *
 * Feedback mode (--feedback-tuples N or --feedback-file FILE): the mock is
 * a feedback service (PROTOCOL.md 2) on every connection. After the
 * handshake it sends its tuples (timestamp u32, token length u16, token)
 * and expects nothing from the client. --feedback-tuples N makes N tuples:
 * tuple i (from 1) has time 1600000000+i and a --feedback-token-len byte
 * token (default 32, 0 to 65535) of 0xfb bytes ending in i (big-endian,
 * as many low bytes of it as fit). --feedback-file FILE takes one tuple a
 * line, "UNIX HEX" ("-" for an empty token; blank and '#' lines skipped).
 * --feedback-chunk K writes K bytes per TLS record (default 16384), so
 * tuples split across records; --feedback-pause MS waits MS between
 * records; --feedback-truncate K sends only the first K bytes of the last
 * tuple. Then --feedback-end HOW: close-notify (the default: close_notify,
 * then close()), tcp (close() without close_notify), reset (once the
 * client's TCP has acknowledged every byte, and 300 ms more for it to read
 * them, SO_LINGER 0 and close()), alert:NAME (a fatal alert, then close()),
 * or silent (send nothing more, and serve as a plain gateway until the
 * client leaves: a client close_notify is answered with one). Anything the
 * client sends shows in the log as for a gateway (notification, invalid,
 * leftover or unread lines). The behaviour options do not combine with it.
 *
 * Feedback log lines (after "handshake ok"):
 *   sent feedback time=N token=HEX   one a tuple, once its last byte is sent
 *   sent partial-tuple bytes=K hex=HEX   --feedback-truncate: what was sent
 *   sent feedback records=R bytes=B  all sent: R TLS records, B bytes
 *   silent                           --feedback-end silent
 * then the end's lines as above (sent close-notify, sent alert name=...,
 * closed, closed tcp, closed reset).
 * --require-env production|development refuses, on every connection, a
 * client certificate without Apple's extension for that environment
 * (1.2.840.113635.100.6.3.2 production, .1 development): the handshake
 * fails with bad_certificate, as for any refused certificate.  (PROTOCOL.md
 * 1.11 reports that Apple's gateway may instead complete the handshake and
 * close at once; the mock takes the outright refusal.)  Its log lines,
 * before "handshake ok" or "handshake failed":
 *   env ok want=production|development
 *   env refused want=production|development missing=OID
 *
 * Exit status: 0 after serving --connections connections, 1 on a setup
 * failure, 2 on a usage error, 3 when --max-seconds ran out first (always
 * the end with --connections 0, unless a signal stops it).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1		/* POLLRDHUP */
#endif

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>	/* SIOCOUTQ */
#include <sys/socket.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "mock-common.h"

#define TOKEN_MIN	32
#define TOKEN_MAX	100
#define PAYLOAD_MAX	2048
/* Frames longer than this are refused from their header alone. */
#define FRAME_MAX	(128 * 1024)
#define DRAIN_MS	200
/* How long a refused client may take to read its alert and leave. */
#define LINGER_MS	2000

enum answer {
	ANS_NONE,		/* silent accept */
	ANS_REJECT_TOKEN,
	ANS_REJECT_NTH,
	ANS_SHUTDOWN,
	ANS_CLOSE_NOTIFY_AFTER,
	ANS_TCP_CLOSE_AFTER,
	ANS_RESET_AFTER,
	ANS_GARBAGE,
	ANS_PARTIAL,
	ANS_FATAL_ALERT,
	ANS_STALL,
	ANS_STOP_READING,
	ANS_CLOSE_AFTER,	/* close, no packet, after the N-th */
	ANS_CLOSE_BEFORE,	/* close, no packet, when the N-th arrives */
	ANS_CLOSE_IN_HANDSHAKE,	/* read the ClientHello, then close */
	ANS_CHAOS,		/* --chaos: now and then, one of five endings */
};

/* How a connection ends. */
enum close_how {
	CLOSE_NOTIFY,		/* close_notify, then close(): "closed" */
	CLOSE_TCP,		/* close() without close_notify: "closed tcp" */
	CLOSE_RESET,		/* SO_LINGER 0, close(): "closed reset" */
};

/*
 * What a connection does beyond a plain gateway's silent accept: the
 * behaviour option and its modifiers. --only-connection confines it to one
 * connection; the others get plain_gateway.
 */
struct behaviour {
	enum answer answer;
	long status, nth, after_ms, answer_delay_ms;
	long answer_id;		/* -1: the failing notification's own */
	int no_close_notify;
	int reset_close;	/* --reset: end with a RST instead */
	int split_answer;	/* --split-answer: one byte per TLS record */
	long answer_extra;	/* --answer-extra N: bytes after the packet */
	long chaos;		/* --chaos: per thousand notifications */
};

/* --chaos's random numbers (xorshift64): the same seed, the same run. */
static uint64_t chaos_state = 88172645463325252ULL;

static uint64_t
chaos_next(void)
{
	chaos_state ^= chaos_state << 13;
	chaos_state ^= chaos_state >> 7;
	chaos_state ^= chaos_state << 17;
	return chaos_state;
}

static const struct behaviour plain_gateway = {
	.answer = ANS_NONE,
	.after_ms = -1,
	.answer_id = -1,
};

static struct {
	const char *cert, *key, *client_ca, *log;
	long port, connections, max_seconds;
	long only_connection;	/* 0: behaviour on every connection */
	int tls12;
	struct behaviour b;
	unsigned char token[TOKEN_MAX];
	size_t token_len;
	gnutls_alert_description_t alert;
	int drain, invalid_id_zero, count_only;
	long udp_sink;		/* port of a silent UDP sink (no TLS at all) */
} opt = {
	.b = { .answer = ANS_NONE, .after_ms = -1, .answer_id = -1 },
	.connections = 1,
	.max_seconds = 30,
};

/* The behaviour of the connection being served. */
static struct behaviour cur;

/* One connection. */
struct conn {
	struct mock_tls t;	/* socket and TLS session */
	unsigned char *buf;	/* decrypted bytes; buf[off..len) not parsed */
	size_t off, len, cap;
	size_t skip;		/* bytes of a refused notification still to drop */
	int junk;		/* stream no longer parseable: keep bytes as leftover */
	long count;		/* valid notifications so far */
	unsigned long long bytes;	/* their size on the wire */
	long discarded;		/* --count-only: notifications discarded */
	unsigned long long discarded_bytes;
	int discarding;		/* answered: what follows is logged as discarded */
	int peer_gone;		/* PEER_*: client closed or failed, stop reading */
};

/* A parsed notification; token and payload point into the input buffer. */
struct notif {
	int cmd;
	int has_id, has_expiry, has_priority;
	uint32_t id, expiry;
	unsigned priority;
	const unsigned char *token, *payload;
	size_t token_len, payload_len;
	size_t total;		/* bytes it occupies; 0 when unknown */
	int status;		/* when invalid: error-response status */
	char reason[96];	/* when invalid */
};

enum parse { P_MORE, P_OK, P_INVALID };


void
usage(int status)
{
	fputs(
"usage: mockgw --cert FILE --key FILE --client-ca FILE --log FILE\n"
"              [--port N] [--connections N|0] [--max-seconds N] [--tls12]\n"
"              [--reject-token HEX:STATUS | --reject-nth K:STATUS |\n"
"               --shutdown-after N | --close-after N | --close-before N |\n"
"               --close-notify-after MS | --tcp-close-after MS |\n"
"               --reset-after MS | --garbage | --partial |\n"
"               --fatal-alert NAME | --stall-handshake | --stop-reading |\n"
"               --close-in-handshake | --chaos PERMILLE[:SEED]]\n"
"              [--only-connection K] [--answer-delay MS] [--answer-id N]\n"
"              [--no-close-notify] [--reset] [--split-answer]\n"
"              [--answer-extra N] [--drain] [--invalid-id-zero]\n"
"              [--count-only] [--require-env production|development]\n"
"       mockgw --cert FILE --key FILE --client-ca FILE --log FILE\n"
"              [--port N] [--connections N|0] [--max-seconds N] [--tls12]\n"
"              --feedback-tuples N [--feedback-token-len L] |\n"
"              --feedback-file FILE\n"
"              [--feedback-chunk K] [--feedback-pause MS]\n"
"              [--feedback-truncate K] [--feedback-end close-notify|tcp|\n"
"               reset|silent|alert:NAME]\n"
"       mockgw --udp-sink PORT [--max-seconds N]\n",
	    status ? stderr : stdout);
	exit(status);
}

/* "HEX:STATUS" for --reject-token. */
static void
token_arg(const char *s)
{
	const char *colon = strchr(s, ':');
	size_t n, i;
	int hi, lo;

	if (colon == NULL)
		usagex("--reject-token: expected HEX:STATUS");
	n = (size_t)(colon - s);
	if (n == 0 || n % 2 != 0 || n / 2 > TOKEN_MAX)
		usagex("--reject-token: token must be 1 to %d bytes of hex",
		    TOKEN_MAX);
	for (i = 0; i < n / 2; i++) {
		hi = hexval((unsigned char)s[2 * i]);
		lo = hexval((unsigned char)s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			usagex("--reject-token: bad hex digit in \"%.*s\"",
			    (int)n, s);
		opt.token[i] = (unsigned char)(hi << 4 | lo);
	}
	opt.token_len = n / 2;
	opt.b.status = num_arg("reject-token STATUS", colon + 1, 0, 255);
}

/* "K:STATUS" for --reject-nth. */
static void
nth_arg(const char *s)
{
	const char *colon = strchr(s, ':');
	char k[32];

	if (colon == NULL || (size_t)(colon - s) >= sizeof(k))
		usagex("--reject-nth: expected K:STATUS");
	memcpy(k, s, (size_t)(colon - s));
	k[colon - s] = '\0';
	opt.b.nth = num_arg("reject-nth K", k, 1, LONG_MAX);
	opt.b.status = num_arg("reject-nth STATUS", colon + 1, 0, 255);
}

static void
alert_arg(const char *name)
{
	int d;

	for (d = 0; d < 256; d++) {
		if (gnutls_alert_get_strname((gnutls_alert_description_t)d) !=
		    NULL && strcmp(alert_name((gnutls_alert_description_t)d),
		    name) == 0) {
			opt.alert = (gnutls_alert_description_t)d;
			return;
		}
	}
	usagex("--fatal-alert: unknown alert \"%s\" (e.g. internal_error, "
	    "handshake_failure)", name);
}

static void
set_answer(enum answer a, const char *name)
{
	if (opt.b.answer != ANS_NONE)
		usagex("--%s: only one answer behaviour per run", name);
	opt.b.answer = a;
}

/* ---- feedback mode ------------------------------------------------------ */

enum fb_end { FB_CLOSE_NOTIFY, FB_TCP, FB_RESET, FB_SILENT, FB_ALERT };

/* A tuple the mock sends; its bytes are in fb.stream. */
struct fb_tuple {
	uint32_t time;
	size_t off, len;	/* where it starts in fb.stream; token bytes */
};

static struct {
	int on;			/* --feedback-tuples or --feedback-file given */
	int other;		/* a modifier given (needs one of those) */
	long ntuples, token_len, chunk, pause_ms, truncate;
	const char *file;
	enum fb_end end;
	struct fb_tuple *t;
	size_t n, cap;
	unsigned char *stream;	/* the tuples back to back */
	size_t len, size;	/* bytes in stream (before truncation); room */
} fb = { .token_len = 32, .chunk = 16384, .truncate = -1 };

/* Append a tuple's header for a token of len bytes; return where the
 * token's bytes go. */
static unsigned char *
fb_add(uint32_t time, size_t len)
{
	unsigned char *p;

	if (fb.n == fb.cap) {
		fb.cap = fb.cap ? 2 * fb.cap : 64;
		if ((fb.t = realloc(fb.t, fb.cap * sizeof(*fb.t))) == NULL)
			fatalx("out of memory");
	}
	while (fb.size - fb.len < 6 + len) {
		fb.size = fb.size ? 2 * fb.size : 65536;
		if ((fb.stream = realloc(fb.stream, fb.size)) == NULL)
			fatalx("out of memory");
	}
	fb.t[fb.n].time = time;
	fb.t[fb.n].off = fb.len;
	fb.t[fb.n].len = len;
	fb.n++;
	p = fb.stream + fb.len;
	p[0] = (unsigned char)(time >> 24);
	p[1] = (unsigned char)(time >> 16);
	p[2] = (unsigned char)(time >> 8);
	p[3] = (unsigned char)time;
	p[4] = (unsigned char)(len >> 8);
	p[5] = (unsigned char)len;
	fb.len += 6 + len;
	return p + 6;
}

/* --feedback-file: "UNIX HEX" lines. */
static void
fb_read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *tok, *end;
	size_t sz = 0, hl, i;
	unsigned long long t;
	unsigned char *p;
	long no = 0;
	int hi, lo;

	if (f == NULL)
		fatalx("%s: %s", path, strerror(errno));
	while (getline(&line, &sz, f) > 0) {
		no++;
		line[strcspn(line, "\r\n")] = '\0';
		tok = line + strspn(line, " \t");
		if (*tok == '\0' || *tok == '#')
			continue;
		errno = 0;
		t = strtoull(tok, &end, 10);
		if (end == tok || errno || t > UINT32_MAX || (*end != ' ' && *end != '\t'))
			usagex("--feedback-file %s line %ld: expected UNIX HEX", path, no);
		tok = end + strspn(end, " \t");
		hl = strcspn(tok, " \t");
		if (tok[hl] != '\0' && tok[hl + strspn(tok + hl, " \t")] != '\0')
			usagex("--feedback-file %s line %ld: text after the token", path, no);
		if (hl == 1 && tok[0] == '-')
			hl = 0;
		if (hl % 2 != 0 || hl / 2 > 65535 || (hl == 0 && tok[0] != '-'))
			usagex("--feedback-file %s line %ld: the token must be 0 to 65535 "
			    "bytes of hex, or -", path, no);
		p = fb_add((uint32_t)t, hl / 2);
		for (i = 0; i < hl / 2; i++) {
			hi = hexval((unsigned char)tok[2 * i]);
			lo = hexval((unsigned char)tok[2 * i + 1]);
			if (hi < 0 || lo < 0)
				usagex("--feedback-file %s line %ld: bad hex digit",
				    path, no);
			p[i] = (unsigned char)(hi << 4 | lo);
		}
	}
	if (ferror(f))
		fatalx("%s: %s", path, strerror(errno));
	free(line);
	fclose(f);
}

/* --feedback-end HOW. */
static void
fb_end_arg(const char *arg)
{
	if (strcmp(arg, "close-notify") == 0)
		fb.end = FB_CLOSE_NOTIFY;
	else if (strcmp(arg, "tcp") == 0)
		fb.end = FB_TCP;
	else if (strcmp(arg, "reset") == 0)
		fb.end = FB_RESET;
	else if (strcmp(arg, "silent") == 0)
		fb.end = FB_SILENT;
	else if (strncmp(arg, "alert:", 6) == 0) {
		fb.end = FB_ALERT;
		alert_arg(arg + 6);
	} else
		usagex("--feedback-end: expected close-notify, tcp, reset, "
		    "silent or alert:NAME, got \"%s\"", arg);
}

/* After parsing: the options agree; build the stream. */
static void
fb_check(void)
{
	long i;
	size_t k, len;
	unsigned char *p;
	uint32_t v;

	if (!fb.on) {
		if (fb.other)
			usagex("the --feedback-* options need --feedback-tuples "
			    "or --feedback-file");
		return;
	}
	if (fb.ntuples > 0 && fb.file != NULL)
		usagex("give --feedback-tuples or --feedback-file, not both");
	if (opt.b.answer != ANS_NONE || opt.only_connection || opt.b.no_close_notify)
		usagex("feedback mode takes no gateway behaviour option");
	if (fb.file != NULL)
		fb_read_file(fb.file);
	for (i = 1; i <= fb.ntuples; i++) {
		len = (size_t)fb.token_len;
		p = fb_add(1600000000u + (uint32_t)i, len);
		v = (uint32_t)i;
		for (k = len; k > 0; k--) {
			p[k - 1] = len - k < 4 ? (unsigned char)v : 0xfb;
			v >>= 8;
		}
	}
	if (fb.truncate >= 0) {
		if (fb.n == 0 || (size_t)fb.truncate >= 6 + fb.t[fb.n - 1].len)
			usagex("--feedback-truncate %ld: the last tuple is not longer",
			    fb.truncate);
	}
}

/*
 * --require-env: the gateway's check of the client certificate's
 * environment.  It runs as a handshake hook just before the client's
 * CertificateVerify is processed: the client's certificate has arrived by
 * then (in TLS 1.2 and 1.3), and a refusal still fails the handshake.  A
 * verify function would not do: the session's own, which
 * gnutls_session_set_verify_cert installs, replaces the credentials'.
 */
static const char *require_env;		/* "production", "development" */
static const char *require_env_oid;

static void
require_env_arg(const char *env)
{
	if (strcmp(env, "production") == 0)
		require_env_oid = "1.2.840.113635.100.6.3.2";
	else if (strcmp(env, "development") == 0)
		require_env_oid = "1.2.840.113635.100.6.3.1";
	else
		usagex("--require-env: expected production or development, "
		    "got \"%s\"", env);
	require_env = env;
}

/* The hook: 0 lets the handshake go on. */
static int
check_env(gnutls_session_t s, unsigned int htype, unsigned int when,
    unsigned int incoming, const gnutls_datum_t *msg)
{
	const gnutls_datum_t *peers;
	gnutls_x509_crt_t crt;
	gnutls_datum_t ext = { NULL, 0 };
	unsigned int n = 0, critical;
	int found = 0;

	(void)htype;
	(void)when;
	(void)msg;
	if (!incoming)
		return 0;	/* our own, in TLS 1.3 */
	peers = gnutls_certificate_get_peers(s, &n);
	if (peers != NULL && n > 0 && gnutls_x509_crt_init(&crt) == 0) {
		found = gnutls_x509_crt_import(crt, &peers[0],
		    GNUTLS_X509_FMT_DER) == 0 &&
		    gnutls_x509_crt_get_extension_by_oid2(crt, require_env_oid,
		    0, &ext, &critical) >= 0;
		gnutls_free(ext.data);
		gnutls_x509_crt_deinit(crt);
	}
	if (!found) {
		logev("env refused want=%s missing=%s", require_env,
		    require_env_oid);
		return GNUTLS_E_CERTIFICATE_ERROR;
	}
	logev("env ok want=%s", require_env);
	return 0;
}

static void
parse_args(int argc, char **argv)
{
	enum {
		O_CERT = 256, O_KEY, O_CLIENT_CA, O_LOG, O_PORT, O_CONNECTIONS,
		O_MAX_SECONDS, O_TLS12, O_REJECT_TOKEN, O_REJECT_NTH,
		O_SHUTDOWN_AFTER, O_CLOSE_NOTIFY_AFTER, O_TCP_CLOSE_AFTER,
		O_RESET_AFTER, O_GARBAGE, O_PARTIAL, O_FATAL_ALERT,
		O_STALL_HANDSHAKE, O_ANSWER_DELAY, O_NO_CLOSE_NOTIFY, O_DRAIN,
		O_RESET, O_SPLIT_ANSWER, O_ANSWER_EXTRA, O_CLOSE_IN_HANDSHAKE,
		O_CHAOS,
		O_ANSWER_ID, O_STOP_READING, O_UDP_SINK, O_CLOSE_AFTER, O_CLOSE_BEFORE,
		O_ONLY_CONNECTION, O_INVALID_ID_ZERO, O_COUNT_ONLY,
		O_FB_TUPLES, O_FB_TOKEN_LEN, O_FB_FILE, O_FB_CHUNK, O_FB_PAUSE,
		O_FB_TRUNCATE, O_FB_END,
		O_REQUIRE_ENV,
		O_HELP,
	};
	static const struct option longopts[] = {
		{ "cert", required_argument, NULL, O_CERT },
		{ "key", required_argument, NULL, O_KEY },
		{ "client-ca", required_argument, NULL, O_CLIENT_CA },
		{ "log", required_argument, NULL, O_LOG },
		{ "port", required_argument, NULL, O_PORT },
		{ "connections", required_argument, NULL, O_CONNECTIONS },
		{ "max-seconds", required_argument, NULL, O_MAX_SECONDS },
		{ "tls12", no_argument, NULL, O_TLS12 },
		{ "reject-token", required_argument, NULL, O_REJECT_TOKEN },
		{ "reject-nth", required_argument, NULL, O_REJECT_NTH },
		{ "shutdown-after", required_argument, NULL, O_SHUTDOWN_AFTER },
		{ "close-notify-after", required_argument, NULL,
		    O_CLOSE_NOTIFY_AFTER },
		{ "tcp-close-after", required_argument, NULL,
		    O_TCP_CLOSE_AFTER },
		{ "reset-after", required_argument, NULL, O_RESET_AFTER },
		{ "garbage", no_argument, NULL, O_GARBAGE },
		{ "partial", no_argument, NULL, O_PARTIAL },
		{ "fatal-alert", required_argument, NULL, O_FATAL_ALERT },
		{ "stall-handshake", no_argument, NULL, O_STALL_HANDSHAKE },
		{ "answer-delay", required_argument, NULL, O_ANSWER_DELAY },
		{ "no-close-notify", no_argument, NULL, O_NO_CLOSE_NOTIFY },
		{ "reset", no_argument, NULL, O_RESET },
		{ "split-answer", no_argument, NULL, O_SPLIT_ANSWER },
		{ "answer-extra", required_argument, NULL, O_ANSWER_EXTRA },
		{ "close-in-handshake", no_argument, NULL, O_CLOSE_IN_HANDSHAKE },
		{ "chaos", required_argument, NULL, O_CHAOS },
		{ "drain", no_argument, NULL, O_DRAIN },
		{ "answer-id", required_argument, NULL, O_ANSWER_ID },
		{ "stop-reading", no_argument, NULL, O_STOP_READING },
		{ "udp-sink", required_argument, NULL, O_UDP_SINK },
		{ "close-after", required_argument, NULL, O_CLOSE_AFTER },
		{ "close-before", required_argument, NULL, O_CLOSE_BEFORE },
		{ "only-connection", required_argument, NULL,
		    O_ONLY_CONNECTION },
		{ "invalid-id-zero", no_argument, NULL, O_INVALID_ID_ZERO },
		{ "count-only", no_argument, NULL, O_COUNT_ONLY },
		{ "feedback-tuples", required_argument, NULL, O_FB_TUPLES },
		{ "feedback-token-len", required_argument, NULL, O_FB_TOKEN_LEN },
		{ "feedback-file", required_argument, NULL, O_FB_FILE },
		{ "feedback-chunk", required_argument, NULL, O_FB_CHUNK },
		{ "feedback-pause", required_argument, NULL, O_FB_PAUSE },
		{ "feedback-truncate", required_argument, NULL, O_FB_TRUNCATE },
		{ "feedback-end", required_argument, NULL, O_FB_END },
		{ "require-env", required_argument, NULL, O_REQUIRE_ENV },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	const long max_ms = 86400L * 1000;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case O_CERT:
			opt.cert = optarg;
			break;
		case O_KEY:
			opt.key = optarg;
			break;
		case O_CLIENT_CA:
			opt.client_ca = optarg;
			break;
		case O_LOG:
			opt.log = optarg;
			break;
		case O_PORT:
			opt.port = num_arg("port", optarg, 0, 65535);
			break;
		case O_CONNECTIONS:
			/* 0: until --max-seconds runs out */
			opt.connections = num_arg("connections", optarg, 0,
			    100000);
			break;
		case O_MAX_SECONDS:
			opt.max_seconds = num_arg("max-seconds", optarg, 1,
			    86400);
			break;
		case O_TLS12:
			opt.tls12 = 1;
			break;
		case O_REJECT_TOKEN:
			set_answer(ANS_REJECT_TOKEN, "reject-token");
			token_arg(optarg);
			break;
		case O_REJECT_NTH:
			set_answer(ANS_REJECT_NTH, "reject-nth");
			nth_arg(optarg);
			break;
		case O_SHUTDOWN_AFTER:
			set_answer(ANS_SHUTDOWN, "shutdown-after");
			opt.b.nth = num_arg("shutdown-after", optarg, 1,
			    LONG_MAX);
			break;
		case O_CLOSE_NOTIFY_AFTER:
			set_answer(ANS_CLOSE_NOTIFY_AFTER,
			    "close-notify-after");
			opt.b.after_ms = num_arg("close-notify-after", optarg, 0,
			    max_ms);
			break;
		case O_TCP_CLOSE_AFTER:
			set_answer(ANS_TCP_CLOSE_AFTER, "tcp-close-after");
			opt.b.after_ms = num_arg("tcp-close-after", optarg, 0,
			    max_ms);
			break;
		case O_RESET_AFTER:
			set_answer(ANS_RESET_AFTER, "reset-after");
			opt.b.after_ms = num_arg("reset-after", optarg, 0,
			    max_ms);
			break;
		case O_GARBAGE:
			set_answer(ANS_GARBAGE, "garbage");
			break;
		case O_PARTIAL:
			set_answer(ANS_PARTIAL, "partial");
			break;
		case O_FATAL_ALERT:
			set_answer(ANS_FATAL_ALERT, "fatal-alert");
			alert_arg(optarg);
			break;
		case O_STALL_HANDSHAKE:
			set_answer(ANS_STALL, "stall-handshake");
			break;
		case O_ANSWER_DELAY:
			opt.b.answer_delay_ms = num_arg("answer-delay", optarg,
			    0, max_ms);
			break;
		case O_NO_CLOSE_NOTIFY:
			opt.b.no_close_notify = 1;
			break;
		case O_RESET:
			opt.b.reset_close = 1;
			break;
		case O_SPLIT_ANSWER:
			opt.b.split_answer = 1;
			break;
		case O_ANSWER_EXTRA:
			opt.b.answer_extra = num_arg("answer-extra", optarg, 1, 256);
			break;
		case O_CLOSE_IN_HANDSHAKE:
			set_answer(ANS_CLOSE_IN_HANDSHAKE, "close-in-handshake");
			break;
		case O_CHAOS: {
			char *colon = strchr(optarg, ':');

			if (colon != NULL) {
				*colon = '\0';
				chaos_state = (uint64_t)num_arg("chaos SEED", colon + 1, 1,
				    LONG_MAX);
			}
			opt.b.chaos = num_arg("chaos PERMILLE", optarg, 0, 1000);
			set_answer(ANS_CHAOS, "chaos");
			break;
		}
		case O_DRAIN:
			opt.drain = 1;
			break;
		case O_STOP_READING:
			/* After the handshake, never read: the client's
			 * writes block once the socket buffers are full. */
			set_answer(ANS_STOP_READING, "stop-reading");
			break;
		case O_UDP_SINK:
			opt.udp_sink = num_arg("udp-sink", optarg, 1, 65535);
			break;
		case O_ANSWER_ID:
			/* Name this identifier instead of the real one. */
			opt.b.answer_id = num_arg("answer-id", optarg, 0,
			    4294967295L);
			break;
		case O_CLOSE_AFTER:
			set_answer(ANS_CLOSE_AFTER, "close-after");
			opt.b.nth = num_arg("close-after", optarg, 1, LONG_MAX);
			break;
		case O_CLOSE_BEFORE:
			set_answer(ANS_CLOSE_BEFORE, "close-before");
			opt.b.nth = num_arg("close-before", optarg, 1, LONG_MAX);
			break;
		case O_ONLY_CONNECTION:
			opt.only_connection = num_arg("only-connection",
			    optarg, 1, 100000);
			break;
		case O_INVALID_ID_ZERO:
			/* The other plausible reply to a sentinel. */
			opt.invalid_id_zero = 1;
			break;
		case O_COUNT_ONLY:
			opt.count_only = 1;
			break;
		case O_FB_TUPLES:
			fb.ntuples = num_arg("feedback-tuples", optarg, 0,
			    10000000);
			fb.on = 1;
			break;
		case O_FB_FILE:
			fb.file = optarg;
			fb.on = 1;
			break;
		/* The modifiers (fb.other: they need one of those two). */
		case O_FB_TOKEN_LEN:
			fb.token_len = num_arg("feedback-token-len", optarg, 0,
			    65535);
			fb.other = 1;
			break;
		case O_FB_CHUNK:
			fb.chunk = num_arg("feedback-chunk", optarg, 1, 16384);
			fb.other = 1;
			break;
		case O_FB_PAUSE:
			fb.pause_ms = num_arg("feedback-pause", optarg, 0, max_ms);
			fb.other = 1;
			break;
		case O_FB_TRUNCATE:
			fb.truncate = num_arg("feedback-truncate", optarg, 1,
			    65540);
			fb.other = 1;
			break;
		case O_FB_END:
			fb_end_arg(optarg);
			fb.other = 1;
			break;
		case O_REQUIRE_ENV:
			require_env_arg(optarg);
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
	if (opt.udp_sink)
		return;
	if (opt.cert == NULL || opt.key == NULL || opt.client_ca == NULL ||
	    opt.log == NULL)
		usagex("--cert, --key, --client-ca and --log are required");
	if (opt.connections > 0 && opt.only_connection > opt.connections)
		usagex("--only-connection %ld: only %ld connection%s served",
		    opt.only_connection, opt.connections,
		    opt.connections == 1 ? " is" : "s are");
	fb_check();
}

static uint16_t
get16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static enum parse
invalid(struct notif *nt, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum parse
invalid(struct notif *nt, int status, const char *fmt, ...)
{
	va_list ap;

	nt->status = status;
	va_start(ap, fmt);
	vsnprintf(nt->reason, sizeof(nt->reason), fmt, ap);
	va_end(ap);
	return P_INVALID;
}

/* Status for a token of len bytes, or 0 when it is fine. */
static int
token_status(size_t len)
{
	if (len == 0)
		return 2;
	if (len < TOKEN_MIN || len > TOKEN_MAX)
		return 5;
	return 0;
}

static int
payload_status(size_t len)
{
	if (len == 0)
		return 4;
	if (len > PAYLOAD_MAX)
		return 7;
	return 0;
}

static enum parse
check_lengths(struct notif *nt)
{
	int st;

	if ((st = token_status(nt->token_len)) == 2)
		return invalid(nt, st, "missing token");
	if (st != 0)
		return invalid(nt, st, "token length %zu", nt->token_len);
	if ((st = payload_status(nt->payload_len)) == 4)
		return invalid(nt, st, "missing payload");
	if (st != 0)
		return invalid(nt, st, "payload length %zu", nt->payload_len);
	return P_OK;
}

/*
 * Commands 0 and 1: command, [id, expiry,] token length, token, payload
 * length, payload. A bad token length longer than TOKEN_MAX is refused at
 * once; otherwise the verdict waits for the payload length field, so that
 * the notification's total size is known.
 */
static enum parse
parse_01(const unsigned char *b, size_t n, struct notif *nt)
{
	size_t hdr = nt->cmd == 0 ? 3 : 11;

	if (n < hdr)
		return P_MORE;
	if (nt->cmd == 1) {
		nt->has_id = nt->has_expiry = 1;
		nt->id = get32(b + 1);
		nt->expiry = get32(b + 5);
	}
	nt->token_len = get16(b + hdr - 2);
	if (nt->token_len > TOKEN_MAX)
		return invalid(nt, 5, "token length %zu", nt->token_len);
	if (n < hdr + nt->token_len + 2)
		return P_MORE;
	nt->token = b + hdr;
	nt->payload_len = get16(b + hdr + nt->token_len);
	nt->payload = nt->token + nt->token_len + 2;
	nt->total = hdr + nt->token_len + 2 + nt->payload_len;
	if (check_lengths(nt) == P_INVALID)
		return P_INVALID;
	return n < nt->total ? P_MORE : P_OK;
}

/* Command 2: a frame of items 1..5, each at most once, in any order. */
static enum parse
parse_2(const unsigned char *b, size_t n, struct notif *nt)
{
	const unsigned char *p, *end, *d;
	uint32_t flen;
	unsigned seen = 0, item;
	size_t ilen;
	int bad = 0;
	char why[96] = "";

	if (n < 5)
		return P_MORE;
	flen = get32(b + 1);
	nt->total = (size_t)flen + 5;
	if (flen > FRAME_MAX)
		return invalid(nt, 128, "frame length %lu",
		    (unsigned long)flen);
	if (n < nt->total)
		return P_MORE;

	/* Walk all items first, so the identifier is known for any error. */
	p = b + 5;
	end = p + flen;
	while (p < end) {
		if (end - p < 3) {
			bad = 1;
			snprintf(why, sizeof(why), "item header overruns frame");
			break;
		}
		item = p[0];
		ilen = get16(p + 1);
		d = p + 3;
		if ((size_t)(end - d) < ilen) {
			bad = 1;
			snprintf(why, sizeof(why), "item %u overruns frame",
			    item);
			break;
		}
		p = d + ilen;
		if (item < 1 || item > 5) {
			if (!bad)
				snprintf(why, sizeof(why), "unknown item %u",
				    item);
			bad = 1;
			continue;
		}
		if (seen & 1u << item) {
			if (!bad)
				snprintf(why, sizeof(why), "item %u repeated",
				    item);
			bad = 1;
			continue;
		}
		seen |= 1u << item;
		switch (item) {
		case 1:
			nt->token = d;
			nt->token_len = ilen;
			break;
		case 2:
			nt->payload = d;
			nt->payload_len = ilen;
			break;
		case 3:
		case 4:
		case 5:
			if (ilen != (item == 5 ? 1u : 4u)) {
				if (!bad)
					snprintf(why, sizeof(why),
					    "item %u length %zu", item, ilen);
				bad = 1;
			} else if (item == 3) {
				nt->has_id = 1;
				nt->id = get32(d);
			} else if (item == 4) {
				nt->has_expiry = 1;
				nt->expiry = get32(d);
			} else if (d[0] != 5 && d[0] != 10) {
				if (!bad)
					snprintf(why, sizeof(why),
					    "priority %u", d[0]);
				bad = 1;
			} else {
				nt->has_priority = 1;
				nt->priority = d[0];
			}
			break;
		}
	}
	if (bad)
		return invalid(nt, 128, "%s", why);
	if (!(seen & 1u << 1))
		return invalid(nt, 2, "missing token");
	if (!(seen & 1u << 2))
		return invalid(nt, 4, "missing payload");
	return check_lengths(nt);
}

/*
 * Parse the notification at the start of b[0..n). P_MORE: incomplete.
 * P_OK: nt filled, nt->total bytes long. P_INVALID: nt->status, nt->reason
 * and whatever of id/total was known are set.
 */
static enum parse
parse_notification(const unsigned char *b, size_t n, struct notif *nt)
{
	memset(nt, 0, sizeof(*nt));
	if (n < 1)
		return P_MORE;
	nt->cmd = b[0];
	switch (nt->cmd) {
	case 0:
	case 1:
		return parse_01(b, n, nt);
	case 2:
		return parse_2(b, n, nt);
	default:
		return invalid(nt, 128, "unknown command %d", nt->cmd);
	}
}

static void
log_notif(const char *what, const struct notif *nt)
{
	char id[16] = "-", exp[16] = "-", prio[8] = "-";
	char *tok, *pay;

	if (nt->has_id)
		snprintf(id, sizeof(id), "%lu", (unsigned long)nt->id);
	if (nt->has_expiry)
		snprintf(exp, sizeof(exp), "%lu", (unsigned long)nt->expiry);
	if (nt->has_priority)
		snprintf(prio, sizeof(prio), "%u", nt->priority);
	tok = hex(nt->token, nt->token_len);
	pay = hex(nt->payload, nt->payload_len);
	logev("%s cmd=%d id=%s expiry=%s priority=%s token=%s payload=%s",
	    what, nt->cmd, id, exp, prio, tok, pay);
	free(tok);
	free(pay);
}

static void
log_invalid(const char *prefix, const struct notif *nt)
{
	char id[16] = "-", r[sizeof(nt->reason) * 4];

	if (nt->cmd != 0)
		snprintf(id, sizeof(id), "%lu", (unsigned long)nt->id);
	logev("%sinvalid status=%d id=%s reason=\"%s\"", prefix, nt->status,
	    id, quote(nt->reason, r, sizeof(r)));
}

/* Close the socket the way how says, and log it. */
static void
finish(struct conn *c, enum close_how how)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	char e[1024];
	size_t left = c->len - c->off;
	int unread = 0, r;

	if (c->t.fd < 0)
		return;
	if (opt.count_only) {
		logev("count notifications=%ld bytes=%llu", c->count, c->bytes);
		if (c->discarded > 0)
			logev("discarded count notifications=%ld bytes=%llu",
			    c->discarded, c->discarded_bytes);
	}
	if (left > 0 && !c->discarding)
		logev("leftover bytes=%zu", left);
	else if (left > 0)
		logev("discarded leftover bytes=%zu", left);
	if (how == CLOSE_NOTIFY) {
		do
			r = gnutls_bye(c->t.s, GNUTLS_SHUT_WR);
		while (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED);
		if (r < 0) {
			logev("send failed error=\"%s\"",
			    tls_error(&c->t, r, e, sizeof(e)));
			how = CLOSE_TCP;
		} else
			logev("sent close-notify");
	}
	/* Unread bytes make the kernel answer close() with a RST. */
	if (how != CLOSE_RESET && ioctl(c->t.fd, FIONREAD, &unread) == 0 &&
	    unread > 0)
		logev("unread bytes=%d", unread);
	if (how == CLOSE_RESET &&
	    setsockopt(c->t.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0)
		logev("setsockopt SO_LINGER failed error=\"%s\"",
		    strerror(errno));
	close(c->t.fd);
	c->t.fd = -1;
	logev(how == CLOSE_NOTIFY ? "closed" :
	    how == CLOSE_TCP ? "closed tcp" : "closed reset");
}

static void process_input(struct conn *c);

/*
 * Read one chunk, waiting at most until the absolute time `until` (ms,
 * CLOCK_MONOTONIC; -1 for no limit). Returns 1 when data was read and
 * parsed, 0 on timeout, -1 when the client closed or failed (logged,
 * c->peer_gone set).
 */
static int
read_some(struct conn *c, long long until)
{
	struct pollfd pfd = { .fd = c->t.fd, .events = POLLIN };
	const size_t chunk = 16384;	/* a whole TLS record */
	long long left;
	ssize_t n;
	int r;

	if (c->peer_gone)
		return -1;
	/* Move what is left unparsed to the front, then make room. */
	if (c->off > 0) {
		memmove(c->buf, c->buf + c->off, c->len - c->off);
		c->len -= c->off;
		c->off = 0;
	}
	if (c->cap - c->len < chunk) {
		c->cap = c->len + chunk + 4096;
		if ((c->buf = realloc(c->buf, c->cap)) == NULL)
			fatalx("out of memory");
	}
	for (;;) {
		if (gnutls_record_check_pending(c->t.s) == 0) {
			left = until < 0 ? -1 : until - now_ms();
			if (until >= 0 && left <= 0)
				return 0;
			r = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
			if (r < 0 && errno != EINTR)
				fatalx("poll: %s", strerror(errno));
			if (r <= 0)
				continue;
		}
		n = tls_recv(&c->t, c->buf + c->len, chunk, &c->peer_gone);
		if (n > 0)
			break;
		if (n < 0)
			return -1;
	}
	c->len += (size_t)n;
	process_input(c);
	return 1;
}

/* Keep reading (and logging) for ms milliseconds, or until the client leaves. */
static void
read_for(struct conn *c, long ms)
{
	long long until = now_ms() + ms;

	while (read_some(c, until) > 0)
		;
}

/* Send the fatal alert --fatal-alert (or --feedback-end alert:) names, and
 * log it; -1 when it could not be sent. */
static int
send_alert(struct conn *c)
{
	char e[1024];
	int r;

	do
		r = gnutls_alert_send(c->t.s, GNUTLS_AL_FATAL, opt.alert);
	while (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED);
	if (r == 0)
		logev("sent alert name=%s", alert_name(opt.alert));
	else
		logev("send failed error=\"%s\"", tls_error(&c->t, r, e, sizeof(e)));
	return r < 0 ? -1 : 0;
}

enum reply { R_NONE, R_ERROR, R_CLOSE_ONLY, R_GARBAGE, R_PARTIAL, R_ALERT };

/* An answer's bytes: at once, or with --split-answer one TLS record each. */
static int
send_answer(struct conn *c, const unsigned char *b, size_t len)
{
	if (!cur.split_answer)
		return tls_send_all(&c->t, b, len);
	for (size_t i = 0; i < len; i++)
		if (tls_send_all(&c->t, b + i, 1) < 0)
			return -1;
	return 0;
}

/*
 * Give the gateway's answer to the notification just parsed, then close.
 * Whatever the client sent after it is logged as "discarded".
 */
static void
reply(struct conn *c, enum reply what, int status, uint32_t id)
{
	static const unsigned char garbage[] = "GARBAG";
	static const unsigned char partial[] = { 0x08, 0x08, 0x00 };
	unsigned char pkt[6];
	enum close_how how = cur.reset_close ? CLOSE_RESET :
	    cur.no_close_notify ? CLOSE_TCP : CLOSE_NOTIFY;
	char *h;
	int r = 0;

	c->discarding = 1;
	process_input(c);	/* what already arrived behind it */
	if (cur.answer_delay_ms > 0)
		read_for(c, cur.answer_delay_ms);

	switch (what) {
	case R_ERROR:
		if (cur.answer_id >= 0)
			id = (uint32_t)cur.answer_id;
		pkt[0] = 8;
		pkt[1] = (unsigned char)status;
		put32(pkt + 2, id);
		if ((r = send_answer(c, pkt, sizeof(pkt))) == 0)
			logev("sent error-response status=%d id=%lu%s", status,
			    (unsigned long)id, cur.split_answer ? " split=1" : "");
		if (r == 0 && cur.answer_extra > 0) {
			unsigned char x[256];
			long n = cur.answer_extra;

			memset(x, 'X', sizeof(x));
			if ((r = send_answer(c, x, (size_t)n)) == 0)
				logev("sent extra bytes=%ld", n);
		}
		break;
	case R_NONE:
	case R_CLOSE_ONLY:
		break;
	case R_GARBAGE:
		if ((r = send_answer(c, garbage, 6)) == 0) {
			h = hex(garbage, 6);
			logev("sent garbage hex=%s", h);
			free(h);
		}
		break;
	case R_PARTIAL:
		how = CLOSE_TCP;
		if ((r = send_answer(c, partial, sizeof(partial))) == 0) {
			h = hex(partial, sizeof(partial));
			logev("sent partial hex=%s", h);
			free(h);
		}
		break;
	case R_ALERT:
		how = CLOSE_TCP;
		r = send_alert(c);
		break;
	}
	if (r < 0)
		how = CLOSE_TCP;
	else if (opt.drain && what == R_ALERT)
		linger_raw(c->t.fd, DRAIN_MS);	/* no TLS reading after it */
	else if (opt.drain)
		read_for(c, DRAIN_MS);
	finish(c, how);
}

/*
 * Drop n parsed bytes from the front of the input buffer. No memmove per
 * notification: read_some() compacts once per read.
 */
static void
consume(struct conn *c, size_t n)
{
	c->off += n;
	if (c->off == c->len)
		c->off = c->len = 0;
}

/*
 * What the gateway does about a valid notification: R_NONE (nothing), or
 * the reply to give, with its status and identifier.
 */
static enum reply
decide(const struct conn *c, const struct notif *nt, int *status,
    uint32_t *id)
{
	*id = nt->has_id ? nt->id : 0;
	*status = (int)cur.status;
	switch (cur.answer) {
	case ANS_REJECT_TOKEN:
		if (nt->token_len != opt.token_len ||
		    memcmp(nt->token, opt.token, opt.token_len) != 0)
			return R_NONE;
		break;
	case ANS_REJECT_NTH:
		if (c->count != cur.nth)
			return R_NONE;
		break;
	case ANS_SHUTDOWN:
		*status = 10;
		return c->count == cur.nth ? R_ERROR : R_NONE;
	case ANS_CLOSE_AFTER:
		return c->count == cur.nth ? R_CLOSE_ONLY : R_NONE;
	case ANS_GARBAGE:
		return R_GARBAGE;
	case ANS_PARTIAL:
		return R_PARTIAL;
	case ANS_FATAL_ALERT:
		return R_ALERT;
	case ANS_CHAOS:
		if ((long)(chaos_next() % 1000) >= cur.chaos || nt->cmd == 0)
			return R_NONE;
		switch (chaos_next() % 5) {
		case 0:
			logev("chaos reject");
			*status = 8;
			return R_ERROR;
		case 1:
			logev("chaos shutdown");
			*status = 10;
			return R_ERROR;
		case 2:
			logev("chaos close-notify");
			return R_CLOSE_ONLY;
		case 3:
			logev("chaos tcp-close");
			cur.no_close_notify = 1;
			return R_CLOSE_ONLY;
		default:
			logev("chaos reset");
			cur.reset_close = 1;
			return R_CLOSE_ONLY;
		}
	default:
		return R_NONE;
	}
	/* --reject-token, --reject-nth: command 0 has no way to report. */
	return nt->cmd == 0 ? R_CLOSE_ONLY : R_ERROR;
}

/* Parse and act on everything complete in the input buffer. */
static void
process_input(struct conn *c)
{
	struct notif nt;
	enum reply what;
	uint32_t id;
	size_t k, avail;
	int status;

	while (c->t.fd >= 0 && (avail = c->len - c->off) > 0 && !c->junk) {
		if (c->skip > 0) {
			k = c->skip < avail ? c->skip : avail;
			consume(c, k);
			c->skip -= k;
			continue;
		}
		switch (parse_notification(c->buf + c->off, avail, &nt)) {
		case P_MORE:
			return;
		case P_INVALID:
			/* Skip it if its size is known, else give up parsing. */
			if (nt.total > 0)
				c->skip = nt.total;
			else
				c->junk = 1;
			if (c->discarding) {
				log_invalid("discarded ", &nt);
				continue;
			}
			log_invalid("", &nt);
			if (nt.total > 0) {
				k = nt.total < avail ? nt.total : avail;
				consume(c, k);
				c->skip -= k;
			}
			/* The "invalid" line keeps the real identifier. */
			reply(c, nt.cmd == 0 ? R_CLOSE_ONLY : R_ERROR,
			    nt.status, opt.invalid_id_zero ? 0 : nt.id);
			return;
		case P_OK:
			if (c->discarding) {
				if (opt.count_only) {
					c->discarded++;
					c->discarded_bytes += nt.total;
				} else
					log_notif("discarded", &nt);
				consume(c, nt.total);
				continue;
			}
			if (cur.answer == ANS_CLOSE_BEFORE &&
			    c->count + 1 == cur.nth) {
				/* Gone before it was processed. */
				if (opt.count_only) {
					c->discarded++;
					c->discarded_bytes += nt.total;
				} else
					log_notif("discarded", &nt);
				consume(c, nt.total);
				reply(c, R_CLOSE_ONLY, 0, 0);
				return;
			}
			if (!opt.count_only)
				log_notif("notification", &nt);
			c->count++;
			c->bytes += nt.total;
			what = decide(c, &nt, &status, &id);
			consume(c, nt.total);
			if (what != R_NONE) {
				reply(c, what, status, id);
				return;
			}
			break;
		}
	}
}

/* Sleep ms, or less if the client closes first (it must not be held up). */
static void
fb_pause(struct conn *c, long ms)
{
	struct pollfd pfd = { .fd = c->t.fd, .events = POLLRDHUP };
	long long until = now_ms() + ms, left;

	while ((left = until - now_ms()) > 0)
		if (poll(&pfd, 1, (int)left) > 0)
			break;
}

/*
 * Send the tuples, then end the way --feedback-end says. Returns 1 when the
 * connection is to be served on as a (silent) gateway.
 */
static int
fb_serve(struct conn *c)
{
	size_t sent = 0, next = 0, records = 0, k;
	size_t total = fb.len;
	struct fb_tuple *last = fb.n ? &fb.t[fb.n - 1] : NULL;
	char *h;
	int outq;

	if (fb.truncate >= 0)
		total = last->off + (size_t)fb.truncate;
	while (sent < total) {
		if (records > 0 && fb.pause_ms > 0)
			fb_pause(c, fb.pause_ms);
		k = total - sent < (size_t)fb.chunk ? total - sent : (size_t)fb.chunk;
		if (tls_send_all(&c->t, fb.stream + sent, k) < 0) {
			finish(c, CLOSE_TCP);
			return 0;
		}
		sent += k;
		records++;
		for (; next < fb.n && fb.t[next].off + 6 + fb.t[next].len <= sent; next++) {
			h = hex(fb.stream + fb.t[next].off + 6, fb.t[next].len);
			logev("sent feedback time=%lu token=%s",
			    (unsigned long)fb.t[next].time, h);
			free(h);
		}
	}
	if (fb.truncate >= 0) {
		h = hex(fb.stream + last->off, (size_t)fb.truncate);
		logev("sent partial-tuple bytes=%ld hex=%s", fb.truncate, h);
		free(h);
	}
	logev("sent feedback records=%zu bytes=%zu", records, sent);
	switch (fb.end) {
	case FB_CLOSE_NOTIFY:
		finish(c, CLOSE_NOTIFY);
		break;
	case FB_TCP:
		finish(c, CLOSE_TCP);
		break;
	case FB_RESET:
		/* A reset throws away what the client has not read yet: give
		 * it the bytes, and time to read them, first. */
		while (ioctl(c->t.fd, SIOCOUTQ, &outq) == 0 && outq > 0)
			fb_pause(c, 10);
		fb_pause(c, 300);
		finish(c, CLOSE_RESET);
		break;
	case FB_ALERT:
		send_alert(c);
		finish(c, CLOSE_TCP);
		break;
	case FB_SILENT:
		logev("silent");
		return 1;
	}
	return 0;
}

/* --stall-handshake, --stop-reading: read nothing, write nothing, until
 * the client leaves. */
static void
stall(struct conn *c)
{
	wait_for_leave(c->t.fd);
	finish(c, CLOSE_TCP);
}

/* Handshake; log "handshake ok ..." and return 0, or log, alert, close, -1. */
static int
handshake(struct conn *c)
{
	char sni[256 * 4 + 1] = "-", dn[2048], name[256];
	unsigned int type;
	size_t sl = sizeof(name) - 1;

	if (tls_handshake(&c->t, LINGER_MS) < 0) {
		finish(c, CLOSE_TCP);
		return -1;
	}

	if (gnutls_server_name_get(c->t.s, name, &sl, &type, 0) == 0 &&
	    type == GNUTLS_NAME_DNS)
		escape(name, strnlen(name, sl), 0, sni, sizeof(sni));
	peer_dn(c->t.s, dn, sizeof(dn));
	logev("handshake ok version=%s sni=%s client=\"%s\"",
	    gnutls_protocol_get_name(gnutls_protocol_get_version(c->t.s)), sni,
	    dn);
	return 0;
}

static void
serve(int lfd, long number, gnutls_certificate_credentials_t cred,
    gnutls_priority_t prio)
{
	struct conn c = { .t = { .fd = -1 } };
	enum close_how how;
	long long timer = -1;

	c.t.fd = accept_conn(lfd);
	logev("connection %ld", number);
	cur = opt.only_connection == 0 || opt.only_connection == number ?
	    opt.b : plain_gateway;
	if (cur.answer == ANS_STALL) {
		stall(&c);
		return;
	}
	if (cur.answer == ANS_CLOSE_IN_HANDSHAKE) {
		unsigned char hello[512];
		struct pollfd p = { c.t.fd, POLLIN, 0 };

		if (poll(&p, 1, LINGER_MS) > 0)
			(void)recv(c.t.fd, hello, sizeof(hello), 0);
		close(c.t.fd);
		logev("closed in handshake");
		return;
	}

	if (gnutls_init(&c.t.s, GNUTLS_SERVER) < 0 ||
	    gnutls_priority_set(c.t.s, prio) < 0 ||
	    gnutls_credentials_set(c.t.s, GNUTLS_CRD_CERTIFICATE, cred) < 0)
		fatalx("cannot set up a TLS session");
	gnutls_certificate_server_set_request(c.t.s, GNUTLS_CERT_REQUIRE);
	gnutls_session_set_verify_cert(c.t.s, NULL, 0);
	if (require_env != NULL)
		gnutls_handshake_set_hook_function(c.t.s,
		    GNUTLS_HANDSHAKE_CERTIFICATE_VERIFY, GNUTLS_HOOK_PRE,
		    check_env);
	mock_tls_transport(&c.t);

	if (handshake(&c) < 0)
		goto out;
	if (fb.on && !fb_serve(&c))
		goto out;
	if (cur.answer == ANS_STOP_READING) {
		int small = 4096;

		setsockopt(c.t.fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
		logev("stopped reading");
		stall(&c);
		goto out;
	}

	if (cur.after_ms >= 0)
		timer = now_ms() + cur.after_ms;
	while (c.t.fd >= 0) {
		if (read_some(&c, timer) == 0) {
			/* A --*-after timer went off. */
			how = cur.answer == ANS_CLOSE_NOTIFY_AFTER ?
			    CLOSE_NOTIFY : cur.answer == ANS_TCP_CLOSE_AFTER ?
			    CLOSE_TCP : CLOSE_RESET;
			finish(&c, how);
		} else if (c.peer_gone && c.t.fd >= 0) {
			/* Answer a close_notify with one; an EOF with none. */
			finish(&c, c.peer_gone == PEER_CLOSE_NOTIFY ?
			    CLOSE_NOTIFY : CLOSE_TCP);
		}
	}
out:
	gnutls_deinit(c.t.s);
	free(c.buf);
}

/*
 * --udp-sink PORT: a name server that never answers (tests of how long a
 * DNS lookup may take).  Reads and drops datagrams until --max-seconds.
 */
static void __attribute__((noreturn))
udp_sink(void)
{
	struct sockaddr_in sin;
	char buf[2048];
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)opt.udp_sink);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		fatalx("udp sink on port %ld: %s", opt.udp_sink, strerror(errno));
	printf("port %ld\n", opt.udp_sink);
	fflush(stdout);
	for (;;)
		(void)recv(fd, buf, sizeof(buf), 0);
}

int
main(int argc, char **argv)
{
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t prio;
	const char *err;
	long i;
	int lfd, r;

	mock_name = "mockgw";
	parse_args(argc, argv);
	if (opt.udp_sink) {
		alarm((unsigned)opt.max_seconds);
		udp_sink();
	}

	deadline_start(opt.max_seconds);
	log_open(opt.log);
	cred = load_creds(opt.cert, opt.key, opt.client_ca);
	if ((r = gnutls_priority_init(&prio, opt.tls12 ?
	    "NORMAL:-VERS-ALL:+VERS-TLS1.2" : "NORMAL", &err)) < 0)
		fatalx("priority string at \"%s\": %s", err,
		    gnutls_strerror(r));

	lfd = listen_loopback(opt.port);

	for (i = 1; opt.connections == 0 || i <= opt.connections; i++)
		serve(lfd, i, cred, prio);

	close(lfd);
	gnutls_priority_deinit(prio);
	gnutls_certificate_free_credentials(cred);
	gnutls_global_deinit();
	return 0;
}
