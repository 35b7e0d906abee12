/*
 * mock-common: what the test peers (tests/mockgw.c, the binary gateway,
 * and tests/mockh2.c, the HTTP/2 server) share: messages and exits, the
 * event log, number and hex parsing, the listening socket, the TLS
 * transport and handshake failures.  No I/O policy lives here: each mock
 * decides what to read, answer and log.
 */
#ifndef MOCK_COMMON_H
#define MOCK_COMMON_H

#include <stddef.h>
#include <sys/types.h>

#include <gnutls/gnutls.h>

/* --max-seconds ran out: the exit status, after the log line "deadline". */
#define EXIT_DEADLINE	3

/* Set by main before anything else: the prefix of every message. */
extern const char *mock_name;

/* Each mock defines it: print the usage (stdout when status is 0, else
 * stderr) and exit with status. */
void usage(int status) __attribute__((noreturn));

/* "NAME: message" on stderr, exit 1 (setup failure). */
void fatalx(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));
/* "NAME: message" on stderr, then usage(2). */
void usagex(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));

/* Write all of buf to fd, retrying on EINTR; -1 on error. */
int write_all(int fd, const void *buf, size_t len);

/*
 * The event log.  log_open appends to path (created if missing);
 * logev writes one line with a single write(), so a line is in the file
 * whole or not at all, even when the deadline strikes.
 */
void log_open(const char *path);
void logev(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Ignore SIGPIPE; after seconds, log "deadline" and _exit(EXIT_DEADLINE)
 * from the SIGALRM handler.
 */
void deadline_start(long seconds);

/* CLOCK_MONOTONIC in milliseconds. */
long long now_ms(void);

/* Lowercase hex of buf[0..len), NUL-terminated, malloc'd (caller frees). */
char *hex(const unsigned char *buf, size_t len);

/*
 * Copy in[0..len) to out so that it fits in one log field: printable ASCII
 * stays, anything else (and '"' and '\\', and ' ' unless quoted) becomes
 * \xNN.  Truncates to fit outsz; returns out.  quote() is escape() of a
 * C string, quoted.
 */
char *escape(const char *in, size_t len, int quoted, char *out, size_t outsz);
char *quote(const char *s, char *out, size_t outsz);

/* Decimal in [min, max], no sign or blanks before it: 0, else -1. */
int parse_long(const char *s, long min, long max, long *out);
/* parse_long for the value of option --name, or usagex() naming it. */
long num_arg(const char *name, const char *s, long min, long max);
/* The value of one hex digit (either case), or -1. */
int hexval(int c);

/* "bad_certificate" for GNUTLS_A_BAD_CERTIFICATE: TLS's own names.
 * Points to a static buffer for unknown values. */
const char *alert_name(gnutls_alert_description_t d);

/*
 * Listen on 127.0.0.1:port (0: any free one), print "port N" on stdout
 * and flush it; returns the socket.  fatalx() on failure.
 */
int listen_loopback(long port);

/* accept() a connection, retrying on EINTR, with TCP_NODELAY set. */
int accept_conn(int lfd);

/* One TLS connection's transport: plain recv()/send() on fd that keep the
 * errno of a failure, for tls_error(). */
struct mock_tls {
	int fd;
	gnutls_session_t s;
	int saved_errno;	/* errno of the last failed recv()/send() */
};

/* Make t->s read and write t->fd through t. */
void mock_tls_transport(struct mock_tls *t);

/*
 * gnutls_strerror(err), plus what explains it: the alert received, the
 * errno of a failed recv()/send(), or why a certificate did not verify;
 * escaped for a quoted log field.  Returns out.
 */
char *tls_error(struct mock_tls *t, int err, char *out, size_t outsz);

/*
 * gnutls_record_send all of b; -1 (logged: "send failed error=...") on a
 * failure.
 */
int tls_send_all(struct mock_tls *t, const void *b, size_t len);

/* How the client left, for tls_recv. */
enum { PEER_HERE, PEER_CLOSE_NOTIFY, PEER_EOF };

/*
 * gnutls_record_recv into buf: the bytes read (> 0); 0 when there is
 * nothing yet (a non-fatal error, renegotiation refused with a warning);
 * or -1 when the client is gone, with *gone set (PEER_CLOSE_NOTIFY or
 * PEER_EOF) and "client close-notify", "client eof" or "client error
 * error=..." logged.
 */
ssize_t tls_recv(struct mock_tls *t, void *buf, size_t len, int *gone);

/*
 * After a fatal alert: send FIN, then read and drop raw bytes until the
 * client closes ("client eof"), fails, or ms pass.  Closing with unread
 * bytes would send a RST, and a client still writing could then fail its
 * write before it reads the alert.
 */
void linger_raw(int fd, long ms);

/*
 * The TLS handshake: 0, or a GnuTLS error after a failure was logged
 * ("handshake failed error=..."), the alert that fits sent (bad_certificate
 * for a refused client certificate; "sent alert name=...") and
 * linger_raw() run for ms.  The caller closes.
 */
int tls_handshake(struct mock_tls *t, long ms);

/*
 * Read and write nothing until the client leaves ("client eof", or
 * "client error error=..." with the socket's error).
 */
void wait_for_leave(int fd);

/* The client certificate's subject DN (RFC 4514), escaped for a quoted
 * field, in out; "" when the client sent none.  Returns 1 when it did. */
int peer_dn(gnutls_session_t s, char *out, size_t outsz);

/*
 * gnutls_global_init(), then credentials with the server's certificate
 * and key (PEM) and client_ca as the CA that client certificates are
 * verified against.  fatalx() on failure.
 */
gnutls_certificate_credentials_t load_creds(const char *cert,
    const char *key, const char *client_ca);

#endif
