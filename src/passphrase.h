/* passphrase.h: the key's passphrase, from --pass-file or the environment
 * variable APNSEND_PASSPHRASE; never from the command line. */
#ifndef APNSEND_PASSPHRASE_H
#define APNSEND_PASSPHRASE_H

#include "error.h"

#define PASSPHRASE_ENV "APNSEND_PASSPHRASE"

/* Set *out to a malloc'd copy of the passphrase: the first line of
 * pass_file when it is not NULL, else the environment variable (whose value
 * is then wiped and removed from the environment), else NULL.  Errors:
 * APN_NOINPUT (file unreadable), APN_CONFIG (file empty).  Free the result
 * with passphrase_free, which wipes it. */
int passphrase_get(const char *pass_file, char **out, struct apn_error *err);
void passphrase_free(char *pass);

#endif
