/* jwt.h: provider tokens (JWT, ES256) for APNs token authentication.
 *
 * A token is "<b64url header>.<b64url claims>.<b64url signature>", sent as
 * "authorization: bearer <token>".  Exactly these bytes are signed and sent
 * (compact JSON, no spaces, in this order):
 *
 *   header  {"alg":"ES256","kid":"<KEY ID>"}
 *   claims  {"iss":"<TEAM ID>","iat":<UNIX seconds, decimal>}
 *
 * The signature is ECDSA P-256 with SHA-256 over "<b64url header>.<b64url
 * claims>", as JWS wants it (RFC 7518 section 3.4): the raw 64 bytes R||S,
 * each left-padded to 32 bytes, not the DER that GnuTLS returns.
 *
 * APNs rejects a token older than an hour, and answers 429
 * TooManyProviderTokenUpdates when a connection switches tokens more than
 * once in 20 minutes; so one token serves every request for JWT_REFRESH_S.
 * The key is held by GnuTLS inside struct jwt; no GnuTLS type leaks here.
 */
#ifndef APNSEND_JWT_H
#define APNSEND_JWT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define JWT_ID_LEN 10             /* key id and team id: A-Z, 0-9 */
#define JWT_REFRESH_S (40 * 60)   /* between APNs's 20 and 60 minutes */
#define JWT_SIG_LEN 64            /* raw ES256 signature, R||S */

struct jwt;

/* Load p8_file (an unencrypted PKCS#8 PEM holding an EC P-256 key, as
 * Apple's AuthKey_<KEY ID>.p8 is) and check key_id and team_id (exactly
 * JWT_ID_LEN characters, A-Z and 0-9, as Apple issues them; checked before
 * the file is read).  On success *out is a new struct jwt that the caller
 * frees with jwt_free; it keeps copies of both ids.  Errors (*out NULL):
 * APN_NOINPUT, the file cannot be read (readfile's message); APN_CONFIG, a
 * bad key id or team id, a file that holds no PKCS#8 key, an encrypted key,
 * a key that is not EC P-256 (RSA, P-384, ...): the message names the id or
 * the file and says which; APN_SOFTWARE, out of memory or a GnuTLS failure.
 * The file's bytes are wiped before it returns. */
int jwt_open(const char *p8_file, const char *key_id, const char *team_id,
	     struct jwt **out, struct apn_error *err);

/* The bearer token for time now (UNIX seconds, > 0).  A new one, with
 * iat = now, is made on the first call, when the current one is
 * JWT_REFRESH_S or more old, when now is before its iat (the wall clock
 * stepped back: the old iat may be ahead of Apple's clock), and after
 * jwt_expire; otherwise the same string is returned.  It belongs to j and
 * stays valid until the next jwt_token or jwt_free.  NULL with APN_SOFTWARE
 * when now is not positive or signing fails (j is unchanged: the next
 * call tries again). */
const char *jwt_token(struct jwt *j, int64_t now, struct apn_error *err);

/* The iat of the current token, 0 when there is none yet. */
int64_t jwt_issued_at(const struct jwt *j);

/* Make the next jwt_token build a new token whatever its age (after APNs
 * answered 403 ExpiredProviderToken, say). */
void jwt_expire(struct jwt *j);

/* Free j and everything it holds, wiping the key and the token; NULL is
 * fine. */
void jwt_free(struct jwt *j);

/* No I/O: len bytes of in as base64url (RFC 4648 section 5) without
 * padding, then a NUL, into out (cap bytes).  Returns the length written
 * without the NUL, or 0 when cap is too small (out is then untouched); an
 * empty input also returns 0 and, if cap > 0, leaves out "". */
size_t b64url_encode(const uint8_t *in, size_t len, char *out, size_t cap);

/* No I/O: an ECDSA P-256 signature as GnuTLS makes it (DER SEQUENCE of the
 * INTEGERs r and s, der_len bytes) into the raw JWS form: r then s, each
 * big-endian and left-padded with zeros to 32 bytes.  Returns 0, or -1
 * when der is not such a signature (malformed, negative or zero r or s,
 * or a value longer than 32 bytes without its sign byte). */
int es256_sig_raw(const uint8_t *der, size_t der_len, uint8_t raw[JWT_SIG_LEN]);

#endif
