/* passphrase.c: reading the passphrase and wiping every copy of it. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "passphrase.h"
#include "readfile.h"

int passphrase_get(const char *pass_file, char **out, struct apn_error *err)
{
	char *text, *env;
	size_t len, n;

	*out = NULL;
	if (pass_file != NULL) {
		if (readfile("--pass-file", pass_file, 4096, APN_CONFIG, &text, &len, err) != 0)
			return -1;
		n = strcspn(text, "\r\n");
		if (n == 0) {
			readfile_wipe(text, len);
			return apn_fail(err, APN_CONFIG,
					"--pass-file %s: the first line is empty", pass_file);
		}
		*out = malloc(n + 1);
		if (*out != NULL) {
			memcpy(*out, text, n);
			(*out)[n] = '\0';
		}
		readfile_wipe(text, len);
		if (*out == NULL)
			return apn_fail(err, APN_SOFTWARE, "reading the passphrase: out of memory");
		return 0;
	}
	env = getenv(PASSPHRASE_ENV);
	if (env == NULL)
		return 0;
	*out = strdup(env);
	/* Wipe the environment's copy so it is not in our memory any longer
	 * than needed, nor passed on to any child.  POSIX does not promise
	 * that getenv's string may be written; glibc hands out the environ
	 * entry itself, which is ours to write. */
	wipe(env, strlen(env));
	unsetenv(PASSPHRASE_ENV);
	if (*out == NULL)
		return apn_fail(err, APN_SOFTWARE, "reading the passphrase: out of memory");
	return 0;
}

void passphrase_free(char *pass)
{
	if (pass == NULL)
		return;
	wipe(pass, strlen(pass));
	free(pass);
}
