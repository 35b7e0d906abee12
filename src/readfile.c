/* readfile.c: bounded whole-file reads. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "readfile.h"

void wipe(void *p, size_t len)
{
	if (p == NULL)
		return;
#ifdef HAVE_EXPLICIT_BZERO
	explicit_bzero(p, len);
#else
	volatile unsigned char *v = p;
	while (len--)
		*v++ = 0;
#endif
}

void readfile_wipe(char *buf, size_t len)
{
	if (buf == NULL)
		return;
	wipe(buf, len + 1);
	free(buf);
}

int readfd(int fd, size_t max, char **buf, size_t *len)
{
	size_t cap = max < 4096 ? max + 1 : 4096, n = 0;
	char *p = malloc(cap + 1);
	int e;

	if (p == NULL)
		return -1;
	for (;;) {
		ssize_t r;

		if (n == cap) {
			size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			char *q;

			if (n > max) {
				e = EFBIG; /* one byte past the limit: too large */
				goto fail;
			}
			/* Grow by copying so no secret is left in freed memory. */
			q = malloc(ncap + 1);
			if (q == NULL) {
				e = ENOMEM;
				goto fail;
			}
			memcpy(q, p, n);
			wipe(p, n);
			free(p);
			p = q;
			cap = ncap;
		}
		r = read(fd, p + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = errno;
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max) {
		e = EFBIG;
		goto fail;
	}
	p[n] = '\0';
	*buf = p;
	*len = n;
	return 0;
fail:
	readfile_wipe(p, n);
	errno = e;
	return -1;
}

int readfile(const char *what, const char *path, size_t max, enum apn_code too_big,
	     char **buf, size_t *len, struct apn_error *err)
{
	int fd, e;
	struct stat st;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return apn_fail(err, APN_NOINPUT, "cannot read %s file %s: %s",
				what, path, strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return apn_fail(err, APN_NOINPUT, "cannot read %s file %s: %s",
				what, path, strerror(EISDIR));
	}
	e = readfd(fd, max, buf, len) == 0 ? 0 : errno;
	close(fd);
	if (e == EFBIG)
		return apn_fail(err, too_big, "%s file %s is larger than %zu bytes",
				what, path, max);
	if (e == ENOMEM)
		return apn_fail(err, APN_SOFTWARE, "out of memory reading %s", path);
	if (e != 0)
		return apn_fail(err, APN_NOINPUT, "cannot read %s file %s: %s",
				what, path, strerror(e));
	return 0;
}
