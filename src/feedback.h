/* feedback.h: --feedback, reading the feedback service's tokens. */
#ifndef APNSEND_FEEDBACK_H
#define APNSEND_FEEDBACK_H

#include "cli.h"
#include "error.h"

/* Connect to the feedback service (o->host, o->port) with the options'
 * credentials, print every token it sends as soon as its tuple is complete
 * (report.h), until it closes or is silent for --timeout, then how it
 * ended and a summary.  Returns the code for the exit status: APN_OK when
 * the service closed (close_notify or FIN) after whole tuples; APN_PROTOCOL
 * for bytes that are no tuple, a TLS error or a fatal alert; APN_NOPERM when
 * it refused the certificate; APN_TEMPFAIL after a reset or silence;
 * APN_IOERR when stdout failed (reading stops at once; main says so);
 * else the connection's or the credentials' error. */
enum apn_code feedback_run(const struct options *o);

#endif
