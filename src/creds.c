/* creds.c: credentials from the options (see creds.h). */
#include <config.h>

#include "creds.h"
#include "msg.h"
#include "passphrase.h"

int creds_load(const struct options *o, struct tls_creds **out,
	       struct apn_error *err)
{
	struct tls_creds_spec spec;
	char *pass = NULL;
	int rc;

	if (passphrase_get(o->pass_file, &pass, err) != 0)
		return -1;
	spec.cert_file = o->cert_file;
	spec.key_file = o->key_file;
	spec.ca_file = o->ca_file;
	spec.pass = pass;
	rc = tls_creds_load(&spec, out, err);
	passphrase_free(pass);
	if (rc == 0 && tls_creds_subject(*out)[0])
		verbosef("client certificate: %s", tls_creds_subject(*out));
	return rc;
}
