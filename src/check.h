/* check.h: --check, the pre-flight that sends nothing. */
#ifndef APNSEND_CHECK_H
#define APNSEND_CHECK_H

#include "cli.h"
#include "error.h"

/* Load and describe the credentials, then (when they are usable) complete
 * a TLS handshake with the gateway and close politely; report on stdout
 * (human lines, or one JSON object with --json), warnings and the error on
 * stderr.  Returns APN_OK when all is well, APN_WARNING when only warnings
 * apply (expires within 30 days, other environment, malformed topics), or
 * the failure's code: APN_NOINPUT, APN_CONFIG (credentials unusable; the
 * gateway is not contacted), APN_NOHOST, APN_UNAVAILABLE, APN_PROTOCOL,
 * APN_NOPERM, APN_SOFTWARE. */
enum apn_code check_run(const struct options *o);

#endif
