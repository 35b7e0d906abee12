/* pem.h: the DER inside a PEM private key block (RFC 7468), no I/O.
 *
 * apnsend decodes key files itself, into memory it wipes, and gives
 * GnuTLS the DER: GnuTLS's own PEM decoder copies the base64 text into a
 * buffer it frees without wiping, so the key's text would stay readable
 * in the process's freed memory (secrets.test looks for it there).
 */
#ifndef APNSEND_PEM_H
#define APNSEND_PEM_H

#include <stddef.h>

enum pem_result {
	PEM_OK,        /* *der and *der_len set: free with pem_free */
	PEM_NOT_FOUND, /* no "-----BEGIN ...PRIVATE KEY-----" line */
	PEM_HEADERS,   /* the block has RFC 1421 headers (Proc-Type: ...) */
	PEM_BAD,       /* no matching END line, or the body is not base64 */
	PEM_NOMEM
};

/* The first block of text (len bytes) whose label ends in "PRIVATE KEY"
 * ("PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "RSA PRIVATE KEY", ...),
 * decoded.  The label, up to 40 bytes, goes to label (NUL-terminated)
 * when it is not NULL.  text need not be NUL-terminated. */
enum pem_result pem_private_key(const char *text, size_t len, char label[41],
				unsigned char **der, size_t *der_len);

/* Wipe and free what pem_private_key returned. */
void pem_free(unsigned char *der, size_t der_len);

#endif
