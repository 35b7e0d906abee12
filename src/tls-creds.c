/* tls-creds.c: loading and checking the client certificate and key. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/pkcs12.h>
#include <gnutls/x509.h>

#include "readfile.h"
#include "tls-internal.h"
#include "tls.h"

#define CRED_FILE_MAX (1024 * 1024)

/* What we load before handing it to GnuTLS's credentials. */
struct loaded {
	gnutls_x509_crt_t *crts;
	unsigned ncrts;
	gnutls_x509_privkey_t key;
};

static void loaded_free(struct loaded *l)
{
	for (unsigned i = 0; i < l->ncrts; i++)
		gnutls_x509_crt_deinit(l->crts[i]);
	gnutls_free(l->crts);
	/* GnuTLS zeroes the key's numbers when it frees them. */
	if (l->key)
		gnutls_x509_privkey_deinit(l->key);
}

static int pem_has(const char *text, const char *label)
{
	return strstr(text, label) != NULL;
}

static int load_pem_key(struct loaded *l, const char *file, char *text,
			size_t len, const char *pass, struct apn_error *err)
{
	gnutls_datum_t d = { (unsigned char *)text, (unsigned)len };
	int encrypted = pem_has(text, "ENCRYPTED PRIVATE KEY-----") ||
			pem_has(text, "Proc-Type: 4,ENCRYPTED");
	int r;

	if (!pem_has(text, "PRIVATE KEY-----"))
		return apn_fail(err, APN_CONFIG,
				"%s holds no private key (give the key with --key)", file);
	if (encrypted && pass == NULL)
		return apn_fail(err, APN_CONFIG,
				"the private key in %s is encrypted: give its passphrase "
				"with --pass-file or APNSEND_PASSPHRASE", file);
	if ((r = gnutls_x509_privkey_init(&l->key)) < 0)
		return apn_fail(err, APN_SOFTWARE, "loading the credentials: %s", gnutls_strerror(r));
	r = gnutls_x509_privkey_import2(l->key, &d, GNUTLS_X509_FMT_PEM,
					encrypted ? pass : NULL, 0);
	if (r < 0) {
		if (encrypted && (r == GNUTLS_E_DECRYPTION_FAILED ||
				  r == GNUTLS_E_ASN1_DER_ERROR ||
				  r == GNUTLS_E_PK_INVALID_PRIVKEY))
			return apn_fail(err, APN_CONFIG,
					"wrong passphrase for the private key in %s", file);
		return apn_fail(err, APN_CONFIG, "cannot load the private key in %s: %s",
				file, gnutls_strerror(r));
	}
	return 0;
}

static int load_pem(struct loaded *l, const struct tls_creds_spec *spec,
		    char *text, size_t len, struct apn_error *err)
{
	gnutls_datum_t d = { (unsigned char *)text, (unsigned)len };
	char *ktext = NULL;
	size_t klen = 0;
	int r, rc;

	r = gnutls_x509_crt_list_import2(&l->crts, &l->ncrts, &d,
					 GNUTLS_X509_FMT_PEM, 0);
	if (r < 0 || l->ncrts == 0) {
		l->ncrts = 0;
		return apn_fail(err, APN_CONFIG, "%s holds no usable certificate: %s",
				spec->cert_file, r < 0 ? gnutls_strerror(r) : "none found");
	}
	if (spec->key_file == NULL)
		return load_pem_key(l, spec->cert_file, text, len, spec->pass, err);
	if (readfile("--key", spec->key_file, CRED_FILE_MAX, APN_CONFIG, &ktext, &klen, err) != 0)
		return -1;
	rc = load_pem_key(l, spec->key_file, ktext, klen, spec->pass, err);
	readfile_wipe(ktext, klen);
	return rc;
}

static int load_p12(struct loaded *l, const struct tls_creds_spec *spec,
		    char *data, size_t len, struct apn_error *err)
{
	gnutls_datum_t d = { (unsigned char *)data, (unsigned)len };
	gnutls_pkcs12_t p12;
	const char *pass = spec->pass ? spec->pass : "";
	int r, rc = -1;

	if (spec->key_file != NULL)
		return apn_fail(err, APN_USAGE,
				"--key cannot be used with a PKCS#12 --cert (it holds the key)");
	if ((r = gnutls_pkcs12_init(&p12)) < 0)
		return apn_fail(err, APN_SOFTWARE, "loading the credentials: %s", gnutls_strerror(r));
	r = gnutls_pkcs12_import(p12, &d, GNUTLS_X509_FMT_DER, 0);
	if (r < 0) {
		apn_fail(err, APN_CONFIG,
			 "%s is neither a PEM certificate nor a PKCS#12 file", spec->cert_file);
		goto out;
	}
	r = gnutls_pkcs12_verify_mac(p12, pass);
	if (r == GNUTLS_E_MAC_VERIFY_FAILED) {
		if (spec->pass == NULL)
			apn_fail(err, APN_CONFIG,
				 "%s is protected by a passphrase: give it with --pass-file "
				 "or APNSEND_PASSPHRASE", spec->cert_file);
		else
			apn_fail(err, APN_CONFIG, "wrong passphrase for %s", spec->cert_file);
		goto out;
	}
	if (r < 0 && r != GNUTLS_E_UNKNOWN_HASH_ALGORITHM) {
		apn_fail(err, APN_CONFIG, "cannot read PKCS#12 file %s: %s",
			 spec->cert_file, gnutls_strerror(r));
		goto out;
	}
	r = gnutls_pkcs12_simple_parse(p12, pass, &l->key, &l->crts, &l->ncrts,
				       NULL, NULL, NULL, 0);
	if (r < 0) {
		l->key = NULL;
		l->crts = NULL;
		l->ncrts = 0;
		if (r == GNUTLS_E_DECRYPTION_FAILED)
			apn_fail(err, APN_CONFIG, "wrong passphrase for %s", spec->cert_file);
		else
			apn_fail(err, APN_CONFIG,
				 "%s: cannot find a certificate and its key: %s",
				 spec->cert_file, gnutls_strerror(r));
		goto out;
	}
	rc = 0;
out:
	gnutls_pkcs12_deinit(p12);
	return rc;
}

static void fmt_date(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static int check_pair(const struct loaded *l, const char *file,
		      struct apn_error *err)
{
	unsigned char cid[64], kid[64];
	size_t clen = sizeof cid, klen = sizeof kid;
	time_t now = time(NULL), t;
	char date[64];

	if (gnutls_x509_crt_get_key_id(l->crts[0], 0, cid, &clen) < 0 ||
	    gnutls_x509_privkey_get_key_id(l->key, 0, kid, &klen) < 0 ||
	    clen != klen || memcmp(cid, kid, clen) != 0)
		return apn_fail(err, APN_CONFIG,
				"the private key does not match the certificate in %s", file);
	t = gnutls_x509_crt_get_expiration_time(l->crts[0]);
	if (t != (time_t)-1 && t < now) {
		fmt_date(t, date, sizeof date);
		return apn_fail(err, APN_CONFIG, "the certificate in %s expired on %s",
				file, date);
	}
	t = gnutls_x509_crt_get_activation_time(l->crts[0]);
	if (t != (time_t)-1 && t > now) {
		fmt_date(t, date, sizeof date);
		return apn_fail(err, APN_CONFIG, "the certificate in %s is not valid before %s",
				file, date);
	}
	return 0;
}

static int load_trust(struct tls_creds *c, const char *ca_file,
		      struct apn_error *err)
{
	char *text;
	size_t len;
	gnutls_datum_t d;
	int r;

	if (ca_file == NULL) {
		r = gnutls_certificate_set_x509_system_trust(c->cred);
		if (r < 0)
			return apn_fail(err, APN_CONFIG, "cannot load the system's CA store: %s",
					gnutls_strerror(r));
		return 0;
	}
	if (readfile("--cafile", ca_file, 16 * CRED_FILE_MAX, APN_CONFIG, &text, &len, err) != 0)
		return -1;
	d.data = (unsigned char *)text;
	d.size = (unsigned)len;
	r = gnutls_certificate_set_x509_trust_mem(c->cred, &d, GNUTLS_X509_FMT_PEM);
	free(text);
	if (r <= 0)
		return apn_fail(err, APN_CONFIG, "--cafile %s holds no PEM certificate%s%s",
				ca_file, r < 0 ? ": " : "", r < 0 ? gnutls_strerror(r) : "");
	return 0;
}

int tls_creds_load(const struct tls_creds_spec *spec, struct tls_creds **out,
		   struct apn_error *err)
{
	struct tls_creds *c;
	struct loaded l = { NULL, 0, NULL };
	char *text = NULL;
	size_t len = 0;
	gnutls_datum_t dn = { NULL, 0 };
	int r, rc = -1;

	c = calloc(1, sizeof *c);
	if (c == NULL)
		return apn_fail(err, APN_SOFTWARE, "loading the credentials: out of memory");
	if ((r = gnutls_certificate_allocate_credentials(&c->cred)) < 0) {
		free(c);
		return apn_fail(err, APN_SOFTWARE, "loading the credentials: %s", gnutls_strerror(r));
	}
	if (readfile("--cert", spec->cert_file, CRED_FILE_MAX, APN_CONFIG, &text, &len, err) != 0)
		goto out;
	if (pem_has(text, "-----BEGIN ") && !pem_has(text, "-----BEGIN PKCS12")) {
		if (load_pem(&l, spec, text, len, err) != 0)
			goto out;
	} else if (load_p12(&l, spec, text, len, err) != 0) {
		goto out;
	}
	if (check_pair(&l, spec->cert_file, err) != 0)
		goto out;
	if (gnutls_x509_crt_get_dn3(l.crts[0], &dn, 0) >= 0) {
		snprintf(c->subject, sizeof c->subject, "%s", (char *)dn.data);
		gnutls_free(dn.data);
	}
	r = gnutls_certificate_set_x509_key(c->cred, l.crts, l.ncrts, l.key);
	if (r < 0) {
		apn_fail(err, APN_CONFIG, "cannot use the certificate in %s: %s",
			 spec->cert_file, gnutls_strerror(r));
		goto out;
	}
	if (load_trust(c, spec->ca_file, err) != 0)
		goto out;
	rc = 0;
out:
	readfile_wipe(text, len);
	loaded_free(&l);
	if (rc != 0) {
		tls_creds_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

void tls_creds_free(struct tls_creds *creds)
{
	if (creds == NULL)
		return;
	gnutls_certificate_free_credentials(creds->cred);
	free(creds);
}

const char *tls_creds_subject(const struct tls_creds *creds)
{
	return creds->subject;
}
