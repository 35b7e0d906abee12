/* tls-creds.c: loading and checking the client certificate and key. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/pkcs12.h>
#include <gnutls/x509.h>

#include "pem.h"
#include "readfile.h"
#include "tls-internal.h"
#include "tls.h"
#include "topics.h"

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
	gnutls_x509_crt_fmt_t format = GNUTLS_X509_FMT_PEM;
	unsigned char *der = NULL;
	size_t der_len = 0;
	enum pem_result pr;
	int r;

	if (!pem_has(text, "PRIVATE KEY-----"))
		return apn_fail(err, APN_CONFIG,
				"%s holds no private key (give the key with --key)", file);
	if (encrypted && pass == NULL)
		return apn_fail(err, APN_CONFIG,
				"the private key in %s is encrypted: give its passphrase "
				"with --pass-file or APNSEND_PASSPHRASE", file);
	/* The key's DER, decoded here into memory that is wiped: GnuTLS's
	 * PEM decoder would leave a copy of the text in freed memory.  What
	 * pem_private_key cannot decode (a legacy OpenSSL encrypted key with
	 * its Proc-Type headers, a broken file) goes to GnuTLS as PEM, which
	 * reads the legacy form and names what is wrong with the rest. */
	pr = pem_private_key(text, len, NULL, &der, &der_len);
	if (pr == PEM_NOMEM)
		return apn_fail(err, APN_SOFTWARE, "loading the credentials: out of memory");
	if (pr == PEM_OK) {
		d.data = der;
		d.size = (unsigned)der_len;
		format = GNUTLS_X509_FMT_DER;
	}
	if ((r = gnutls_x509_privkey_init(&l->key)) < 0) {
		pem_free(der, der_len);
		return apn_fail(err, APN_SOFTWARE, "loading the credentials: %s", gnutls_strerror(r));
	}
	r = gnutls_x509_privkey_import2(l->key, &d, format, encrypted ? pass : NULL, 0);
	pem_free(der, der_len);
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

/* A distinguished name GnuTLS returned (r: its result) into out, and
 * freed; out keeps its value when there is none. */
static void copy_dn(int r, gnutls_datum_t *dn, char *out, size_t len)
{
	if (r >= 0)
		snprintf(out, len, "%s", (char *)dn->data);
	gnutls_free(dn->data);
}

/* Nonzero when the key is the one the certificate's public key belongs to. */
static int key_matches(const struct loaded *l)
{
	unsigned char cid[64], kid[64];
	size_t clen = sizeof cid, klen = sizeof kid;

	return gnutls_x509_crt_get_key_id(l->crts[0], 0, cid, &clen) >= 0 &&
	       gnutls_x509_privkey_get_key_id(l->key, 0, kid, &klen) >= 0 &&
	       clen == klen && memcmp(cid, kid, clen) == 0;
}

static int check_pair(const struct loaded *l, const char *file,
		      struct apn_error *err)
{
	time_t now = time(NULL), t;
	char date[64];

	if (!key_matches(l))
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

/* Read the --cert file (and --key) into l: PEM or PKCS#12, by content.
 * On failure the certificate may still be there (l->ncrts > 0), when
 * only the key could not be loaded. */
static int load_files(const struct tls_creds_spec *spec, struct loaded *l,
		      const char **format, struct apn_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (readfile("--cert", spec->cert_file, CRED_FILE_MAX, APN_CONFIG, &text, &len, err) != 0)
		return -1;
	if (pem_has(text, "-----BEGIN ") && !pem_has(text, "-----BEGIN PKCS12")) {
		*format = "PEM";
		rc = load_pem(l, spec, text, len, err);
	} else {
		*format = "PKCS#12";
		rc = load_p12(l, spec, text, len, err);
	}
	readfile_wipe(text, len);
	return rc;
}

/* --- A passphrase is used in a child process only ---------------------
 *
 * GnuTLS normalizes a passphrase (gnutls_utf8_password_normalize) into
 * buffers it frees without wiping them, and its PKCS#12 key derivation
 * leaves the passphrase on the stack: copies apnsend cannot wipe.  So
 * whatever needs the passphrase (an encrypted key, a PKCS#12 file) is
 * loaded by a child process, which hands the certificates and the
 * decrypted key to apnsend as DER over a pipe and exits: its memory, and
 * every copy in it, is gone with it.  apnsend wipes its own copies. */

#define APART_MAX (4 * CRED_FILE_MAX)

/* What the child writes: this header, then for each certificate and then
 * the key (when has_key), a 4-byte length and the DER. */
struct apart_header {
	int rc;
	int p12;
	unsigned ncrts;
	int has_key;
	struct apn_error err;
};

static int write_all(int fd, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int put_der(int fd, const void *data, uint32_t len)
{
	return write_all(fd, &len, sizeof len) == 0 && write_all(fd, data, len) == 0 ? 0 : -1;
}

/* The child: load, then write what was loaded to fd as DER.  0 when all
 * was written. */
static int apart_child(int fd, const struct tls_creds_spec *spec)
{
	struct loaded l = { NULL, 0, NULL };
	struct apart_header h;
	const char *format = "";
	gnutls_datum_t d;
	int rc = -1;

	memset(&h, 0, sizeof h);
	h.rc = load_files(spec, &l, &format, &h.err);
	h.p12 = strcmp(format, "PKCS#12") == 0;
	h.ncrts = l.ncrts;
	h.has_key = h.rc == 0 && l.key != NULL;
	if (put_der(fd, &h, sizeof h) != 0)
		goto out;
	for (unsigned i = 0; i < l.ncrts; i++) {
		int r = gnutls_x509_crt_export2(l.crts[i], GNUTLS_X509_FMT_DER, &d);

		if (r < 0)
			goto out;
		r = put_der(fd, d.data, d.size);
		gnutls_free(d.data);
		if (r != 0)
			goto out;
	}
	if (h.has_key) {
		int r = gnutls_x509_privkey_export2_pkcs8(l.key, GNUTLS_X509_FMT_DER, NULL,
							  GNUTLS_PKCS_PLAIN, &d);

		if (r < 0)
			goto out;
		r = put_der(fd, d.data, d.size);
		wipe(d.data, d.size);
		gnutls_free(d.data);
		if (r != 0)
			goto out;
	}
	rc = 0;
out:
	loaded_free(&l);
	return rc;
}

/* The next DER of the child's message at *p (before end), or -1. */
static int get_der(const unsigned char **p, const unsigned char *end, gnutls_datum_t *d)
{
	uint32_t n;

	if ((size_t)(end - *p) < sizeof n)
		return -1;
	memcpy(&n, *p, sizeof n);
	if ((size_t)(end - *p) - sizeof n < n)
		return -1;
	d->data = (unsigned char *)*p + sizeof n;
	d->size = n;
	*p += sizeof n + n;
	return 0;
}

/* The child's message (buf, len) into l, *format and err; the child's
 * load_files result, or -1 with APN_SOFTWARE when the message is cut. */
static int apart_read(const unsigned char *buf, size_t len, struct loaded *l,
		      const char **format, struct apn_error *err)
{
	const unsigned char *p = buf, *end = buf + len;
	struct apart_header h;
	gnutls_datum_t d;

	if (get_der(&p, end, &d) != 0 || d.size != sizeof h)
		goto cut;
	memcpy(&h, d.data, sizeof h);
	*format = h.p12 ? "PKCS#12" : "PEM";
	if (h.ncrts > 0) {
		if (h.ncrts > 1024)
			goto cut;
		l->crts = gnutls_calloc(h.ncrts, sizeof *l->crts);
		if (l->crts == NULL)
			return apn_fail(err, APN_SOFTWARE, "loading the credentials: out of memory");
		for (; l->ncrts < h.ncrts; l->ncrts++) {
			if (get_der(&p, end, &d) != 0 ||
			    gnutls_x509_crt_init(&l->crts[l->ncrts]) < 0)
				goto cut;
			if (gnutls_x509_crt_import(l->crts[l->ncrts], &d, GNUTLS_X509_FMT_DER) < 0) {
				l->ncrts++;
				goto cut;
			}
		}
	}
	if (h.has_key) {
		if (get_der(&p, end, &d) != 0 || gnutls_x509_privkey_init(&l->key) < 0)
			goto cut;
		if (gnutls_x509_privkey_import2(l->key, &d, GNUTLS_X509_FMT_DER, NULL,
						GNUTLS_PKCS_PLAIN) < 0)
			goto cut;
	}
	if (h.rc != 0) {
		*err = h.err;
		err->msg[sizeof err->msg - 1] = '\0';
		return -1;
	}
	return 0;
cut:
	return apn_fail(err, APN_SOFTWARE,
			"loading the credentials: the decrypting process sent a malformed answer");
}

/* load_files, in a child process when there is a passphrase. */
static int load_files_apart(const struct tls_creds_spec *spec, struct loaded *l,
			    const char **format, struct apn_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	int fds[2], status = 0, got, rc;
	pid_t pid, w;

	if (spec->pass == NULL)
		return load_files(spec, l, format, err);
	if (pipe2(fds, O_CLOEXEC) != 0)
		return apn_fail(err, APN_SOFTWARE, "loading the credentials: pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return apn_fail(err, APN_SOFTWARE, "loading the credentials: fork: %s", strerror(errno));
	}
	if (pid == 0) {
		close(fds[0]);
		_exit(apart_child(fds[1], spec) == 0 ? 0 : 1);
	}
	close(fds[1]);
	/* Too much (APART_MAX) closes the pipe: the child ends on EPIPE. */
	got = readfd(fds[0], APART_MAX, &buf, &len) == 0;
	close(fds[0]);
	while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (!got || w != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		rc = apn_fail(err, APN_SOFTWARE,
			      "loading the credentials: the decrypting process failed");
	else
		rc = apart_read((const unsigned char *)buf, len, l, format, err);
	readfile_wipe(buf, len);
	return rc;
}

/* GnuTLS's credentials from what load_files read: the chain and key,
 * and the CAs trusted for the gateway. */
static int make_creds(const struct loaded *l, const struct tls_creds_spec *spec,
		      struct tls_creds **out, struct apn_error *err)
{
	struct tls_creds *c;
	gnutls_datum_t dn = { NULL, 0 };
	size_t len;
	int r;

	c = calloc(1, sizeof *c);
	if (c == NULL)
		return apn_fail(err, APN_SOFTWARE, "loading the credentials: out of memory");
	if ((r = gnutls_certificate_allocate_credentials(&c->cred)) < 0) {
		free(c);
		return apn_fail(err, APN_SOFTWARE, "loading the credentials: %s", gnutls_strerror(r));
	}
	if (l->ncrts == 0)
		goto trust; /* token authentication: no client certificate */
	copy_dn(gnutls_x509_crt_get_dn3(l->crts[0], &dn, 0), &dn, c->subject,
		sizeof c->subject);
	len = sizeof c->bundle_id;
	if (gnutls_x509_crt_get_dn_by_oid(l->crts[0], GNUTLS_OID_LDAP_UID, 0, 0,
					  c->bundle_id, &len) < 0)
		c->bundle_id[0] = '\0';
	r = gnutls_certificate_set_x509_key(c->cred, l->crts, l->ncrts, l->key);
	if (r < 0) {
		apn_fail(err, APN_CONFIG, "cannot use the certificate in %s: %s",
			 spec->cert_file, gnutls_strerror(r));
		goto fail;
	}
trust:
	if (load_trust(c, spec->ca_file, err) != 0)
		goto fail;
	*out = c;
	return 0;
fail:
	tls_creds_free(c);
	return -1;
}

/* --- Describing the client certificate (--check) ---------------------- */

#define APPLE_EXT_DEVELOPMENT "1.2.840.113635.100.6.3.1"
#define APPLE_EXT_PRODUCTION "1.2.840.113635.100.6.3.2"

static int has_extension(gnutls_x509_crt_t crt, const char *oid)
{
	gnutls_datum_t d = { NULL, 0 };
	unsigned critical;
	int r = gnutls_x509_crt_get_extension_by_oid2(crt, oid, 0, &d, &critical);

	gnutls_free(d.data);
	return r >= 0;
}

static int describe(gnutls_x509_crt_t crt, struct tls_cert_info *info,
		    struct apn_error *err)
{
	gnutls_datum_t d = { NULL, 0 };
	size_t len = sizeof info->uid;
	unsigned critical;

	info->have_cert = 1;
	info->key = TLS_KEY_NOT_LOADED;
	copy_dn(gnutls_x509_crt_get_dn3(crt, &d, 0), &d, info->subject, sizeof info->subject);
	d.data = NULL;
	copy_dn(gnutls_x509_crt_get_issuer_dn3(crt, &d, 0), &d, info->issuer,
		sizeof info->issuer);
	if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_LDAP_UID, 0, 0,
					  info->uid, &len) < 0)
		info->uid[0] = '\0';
	info->development = has_extension(crt, APPLE_EXT_DEVELOPMENT);
	info->production = has_extension(crt, APPLE_EXT_PRODUCTION);
	info->not_before = gnutls_x509_crt_get_activation_time(crt);
	info->not_after = gnutls_x509_crt_get_expiration_time(crt);
	d.data = NULL;
	if (gnutls_x509_crt_get_extension_by_oid2(crt, TOPICS_OID, 0, &d, &critical) >= 0) {
		info->topics = malloc(d.size ? d.size : 1);
		if (info->topics == NULL) {
			gnutls_free(d.data);
			return apn_fail(err, APN_SOFTWARE, "describing the certificate: out of memory");
		}
		memcpy(info->topics, d.data, d.size);
		info->topics_len = d.size;
		gnutls_free(d.data);
	}
	return 0;
}

/* The one loader: tls_creds_load, and tls_creds_inspect when info is not
 * NULL. */
static int creds_load(const struct tls_creds_spec *spec, struct tls_cert_info *info,
		      struct tls_creds **out, struct apn_error *err)
{
	struct loaded l = { NULL, 0, NULL };
	struct apn_error describe_err;
	const char *format = "";
	int loaded, rc = -1;

	*out = NULL;
	if (spec->cert_file == NULL && info == NULL)
		return make_creds(&l, spec, out, err); /* the CAs alone */
	loaded = load_files_apart(spec, &l, &format, err) == 0;
	if (info != NULL)
		info->format = format;
	if (info != NULL && l.ncrts > 0 &&
	    describe(l.crts[0], info, &describe_err) != 0) {
		*err = describe_err;
		goto out;
	}
	if (!loaded)
		goto out;
	if (info != NULL)
		info->key = key_matches(&l) ? TLS_KEY_MATCHES : TLS_KEY_MISMATCH;
	if (check_pair(&l, spec->cert_file, err) != 0 ||
	    make_creds(&l, spec, out, err) != 0)
		goto out;
	rc = 0;
out:
	loaded_free(&l);
	return rc;
}

int tls_creds_load(const struct tls_creds_spec *spec, struct tls_creds **out,
		   struct apn_error *err)
{
	return creds_load(spec, NULL, out, err);
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

const char *tls_creds_bundle_id(const struct tls_creds *creds)
{
	return creds->bundle_id;
}

void tls_creds_set_alpn(struct tls_creds *creds, const char *protocol)
{
	creds->alpn = protocol;
}

/* --check's entry to the loader. */
int tls_creds_inspect(const struct tls_creds_spec *spec, struct tls_cert_info *info,
		      struct tls_creds **out, struct apn_error *err)
{
	memset(info, 0, sizeof *info);
	return creds_load(spec, info, out, err);
}

void tls_cert_info_free(struct tls_cert_info *info)
{
	free(info->topics);
	info->topics = NULL;
	info->topics_len = 0;
}
