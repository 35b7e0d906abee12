/* tls-internal.h: shared by tls.c and tls-creds.c only. */
#ifndef APNSEND_TLS_INTERNAL_H
#define APNSEND_TLS_INTERNAL_H

#include <gnutls/gnutls.h>

struct tls_creds {
	gnutls_certificate_credentials_t cred;
	char subject[512];   /* "" without a client certificate */
	char bundle_id[256]; /* the subject's UID, or "" */
	const char *alpn;    /* the protocol the server must agree to, or NULL */
};

/* Nonzero when alert is one a server uses to refuse a client certificate. */
int tls_alert_is_cert_refusal(gnutls_alert_description_t alert);

#endif
