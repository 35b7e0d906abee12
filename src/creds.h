/* creds.h: the client credentials the command line names, loaded the same
 * way for every mode (sending, --feedback). */
#ifndef APNSEND_CREDS_H
#define APNSEND_CREDS_H

#include "cli.h"
#include "error.h"
#include "tls.h"

/* Read the passphrase (--pass-file or APNSEND_PASSPHRASE; wiped after
 * use), then load --cert, --key and --cafile; say the certificate's
 * subject with -v.  tls_init must have been called.  Errors: those of
 * passphrase_get and tls_creds_load.  Free *out with tls_creds_free. */
int creds_load(const struct options *o, struct tls_creds **out,
	       struct apn_error *err);

#endif
