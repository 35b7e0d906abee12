/* tls.h: TLS behind one small interface (implemented with GnuTLS in
 * tls.c and tls-creds.c; no gnutls type appears outside those files).
 *
 * A tls_creds holds the client certificate and key and the CAs trusted for
 * the gateway.  A tls_conn is one client session over a connected
 * non-blocking socket, always verifying the peer's certificate and name.
 */
#ifndef APNSEND_TLS_H
#define APNSEND_TLS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

struct tls_creds;
struct tls_conn;

/* Global setup and teardown; tls_init fails with APN_SOFTWARE. */
int tls_init(struct apn_error *err);
void tls_deinit(void);

/* The GnuTLS version linked at run time. */
const char *tls_runtime_version(void);

struct tls_creds_spec {
	const char *cert_file; /* PEM (certificate, maybe key) or PKCS#12;
				* NULL: no client certificate (token auth) */
	const char *key_file;  /* PEM key when not in cert_file; may be NULL */
	const char *ca_file;   /* PEM CAs for the gateway; NULL: system store */
	const char *pass;      /* passphrase or NULL; not kept after loading */
};

/* Load and check the credentials.  Errors: APN_NOINPUT (a file cannot be
 * read), APN_CONFIG (not a certificate or key, wrong or missing passphrase,
 * key does not match the certificate, certificate expired or not yet
 * valid), APN_SOFTWARE.  Key material read from files is wiped before
 * return.  *out is freed with tls_creds_free. */
int tls_creds_load(const struct tls_creds_spec *spec, struct tls_creds **out,
		   struct apn_error *err);
void tls_creds_free(struct tls_creds *creds);

/* Subject of the client certificate, for messages ("" without one). */
const char *tls_creds_subject(const struct tls_creds *creds);

/* The UID in the client certificate's subject (Apple puts the bundle id
 * there), or "" when there is none or no certificate. */
const char *tls_creds_bundle_id(const struct tls_creds *creds);

/* Make every tls_connect with creds offer protocol (a static string, e.g.
 * "h2") by ALPN, refuse TLS older than 1.2, and fail (APN_PROTOCOL) unless
 * the server selects it. */
void tls_creds_set_alpn(struct tls_creds *creds, const char *protocol);

/* Result codes of tls_send and tls_recv (always negative). */
enum tls_io {
	TLS_IO_AGAIN = -1,        /* would block: poll for tls_poll_events() */
	TLS_IO_CLOSE_NOTIFY = -2, /* the peer sent a TLS close_notify alert */
	TLS_IO_TCP_CLOSE = -3,    /* TCP FIN with no close_notify */
	TLS_IO_RESET = -4,        /* connection reset, or EPIPE on write */
	TLS_IO_ALERT = -5,        /* fatal TLS alert: tls_alert_name() */
	TLS_IO_ERROR = -6         /* anything else: tls_error_text() */
};

/* Run the TLS handshake on fd (connected, non-blocking; tls_connect owns it
 * from now on and closes it on failure) with host as SNI (unless an IP literal)
 * and as the name the gateway's certificate must carry, before deadline.
 * Errors: APN_NOPERM (the gateway sent a fatal alert refusing our
 * certificate), APN_UNAVAILABLE (the gateway closed or reset the
 * connection in the middle of the handshake, without an alert),
 * APN_PROTOCOL (any other handshake failure, including an untrusted or
 * misnamed gateway certificate and the deadline passing),
 * APN_SOFTWARE (out of memory, poll failure).
 * When the failure was a received alert, its name is copied to alert
 * (64 bytes), else alert is "". */
int tls_connect(struct tls_creds *creds, int fd, const char *host,
		int64_t deadline, struct tls_conn **out, char alert[64],
		struct apn_error *err);

/* Write up to len bytes.  Returns the bytes consumed (> 0) or a tls_io
 * code.  After TLS_IO_AGAIN call again with the same arguments. */
ssize_t tls_send(struct tls_conn *c, const void *buf, size_t len);

/* Read up to len bytes of application data: > 0, or a tls_io code. */
ssize_t tls_recv(struct tls_conn *c, void *buf, size_t len);

/* Decrypted bytes GnuTLS holds already; poll() cannot see these. */
size_t tls_pending(struct tls_conn *c);

/* POLLIN or POLLOUT: what the last TLS_IO_AGAIN was waiting for. */
short tls_poll_events(struct tls_conn *c);

int tls_fd(struct tls_conn *c);

/* Name of the last fatal alert received ("bad_certificate"); valid until
 * the next call on c. */
const char *tls_alert_name(struct tls_conn *c);

/* Nonzero when that alert is one a server sends to refuse a client
 * certificate (bad_certificate, unknown_ca, certificate_required, ...). */
int tls_alert_refuses_cert(struct tls_conn *c);

/* Text of the last TLS_IO_ERROR or TLS_IO_RESET; valid until the next
 * call on c. */
const char *tls_error_text(struct tls_conn *c);

/* "TLS1.3, AES-256-GCM" for verbose messages. */
void tls_describe(struct tls_conn *c, char *buf, size_t len);

/* Send close_notify if the connection is still writable (waiting at most
 * until deadline), close the socket and free c.  NULL is fine.  When a
 * tls_send is still blocked (TLS_IO_AGAIN), reset instead, as tls_abort:
 * the part-sent record must not be completed behind the caller's back. */
void tls_close(struct tls_conn *c, int64_t deadline);

/* Reset the connection (no close_notify; RST instead of FIN) and free c:
 * for a peer that stopped reading, where a polite close would leave our
 * unsent bytes, and the FIN behind them, stuck in the kernel. */
void tls_abort(struct tls_conn *c);

/* --- Describing the client certificate (--check) ---------------------- */

enum tls_key_state {
	TLS_KEY_NOT_LOADED, /* missing or unreadable: the error says why */
	TLS_KEY_MATCHES,    /* the certificate's public key is this key's */
	TLS_KEY_MISMATCH
};

/* The client certificate (the first in the --cert file), as read. */
struct tls_cert_info {
	int have_cert;          /* 0: the certificate could not be read */
	const char *format;     /* "PEM", "PKCS#12", "" (file unread); static */
	char subject[512];      /* RFC 4514, as GnuTLS prints it */
	char issuer[512];
	char uid[256];          /* the subject's UID: the bundle id; "" none */
	int development;        /* Apple's extension 1.2.840.113635.100.6.3.1 */
	int production;         /* ... and .2: which environments it is for */
	unsigned char *topics;  /* DER value of .6 (see topics.h); NULL none */
	size_t topics_len;
	int64_t not_before;     /* validity, Unix time; -1 when unreadable */
	int64_t not_after;
	enum tls_key_state key;
};

/* tls_creds_load, describing the client certificate in *info on the way:
 * also when the credentials are unusable, as long as the certificate
 * itself could be read (info->have_cert).  Returns and fails as
 * tls_creds_load does.  Free *info with tls_cert_info_free either way. */
int tls_creds_inspect(const struct tls_creds_spec *spec, struct tls_cert_info *info,
		      struct tls_creds **out, struct apn_error *err);
void tls_cert_info_free(struct tls_cert_info *info);

/* --- A polite close that listens (--check) ----------------------------- */

/* How the peer answered our close_notify. */
struct tls_goodbye {
	enum tls_io how;  /* TLS_IO_CLOSE_NOTIFY (its own), TLS_IO_TCP_CLOSE,
			   * TLS_IO_RESET, TLS_IO_ALERT, TLS_IO_ERROR, or
			   * TLS_IO_AGAIN: nothing before the deadline */
	size_t data;      /* bytes of application data before that, dropped */
	char alert[64];   /* TLS_IO_ALERT: its name ("bad_certificate") */
	int refuses_cert; /* TLS_IO_ALERT: one refusing our certificate */
	char error[256];  /* TLS_IO_ERROR, TLS_IO_RESET: what happened */
};

/* Send close_notify, then read until the peer closes too (or sends a
 * fatal alert, or deadline passes), close the socket and free c.  In TLS
 * 1.3 a server refuses a client certificate after the client's handshake
 * has completed: this is how --check still hears the refusal. */
void tls_shutdown(struct tls_conn *c, int64_t deadline, struct tls_goodbye *g);

#endif
