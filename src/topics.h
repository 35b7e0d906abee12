/* topics.h: the topics an Apple push certificate covers, decoded from the
 * DER value of its extension 1.2.840.113635.100.6.3.6 (PROTOCOL.md 3.4,
 * 3.10).  No I/O and no ASN.1 library: plain, bounds-checked code, so a
 * malformed extension is reported, never read past.
 *
 * The value is a SEQUENCE of UTF8String topics, each possibly followed by
 * a SEQUENCE of UTF8String push types, as Apple writes it:
 *
 *   SEQUENCE {
 *     UTF8String "com.example.app"       SEQUENCE { UTF8String "app" }
 *     UTF8String "com.example.app.voip"  SEQUENCE { UTF8String "voip" }
 *   }
 */
#ifndef APNSEND_TOPICS_H
#define APNSEND_TOPICS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define TOPICS_OID "1.2.840.113635.100.6.3.6"

struct topic {
	char *name;    /* UTF-8, NUL-terminated */
	char **types;  /* ntypes push types ("app", "voip", ...) */
	size_t ntypes;
};

struct topics {
	struct topic *v;
	size_t n;
};

/* Decode der[0..len) into *out.  Every string must be valid UTF-8 without
 * control characters.  Returns 0, or -1 with *out empty and APN_DATAERR
 * (the extension is malformed: the message says what, and at which byte
 * offset) or APN_SOFTWARE (out of memory).  Free *out with topics_free
 * (which also takes an empty one). */
int topics_decode(const uint8_t *der, size_t len, struct topics *out,
		  struct apn_error *err);
void topics_free(struct topics *t);

#endif
