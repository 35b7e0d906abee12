/*
 * mockh2: a mock APNs HTTP/2 provider API server (PROTOCOL.md section 3)
 * for apnsend's tests.
 *
 * It listens on 127.0.0.1, prints "port N" on stdout, then serves its
 * connections one at a time: TLS 1.2 or 1.3 (GnuTLS) offering only the
 * ALPN protocol "h2", then an nghttp2 server session with as many streams
 * as SETTINGS_MAX_CONCURRENT_STREAMS allows.  Each request is checked the
 * way APNs checks it and answered with APNs's status and reason
 * (PROTOCOL.md 3.2-3.7, 3.10); one line per event goes to the --log file,
 * for test scripts to assert on.
 *
 * Options:
 *   --cert FILE --key FILE   the server's certificate and key (PEM)
 *   --client-ca FILE         CA that client certificates are verified
 *                            against.  A client certificate is asked
 *                            for, not required; one that does not verify
 *                            fails the handshake (bad_certificate)
 *   --log FILE               the event log (appended to)
 *   --port N                 default 0: any free port
 *   --connections N|0        serve N connections (default 1), or 0: until
 *                            --max-seconds runs out
 *   --max-seconds N          give up after N s (default 30): exit 3
 *   --auth-pub FILE          the EC P-256 public key (PEM) that verifies
 *                            JWT signatures; without it every token is
 *                            InvalidProviderToken
 *   --auth-key-id K          the JWT header's "kid" must be K
 *   --auth-team-id T         the JWT claims' "iss" must be T
 *                            (either unchecked when not given)
 *   --token-update-min S     a second change of token on one connection
 *                            within S s of the first is 429
 *                            TooManyProviderTokenUpdates (default 1200;
 *                            0: never)
 *   --topic T                the app's bundle ID: apns-topic must be T plus
 *                            the push type's suffix (PROTOCOL.md 3.4)
 *   --max-streams N          SETTINGS_MAX_CONCURRENT_STREAMS sent at the
 *                            start (default 1000)
 *   --token-one-stream       on a connection without a client
 *                            certificate, advertise 1 until a request
 *                            with a valid token got its 200, then
 *                            --max-streams (APNs does this, 3.9)
 *   --lower-streams-after K:N  once the K-th response is sent, a new
 *                            SETTINGS with MAX_CONCURRENT_STREAMS N
 *   --reject-token HEX:STATUS:REASON  answer requests for that device
 *                            token (either case) with STATUS and REASON
 *   --reject-nth K:STATUS:REASON  answer the K-th request of each
 *                            connection (from 1) so
 *   --fail-nth-once K:STATUS:REASON  like --reject-nth, but only for a
 *                            device token it has not failed yet on any
 *                            connection: a retry of it succeeds (tests of
 *                            retrying 429, 500, 503)
 *                            STATUS is 400 to 599; REASON letters and
 *                            digits.  A 410 body gets "timestamp" (now, in
 *                            ms).  These apply only to requests that pass
 *                            every check; the first that matches wins
 *   --expire-first-token     the first valid provider token seen (on any
 *                            connection), and only it, is answered 403
 *                            ExpiredProviderToken, as if over an hour old
 *   --goaway-after N         once the answer to the N-th request is
 *                            sent: GOAWAY with last_stream_id = its
 *                            stream, NO_ERROR and debug data
 *                            {"reason":"Shutdown"} (--goaway-reason R:
 *                            {"reason":"R"}), then RST_STREAM
 *                            REFUSED_STREAM for the open streams above
 *                            it.  From the N-th request on, no request
 *                            on a stream above it is processed ("refused"
 *                            lines, even one complete before the
 *                            GOAWAY); those at or below it are still
 *                            answered; then close_notify and close
 *   --close-after N          once the N-th response is sent, close the
 *                            TCP connection (FIN, no GOAWAY, no
 *                            close_notify)
 *   --stall                  complete the TLS handshake, then send and
 *                            read nothing (not even SETTINGS) until the
 *                            client leaves
 *   --no-alpn                do not offer h2: a client must refuse the
 *                            connection.  One that goes on anyway is
 *                            served HTTP/2 by prior knowledge, so its
 *                            requests show in the log
 *   --allow-no-alpn          serve a client that offers no ALPN at all by
 *                            prior knowledge (as pushy did, 3.1) instead
 *                            of refusing it
 *   --delay-ms MS            wait MS after each request before answering
 *   --count-only             no request and response lines, only a
 *                            "count" line when a connection ends (for
 *                            benchmarks)
 * Counters (requests, responses, K, N) start afresh on each connection.
 *
 * The checks, in this order (the first that fails answers):
 *   :scheme not https, or no :authority: RST_STREAM PROTOCOL_ERROR (a
 *     malformed request, RFC 9113 8.1.1; APNs names no reason for it);
 *     nghttp2 itself resets requests without :method, :scheme or :path,
 *     with a repeated pseudo-header, a bad content-length, or a header
 *     HTTP/2 forbids, and refuses streams beyond the advertised limit
 *     (REFUSED_STREAM before the client acknowledged it, a
 *     PROTOCOL_ERROR GOAWAY after)
 *   :method not POST                           405 MethodNotAllowed
 *   any header repeated                        400 DuplicateHeaders
 *   :path not /3/device/...                    404 BadPath
 *   nothing after /3/device/                   400 MissingDeviceToken
 *   token not 64 to 200 hex digits (either case, even count: 32 to 100
 *     bytes)                                   400 BadDeviceToken
 *   authentication, unless the TLS client presented a certificate that
 *     verified (then authorization is ignored):
 *     no authorization, or not "bearer <JWT>"  403 MissingProviderToken
 *     not three base64url parts (no padding), a header that is not JSON
 *     {"alg":"ES256","kid":K,...} with K == --auth-key-id, claims not
 *     {"iss":T,"iat":N,...} with T == --auth-team-id and N an integer,
 *     a signature not 64 bytes R||S (a DER signature is refused too:
 *     standard JWS), one that does not verify with --auth-pub, or iat
 *     more than 300 s ahead (a token in milliseconds)
 *                                              403 InvalidProviderToken
 *     iat more than 3600 s old                 403 ExpiredProviderToken
 *     a valid token other than the connection's current one is a
 *     change; a change within --token-update-min s of the last change
 *                                              429 TooManyProviderTokenUpdates
 *     (the first token of a connection is not a change; a refused
 *     change leaves the current token in place)
 *   apns-push-type not one of alert background complication controls
 *     fileprovider liveactivity location mdm pushtotalk voip widgets
 *     (absent: alert)                          400 InvalidPushType
 *   apns-priority not 10, 5 or 1, or 10 with background
 *                                              400 BadPriority
 *     (an absent priority with background is accepted)
 *   apns-expiration not 1 to 19 decimal digits 400 BadExpirationDate
 *   apns-collapse-id over 64 bytes             400 BadCollapseId
 *   apns-id not a lowercase 8-4-4-4-12 UUID    400 BadMessageId
 *   apns-topic absent with token auth (with a certificate it defaults to
 *     the UID of its subject; a certificate without one: the same)
 *                                              400 MissingTopic
 *   apns-topic empty, over 255 bytes, or not letters, digits, '.', '-'
 *     and '_'                                  400 BadTopic
 *   --topic T and the topic is not T plus the suffix for the push type
 *     (none for alert, background and mdm; .complication,
 *     .push-type.controls, .pushkit.fileprovider, .push-type.liveactivity,
 *     .location-query, .voip-ptt, .voip, .push-type.widgets)
 *                                              400 DeviceTokenNotForTopic
 *     (the token belongs to the app, so a topic that is not the app's
 *     topic for that type is not the token's; BadTopic is kept for a
 *     topic that cannot be one)
 *   empty body                                 400 PayloadEmpty
 *   body over 4096 bytes, 5120 for voip        413 PayloadTooLarge
 *   then --reject-token, --reject-nth, --fail-nth-once, else 200.
 * Every response has an apns-id header: the request's when it was valid,
 * else a new random lowercase UUID.  200 has no body; an error has
 * content-type application/json and {"reason":"R"} (410:
 * {"reason":"R","timestamp":MS}).
 *
 * Log lines (one event each; values are escaped as \xNN where they are
 * not printable ASCII, or are ' ', '"' or '\\'; "-" marks a value the
 * request lacks):
 *   connection N
 *   handshake ok version=TLS1.3 alpn=h2|- client="RFC 4514 DN"|client=-
 *   client certificate refused reason="..."   it did not verify; then:
 *   handshake failed error="..."          then maybe: sent alert name=...
 *   sent alert name=no_application_protocol   client offered no ALPN
 *   stalled                               --stall, then client eof or
 *                                         client error error="..."
 *   settings max-streams=N                a SETTINGS we sent
 *   request stream=S token=HEX|- topic=T|- push-type=P priority=P|-
 *       expiration=E|- collapse-id=C|- apns-id=U|- auth=A payload=HEX
 *     (one line) for every complete request.  token: lowercase hex of a
 *     valid token, else the text after /3/device/ as sent, else "-".
 *     topic: the effective one (the certificate's UID when defaulted).
 *     push-type: the effective one (alert when absent).  A: "cert",
 *     "none" (no authorization header), or "jwt kid=K iss=T iat=N" with
 *     "-" for what could not be read.  payload: the body in hex (empty
 *     for none; "-" when over 8192 bytes)
 *   response stream=S status=200 apns-id=U
 *   response stream=S status=400 reason=BadDeviceToken
 *   response stream=S status=410 reason=Unregistered timestamp=MS
 *     (once the response's last frame is sent)
 *   reset stream=S error=PROTOCOL_ERROR|REFUSED_STREAM|... an RST_STREAM
 *     we sent (nghttp2's own ones too)
 *   refused stream=S                      above a GOAWAY's last stream:
 *                                         never processed (a stream
 *                                         opened after the GOAWAY gets
 *                                         no RST_STREAM: the GOAWAY
 *                                         already refused it)
 *   goaway last-stream=S error=NO_ERROR debug={"reason":"Shutdown"}
 *     a GOAWAY we sent (nghttp2's own on a protocol error too, with its
 *     error and debug text)
 *   client goaway last-stream=S error=E debug=D
 *   client reset stream=S error=E
 *   client ping
 *   client close-notify / client eof / client error error="..."
 *   send failed error="..."               TLS or nghttp2 could not send
 *   count requests=N                      --count-only, at the end
 *   closed                                after close_notify (ours,
 *                                         answering the client's or
 *                                         after our or nghttp2's GOAWAY)
 *   closed tcp                            without one (client EOF or
 *                                         error, --close-after, a
 *                                         refused handshake; or the
 *                                         client left before ours)
 * After our close_notify (or --close-after's FIN) the mock reads and drops
 * what the client still sends until it closes, at most 2 s, so that a RST
 * does not destroy what was sent.
 *   deadline                              --max-seconds ran out
 *
 * Exit status: 0 after serving --connections connections, 1 on a setup
 * failure, 2 on a usage error, 3 when --max-seconds ran out first (always
 * the end with --connections 0, unless a signal stops it).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1		/* POLLRDHUP */
#endif

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <sys/socket.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <jansson.h>
#include <nghttp2/nghttp2.h>

#include "mock-common.h"

#define TOKEN_MIN	32	/* device token bytes */
#define TOKEN_MAX	100
#define PAYLOAD_MAX	4096
#define PAYLOAD_MAX_VOIP 5120
#define COLLAPSE_MAX	64
#define TOPIC_MAX	255
#define BODY_KEEP	8192	/* body bytes kept for the log */
#define VALUE_KEEP	4096	/* bytes kept of one header value */
#define NAMES_MAX	32	/* other header names tracked for repeats */
#define NAME_KEEP	64
#define REASON_MAX	64
#define JWT_MAX_AGE	3600
#define JWT_MAX_AHEAD	300
#define LINGER_MS	2000
#define UUID_LEN	36

/* An answer the options impose: --reject-token/-nth, --fail-nth-once. */
struct rule {
	int on;
	long nth;
	int status;
	char reason[REASON_MAX];
	unsigned char token[TOKEN_MAX];
	size_t token_len;
};

static struct {
	const char *cert, *key, *client_ca, *log;
	const char *auth_pub, *auth_key_id, *auth_team_id, *topic;
	const char *goaway_reason;
	long port, connections, max_seconds;
	long max_streams, lower_after, lower_to;
	long goaway_after, close_after, delay_ms, token_update_min;
	int token_one_stream, stall, no_alpn, allow_no_alpn, count_only;
	int expire_first_token;
	struct rule reject_token, reject_nth, fail_once;
} opt = {
	.connections = 1,
	.max_seconds = 30,
	.max_streams = 1000,
	.token_update_min = 1200,
	.goaway_reason = "Shutdown",
};

static gnutls_pubkey_t auth_pub;

/* --expire-first-token: the first valid token seen, on any connection,
 * and only that one, is treated as over an hour old. */
static int
expired_by_option(const char *jwt)
{
	static char *first;

	if (!opt.expire_first_token)
		return 0;
	if (first == NULL && (first = strdup(jwt)) == NULL)
		fatalx("out of memory");
	return strcmp(first, jwt) == 0;
}

/* Device tokens --fail-nth-once has failed, on any connection. */
static struct {
	unsigned char (*tok)[TOKEN_MAX];
	size_t *len;
	size_t n, cap;
} failed;

/* The headers a request is checked on. */
enum hdr {
	H_METHOD, H_SCHEME, H_PATH, H_AUTHORITY, H_AUTHORIZATION, H_PUSH_TYPE,
	H_ID, H_EXPIRATION, H_PRIORITY, H_TOPIC, H_COLLAPSE_ID, H_COUNT
};

static const char *const hdr_name[H_COUNT] = {
	":method", ":scheme", ":path", ":authority", "authorization",
	"apns-push-type", "apns-id", "apns-expiration", "apns-priority",
	"apns-topic", "apns-collapse-id",
};

/* Push types and the suffix each adds to the bundle ID (PROTOCOL.md 3.4). */
static const struct {
	const char *type, *suffix;
} push_types[] = {
	{ "alert", "" },
	{ "background", "" },
	{ "complication", ".complication" },
	{ "controls", ".push-type.controls" },
	{ "fileprovider", ".pushkit.fileprovider" },
	{ "liveactivity", ".push-type.liveactivity" },
	{ "location", ".location-query" },
	{ "mdm", "" },
	{ "pushtotalk", ".voip-ptt" },
	{ "voip", ".voip" },
	{ "widgets", ".push-type.widgets" },
};

/* One request stream. */
struct stream {
	int32_t id;
	struct stream *next, *prev;
	char *val[H_COUNT];	/* NUL-terminated, at most VALUE_KEEP bytes */
	size_t len[H_COUNT];	/* the value's real length */
	char names[NAMES_MAX][NAME_KEEP];	/* other headers seen */
	size_t nnames;
	int duplicate;		/* a header was repeated */
	unsigned char body[BODY_KEEP];
	size_t body_len;	/* bytes received (may exceed BODY_KEEP) */
	int done;		/* the request is complete */
	int refused;		/* above a GOAWAY's last stream */
	long long due;		/* --delay-ms: when to answer; -1: not waiting */
	/* The verdict and what the log says of the request. */
	int status;		/* 0: reset the stream instead */
	const char *reason;
	long long timestamp;	/* 410 */
	char apns_id[UUID_LEN + 1];
	unsigned char token[TOKEN_MAX];
	size_t token_len;	/* 0: not a valid token */
	const char *push_type;
	const char *topic;	/* effective topic, or NULL */
	int jwt_ok;		/* authenticated by a valid token */
	char auth[600];
	char json[160];		/* the error body */
	size_t json_len, json_off;
};

/* One connection. */
struct conn {
	struct mock_tls t;
	nghttp2_session *h2;
	struct stream *streams, *last;	/* the open ones, oldest first */
	int32_t *rst;		/* streams to refuse after our GOAWAY */
	size_t nrst;
	int goaway_out;		/* our GOAWAY is in the chunk being sent */
	int cert_auth;		/* a verified client certificate */
	char cert_uid[256];	/* UID of its subject, or "" */
	char *jwt;		/* the current provider token, verified */
	char jwt_kid[256], jwt_iss[256];
	long long jwt_iat;
	long long last_change;	/* ms, CLOCK_MONOTONIC; -1: none yet */
	int token_accepted;	/* --token-one-stream: a JWT request got 200 */
	long requests, responses;
	int32_t goaway_at;	/* --goaway-after: the N-th request's
				 * stream; those above are refused */
	int goaway;		/* we submitted a GOAWAY */
	int32_t goaway_last;
	int32_t max_stream;	/* the highest stream a HEADERS opened */
	int close_tcp;		/* --close-after: close once this is sent */
	int peer_gone;		/* PEER_*: the client closed or failed */
};

void
usage(int status)
{
	fputs(
"usage: mockh2 --cert FILE --key FILE --client-ca FILE --log FILE\n"
"              [--port N] [--connections N|0] [--max-seconds N]\n"
"              [--auth-pub FILE] [--auth-key-id K] [--auth-team-id T]\n"
"              [--token-update-min S] [--topic T]\n"
"              [--max-streams N] [--token-one-stream]\n"
"              [--lower-streams-after K:N]\n"
"              [--reject-token HEX:STATUS:REASON]\n"
"              [--reject-nth K:STATUS:REASON]\n"
"              [--fail-nth-once K:STATUS:REASON] [--expire-first-token]\n"
"              [--goaway-after N [--goaway-reason R]] [--close-after N]\n"
"              [--stall] [--no-alpn] [--allow-no-alpn] [--delay-ms MS]\n"
"              [--count-only]\n",
	    status ? stderr : stdout);
	exit(status);
}

/* ---- options ------------------------------------------------------------ */

/* Split "A:B" (A up to 31 characters) at the first colon: A into a, B's
 * start returned; NULL when there is no colon. */
static const char *
split_colon(const char *s, char *a, size_t asz)
{
	const char *colon = strchr(s, ':');

	if (colon == NULL || (size_t)(colon - s) >= asz)
		return NULL;
	memcpy(a, s, (size_t)(colon - s));
	a[colon - s] = '\0';
	return colon + 1;
}

/* "STATUS:REASON" into r. */
static void
status_reason_arg(const char *name, const char *s, struct rule *r)
{
	char st[32];
	const char *reason = split_colon(s, st, sizeof(st));
	size_t i;

	if (reason == NULL)
		usagex("--%s: expected ...:STATUS:REASON", name);
	r->status = (int)num_arg(name, st, 400, 599);
	if (*reason == '\0' || strlen(reason) >= sizeof(r->reason))
		usagex("--%s: REASON must be 1 to %zu characters", name,
		    sizeof(r->reason) - 1);
	for (i = 0; reason[i] != '\0'; i++)
		if (!((reason[i] >= 'a' && reason[i] <= 'z') ||
		    (reason[i] >= 'A' && reason[i] <= 'Z') ||
		    (reason[i] >= '0' && reason[i] <= '9')))
			usagex("--%s: REASON is letters and digits", name);
	strcpy(r->reason, reason);
	r->on = 1;
}

/* "K:STATUS:REASON". */
static void
nth_arg(const char *name, const char *s, struct rule *r)
{
	char k[32];
	const char *rest = split_colon(s, k, sizeof(k));

	if (rest == NULL)
		usagex("--%s: expected K:STATUS:REASON", name);
	r->nth = num_arg(name, k, 1, LONG_MAX);
	status_reason_arg(name, rest, r);
}

/* Decode hex s[0..n) into out (at most max bytes); its length, or -1. */
static long
unhex(const char *s, size_t n, unsigned char *out, size_t max)
{
	size_t i;
	int hi, lo;

	if (n % 2 != 0 || n / 2 > max)
		return -1;
	for (i = 0; i < n / 2; i++) {
		hi = hexval((unsigned char)s[2 * i]);
		lo = hexval((unsigned char)s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return (long)(n / 2);
}

/* "HEX:STATUS:REASON". */
static void
token_arg(const char *s)
{
	const char *colon = strchr(s, ':');
	long n;

	if (colon == NULL)
		usagex("--reject-token: expected HEX:STATUS:REASON");
	n = unhex(s, (size_t)(colon - s), opt.reject_token.token, TOKEN_MAX);
	if (n <= 0)
		usagex("--reject-token: the token must be 1 to %d bytes of hex",
		    TOKEN_MAX);
	opt.reject_token.token_len = (size_t)n;
	status_reason_arg("reject-token", colon + 1, &opt.reject_token);
}

static void
parse_args(int argc, char **argv)
{
	enum {
		O_CERT = 256, O_KEY, O_CLIENT_CA, O_LOG, O_PORT, O_CONNECTIONS,
		O_MAX_SECONDS, O_AUTH_PUB, O_AUTH_KEY_ID, O_AUTH_TEAM_ID,
		O_TOKEN_UPDATE_MIN, O_TOPIC, O_MAX_STREAMS, O_TOKEN_ONE_STREAM,
		O_LOWER_STREAMS_AFTER, O_REJECT_TOKEN, O_REJECT_NTH,
		O_FAIL_NTH_ONCE, O_GOAWAY_AFTER, O_GOAWAY_REASON, O_EXPIRE_FIRST,
		O_CLOSE_AFTER, O_STALL, O_NO_ALPN, O_ALLOW_NO_ALPN,
		O_DELAY_MS, O_COUNT_ONLY, O_HELP,
	};
	static const struct option longopts[] = {
		{ "cert", required_argument, NULL, O_CERT },
		{ "key", required_argument, NULL, O_KEY },
		{ "client-ca", required_argument, NULL, O_CLIENT_CA },
		{ "log", required_argument, NULL, O_LOG },
		{ "port", required_argument, NULL, O_PORT },
		{ "connections", required_argument, NULL, O_CONNECTIONS },
		{ "max-seconds", required_argument, NULL, O_MAX_SECONDS },
		{ "auth-pub", required_argument, NULL, O_AUTH_PUB },
		{ "auth-key-id", required_argument, NULL, O_AUTH_KEY_ID },
		{ "auth-team-id", required_argument, NULL, O_AUTH_TEAM_ID },
		{ "token-update-min", required_argument, NULL,
		    O_TOKEN_UPDATE_MIN },
		{ "topic", required_argument, NULL, O_TOPIC },
		{ "max-streams", required_argument, NULL, O_MAX_STREAMS },
		{ "token-one-stream", no_argument, NULL, O_TOKEN_ONE_STREAM },
		{ "lower-streams-after", required_argument, NULL,
		    O_LOWER_STREAMS_AFTER },
		{ "reject-token", required_argument, NULL, O_REJECT_TOKEN },
		{ "reject-nth", required_argument, NULL, O_REJECT_NTH },
		{ "fail-nth-once", required_argument, NULL, O_FAIL_NTH_ONCE },
		{ "expire-first-token", no_argument, NULL, O_EXPIRE_FIRST },
		{ "goaway-after", required_argument, NULL, O_GOAWAY_AFTER },
		{ "goaway-reason", required_argument, NULL, O_GOAWAY_REASON },
		{ "close-after", required_argument, NULL, O_CLOSE_AFTER },
		{ "stall", no_argument, NULL, O_STALL },
		{ "no-alpn", no_argument, NULL, O_NO_ALPN },
		{ "allow-no-alpn", no_argument, NULL, O_ALLOW_NO_ALPN },
		{ "delay-ms", required_argument, NULL, O_DELAY_MS },
		{ "count-only", no_argument, NULL, O_COUNT_ONLY },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	char k[32];
	const char *rest;
	size_t i;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case O_CERT:
			opt.cert = optarg;
			break;
		case O_KEY:
			opt.key = optarg;
			break;
		case O_CLIENT_CA:
			opt.client_ca = optarg;
			break;
		case O_LOG:
			opt.log = optarg;
			break;
		case O_PORT:
			opt.port = num_arg("port", optarg, 0, 65535);
			break;
		case O_CONNECTIONS:
			opt.connections = num_arg("connections", optarg, 0,
			    100000);
			break;
		case O_MAX_SECONDS:
			opt.max_seconds = num_arg("max-seconds", optarg, 1,
			    86400);
			break;
		case O_AUTH_PUB:
			opt.auth_pub = optarg;
			break;
		case O_AUTH_KEY_ID:
			opt.auth_key_id = optarg;
			break;
		case O_AUTH_TEAM_ID:
			opt.auth_team_id = optarg;
			break;
		case O_TOKEN_UPDATE_MIN:
			opt.token_update_min = num_arg("token-update-min",
			    optarg, 0, 86400);
			break;
		case O_TOPIC:
			opt.topic = optarg;
			break;
		case O_MAX_STREAMS:
			opt.max_streams = num_arg("max-streams", optarg, 0,
			    INT32_MAX);
			break;
		case O_TOKEN_ONE_STREAM:
			opt.token_one_stream = 1;
			break;
		case O_LOWER_STREAMS_AFTER:
			if ((rest = split_colon(optarg, k, sizeof(k))) == NULL)
				usagex("--lower-streams-after: expected K:N");
			opt.lower_after = num_arg("lower-streams-after K", k,
			    1, LONG_MAX);
			opt.lower_to = num_arg("lower-streams-after N", rest,
			    0, INT32_MAX);
			break;
		case O_REJECT_TOKEN:
			token_arg(optarg);
			break;
		case O_REJECT_NTH:
			nth_arg("reject-nth", optarg, &opt.reject_nth);
			break;
		case O_FAIL_NTH_ONCE:
			nth_arg("fail-nth-once", optarg, &opt.fail_once);
			break;
		case O_EXPIRE_FIRST:
			opt.expire_first_token = 1;
			break;
		case O_GOAWAY_AFTER:
			opt.goaway_after = num_arg("goaway-after", optarg, 1,
			    LONG_MAX);
			break;
		case O_GOAWAY_REASON:
			opt.goaway_reason = optarg;
			break;
		case O_CLOSE_AFTER:
			opt.close_after = num_arg("close-after", optarg, 1,
			    LONG_MAX);
			break;
		case O_STALL:
			opt.stall = 1;
			break;
		case O_NO_ALPN:
			opt.no_alpn = 1;
			break;
		case O_ALLOW_NO_ALPN:
			opt.allow_no_alpn = 1;
			break;
		case O_DELAY_MS:
			opt.delay_ms = num_arg("delay-ms", optarg, 0,
			    86400L * 1000);
			break;
		case O_COUNT_ONLY:
			opt.count_only = 1;
			break;
		case O_HELP:
			usage(0);
		case ':':
			usagex("%s needs a value", argv[optind - 1]);
		default:
			usagex("unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		usagex("unexpected argument \"%s\"", argv[optind]);
	if (opt.cert == NULL || opt.key == NULL || opt.client_ca == NULL ||
	    opt.log == NULL)
		usagex("--cert, --key, --client-ca and --log are required");
	if (opt.goaway_after && opt.close_after)
		usagex("give --goaway-after or --close-after, not both");
	/* It goes into JSON as it is: keep it to what needs no escaping. */
	for (i = 0; opt.goaway_reason[i] != '\0'; i++)
		if (opt.goaway_reason[i] == '"' ||
		    opt.goaway_reason[i] == '\\' ||
		    (unsigned char)opt.goaway_reason[i] < 0x20)
			usagex("--goaway-reason: no quotes, backslashes or "
			    "control characters");
	if (strlen(opt.goaway_reason) > 200)
		usagex("--goaway-reason: at most 200 characters");
}

/* ---- helpers -------------------------------------------------------------- */

static long long
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A new random lowercase UUID (version 4) in out[UUID_LEN + 1]. */
static void
new_uuid(char *out)
{
	unsigned char b[16];

	if (gnutls_rnd(GNUTLS_RND_NONCE, b, sizeof(b)) < 0)
		fatalx("gnutls_rnd failed");
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, UUID_LEN + 1,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
	    b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* Canonical lowercase 8-4-4-4-12. */
static int
is_uuid(const char *s, size_t len)
{
	size_t i;

	if (len != UUID_LEN)
		return 0;
	for (i = 0; i < len; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return 1;
}

static int
all_digits(const char *s, size_t len, size_t max)
{
	size_t i;

	if (len == 0 || len > max)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int
is_topic(const char *s, size_t len)
{
	size_t i;
	char ch;

	if (len == 0 || len > TOPIC_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' ||
		    ch == '_'))
			return 0;
	}
	return 1;
}

/*
 * Strict base64url (RFC 4648 section 5, no padding) of in[0..n) into a
 * malloc'd buffer; its length in *outlen.  NULL when it is not that.
 */
static unsigned char *
b64url_decode(const char *in, size_t n, size_t *outlen)
{
	unsigned char *out;
	unsigned long acc = 0;
	size_t i, o = 0;
	int bits = 0, v;
	char ch;

	if (n % 4 == 1)
		return NULL;
	if ((out = malloc(n * 3 / 4 + 1)) == NULL)
		fatalx("out of memory");
	for (i = 0; i < n; i++) {
		ch = in[i];
		if (ch >= 'A' && ch <= 'Z')
			v = ch - 'A';
		else if (ch >= 'a' && ch <= 'z')
			v = ch - 'a' + 26;
		else if (ch >= '0' && ch <= '9')
			v = ch - '0' + 52;
		else if (ch == '-')
			v = 62;
		else if (ch == '_')
			v = 63;
		else {
			free(out);
			return NULL;
		}
		acc = (acc << 6 | (unsigned long)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	/* The bits left over must be zero (one encoding per value). */
	if (bits > 0 && (acc & ((1ul << bits) - 1)) != 0) {
		free(out);
		return NULL;
	}
	*outlen = o;
	return out;
}

/* A JSON object from b64url text, or NULL. */
static json_t *
b64url_json(const char *in, size_t n)
{
	unsigned char *raw;
	size_t len;
	json_t *j;

	if ((raw = b64url_decode(in, n, &len)) == NULL)
		return NULL;
	j = json_loadb((const char *)raw, len, JSON_REJECT_DUPLICATES, NULL);
	free(raw);
	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* ---- authentication --------------------------------------------------------- */

/* Verify ES256 over signed[0..n) with sig (64 bytes R||S). */
static int
es256_ok(const char *signed_part, size_t n, const unsigned char *sig,
    size_t siglen)
{
	gnutls_datum_t r = { (unsigned char *)sig, 32 };
	gnutls_datum_t s = { (unsigned char *)sig + 32, 32 };
	gnutls_datum_t der = { NULL, 0 };
	gnutls_datum_t data = { (unsigned char *)signed_part, (unsigned)n };
	int ok;

	if (auth_pub == NULL || siglen != 64)
		return 0;
	if (gnutls_encode_rs_value(&der, &r, &s) < 0)
		return 0;
	ok = gnutls_pubkey_verify_data2(auth_pub, GNUTLS_SIGN_ECDSA_SHA256, 0,
	    &data, &der) >= 0;
	gnutls_free(der.data);
	return ok;
}

/* Fill st->auth from what a token said. */
static void
auth_line(struct stream *st, const char *kid, const char *iss,
    const char *iat)
{
	char k[256], i[256];

	escape(kid, strlen(kid), 0, k, sizeof(k));
	escape(iss, strlen(iss), 0, i, sizeof(i));
	snprintf(st->auth, sizeof(st->auth), "jwt kid=%s iss=%s iat=%s", k, i,
	    iat);
}

/*
 * Check the request's provider token.  0 when it is valid (st->jwt_ok),
 * else the status, with st->reason set.
 */
static int
check_jwt(struct conn *c, struct stream *st)
{
	const char *v = st->val[H_AUTHORIZATION], *jwt, *dot1, *dot2, *end;
	const char *kid = "-", *iss = "-";
	char iat_s[32] = "-";
	json_t *hdr = NULL, *claims = NULL, *j;
	unsigned char *sig = NULL;
	size_t siglen = 0;
	long long iat = 0, now = wall_ms() / 1000;
	int status = 403;

	if (v == NULL) {
		st->reason = "MissingProviderToken";
		return 403;
	}
	if (st->len[H_AUTHORIZATION] < 8 || strncasecmp(v, "bearer ", 7) != 0) {
		st->reason = "MissingProviderToken";
		return 403;
	}
	jwt = v + 7;
	st->reason = "InvalidProviderToken";
	if (c->jwt != NULL && strcmp(c->jwt, jwt) == 0 &&
	    st->len[H_AUTHORIZATION] <= VALUE_KEEP) {
		/* The connection's token, verified already. */
		iat = c->jwt_iat;
		snprintf(iat_s, sizeof(iat_s), "%lld", iat);
		auth_line(st, c->jwt_kid, c->jwt_iss, iat_s);
		goto age;
	}
	end = jwt + strlen(jwt);
	if (st->len[H_AUTHORIZATION] > VALUE_KEEP ||
	    (dot1 = strchr(jwt, '.')) == NULL ||
	    (dot2 = strchr(dot1 + 1, '.')) == NULL ||
	    strchr(dot2 + 1, '.') != NULL)
		goto out;
	hdr = b64url_json(jwt, (size_t)(dot1 - jwt));
	claims = b64url_json(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	sig = b64url_decode(dot2 + 1, (size_t)(end - dot2 - 1), &siglen);
	if (hdr != NULL && json_is_string(j = json_object_get(hdr, "kid")))
		kid = json_string_value(j);
	if (claims != NULL && json_is_string(j = json_object_get(claims, "iss")))
		iss = json_string_value(j);
	if (claims != NULL && json_is_integer(j = json_object_get(claims, "iat"))) {
		iat = json_integer_value(j);
		snprintf(iat_s, sizeof(iat_s), "%lld", iat);
	}
	auth_line(st, kid, iss, iat_s);
	if (hdr == NULL || claims == NULL || sig == NULL)
		goto out;
	if (!json_is_string(j = json_object_get(hdr, "alg")) ||
	    strcmp(json_string_value(j), "ES256") != 0)
		goto out;
	if (!json_is_string(json_object_get(hdr, "kid")))
		goto out;
	if (opt.auth_key_id != NULL && strcmp(kid, opt.auth_key_id) != 0)
		goto out;
	if (!json_is_string(json_object_get(claims, "iss")) ||
	    (opt.auth_team_id != NULL && strcmp(iss, opt.auth_team_id) != 0))
		goto out;
	if (strcmp(iat_s, "-") == 0 || iat < 0 || iat > now + JWT_MAX_AHEAD)
		goto out;
	if (!es256_ok(jwt, (size_t)(dot2 - jwt), sig, siglen))
		goto out;
	if (now - iat > JWT_MAX_AGE || expired_by_option(jwt)) {
		st->reason = "ExpiredProviderToken";
		goto out;
	}
	/* Valid and new to this connection: a change, unless the first. */
	if (c->jwt != NULL) {
		if (opt.token_update_min > 0 && c->last_change >= 0 &&
		    now_ms() - c->last_change < opt.token_update_min * 1000) {
			st->reason = "TooManyProviderTokenUpdates";
			status = 429;
			goto out;
		}
		c->last_change = now_ms();
	}
	free(c->jwt);
	if ((c->jwt = strdup(jwt)) == NULL)
		fatalx("out of memory");
	c->jwt_iat = iat;
	snprintf(c->jwt_kid, sizeof(c->jwt_kid), "%s", kid);
	snprintf(c->jwt_iss, sizeof(c->jwt_iss), "%s", iss);
age:
	if (now - iat > JWT_MAX_AGE || expired_by_option(jwt)) {
		st->reason = "ExpiredProviderToken";
		goto out;
	}
	st->jwt_ok = 1;
	st->reason = NULL;
	status = 0;
out:
	json_decref(hdr);
	json_decref(claims);
	free(sig);
	return status;
}

/* ---- the verdict ------------------------------------------------------------ */

static int
rule_token_matches(const struct rule *r, const struct stream *st)
{
	return st->token_len == r->token_len &&
	    memcmp(st->token, r->token, r->token_len) == 0;
}

/* --fail-nth-once: fail st's token unless failed before; 1 if so. */
static int
fail_once(const struct stream *st)
{
	size_t i;

	for (i = 0; i < failed.n; i++)
		if (failed.len[i] == st->token_len &&
		    memcmp(failed.tok[i], st->token, st->token_len) == 0)
			return 0;
	if (failed.n == failed.cap) {
		failed.cap = failed.cap ? 2 * failed.cap : 16;
		failed.tok = realloc(failed.tok, failed.cap * sizeof(*failed.tok));
		failed.len = realloc(failed.len, failed.cap * sizeof(*failed.len));
		if (failed.tok == NULL || failed.len == NULL)
			fatalx("out of memory");
	}
	memcpy(failed.tok[failed.n], st->token, st->token_len);
	failed.len[failed.n++] = st->token_len;
	return 1;
}

/* Set st->status (0: reset) and st->reason from rule r. */
static int
apply_rule(struct stream *st, const struct rule *r)
{
	st->status = r->status;
	st->reason = r->reason;
	return r->status;
}

static int
fail(struct stream *st, int status, const char *reason)
{
	st->status = status;
	st->reason = reason;
	return status;
}

/* The suffix a push type adds to the topic, or NULL for an unknown type. */
static const char *
type_suffix(const char *type, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(push_types) / sizeof(push_types[0]); i++)
		if (strlen(push_types[i].type) == len &&
		    memcmp(push_types[i].type, type, len) == 0)
			return push_types[i].suffix;
	return NULL;
}

/* Check the request (the header comment's list); sets st->status. */
static int
verdict(struct conn *c, struct stream *st, long nth)
{
	static const char prefix[] = "/3/device/";
	const size_t plen = sizeof(prefix) - 1;
	const char *path = st->val[H_PATH], *suffix, *bundle, *v;
	size_t tlen, limit, blen;
	long n;
	int r;

	/* What the log line shows, whatever fails. */
	st->push_type = st->val[H_PUSH_TYPE] != NULL ? st->val[H_PUSH_TYPE] :
	    "alert";
	suffix = type_suffix(st->push_type, strlen(st->push_type));
	snprintf(st->auth, sizeof(st->auth), "%s", c->cert_auth ? "cert" :
	    st->val[H_AUTHORIZATION] == NULL ? "none" : "jwt kid=- iss=- iat=-");
	st->topic = st->val[H_TOPIC];
	if (st->topic == NULL && c->cert_auth && c->cert_uid[0] != '\0')
		st->topic = c->cert_uid;

	/* nghttp2 has made sure of :method, :scheme and :path. */
	if (st->val[H_METHOD] == NULL || path == NULL ||
	    st->val[H_SCHEME] == NULL ||
	    strcmp(st->val[H_SCHEME], "https") != 0 ||
	    st->val[H_AUTHORITY] == NULL)
		return fail(st, 0, NULL);
	if (strcmp(st->val[H_METHOD], "POST") != 0)
		return fail(st, 405, "MethodNotAllowed");
	if (st->duplicate)
		return fail(st, 400, "DuplicateHeaders");
	if (st->len[H_PATH] < plen || memcmp(path, prefix, plen) != 0)
		return fail(st, 404, "BadPath");
	tlen = st->len[H_PATH] - plen;
	if (tlen == 0)
		return fail(st, 400, "MissingDeviceToken");
	/* unhex refuses a length over TOKEN_MAX bytes before reading. */
	n = unhex(path + plen, tlen, st->token, TOKEN_MAX);
	if (n < TOKEN_MIN)
		return fail(st, 400, "BadDeviceToken");
	st->token_len = (size_t)n;

	if (!c->cert_auth && (r = check_jwt(c, st)) != 0)
		return fail(st, r, st->reason);

	if (suffix == NULL)
		return fail(st, 400, "InvalidPushType");
	if ((v = st->val[H_PRIORITY]) != NULL &&
	    ((strcmp(v, "10") != 0 && strcmp(v, "5") != 0 &&
	    strcmp(v, "1") != 0) ||
	    (strcmp(st->push_type, "background") == 0 && strcmp(v, "10") == 0)))
		return fail(st, 400, "BadPriority");
	if ((v = st->val[H_EXPIRATION]) != NULL &&
	    !all_digits(v, st->len[H_EXPIRATION], 19))
		return fail(st, 400, "BadExpirationDate");
	if (st->val[H_COLLAPSE_ID] != NULL &&
	    st->len[H_COLLAPSE_ID] > COLLAPSE_MAX)
		return fail(st, 400, "BadCollapseId");
	if ((v = st->val[H_ID]) != NULL && !is_uuid(v, st->len[H_ID]))
		return fail(st, 400, "BadMessageId");
	if (st->topic == NULL)
		return fail(st, 400, "MissingTopic");
	if (st->val[H_TOPIC] != NULL &&
	    !is_topic(st->val[H_TOPIC], st->len[H_TOPIC]))
		return fail(st, 400, "BadTopic");
	if ((bundle = opt.topic) != NULL) {
		blen = strlen(bundle);
		if (strncmp(st->topic, bundle, blen) != 0 ||
		    strcmp(st->topic + blen, suffix) != 0)
			return fail(st, 400, "DeviceTokenNotForTopic");
	}
	limit = strcmp(st->push_type, "voip") == 0 ? PAYLOAD_MAX_VOIP :
	    PAYLOAD_MAX;
	if (st->body_len == 0)
		return fail(st, 400, "PayloadEmpty");
	if (st->body_len > limit)
		return fail(st, 413, "PayloadTooLarge");

	if (opt.reject_token.on && rule_token_matches(&opt.reject_token, st))
		return apply_rule(st, &opt.reject_token);
	if (opt.reject_nth.on && nth == opt.reject_nth.nth)
		return apply_rule(st, &opt.reject_nth);
	if (opt.fail_once.on && nth == opt.fail_once.nth && fail_once(st))
		return apply_rule(st, &opt.fail_once);
	return fail(st, 200, NULL);
}

/* ---- logging ----------------------------------------------------------------- */

/* An escaped log field of at most 1 KiB, or "-" for NULL. */
static const char *
field(const char *v, char *out, size_t outsz)
{
	if (v == NULL)
		return "-";
	return escape(v, strlen(v), 0, out, outsz);
}

static void
log_request(const struct stream *st)
{
	static const char prefix[] = "/3/device/";
	const size_t plen = sizeof(prefix) - 1;
	char tok[1024], topic[1024], type[256], prio[256], exp[256];
	char coll[1024], id[256];
	char *payload = NULL;

	if (st->token_len > 0) {
		payload = hex(st->token, st->token_len);
		snprintf(tok, sizeof(tok), "%s", payload);
		free(payload);
	} else if (st->len[H_PATH] > plen &&
	    memcmp(st->val[H_PATH], prefix, plen) == 0)
		field(st->val[H_PATH] + plen, tok, sizeof(tok));
	else
		strcpy(tok, "-");
	payload = st->body_len <= BODY_KEEP ? hex(st->body, st->body_len) :
	    NULL;
	logev("request stream=%d token=%s topic=%s push-type=%s priority=%s "
	    "expiration=%s collapse-id=%s apns-id=%s auth=%s payload=%s",
	    st->id, tok, field(st->topic, topic, sizeof(topic)),
	    field(st->push_type, type, sizeof(type)),
	    field(st->val[H_PRIORITY], prio, sizeof(prio)),
	    field(st->val[H_EXPIRATION], exp, sizeof(exp)),
	    field(st->val[H_COLLAPSE_ID], coll, sizeof(coll)),
	    field(st->val[H_ID], id, sizeof(id)), st->auth,
	    payload != NULL ? payload : "-");
	free(payload);
}

static void
log_response(const struct stream *st)
{
	if (opt.count_only)
		return;
	if (st->status == 200)
		logev("response stream=%d status=200 apns-id=%s", st->id,
		    st->apns_id);
	else if (st->status == 410)
		logev("response stream=%d status=410 reason=%s timestamp=%lld",
		    st->id, st->reason, st->timestamp);
	else
		logev("response stream=%d status=%d reason=%s", st->id,
		    st->status, st->reason);
}

/* ---- HTTP/2 ------------------------------------------------------------------ */

/* nghttp2 would not take a frame (the session is ending, say): a line, and
 * on with what it does send. */
static void
submit_failed(int r)
{
	logev("send failed error=\"nghttp2: %s\"", nghttp2_strerror(r));
}

static void
submit_max_streams(struct conn *c, long n)
{
	nghttp2_settings_entry iv = {
		NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, (uint32_t)n
	};

	int r;

	if ((r = nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, &iv, 1)) != 0)
		submit_failed(r);
}

/* Never process st: goaway() refuses it. */
static void
refuse(struct stream *st)
{
	st->refused = 1;
	st->due = -1;
}

/* --goaway-after: GOAWAY naming last, and refuse the open streams above. */
static void
goaway(struct conn *c, int32_t last)
{
	char debug[256];
	struct stream *st;
	int n, r;

	c->goaway = 1;
	c->goaway_last = last;
	n = snprintf(debug, sizeof(debug), "{\"reason\":\"%s\"}",
	    opt.goaway_reason);
	if ((r = nghttp2_submit_goaway(c->h2, NGHTTP2_FLAG_NONE, last,
	    NGHTTP2_NO_ERROR, (const uint8_t *)debug, (size_t)n)) != 0) {
		submit_failed(r);
		return;
	}
	/*
	 * The RST_STREAMs are written by hand right after the GOAWAY
	 * (flush): nghttp2 closes these streams itself once the GOAWAY is
	 * out, and drops the last RST_STREAM still queued then, as the
	 * session has nothing left to do.
	 */
	for (st = c->streams; st != NULL; st = st->next) {
		if (st->id <= last)
			continue;
		if (!st->refused)
			logev("refused stream=%d", st->id);
		refuse(st);
		if ((c->rst = realloc(c->rst, (c->nrst + 1) *
		    sizeof(*c->rst))) == NULL)
			fatalx("out of memory");
		c->rst[c->nrst++] = st->id;
	}
}

static ssize_t
read_json(nghttp2_session *h2, int32_t id, uint8_t *buf, size_t length,
    uint32_t *flags, nghttp2_data_source *src, void *ud)
{
	struct stream *st = src->ptr;
	size_t n = st->json_len - st->json_off;

	(void)h2;
	(void)id;
	(void)ud;
	if (n > length)
		n = length;
	memcpy(buf, st->json + st->json_off, n);
	st->json_off += n;
	if (st->json_off == st->json_len)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

#define NV(n, v, vl) { (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, (vl), \
	NGHTTP2_NV_FLAG_NONE }

/* Send the verdict: a response, or RST_STREAM for a malformed request. */
static void
respond(struct conn *c, struct stream *st)
{
	char status[8];
	nghttp2_data_provider dp = { .source.ptr = st, .read_callback = read_json };
	nghttp2_nv nv[] = {
		NV(":status", status, 3),
		NV("apns-id", st->apns_id, UUID_LEN),
		NV("content-type", "application/json", 16),
	};
	int r;

	st->due = -1;
	if (st->status == 0) {
		nghttp2_submit_rst_stream(c->h2, NGHTTP2_FLAG_NONE, st->id,
		    NGHTTP2_PROTOCOL_ERROR);
		if (c->goaway_at == st->id)
			goaway(c, st->id);	/* no response to wait for */
		return;
	}
	snprintf(status, sizeof(status), "%03d", st->status);
	if (st->status == 200) {
		if ((r = nghttp2_submit_response(c->h2, st->id, nv, 2, NULL)) != 0)
			submit_failed(r);
		return;
	}
	if (st->status == 410) {
		st->timestamp = wall_ms();
		st->json_len = (size_t)snprintf(st->json, sizeof(st->json),
		    "{\"reason\":\"%s\",\"timestamp\":%lld}", st->reason,
		    st->timestamp);
	} else
		st->json_len = (size_t)snprintf(st->json, sizeof(st->json),
		    "{\"reason\":\"%s\"}", st->reason);
	if ((r = nghttp2_submit_response(c->h2, st->id, nv, 3, &dp)) != 0)
		submit_failed(r);
}

/* The request on st is complete: judge it, log it, answer or schedule. */
static void
request_done(struct conn *c, struct stream *st)
{
	st->done = 1;
	if (st->refused)
		return;
	if (c->goaway && st->id > c->goaway_last) {
		logev("refused stream=%d", st->id);
		refuse(st);
		return;
	}
	if (c->goaway_at > 0 && st->id > c->goaway_at) {
		/* The GOAWAY to come names goaway_at as the last. */
		logev("refused stream=%d", st->id);
		refuse(st);
		return;
	}
	c->requests++;
	if (opt.goaway_after == c->requests)
		c->goaway_at = st->id;
	verdict(c, st, c->requests);
	if (st->val[H_ID] != NULL && is_uuid(st->val[H_ID], st->len[H_ID]))
		memcpy(st->apns_id, st->val[H_ID], UUID_LEN + 1);
	else
		new_uuid(st->apns_id);
	if (!opt.count_only)
		log_request(st);
	if (opt.delay_ms > 0)
		st->due = now_ms() + opt.delay_ms;
	else
		respond(c, st);
}

/* A response's last frame went out. */
static void
response_sent(struct conn *c, struct stream *st)
{
	c->responses++;
	log_response(st);
	if (st->status == 200 && st->jwt_ok && !c->token_accepted) {
		c->token_accepted = 1;
		if (opt.token_one_stream)
			submit_max_streams(c, opt.max_streams);
	}
	if (opt.lower_after == c->responses)
		submit_max_streams(c, opt.lower_to);
	if (c->goaway_at == st->id)
		goaway(c, st->id);
	if (opt.close_after == c->responses)
		c->close_tcp = 1;
}

static void
stream_free(struct stream *st)
{
	size_t i;

	for (i = 0; i < H_COUNT; i++)
		free(st->val[i]);
	free(st);
}

static struct stream *
stream_of(struct conn *c, int32_t id)
{
	return nghttp2_session_get_stream_user_data(c->h2, id);
}

static int
on_begin_frame(nghttp2_session *h2, const nghttp2_frame_hd *hd, void *ud)
{
	struct conn *c = ud;

	(void)h2;
	/* A new stream nghttp2 will ignore, after our GOAWAY went out. */
	if (hd->type == NGHTTP2_HEADERS && hd->stream_id > c->max_stream) {
		c->max_stream = hd->stream_id;
		if (c->goaway && hd->stream_id > c->goaway_last)
			logev("refused stream=%d", hd->stream_id);
	}
	return 0;
}

static int
on_begin_headers(nghttp2_session *h2, const nghttp2_frame *frame, void *ud)
{
	struct conn *c = ud;
	struct stream *st;

	if (frame->hd.type != NGHTTP2_HEADERS ||
	    frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		fatalx("out of memory");
	st->id = frame->hd.stream_id;
	st->due = -1;
	st->prev = c->last;
	if (c->last != NULL)
		c->last->next = st;
	else
		c->streams = st;
	c->last = st;
	nghttp2_session_set_stream_user_data(h2, st->id, st);
	if (c->goaway && st->id > c->goaway_last)
		refuse(st);	/* logged by on_begin_frame */
	return 0;
}

static int
on_header(nghttp2_session *h2, const nghttp2_frame *frame,
    const uint8_t *name, size_t namelen, const uint8_t *value,
    size_t valuelen, uint8_t flags, void *ud)
{
	struct conn *c = ud;
	struct stream *st = stream_of(c, frame->hd.stream_id);
	size_t i, keep;

	(void)h2;
	(void)flags;
	/* Trailers are not APNs's business: ignored. */
	if (st == NULL || frame->hd.type != NGHTTP2_HEADERS ||
	    frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	for (i = 0; i < H_COUNT; i++) {
		if (strlen(hdr_name[i]) != namelen ||
		    memcmp(hdr_name[i], name, namelen) != 0)
			continue;
		if (st->val[i] != NULL) {
			st->duplicate = 1;
			return 0;
		}
		keep = valuelen < VALUE_KEEP ? valuelen : VALUE_KEEP;
		if ((st->val[i] = malloc(keep + 1)) == NULL)
			fatalx("out of memory");
		memcpy(st->val[i], value, keep);
		st->val[i][keep] = '\0';
		/* nghttp2 refuses NUL, CR and LF in values: one string. */
		st->len[i] = valuelen;
		return 0;
	}
	if (namelen >= NAME_KEEP)
		return 0;
	for (i = 0; i < st->nnames; i++)
		if (strlen(st->names[i]) == namelen &&
		    memcmp(st->names[i], name, namelen) == 0) {
			st->duplicate = 1;
			return 0;
		}
	if (st->nnames < NAMES_MAX) {
		memcpy(st->names[st->nnames], name, namelen);
		st->names[st->nnames++][namelen] = '\0';
	}
	return 0;
}

static int
on_data_chunk(nghttp2_session *h2, uint8_t flags, int32_t id,
    const uint8_t *data, size_t len, void *ud)
{
	struct conn *c = ud;
	struct stream *st = stream_of(c, id);
	size_t room;

	(void)h2;
	(void)flags;
	if (st == NULL || st->refused)
		return 0;
	if (st->body_len < BODY_KEEP) {
		room = BODY_KEEP - st->body_len;
		memcpy(st->body + st->body_len, data, len < room ? len : room);
	}
	st->body_len = st->body_len + len < st->body_len ? SIZE_MAX :
	    st->body_len + len;
	return 0;
}

/* GOAWAY debug data for the log: as it is, but for bytes that are not
 * printable ASCII, spaces and backslashes (\xNN). */
static const char *
debug_field(const uint8_t *d, size_t len, char *out, size_t outsz)
{
	size_t i, o = 0;

	if (len == 0)
		return "-";
	for (i = 0; i < len && o + 5 < outsz; i++) {
		if (d[i] <= 0x20 || d[i] > 0x7e || d[i] == '\\')
			o += (size_t)snprintf(out + o, outsz - o, "\\x%02x",
			    d[i]);
		else
			out[o++] = (char)d[i];
	}
	out[o] = '\0';
	return out;
}

static void
error_names(uint32_t code, char *out, size_t outsz)
{
	snprintf(out, outsz, "%s", nghttp2_http2_strerror(code));
	/* nghttp2 says "unknown" for codes it has no name for. */
	if (strcmp(out, "unknown") == 0)
		snprintf(out, outsz, "0x%lx", (unsigned long)code);
}

static int
on_frame_recv(nghttp2_session *h2, const nghttp2_frame *frame, void *ud)
{
	struct conn *c = ud;
	struct stream *st;
	char err[64], dbg[1024];

	(void)h2;
	switch (frame->hd.type) {
	case NGHTTP2_HEADERS:
	case NGHTTP2_DATA:
		if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) &&
		    (st = stream_of(c, frame->hd.stream_id)) != NULL &&
		    !st->done)
			request_done(c, st);
		break;
	case NGHTTP2_GOAWAY:
		error_names(frame->goaway.error_code, err, sizeof(err));
		logev("client goaway last-stream=%d error=%s debug=%s",
		    frame->goaway.last_stream_id, err,
		    debug_field(frame->goaway.opaque_data,
		    frame->goaway.opaque_data_len, dbg, sizeof(dbg)));
		break;
	case NGHTTP2_RST_STREAM:
		error_names(frame->rst_stream.error_code, err, sizeof(err));
		logev("client reset stream=%d error=%s", frame->hd.stream_id,
		    err);
		break;
	case NGHTTP2_PING:
		if (!(frame->hd.flags & NGHTTP2_FLAG_ACK))
			logev("client ping");
		break;
	}
	return 0;
}

static int
on_frame_send(nghttp2_session *h2, const nghttp2_frame *frame, void *ud)
{
	struct conn *c = ud;
	struct stream *st;
	char err[64], dbg[1024];
	size_t i;

	(void)h2;
	switch (frame->hd.type) {
	case NGHTTP2_HEADERS:
	case NGHTTP2_DATA:
		if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) &&
		    (st = stream_of(c, frame->hd.stream_id)) != NULL)
			response_sent(c, st);
		break;
	case NGHTTP2_SETTINGS:
		if (frame->hd.flags & NGHTTP2_FLAG_ACK)
			break;
		for (i = 0; i < frame->settings.niv; i++)
			if (frame->settings.iv[i].settings_id ==
			    NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS)
				logev("settings max-streams=%lu", (unsigned long)
				    frame->settings.iv[i].value);
		break;
	case NGHTTP2_GOAWAY:
		c->goaway_out = 1;
		error_names(frame->goaway.error_code, err, sizeof(err));
		logev("goaway last-stream=%d error=%s debug=%s",
		    frame->goaway.last_stream_id, err,
		    debug_field(frame->goaway.opaque_data,
		    frame->goaway.opaque_data_len, dbg, sizeof(dbg)));
		break;
	case NGHTTP2_RST_STREAM:
		error_names(frame->rst_stream.error_code, err, sizeof(err));
		logev("reset stream=%d error=%s", frame->hd.stream_id, err);
		break;
	}
	return 0;
}

static int
on_stream_close(nghttp2_session *h2, int32_t id, uint32_t error_code,
    void *ud)
{
	struct conn *c = ud;
	struct stream *st = stream_of(c, id);

	(void)h2;
	(void)error_code;
	if (st == NULL)
		return 0;
	if (st->prev != NULL)
		st->prev->next = st->next;
	else
		c->streams = st->next;
	if (st->next != NULL)
		st->next->prev = st->prev;
	else
		c->last = st->prev;
	stream_free(st);
	nghttp2_session_set_stream_user_data(c->h2, id, NULL);
	return 0;
}

static void
h2_setup(struct conn *c)
{
	nghttp2_session_callbacks *cb;

	if (nghttp2_session_callbacks_new(&cb) != 0)
		fatalx("out of memory");
	nghttp2_session_callbacks_set_on_begin_frame_callback(cb, on_begin_frame);
	nghttp2_session_callbacks_set_on_begin_headers_callback(cb,
	    on_begin_headers);
	nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb,
	    on_data_chunk);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
	nghttp2_session_callbacks_set_on_frame_send_callback(cb, on_frame_send);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb,
	    on_stream_close);
	if (nghttp2_session_server_new(&c->h2, cb, c) != 0)
		fatalx("nghttp2_session_server_new failed");
	nghttp2_session_callbacks_del(cb);
	submit_max_streams(c, !c->cert_auth && opt.token_one_stream ? 1 :
	    opt.max_streams);
}

/* ---- the connection ------------------------------------------------------------- */

/* After our GOAWAY: RST_STREAM REFUSED_STREAM for the streams above it. */
static int
send_refusals(struct conn *c)
{
	uint8_t f[13] = { 0, 0, 4, NGHTTP2_RST_STREAM, 0 };
	size_t i;

	c->goaway_out = 0;
	for (i = 0; i < c->nrst; i++) {
		f[5] = (uint8_t)(c->rst[i] >> 24 & 0x7f);
		f[6] = (uint8_t)(c->rst[i] >> 16);
		f[7] = (uint8_t)(c->rst[i] >> 8);
		f[8] = (uint8_t)c->rst[i];
		f[9] = f[10] = f[11] = 0;
		f[12] = NGHTTP2_REFUSED_STREAM;
		if (tls_send_all(&c->t, f, sizeof(f)) < 0)
			return -1;
		logev("reset stream=%d error=REFUSED_STREAM", c->rst[i]);
	}
	c->nrst = 0;
	return 0;
}

/* Send what nghttp2 has to send, in as few TLS records as fit. */
static int
flush(struct conn *c)
{
	const uint8_t *data;
	ssize_t n;
	char e[1024];
	int r;

	gnutls_record_cork(c->t.s);
	while ((n = nghttp2_session_mem_send(c->h2, &data)) > 0) {
		if (tls_send_all(&c->t, data, (size_t)n) < 0)
			return -1;
		if (c->goaway_out && send_refusals(c) < 0)
			return -1;
		if (c->close_tcp)
			break;
	}
	if (n < 0) {
		logev("send failed error=\"nghttp2: %s\"",
		    nghttp2_strerror((int)n));
		return -1;
	}
	do
		r = gnutls_record_uncork(c->t.s, GNUTLS_RECORD_WAIT);
	while (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED);
	if (r < 0) {
		logev("send failed error=\"%s\"",
		    tls_error(&c->t, r, e, sizeof(e)));
		return -1;
	}
	return 0;
}

/* Answer the delayed requests whose time has come; the next due time or -1. */
static long long
answer_due(struct conn *c)
{
	struct stream *st;
	long long now = now_ms(), next = -1;

	for (st = c->streams; st != NULL; st = st->next) {
		if (st->due < 0)
			continue;
		if (st->due <= now)
			respond(c, st);
		else if (next < 0 || st->due < next)
			next = st->due;
	}
	return next;
}

enum close_how { CLOSE_NOTIFY, CLOSE_TCP };

static void
finish(struct conn *c, enum close_how how)
{
	char e[1024];
	int r;

	if (opt.count_only)
		logev("count requests=%ld", c->requests);
	if (how == CLOSE_NOTIFY) {
		do
			r = gnutls_bye(c->t.s, GNUTLS_SHUT_WR);
		while (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED);
		/* A client that sent close_notify may be gone already. */
		if (r < 0 && c->peer_gone != PEER_CLOSE_NOTIFY)
			logev("send failed error=\"%s\"",
			    tls_error(&c->t, r, e, sizeof(e)));
		if (r < 0)
			how = CLOSE_TCP;
	}
	/*
	 * Let the client read what was sent before it hears the close: with
	 * its bytes unread, close() would send a RST that can destroy them.
	 */
	if (!c->peer_gone)
		linger_raw(c->t.fd, LINGER_MS);
	close(c->t.fd);
	c->t.fd = -1;
	logev(how == CLOSE_NOTIFY ? "closed" : "closed tcp");
}

/* Read one TLS record's worth and feed it to nghttp2; -1 when done. */
static int
read_some(struct conn *c, long long due)
{
	struct pollfd pfd = { .fd = c->t.fd, .events = POLLIN };
	uint8_t buf[16384];
	long long left;
	ssize_t n, used;

	if (gnutls_record_check_pending(c->t.s) == 0) {
		left = due < 0 ? -1 : due - now_ms();
		if (due >= 0 && left <= 0)
			return 0;
		if (poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left) < 0 &&
		    errno != EINTR)
			fatalx("poll: %s", strerror(errno));
		if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			return 0;
	}
	if ((n = tls_recv(&c->t, buf, sizeof(buf), &c->peer_gone)) <= 0)
		return (int)n;
	used = nghttp2_session_mem_recv(c->h2, buf, (size_t)n);
	if (used < 0) {
		logev("client error error=\"nghttp2: %s\"",
		    nghttp2_strerror((int)used));
		/* What nghttp2 queued (a GOAWAY) still goes out. */
		flush(c);
		return -1;
	}
	return 0;
}

/* Serve HTTP/2 until the session ends; returns how to close. */
static enum close_how
serve_h2(struct conn *c)
{
	long long due;

	h2_setup(c);
	for (;;) {
		due = answer_due(c);
		if (flush(c) < 0)
			return CLOSE_TCP;
		if (c->close_tcp)
			return CLOSE_TCP;
		if (!nghttp2_session_want_read(c->h2) &&
		    !nghttp2_session_want_write(c->h2))
			return CLOSE_NOTIFY;
		/* A close_notify is answered with one, an EOF with none;
		 * after nghttp2 refused the client, its GOAWAY is out. */
		if (read_some(c, due) < 0)
			return c->peer_gone == PEER_EOF ? CLOSE_TCP :
			    CLOSE_NOTIFY;
	}
}

/* --stall: nothing sent, nothing read, until the client leaves. */
static void
stall(struct conn *c)
{
	logev("stalled");
	wait_for_leave(c->t.fd);
	c->peer_gone = PEER_EOF;
}

/* The UID of the verified client certificate's subject into c->cert_uid. */
static void
cert_uid(struct conn *c)
{
	const gnutls_datum_t *peers;
	gnutls_x509_crt_t crt;
	unsigned int n = 0;
	size_t len = sizeof(c->cert_uid);

	peers = gnutls_certificate_get_peers(c->t.s, &n);
	if (peers == NULL || n == 0 || gnutls_x509_crt_init(&crt) < 0)
		return;
	if (gnutls_x509_crt_import(crt, &peers[0], GNUTLS_X509_FMT_DER) < 0 ||
	    gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_LDAP_UID, 0, 0,
	    c->cert_uid, &len) < 0 || !is_topic(c->cert_uid, strlen(c->cert_uid)))
		c->cert_uid[0] = '\0';
	gnutls_x509_crt_deinit(crt);
}

/*
 * A client certificate is optional (token auth presents none), but one
 * that is presented must verify against --client-ca, or the handshake
 * fails.  gnutls_session_set_verify_cert would refuse a client without
 * one too.
 */
static int
verify_client(gnutls_session_t s)
{
	unsigned int n = 0, status = 0;
	gnutls_datum_t d;
	char q[1024];
	int r;

	if (gnutls_certificate_get_peers(s, &n) == NULL || n == 0)
		return 0;
	if ((r = gnutls_certificate_verify_peers2(s, &status)) < 0) {
		logev("client certificate refused reason=\"%s\"",
		    quote(gnutls_strerror(r), q, sizeof(q)));
		return GNUTLS_E_CERTIFICATE_ERROR;
	}
	if (status == 0)
		return 0;
	if (gnutls_certificate_verification_status_print(status,
	    GNUTLS_CRT_X509, &d, 0) == 0) {
		while (d.size > 0 && d.data[d.size - 1] == ' ')
			d.size--;
		logev("client certificate refused reason=\"%s\"",
		    escape((const char *)d.data, d.size, 1, q, sizeof(q)));
		gnutls_free(d.data);
	}
	return GNUTLS_E_CERTIFICATE_ERROR;
}

/* Handshake, and the ALPN and certificate that follow; 0 to serve on. */
static int
handshake(struct conn *c)
{
	char dn[2048], client[2100];
	gnutls_datum_t proto;
	int h2;

	if (tls_handshake(&c->t, LINGER_MS) < 0) {
		c->peer_gone = PEER_EOF;	/* nothing more to read */
		return -1;
	}
	h2 = gnutls_alpn_get_selected_protocol(c->t.s, &proto) == 0 &&
	    proto.size == 2 && memcmp(proto.data, "h2", 2) == 0;
	/* verify_client: a certificate here verified. */
	c->cert_auth = peer_dn(c->t.s, dn, sizeof(dn));
	if (c->cert_auth) {
		snprintf(client, sizeof(client), "\"%s\"", dn);
		cert_uid(c);
	} else
		strcpy(client, "-");
	logev("handshake ok version=%s alpn=%s client=%s",
	    gnutls_protocol_get_name(gnutls_protocol_get_version(c->t.s)),
	    h2 ? "h2" : "-", client);
	if (!h2 && !opt.no_alpn && !opt.allow_no_alpn) {
		/* The client offered no ALPN (an offer without h2 already
		 * failed the handshake): it cannot mean HTTP/2. */
		if (gnutls_alert_send(c->t.s, GNUTLS_AL_FATAL,
		    GNUTLS_A_NO_APPLICATION_PROTOCOL) == 0)
			logev("sent alert name=%s",
			    alert_name(GNUTLS_A_NO_APPLICATION_PROTOCOL));
		return -1;
	}
	return 0;
}

static void
serve(int lfd, long number, gnutls_certificate_credentials_t cred,
    gnutls_priority_t prio)
{
	static const gnutls_datum_t h2 = { (unsigned char *)"h2", 2 };
	struct conn c = { .t = { .fd = -1 }, .last_change = -1 };
	enum close_how how = CLOSE_TCP;
	struct stream *st;

	c.t.fd = accept_conn(lfd);
	logev("connection %ld", number);
	if (gnutls_init(&c.t.s, GNUTLS_SERVER) < 0 ||
	    gnutls_priority_set(c.t.s, prio) < 0 ||
	    gnutls_credentials_set(c.t.s, GNUTLS_CRD_CERTIFICATE, cred) < 0)
		fatalx("cannot set up a TLS session");
	gnutls_certificate_server_set_request(c.t.s, GNUTLS_CERT_REQUEST);
	gnutls_session_set_verify_function(c.t.s, verify_client);
	if (!opt.no_alpn &&
	    gnutls_alpn_set_protocols(c.t.s, &h2, 1, GNUTLS_ALPN_MANDATORY) < 0)
		fatalx("cannot set ALPN");
	mock_tls_transport(&c.t);

	if (handshake(&c) == 0) {
		if (opt.stall)
			stall(&c);
		else
			how = serve_h2(&c);
	}
	finish(&c, how);
	nghttp2_session_del(c.h2);
	while ((st = c.streams) != NULL) {
		/* nghttp2_session_del calls no close callback. */
		c.streams = st->next;
		stream_free(st);
	}
	free(c.jwt);
	free(c.rst);
	gnutls_deinit(c.t.s);
}

static void
load_auth_pub(const char *path)
{
	gnutls_datum_t pem;
	int r;

	if ((r = gnutls_load_file(path, &pem)) < 0)
		fatalx("loading %s: %s", path, gnutls_strerror(r));
	if ((r = gnutls_pubkey_init(&auth_pub)) < 0 ||
	    (r = gnutls_pubkey_import(auth_pub, &pem, GNUTLS_X509_FMT_PEM)) < 0)
		fatalx("loading %s: %s", path, gnutls_strerror(r));
	gnutls_free(pem.data);
	if (gnutls_pubkey_get_pk_algorithm(auth_pub, NULL) != GNUTLS_PK_ECDSA)
		fatalx("%s: not an EC public key", path);
}

int
main(int argc, char **argv)
{
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t prio;
	const char *err;
	long i;
	int lfd, r;

	mock_name = "mockh2";
	parse_args(argc, argv);
	deadline_start(opt.max_seconds);
	log_open(opt.log);
	cred = load_creds(opt.cert, opt.key, opt.client_ca);
	if (opt.auth_pub != NULL)
		load_auth_pub(opt.auth_pub);
	/* HTTP/2 over TLS 1.2 or later only (PROTOCOL.md 3.1). */
	if ((r = gnutls_priority_init(&prio,
	    "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2", &err)) < 0)
		fatalx("priority string at \"%s\": %s", err,
		    gnutls_strerror(r));
	lfd = listen_loopback(opt.port);

	for (i = 1; opt.connections == 0 || i <= opt.connections; i++)
		serve(lfd, i, cred, prio);

	close(lfd);
	if (auth_pub != NULL)
		gnutls_pubkey_deinit(auth_pub);
	gnutls_priority_deinit(prio);
	gnutls_certificate_free_credentials(cred);
	gnutls_global_deinit();
	return 0;
}
