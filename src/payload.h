/* payload.h: notification payloads: validation and building.  No I/O.
 *
 * A payload is a JSON object (UTF-8, no NUL) of at most PAYLOAD_MAX bytes,
 * sent byte for byte as the user wrote it, less surrounding whitespace.
 */
#ifndef APNSEND_PAYLOAD_H
#define APNSEND_PAYLOAD_H

#include <stddef.h>

#define PAYLOAD_MAX 2048 /* binary interface limit since 2014 */
#define PAYLOAD_MAX_H2 4096 /* HTTP/2 API */
#define PAYLOAD_MAX_H2_VOIP 5120 /* HTTP/2 API, apns-push-type voip */

/* Check that text[0..len) is one JSON object of at most max bytes once
 * leading and trailing whitespace is removed.  On success returns 0 and sets
 * *off and *outlen to the trimmed span.  On failure returns -1 and writes a
 * sentence (what is wrong, with line and column for JSON errors) into why:
 * printable ASCII, the payload's own bytes that it quotes written \xNN
 * when they are not (it goes to terminals and into JSON lines). */
int payload_validate(const char *text, size_t len, size_t max, size_t *off,
		     size_t *outlen, char *why, size_t whylen);

/* The fields the --alert, --badge, ... flags set.  NULL / 0 means absent. */
struct payload_fields {
	const char *alert;
	int has_badge;
	long badge;
	const char *sound;
	const char *category;
	const char *thread_id;
	int content_available;
	int mutable_content;
};

/* Nonzero when any field is set. */
int payload_fields_any(const struct payload_fields *f);

/* Build {"aps":{...}} from f as compact JSON, keys in the order of the
 * struct (alert, badge, sound, category, thread-id, content-available,
 * mutable-content).  On success returns 0 and *out is a malloc'd NUL-terminated string
 * of *outlen bytes (the caller frees it).  On failure (invalid UTF-8, out of
 * memory, larger than max) returns -1 with a sentence in why. */
int payload_build(const struct payload_fields *f, size_t max, char **out,
		  size_t *outlen, char *why, size_t whylen);

#endif
