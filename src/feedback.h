/* feedback.h: --feedback, reading the feedback service's tokens. */
#ifndef APNSEND_FEEDBACK_H
#define APNSEND_FEEDBACK_H

#include "cli.h"
#include "error.h"

/* Connect to the feedback service, print every tuple it sends until it
 * closes, and report how it ended. */
enum apn_code feedback_run(const struct options *o);

#endif
