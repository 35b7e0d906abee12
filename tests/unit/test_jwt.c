/* test_jwt.c: unit tests of provider tokens (src/jwt.h): base64url, the
 * DER-to-raw signature conversion, loading .p8 keys, and tokens whose
 * signatures are verified with GnuTLS against tests/certs/authkey.pub.pem.
 * Key files come from $CERTS (exported by make check). */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "error.h"
#include "jwt.h"

#define KID "ABC123DEFG"
#define TEAM "TEAM123456"
#define T0 INT64_C(1700000000)

/* --- helpers ------------------------------------------------------------ */

/* $CERTS/name, in one of two static buffers (two may be in use at once). */
static const char *cert(const char *name)
{
	static char buf[2][4096];
	static int which;
	const char *dir = getenv("CERTS");

	if (dir == NULL)
		fail_msg("CERTS is not set: run the tests with make check");
	which = !which;
	snprintf(buf[which], sizeof buf[which], "%s/%s", dir, name);
	return buf[which];
}

static int b64url_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/* Strict base64url without padding: len characters of in into out (cap
 * bytes).  Returns the byte count, or -1 for a character outside the
 * alphabet, an impossible length or unused bits that are not zero. */
static long b64url_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t n = 0;

	if (len % 4 == 1)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int v = b64url_val(in[i]);

		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == cap)
				return -1;
			out[n++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc != 0)
		return -1;
	return (long)n;
}

/* The three parts of a token. */
struct parts {
	char header[256], claims[256];
	uint8_t sig[128];
	long sig_len;
	size_t signed_len; /* "<header>.<claims>" */
};

static void split_token(const char *tok, struct parts *p)
{
	const char *dot1 = strchr(tok, '.'), *dot2;
	long n;

	assert_non_null(dot1);
	dot2 = strchr(dot1 + 1, '.');
	assert_non_null(dot2);
	assert_null(strchr(dot2 + 1, '.'));
	n = b64url_decode(tok, (size_t)(dot1 - tok), (uint8_t *)p->header,
			  sizeof p->header - 1);
	assert_true(n > 0);
	p->header[n] = '\0';
	n = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), (uint8_t *)p->claims,
			  sizeof p->claims - 1);
	assert_true(n > 0);
	p->claims[n] = '\0';
	p->sig_len = b64url_decode(dot2 + 1, strlen(dot2 + 1), p->sig, sizeof p->sig);
	p->signed_len = (size_t)(dot2 - tok);
}

static gnutls_pubkey_t pub_key, pub_other;

static gnutls_pubkey_t load_pub(const char *file)
{
	gnutls_pubkey_t pub;
	gnutls_datum_t pem;

	if (gnutls_load_file(file, &pem) < 0 || gnutls_pubkey_init(&pub) < 0)
		return NULL;
	if (gnutls_pubkey_import(pub, &pem, GNUTLS_X509_FMT_PEM) < 0) {
		gnutls_pubkey_deinit(pub);
		pub = NULL;
	}
	gnutls_free(pem.data);
	return pub;
}

static int group_setup(void **state)
{
	(void)state;
	pub_key = load_pub(cert("authkey.pub.pem"));
	pub_other = load_pub(cert("authkey-other.pub.pem"));
	return pub_key && pub_other ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	gnutls_pubkey_deinit(pub_key);
	gnutls_pubkey_deinit(pub_other);
	return 0;
}

/* GnuTLS's verdict on raw R||S over data with pub: 0 when it verifies,
 * else GnuTLS's error. */
static int verify_raw(gnutls_pubkey_t pub, const char *data, size_t len,
		      const uint8_t raw[JWT_SIG_LEN])
{
	gnutls_datum_t r = { (unsigned char *)raw, 32 };
	gnutls_datum_t s = { (unsigned char *)raw + 32, 32 };
	gnutls_datum_t msg = { (unsigned char *)data, (unsigned)len };
	gnutls_datum_t der = { NULL, 0 };
	int rc;

	rc = gnutls_encode_rs_value(&der, &r, &s);
	if (rc < 0)
		return rc;
	rc = gnutls_pubkey_verify_data2(pub, GNUTLS_SIGN_ECDSA_SHA256, 0, &msg, &der);
	gnutls_free(der.data);
	return rc < 0 ? rc : 0;
}

/* Check everything about tok made for iat; returns nonzero when its r or
 * s was short (a leading zero byte in the raw form). */
static int check_token(const char *tok, int64_t iat)
{
	struct parts p;
	char want[128];

	assert_non_null(tok);
	split_token(tok, &p);
	assert_string_equal(p.header, "{\"alg\":\"ES256\",\"kid\":\"" KID "\"}");
	snprintf(want, sizeof want, "{\"iss\":\"" TEAM "\",\"iat\":%lld}", (long long)iat);
	assert_string_equal(p.claims, want);
	assert_int_equal(p.sig_len, JWT_SIG_LEN);
	assert_int_equal(verify_raw(pub_key, tok, p.signed_len, p.sig), 0);
	assert_int_equal(verify_raw(pub_other, tok, p.signed_len, p.sig),
			 GNUTLS_E_PK_SIG_VERIFY_FAILED);
	return p.sig[0] == 0 || p.sig[32] == 0;
}

static struct jwt *open_good(void)
{
	struct apn_error err = { APN_OK, "" };
	struct jwt *j = NULL;

	if (jwt_open(cert("authkey.p8"), KID, TEAM, &j, &err) != 0)
		fail_msg("jwt_open: %s", err.msg);
	assert_non_null(j);
	return j;
}

/* jwt_open must refuse file with code, and say want; *out stays NULL. */
static void assert_open_fails(const char *file, const char *kid, const char *team,
			      enum apn_code code, const char *want)
{
	struct apn_error err = { APN_OK, "" };
	struct jwt *j = (struct jwt *)&err; /* anything but NULL */

	assert_int_equal(jwt_open(file, kid, team, &j, &err), -1);
	assert_null(j);
	assert_int_equal(err.code, code);
	if (strstr(err.msg, want) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, want);
}

/* A key file made at run time: key exported as PKCS#8 (pass NULL: plain)
 * or, sec1 set, in GnuTLS's own PEM form (SEC1 for EC).  The caller
 * unlinks path. */
static void write_key(gnutls_x509_privkey_t key, const char *pass, int sec1,
		      char path[64])
{
	gnutls_datum_t pem = { NULL, 0 };
	FILE *f;
	int fd;

	if (sec1)
		assert_int_equal(gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &pem), 0);
	else
		assert_int_equal(gnutls_x509_privkey_export2_pkcs8(
			key, GNUTLS_X509_FMT_PEM, pass,
			pass ? GNUTLS_PKCS_PBES2_AES_256 : GNUTLS_PKCS_PLAIN, &pem), 0);
	strcpy(path, "/tmp/test_jwt.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(pem.data, 1, pem.size, f), pem.size);
	assert_int_equal(fclose(f), 0);
	gnutls_free(pem.data);
}

/* The key in a committed file (PEM, any form GnuTLS reads). */
static gnutls_x509_privkey_t read_key(const char *name)
{
	gnutls_x509_privkey_t key;
	gnutls_datum_t pem;

	assert_int_equal(gnutls_load_file(cert(name), &pem), 0);
	assert_int_equal(gnutls_x509_privkey_init(&key), 0);
	assert_int_equal(gnutls_x509_privkey_import2(key, &pem, GNUTLS_X509_FMT_PEM,
						     NULL, 0), 0);
	gnutls_free(pem.data);
	return key;
}

static gnutls_x509_privkey_t new_key(gnutls_pk_algorithm_t pk, unsigned bits)
{
	gnutls_x509_privkey_t key;

	assert_int_equal(gnutls_x509_privkey_init(&key), 0);
	assert_int_equal(gnutls_x509_privkey_generate(key, pk, bits, 0), 0);
	return key;
}

/* Write key as told, expect jwt_open to refuse it with want, clean up. */
static void assert_key_refused(gnutls_x509_privkey_t key, const char *pass,
			       int sec1, const char *want)
{
	char path[64];

	write_key(key, pass, sec1, path);
	assert_open_fails(path, KID, TEAM, APN_CONFIG, want);
	assert_open_fails(path, KID, TEAM, APN_CONFIG, path);
	unlink(path);
	gnutls_x509_privkey_deinit(key);
}

/* --- base64url ---------------------------------------------------------- */

static void assert_b64url(const char *in, size_t len, const char *want)
{
	char out[64];

	memset(out, 'X', sizeof out);
	assert_int_equal(b64url_encode((const uint8_t *)in, len, out, sizeof out),
			 strlen(want));
	assert_string_equal(out, want);
}

/* RFC 4648 section 10, padding dropped as RFC 7515 appendix C does. */
static void test_b64url_rfc4648_vectors(void **state)
{
	(void)state;
	assert_b64url("", 0, "");
	assert_b64url("f", 1, "Zg");
	assert_b64url("fo", 2, "Zm8");
	assert_b64url("foo", 3, "Zm9v");
	assert_b64url("foob", 4, "Zm9vYg");
	assert_b64url("fooba", 5, "Zm9vYmE");
	assert_b64url("foobar", 6, "Zm9vYmFy");
}

/* The two characters where base64url differs from base64 (62 '+' -> '-',
 * 63 '/' -> '_'), in every position of a group. */
static void test_b64url_url_alphabet(void **state)
{
	(void)state;
	assert_b64url("\xfb\xef\xbe", 3, "----");
	assert_b64url("\xff\xff\xff", 3, "____");
	assert_b64url("\xfb\xff", 2, "-_8");
	assert_b64url("\xff", 1, "_w");
	assert_b64url("\x03\xef\xff", 3, "A-__");
	assert_b64url("\x00\x00\x00", 3, "AAAA");
}

/* Every length from 0 to 300 of all byte values against GnuTLS's base64
 * with '+' and '/' mapped and '=' dropped. */
static void test_b64url_matches_gnutls(void **state)
{
	uint8_t in[300];
	char out[420], want[420];

	(void)state;
	for (size_t i = 0; i < sizeof in; i++)
		in[i] = (uint8_t)(i * 131 + 7);
	for (size_t len = 0; len <= sizeof in; len++) {
		gnutls_datum_t d = { in, (unsigned)len }, b64 = { NULL, 0 };
		size_t n = 0;

		assert_int_equal(gnutls_base64_encode2(&d, &b64), 0);
		for (unsigned k = 0; k < b64.size && b64.data[k] != '='; k++)
			want[n++] = b64.data[k] == '+' ? '-' : b64.data[k] == '/' ? '_'
							 : (char)b64.data[k];
		want[n] = '\0';
		gnutls_free(b64.data);
		assert_int_equal(b64url_encode(in, len, out, sizeof out), n);
		assert_string_equal(out, want);
	}
}

static void test_b64url_cap_too_small(void **state)
{
	char out[16];

	(void)state;
	memset(out, 'X', sizeof out);
	/* "Zm9vYmFy" needs 9 bytes with its NUL. */
	assert_int_equal(b64url_encode((const uint8_t *)"foobar", 6, out, 8), 0);
	assert_int_equal(out[0], 'X');
	assert_int_equal(b64url_encode((const uint8_t *)"foobar", 6, out, 9), 8);
	assert_string_equal(out, "Zm9vYmFy");
	memset(out, 'X', sizeof out);
	/* "Zm9vYg" (6) needs 7. */
	assert_int_equal(b64url_encode((const uint8_t *)"foob", 4, out, 6), 0);
	assert_int_equal(out[0], 'X');
	assert_int_equal(b64url_encode((const uint8_t *)"foob", 4, out, 7), 6);
	assert_int_equal(b64url_encode((const uint8_t *)"", 0, out, 0), 0);
	assert_int_equal(out[0], 'Z');
	assert_int_equal(b64url_encode((const uint8_t *)"", 0, out, 1), 0);
	assert_int_equal(out[0], '\0');
}

/* --- es256_sig_raw ------------------------------------------------------ */

/* DER SEQUENCE { INTEGER r, INTEGER s } from the content bytes given. */
static size_t make_der(uint8_t *der, const uint8_t *r, size_t rlen,
		       const uint8_t *s, size_t slen)
{
	size_t n = 0;

	der[n++] = 0x30;
	der[n++] = (uint8_t)(4 + rlen + slen);
	der[n++] = 0x02;
	der[n++] = (uint8_t)rlen;
	memcpy(der + n, r, rlen);
	n += rlen;
	der[n++] = 0x02;
	der[n++] = (uint8_t)slen;
	memcpy(der + n, s, slen);
	return n + slen;
}

/* Big-endian n-byte value with first byte first, then 0x11, 0x12, ... */
static void fill(uint8_t *p, size_t n, uint8_t first)
{
	p[0] = first;
	for (size_t i = 1; i < n; i++)
		p[i] = (uint8_t)(0x10 + i);
}

static void test_sig_raw_full_and_sign_byte(void **state)
{
	uint8_t r[33], s[32], der[80], raw[JWT_SIG_LEN];
	size_t n;

	(void)state;
	/* r has its top bit set, so DER gives it a 0x00 sign byte: 33 bytes. */
	r[0] = 0x00;
	fill(r + 1, 32, 0x80);
	fill(s, 32, 0x7f);
	n = make_der(der, r, 33, s, 32);
	assert_int_equal(es256_sig_raw(der, n, raw), 0);
	assert_memory_equal(raw, r + 1, 32);
	assert_memory_equal(raw + 32, s, 32);
}

static void test_sig_raw_short_values_left_padded(void **state)
{
	uint8_t r[1] = { 0x01 }, s[31], s2[32], der[80];
	uint8_t raw[JWT_SIG_LEN], want[JWT_SIG_LEN];
	size_t n;

	(void)state;
	fill(s, 31, 0x42);
	n = make_der(der, r, 1, s, 31);
	memset(want, 0, sizeof want);
	want[31] = 0x01;
	memcpy(want + 33, s, 31);
	memset(raw, 0xee, sizeof raw);
	assert_int_equal(es256_sig_raw(der, n, raw), 0);
	assert_memory_equal(raw, want, sizeof want);

	/* A short value with its sign byte: 31 bytes of value, 32 in DER. */
	s2[0] = 0x00;
	fill(s2 + 1, 31, 0x90);
	n = make_der(der, r, 1, s2, 32);
	assert_int_equal(es256_sig_raw(der, n, raw), 0);
	assert_int_equal(raw[32], 0x00);
	assert_memory_equal(raw + 33, s2 + 1, 31);
}

static void test_sig_raw_refused(void **state)
{
	uint8_t big[33], ok[32], neg[1] = { 0x80 }, zero[1] = { 0x00 };
	uint8_t der[80], raw[JWT_SIG_LEN];
	size_t n;

	(void)state;
	fill(big, 33, 0x01); /* 33 bytes of value: more than 256 bits */
	fill(ok, 32, 0x11);
	n = make_der(der, big, 33, ok, 32);
	assert_int_equal(es256_sig_raw(der, n, raw), -1);
	n = make_der(der, ok, 32, big, 33);
	assert_int_equal(es256_sig_raw(der, n, raw), -1);
	n = make_der(der, neg, 1, ok, 32);
	assert_int_equal(es256_sig_raw(der, n, raw), -1);
	n = make_der(der, ok, 32, zero, 1);
	assert_int_equal(es256_sig_raw(der, n, raw), -1);
	n = make_der(der, ok, 32, ok, 32);
	assert_int_equal(es256_sig_raw(der, n - 1, raw), -1); /* cut short */
	assert_int_equal(es256_sig_raw(der, 0, raw), -1);
	assert_int_equal(es256_sig_raw((const uint8_t *)"not DER at all", 14, raw), -1);
}

/* --- jwt_open ----------------------------------------------------------- */

static void test_open_good(void **state)
{
	struct jwt *j;

	(void)state;
	j = open_good();
	assert_int_equal(jwt_issued_at(j), 0);
	jwt_free(j);
	jwt_free(NULL);
}

static void test_open_bad_ids(void **state)
{
	const char *p8;

	(void)state;
	p8 = cert("authkey.p8");
	assert_open_fails(p8, "ABC123DEF", TEAM, APN_CONFIG, "key id \"ABC123DEF\" has 9");
	assert_open_fails(p8, "ABC123DEFGH", TEAM, APN_CONFIG, "key id \"ABC123DEFGH\" has 11");
	assert_open_fails(p8, "abc123defg", TEAM, APN_CONFIG, "key id \"abc123defg\" holds 'a'");
	assert_open_fails(p8, "", TEAM, APN_CONFIG, "key id \"\" has 0");
	assert_open_fails(p8, KID, "TEAM12345", APN_CONFIG, "team id \"TEAM12345\" has 9");
	assert_open_fails(p8, KID, "TEAM1234567", APN_CONFIG, "team id \"TEAM1234567\" has 11");
	assert_open_fails(p8, KID, "team123456", APN_CONFIG, "team id \"team123456\" holds 't'");
	assert_open_fails(p8, KID, "TEAM-12345", APN_CONFIG, "holds '-'");
}

static void test_open_unreadable(void **state)
{
	(void)state;
	assert_open_fails(cert("no-such-key.p8"), KID, TEAM, APN_NOINPUT,
			  "no-such-key.p8: No such file or directory");
	assert_open_fails(cert(""), KID, TEAM, APN_NOINPUT, "Is a directory");
}

static void test_open_not_a_key(void **state)
{
	(void)state;
	assert_open_fails(cert("README"), KID, TEAM, APN_CONFIG, "holds no PKCS#8 private key");
	assert_open_fails(cert("client.pem"), KID, TEAM, APN_CONFIG, "client.pem holds no PKCS#8");
	/* A public key is not a private key. */
	assert_open_fails(cert("authkey.pub.pem"), KID, TEAM, APN_CONFIG,
			  "authkey.pub.pem holds no PKCS#8");
}

static void test_open_rsa_refused(void **state)
{
	(void)state;
	/* PKCS#1, as committed; then the same key as PKCS#8. */
	assert_open_fails(cert("client.key"), KID, TEAM, APN_CONFIG,
			  "client.key holds an RSA key");
	assert_key_refused(read_key("client.key"), NULL, 0, "holds a key of type RSA");
}

static void test_open_encrypted_refused(void **state)
{
	(void)state;
	assert_open_fails(cert("client-enc.key"), KID, TEAM, APN_CONFIG,
			  "client-enc.key is encrypted");
	/* authkey.p8 itself, encrypted. */
	assert_key_refused(read_key("authkey.p8"), "test-passphrase", 0, "is encrypted");
}

static void test_open_other_curves_refused(void **state)
{
	(void)state;
	assert_key_refused(new_key(GNUTLS_PK_ECDSA,
				   GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP384R1)),
			   NULL, 0, "on curve SECP384R1");
	assert_key_refused(new_key(GNUTLS_PK_EDDSA_ED25519,
				   GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_ED25519)),
			   NULL, 0, "holds a key of type EdDSA");
}

static void test_open_sec1_refused(void **state)
{
	(void)state;
	assert_key_refused(read_key("authkey.p8"), NULL, 1, "SEC1 form, not PKCS#8");
}

/* --- jwt_token ---------------------------------------------------------- */

static void test_token_format_and_signature(void **state)
{
	struct apn_error err = { APN_OK, "" };
	struct jwt *j;
	const char *tok;

	(void)state;
	j = open_good();
	tok = jwt_token(j, T0, &err);
	check_token(tok, T0);
	for (const char *c = tok; *c; c++)
		assert_true(*c == '.' || b64url_val(*c) >= 0);
	assert_int_equal(jwt_issued_at(j), T0);
	jwt_free(j);
}

/* 2000 tokens: r or s has a leading zero byte once in 128 signatures on
 * average, so some of them are short (the chance that none is: about
 * 1e-7). */
static void test_many_tokens_verify(void **state)
{
	struct apn_error err = { APN_OK, "" };
	struct jwt *j;
	int shorts = 0;

	(void)state;
	j = open_good();
	for (int i = 0; i < 2000; i++) {
		jwt_expire(j);
		shorts += check_token(jwt_token(j, T0 + i, &err), T0 + i);
	}
	print_message("%d of 2000 signatures had a short r or s\n", shorts);
	assert_true(shorts > 0);
	jwt_free(j);
}

/* Another key signs tokens that authkey.pub.pem does not verify. */
static void test_other_key_does_not_verify(void **state)
{
	struct apn_error err = { APN_OK, "" };
	struct jwt *j = NULL;
	const char *tok;
	struct parts p;

	(void)state;
	assert_int_equal(jwt_open(cert("authkey-other.p8"), KID, TEAM, &j, &err), 0);
	tok = jwt_token(j, T0, &err);
	assert_non_null(tok);
	split_token(tok, &p);
	assert_int_equal(p.sig_len, JWT_SIG_LEN);
	assert_int_equal(verify_raw(pub_other, tok, p.signed_len, p.sig), 0);
	assert_int_equal(verify_raw(pub_key, tok, p.signed_len, p.sig),
			 GNUTLS_E_PK_SIG_VERIFY_FAILED);
	jwt_free(j);
}

static void test_refresh(void **state)
{
	struct apn_error err = { APN_OK, "" };
	struct jwt *j;
	const char *tok;
	char first[512];

	(void)state;
	j = open_good();
	tok = jwt_token(j, T0, &err);
	assert_non_null(tok);
	snprintf(first, sizeof first, "%s", tok);

	/* Up to 39 minutes 59 seconds: the same token. */
	assert_string_equal(jwt_token(j, T0 + 1, &err), first);
	assert_string_equal(jwt_token(j, T0 + 39 * 60, &err), first);
	assert_string_equal(jwt_token(j, T0 + JWT_REFRESH_S - 1, &err), first);
	assert_int_equal(jwt_issued_at(j), T0);

	/* At 40 minutes: a new one, issued then. */
	tok = jwt_token(j, T0 + JWT_REFRESH_S, &err);
	assert_string_not_equal(tok, first);
	check_token(tok, T0 + JWT_REFRESH_S);
	assert_int_equal(jwt_issued_at(j), T0 + JWT_REFRESH_S);
	snprintf(first, sizeof first, "%s", tok);
	assert_string_equal(jwt_token(j, T0 + JWT_REFRESH_S + 60, &err), first);

	/* jwt_expire: a new one at once; issued_at keeps the old iat until. */
	jwt_expire(j);
	assert_int_equal(jwt_issued_at(j), T0 + JWT_REFRESH_S);
	tok = jwt_token(j, T0 + JWT_REFRESH_S + 120, &err);
	check_token(tok, T0 + JWT_REFRESH_S + 120);
	assert_int_equal(jwt_issued_at(j), T0 + JWT_REFRESH_S + 120);
	snprintf(first, sizeof first, "%s", tok);
	assert_string_equal(jwt_token(j, T0 + JWT_REFRESH_S + 180, &err), first);

	/* The wall clock stepped back: a new one, with the earlier time. */
	tok = jwt_token(j, T0, &err);
	check_token(tok, T0);
	assert_int_equal(jwt_issued_at(j), T0);
	jwt_free(j);
}

static void test_token_bad_time(void **state)
{
	struct apn_error err = { APN_OK, "" };
	struct jwt *j;

	(void)state;
	j = open_good();
	assert_null(jwt_token(j, 0, &err));
	assert_int_equal(err.code, APN_SOFTWARE);
	assert_null(jwt_token(j, -5, &err));
	assert_int_equal(jwt_issued_at(j), 0);
	check_token(jwt_token(j, T0, &err), T0);
	jwt_free(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64url_rfc4648_vectors),
		cmocka_unit_test(test_b64url_url_alphabet),
		cmocka_unit_test(test_b64url_matches_gnutls),
		cmocka_unit_test(test_b64url_cap_too_small),
		cmocka_unit_test(test_sig_raw_full_and_sign_byte),
		cmocka_unit_test(test_sig_raw_short_values_left_padded),
		cmocka_unit_test(test_sig_raw_refused),
		cmocka_unit_test(test_open_good),
		cmocka_unit_test(test_open_bad_ids),
		cmocka_unit_test(test_open_unreadable),
		cmocka_unit_test(test_open_not_a_key),
		cmocka_unit_test(test_open_rsa_refused),
		cmocka_unit_test(test_open_encrypted_refused),
		cmocka_unit_test(test_open_other_curves_refused),
		cmocka_unit_test(test_open_sec1_refused),
		cmocka_unit_test(test_token_format_and_signature),
		cmocka_unit_test(test_many_tokens_verify),
		cmocka_unit_test(test_other_key_does_not_verify),
		cmocka_unit_test(test_refresh),
		cmocka_unit_test(test_token_bad_time),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
