/* cli.h: the command line (argtable2), parsed into struct options.
 *
 * Only syntax and ranges are checked here; files are read later.  The
 * help text printed by cli_help is what --help shows, and must agree with
 * man/apnsend.1 and the README (tests/docs.test checks the option names).
 */
#ifndef APNSEND_CLI_H
#define APNSEND_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "frame.h"
#include "net.h"
#include "trace.h"
#include "payload.h"

#define DEFAULT_HOST "gateway.push.apple.com"
#define SANDBOX_HOST "gateway.sandbox.push.apple.com"
#define DEFAULT_PORT 2195
#define FEEDBACK_HOST "feedback.push.apple.com"
#define FEEDBACK_SANDBOX_HOST "feedback.sandbox.push.apple.com"
#define FEEDBACK_PORT 2196
#define H2_HOST "api.push.apple.com"
#define H2_SANDBOX_HOST "api.sandbox.push.apple.com"
#define H2_PORT 443
#define APNS_ID_LEN 36 /* a canonical UUID */
#define DEFAULT_TIMEOUT_MS 2000
#define DEFAULT_CONNECT_TIMEOUT_MS 10000
#define DEFAULT_EXPIRY 86400 /* one day, as pushy does */
#define DEFAULT_RETRIES 3

/* What the run does. */
enum mode {
	MODE_SEND,     /* send notifications (the default) */
	MODE_CHECK,    /* --check: credentials and a handshake, nothing sent */
	MODE_FEEDBACK  /* --feedback: read the feedback service's tokens */
};

struct options {
	enum mode mode;
	enum trace_level trace;
	const char *cert_file, *key_file, *pass_file, *ca_file;
	char host[NET_HOST_MAX];
	unsigned port;
	int sandbox;       /* --sandbox: the development environment */
	const char *payload, *payload_file; /* point into argv */
	struct payload_fields fields;
	long expiry;       /* seconds from now; 0 = do not store */
	int expiry_set;
	int priority;      /* 10 or 5 */
	int priority_set;
	uint32_t first_id;
	enum frame_format format;
	int timeout_ms, connect_timeout_ms;
	int at_most_once;
	int retries;           /* reconnects in a row without progress */
	int confirm;
	unsigned long confirm_every; /* 0: only at the end */
	int idle_timeout_ms;   /* 0: keep an idle connection open */
	const char *failed_out;
	int json, quiet, verbose;
	/* --http2: Apple's current API */
	int http2;
	const char *auth_key, *key_id, *team_id; /* token authentication */
	const char *topic, *push_type, *collapse_id; /* NULL: not given */
	char apns_id[APNS_ID_LEN + 1]; /* lowercase, or "" */
	size_t payload_max; /* PAYLOAD_MAX, or the HTTP/2 limit */
	const char **tokens; /* TOKEN arguments, pointing into argv */
	int ntokens;
};

/* What cli_parse asks main to do. */
enum cli_action {
	CLI_RUN,
	CLI_HELP,    /* --help was given: print cli_help, exit 0 */
	CLI_VERSION, /* --version */
	CLI_ERROR    /* message in err: APN_USAGE, or APN_SOFTWARE (no memory) */
};

/* Parse argv into *o.  o->tokens is malloc'd (free with cli_free). */
enum cli_action cli_parse(int argc, char **argv, struct options *o,
			  struct apn_error *err);
void cli_free(struct options *o);

/* The --help text. */
void cli_help(FILE *fp);

#endif
