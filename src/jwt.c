/* jwt.c: provider tokens, signed with GnuTLS. */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "jwt.h"
#include "pem.h"
#include "readfile.h"

#define P8_FILE_MAX (64 * 1024) /* Apple's are about 250 bytes */
#define ES256_HALF (JWT_SIG_LEN / 2)
/* Header and claims below 80 bytes each, so their base64url below 108,
 * the signature's 86; room to spare. */
#define JWT_TOKEN_MAX 512

struct jwt {
	gnutls_privkey_t key;
	char kid[JWT_ID_LEN + 1];
	char team[JWT_ID_LEN + 1];
	int64_t iat;  /* of token; 0: none */
	int expired;  /* jwt_expire was called since token was made */
	char token[JWT_TOKEN_MAX];
};

size_t b64url_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
	static const char digit[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t need = len / 3 * 4 + (len % 3 ? len % 3 + 1 : 0), n = 0, i;

	if (len > (SIZE_MAX - 4) / 4 * 3 || cap < need + 1)
		return 0;
	for (i = 0; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[n++] = digit[v >> 18];
		out[n++] = digit[v >> 12 & 63];
		out[n++] = digit[v >> 6 & 63];
		out[n++] = digit[v & 63];
	}
	if (len - i == 1) {
		out[n++] = digit[in[i] >> 2];
		out[n++] = digit[(in[i] & 3) << 4];
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 8 | in[i + 1];

		out[n++] = digit[v >> 10];
		out[n++] = digit[v >> 4 & 63];
		out[n++] = digit[(v & 15) << 2];
	}
	out[n] = '\0';
	return n;
}

/* One INTEGER of the signature, as gnutls_decode_rs_value gives it (two's
 * complement, possibly with a 0x00 sign byte), left-padded into out. */
static int int_to_half(const gnutls_datum_t *v, uint8_t out[ES256_HALF])
{
	const uint8_t *p = v->data;
	size_t n = v->size, nonzero = 0;

	if (n == 0 || (p[0] & 0x80))
		return -1; /* empty, or negative */
	while (n > 0 && p[0] == 0) {
		p++;
		n--;
	}
	if (n > ES256_HALF)
		return -1;
	for (size_t i = 0; i < n; i++)
		nonzero |= p[i];
	if (!nonzero)
		return -1; /* r and s are in [1, n-1] */
	memset(out, 0, ES256_HALF - n);
	memcpy(out + ES256_HALF - n, p, n);
	return 0;
}

int es256_sig_raw(const uint8_t *der, size_t der_len, uint8_t raw[JWT_SIG_LEN])
{
	gnutls_datum_t d = { (unsigned char *)der, (unsigned)der_len };
	gnutls_datum_t r = { NULL, 0 }, s = { NULL, 0 };
	int rc = -1;

	if (der_len == 0 || der_len > 1024)
		return -1;
	if (gnutls_decode_rs_value(&d, &r, &s) < 0)
		return -1;
	if (int_to_half(&r, raw) == 0 && int_to_half(&s, raw + ES256_HALF) == 0)
		rc = 0;
	gnutls_free(r.data);
	gnutls_free(s.data);
	return rc;
}

/* 0 when id is JWT_ID_LEN characters A-Z and 0-9, else -1 with err. */
static int check_id(const char *what, const char *id, struct apn_error *err)
{
	size_t n = strlen(id);

	if (n != JWT_ID_LEN)
		return apn_fail(err, APN_CONFIG,
				"the %s \"%.40s%s\" has %zu characters: Apple's have %d, "
				"A-Z and 0-9", what, id, n > 40 ? "..." : "", n, JWT_ID_LEN);
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= 'A' && id[i] <= 'Z') || (id[i] >= '0' && id[i] <= '9')))
			return apn_fail(err, APN_CONFIG,
					"the %s \"%s\" holds '%c': Apple's have only A-Z and 0-9",
					what, id, id[i] >= ' ' && id[i] < 0x7f ? id[i] : '?');
	return 0;
}

/* Refuse, with a message that says why, what is not an unencrypted PKCS#8
 * PEM: the labels say it before GnuTLS is asked. */
static int check_pem(const char *file, const char *text, struct apn_error *err)
{
	if (strstr(text, "-----BEGIN ENCRYPTED PRIVATE KEY-----") ||
	    strstr(text, "Proc-Type: 4,ENCRYPTED"))
		return apn_fail(err, APN_CONFIG,
				"the key in %s is encrypted: a token key (.p8) is used as "
				"Apple issues it, unencrypted", file);
	if (strstr(text, "-----BEGIN RSA PRIVATE KEY-----"))
		return apn_fail(err, APN_CONFIG,
				"%s holds an RSA key: a token key (.p8) is EC P-256", file);
	if (strstr(text, "-----BEGIN EC PRIVATE KEY-----"))
		return apn_fail(err, APN_CONFIG,
				"%s holds an EC key in SEC1 form, not PKCS#8 as Apple's .p8 "
				"(convert it with: openssl pkcs8 -topk8 -nocrypt)", file);
	if (!strstr(text, "-----BEGIN PRIVATE KEY-----"))
		return apn_fail(err, APN_CONFIG,
				"%s holds no PKCS#8 private key (-----BEGIN PRIVATE KEY-----)",
				file);
	return 0;
}

/* 0 when key is ECDSA on P-256, else -1 with err naming what it is. */
static int check_p256(const char *file, gnutls_x509_privkey_t key,
		      struct apn_error *err)
{
	gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
	unsigned bits = 0;
	int pk = gnutls_x509_privkey_get_pk_algorithm2(key, &bits);
	int r;

	if (pk != GNUTLS_PK_ECDSA)
		return apn_fail(err, APN_CONFIG,
				"%s holds a key of type %s: a token key (.p8) is EC P-256",
				file, pk < 0 ? "unknown" : gnutls_pk_get_name(pk));
	/* Only the curve: GnuTLS copies none of the numbers given NULL, so no
	 * copy of the secret k is made. */
	r = gnutls_x509_privkey_export_ecc_raw(key, &curve, NULL, NULL, NULL);
	if (r < 0)
		return apn_fail(err, APN_CONFIG, "cannot read the EC key in %s: %s",
				file, gnutls_strerror(r));
	if (curve != GNUTLS_ECC_CURVE_SECP256R1) {
		const char *name = gnutls_ecc_curve_get_name(curve);

		return apn_fail(err, APN_CONFIG,
				"%s holds an EC key on curve %s: a token key (.p8) is on "
				"P-256 (SECP256R1)", file, name ? name : "unknown");
	}
	return 0;
}

/* The key in text (len bytes, NUL-terminated) into *out. */
static int load_key(const char *file, char *text, size_t len,
		    gnutls_privkey_t *out, struct apn_error *err)
{
	gnutls_datum_t d = { (unsigned char *)text, (unsigned)len };
	gnutls_x509_privkey_t xkey = NULL;
	gnutls_privkey_t key = NULL;
	gnutls_x509_crt_fmt_t format = GNUTLS_X509_FMT_PEM;
	unsigned char *der = NULL;
	size_t der_len = 0;
	enum pem_result pr;
	int r;

	if (check_pem(file, text, err) != 0)
		return -1;
	/* The DER, decoded into memory that is wiped (pem.h says why); what
	 * pem_private_key cannot read goes to GnuTLS as PEM, for its error. */
	pr = pem_private_key(text, len, NULL, &der, &der_len);
	if (pr == PEM_NOMEM)
		return apn_fail(err, APN_SOFTWARE, "loading %s: out of memory", file);
	if (pr == PEM_OK) {
		d.data = der;
		d.size = (unsigned)der_len;
		format = GNUTLS_X509_FMT_DER;
	}
	if ((r = gnutls_x509_privkey_init(&xkey)) < 0) {
		pem_free(der, der_len);
		return apn_fail(err, APN_SOFTWARE, "loading %s: %s", file, gnutls_strerror(r));
	}
	r = gnutls_x509_privkey_import_pkcs8(xkey, &d, format, NULL, GNUTLS_PKCS_PLAIN);
	pem_free(der, der_len);
	if (r < 0) {
		apn_fail(err, APN_CONFIG, "cannot load the PKCS#8 key in %s: %s",
			 file, gnutls_strerror(r));
		goto fail;
	}
	if (check_p256(file, xkey, err) != 0)
		goto fail;
	if ((r = gnutls_privkey_init(&key)) < 0) {
		apn_fail(err, APN_SOFTWARE, "loading %s: %s", file, gnutls_strerror(r));
		goto fail;
	}
	/* From here key owns xkey and deinits it (GnuTLS zeroes its numbers). */
	r = gnutls_privkey_import_x509(key, xkey, GNUTLS_PRIVKEY_IMPORT_AUTO_RELEASE);
	if (r < 0) {
		apn_fail(err, APN_SOFTWARE, "loading %s: %s", file, gnutls_strerror(r));
		gnutls_privkey_deinit(key);
		goto fail;
	}
	*out = key;
	return 0;
fail:
	gnutls_x509_privkey_deinit(xkey);
	return -1;
}

int jwt_open(const char *p8_file, const char *key_id, const char *team_id,
	     struct jwt **out, struct apn_error *err)
{
	struct jwt *j;
	char *text = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if (check_id("key id", key_id, err) != 0 ||
	    check_id("team id", team_id, err) != 0)
		return -1;
	j = calloc(1, sizeof *j);
	if (j == NULL)
		return apn_fail(err, APN_SOFTWARE, "loading %s: out of memory", p8_file);
	memcpy(j->kid, key_id, JWT_ID_LEN);
	memcpy(j->team, team_id, JWT_ID_LEN);
	if (readfile("token key", p8_file, P8_FILE_MAX, APN_CONFIG, &text, &len, err) != 0) {
		free(j);
		return -1;
	}
	rc = load_key(p8_file, text, len, &j->key, err);
	readfile_wipe(text, len);
	if (rc != 0) {
		free(j);
		return -1;
	}
	*out = j;
	return 0;
}

/* A new token for iat into j->token. */
static int make_token(struct jwt *j, int64_t iat, struct apn_error *err)
{
	char json[128], tok[JWT_TOKEN_MAX];
	uint8_t raw[JWT_SIG_LEN];
	gnutls_datum_t data, sig = { NULL, 0 };
	size_t n, m;
	int r;

	/* INTERFACE: APNs reads these bytes; see jwt.h. */
	snprintf(json, sizeof json, "{\"alg\":\"ES256\",\"kid\":\"%s\"}", j->kid);
	n = b64url_encode((const uint8_t *)json, strlen(json), tok, sizeof tok);
	tok[n++] = '.';
	snprintf(json, sizeof json, "{\"iss\":\"%s\",\"iat\":%" PRId64 "}", j->team, iat);
	n += b64url_encode((const uint8_t *)json, strlen(json), tok + n, sizeof tok - n);

	data.data = (unsigned char *)tok;
	data.size = (unsigned)n;
	r = gnutls_privkey_sign_data2(j->key, GNUTLS_SIGN_ECDSA_SHA256, 0, &data, &sig);
	if (r < 0)
		return apn_fail(err, APN_SOFTWARE, "signing the provider token: %s",
				gnutls_strerror(r));
	r = es256_sig_raw(sig.data, sig.size, raw);
	gnutls_free(sig.data);
	if (r != 0)
		return apn_fail(err, APN_SOFTWARE,
				"signing the provider token: GnuTLS gave no ES256 signature");
	tok[n++] = '.';
	m = b64url_encode(raw, sizeof raw, tok + n, sizeof tok - n);
	if (m == 0)
		return apn_fail(err, APN_SOFTWARE, "provider token too long");
	memcpy(j->token, tok, n + m + 1);
	j->iat = iat;
	j->expired = 0;
	return 0;
}

const char *jwt_token(struct jwt *j, int64_t now, struct apn_error *err)
{
	if (now <= 0) {
		apn_fail(err, APN_SOFTWARE, "provider token for time %" PRId64
			 ": the clock is not past 1970", now);
		return NULL;
	}
	if (j->iat == 0 || j->expired || now < j->iat || now - j->iat >= JWT_REFRESH_S) {
		if (make_token(j, now, err) != 0)
			return NULL;
	}
	return j->token;
}

int64_t jwt_issued_at(const struct jwt *j)
{
	return j->iat;
}

void jwt_expire(struct jwt *j)
{
	j->expired = 1;
}

void jwt_free(struct jwt *j)
{
	if (j == NULL)
		return;
	gnutls_privkey_deinit(j->key);
	wipe(j, sizeof *j);
	free(j);
}
