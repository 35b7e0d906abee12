/* readfile.h: whole small files into memory, and wiping them afterwards. */
#ifndef APNSEND_READFILE_H
#define APNSEND_READFILE_H

#include <stddef.h>

#include "error.h"

/* Read all of path ("-" is not special) into a malloc'd buffer with a NUL
 * after the data.  what names the file in messages ("--cert").  Fails with
 * APN_NOINPUT when the file cannot be opened or read, and with too_big
 * when it is larger than max bytes (readable, but it cannot be what it
 * should: a payload, a key).  The caller frees *buf, with readfile_wipe
 * when it held secrets. */
int readfile(const char *what, const char *path, size_t max, enum apn_code too_big,
	     char **buf, size_t *len, struct apn_error *err);

/* Read fd to its end into a malloc'd buffer with a NUL after the data,
 * growing it by copying and wiping (no copy is left in freed memory).
 * -1 with errno EFBIG when there are more than max bytes, ENOMEM, or
 * read's; nothing is returned then.  Free with readfile_wipe. */
int readfd(int fd, size_t max, char **buf, size_t *len);

/* Overwrite len bytes at p with zeros in a way the compiler keeps. */
void wipe(void *p, size_t len);

/* wipe(buf, len + 1) then free(buf); NULL is fine. */
void readfile_wipe(char *buf, size_t len);

#endif
