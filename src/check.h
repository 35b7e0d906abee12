/* check.h: --check, the pre-flight that sends nothing. */
#ifndef APNSEND_CHECK_H
#define APNSEND_CHECK_H

#include "cli.h"
#include "error.h"

/* Load and describe the credentials, then complete a TLS handshake with
 * the gateway and close politely; report on stdout.  The code says
 * whether all is well (APN_OK) or what is wrong. */
enum apn_code check_run(const struct options *o);

#endif
