/* cli.c: command-line parsing with argtable2. */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <argtable2.h>

#include "cli.h"

/* The table, in --help order.  Numbers are taken as strings and parsed
 * here: arg_int accepts "1KB" and "0x50", and arg_dbl has no range. */
struct table {
	struct arg_rem *h_cred;
	struct arg_str *cert, *key, *pass_file, *cafile;
	struct arg_rem *h_gw;
	struct arg_lit *sandbox;
	struct arg_str *gateway;
	struct arg_rem *h_payload;
	struct arg_str *payload, *payload_file, *alert, *badge, *sound, *category;
	struct arg_lit *content_available, *mutable_content;
	struct arg_str *thread_id;
	struct arg_rem *h_frame;
	struct arg_str *expiry, *priority, *id, *format;
	struct arg_rem *h_run;
	struct arg_str *timeout, *connect_timeout;
	struct arg_rem *h_delivery;
	struct arg_lit *at_most_once;
	struct arg_str *retries;
	struct arg_lit *confirm;
	struct arg_str *confirm_every, *idle_timeout, *failed_out;
	struct arg_rem *h_h2;
	struct arg_lit *http2;
	struct arg_str *auth_key, *key_id, *team_id, *topic, *push_type;
	struct arg_str *collapse_id, *apns_id;
	struct arg_rem *h_modes;
	struct arg_lit *check, *feedback;
	struct arg_rem *h_output;
	struct arg_lit *json, *quiet, *verbose;
	struct arg_str *trace;
	struct arg_lit *help, *version;
	struct arg_str *tokens;
	struct arg_end *end;
};

#define NTABLE (sizeof(struct table) / sizeof(void *))

static int build(struct table *t)
{
	t->h_cred = arg_rem(NULL, "Credentials:");
	t->cert = arg_str0("c", "cert", "FILE",
			   "client certificate: PEM (may also hold the key) or PKCS#12");
	t->key = arg_str0("k", "key", "FILE", "PEM private key, when not in --cert");
	t->pass_file = arg_str0(NULL, "pass-file", "FILE",
				"read the key's passphrase from FILE (first line); "
				"or set APNSEND_PASSPHRASE");
	t->cafile = arg_str0(NULL, "cafile", "FILE",
			     "trust these PEM CAs for the gateway instead of the system store");
	t->h_gw = arg_rem(NULL, "Gateway:");
	t->sandbox = arg_lit0(NULL, "sandbox", "use " SANDBOX_HOST ":2195 (with --check "
			      "and --gateway: the gateway is a development one)");
	t->gateway = arg_str0(NULL, "gateway", "HOST[:PORT]",
			      "gateway to use (default " DEFAULT_HOST ":2195)");
	t->h_payload = arg_rem(NULL, "Payload (JSON object, at most 2048 bytes; a stdin line "
			       "may carry its own):");
	t->payload = arg_str0("p", "payload", "JSON", "the payload, as is");
	t->payload_file = arg_str0(NULL, "payload-file", "FILE",
				   "read the payload from FILE (- for stdin, when "
				   "the tokens are arguments)");
	t->alert = arg_str0("a", "alert", "TEXT", "or build it: aps.alert");
	t->badge = arg_str0("b", "badge", "N", "aps.badge (0 clears it)");
	t->sound = arg_str0("s", "sound", "NAME", "aps.sound");
	t->category = arg_str0(NULL, "category", "ID", "aps.category");
	t->content_available = arg_lit0(NULL, "content-available",
					"aps.content-available = 1 (background update)");
	t->mutable_content = arg_lit0(NULL, "mutable-content", "aps.mutable-content = 1");
	t->thread_id = arg_str0(NULL, "thread-id", "ID", "aps.thread-id");
	t->h_frame = arg_rem(NULL, "Notification:");
	t->expiry = arg_str0("e", "expiry", "SECONDS",
			     "store for SECONDS if undeliverable, 0 = do not store "
			     "(default 86400)");
	t->priority = arg_str0(NULL, "priority", "10|5|1",
			       "10 = now (default), 5 = when power allows, "
			       "1 = never wake the device (--http2)");
	t->id = arg_str0(NULL, "id", "N",
			 "identifier of the first notification (default 1), "
			 "then one more for each");
	t->format = arg_str0(NULL, "format", "frame|enhanced|simple",
			     "command 2 (default), 1 or 0; simple cannot name a failed notification");
	t->h_run = arg_rem(NULL, "Running:");
	t->timeout = arg_str0("t", "timeout", "SECONDS",
			      "a notification the gateway has received is ok after "
			      "this long with no answer (default 2)");
	t->connect_timeout = arg_str0(NULL, "connect-timeout", "SECONDS",
				      "limit for DNS, TCP connect and TLS handshake (default 10)");
	t->h_delivery = arg_rem(NULL, "Delivery:");
	t->at_most_once = arg_lit0(NULL, "at-most-once",
				   "after a close with no answer, report the notifications "
				   "unconfirmed instead of resending them");
	t->retries = arg_str0(NULL, "retries", "N",
			      "reconnect at most N times in a row without progress "
			      "(default 3)");
	t->confirm = arg_lit0(NULL, "confirm",
			      "end with a sentinel frame whose rejection confirms "
			      "everything before it");
	t->confirm_every = arg_str0(NULL, "confirm-every", "N",
				    "also confirm after every N notifications (implies --confirm)");
	t->idle_timeout = arg_str0(NULL, "idle-timeout", "SECONDS",
				   "close the connection after SECONDS idle, nothing "
				   "to send or resolve (default: keep it open)");
	t->failed_out = arg_str0(NULL, "failed-out", "FILE",
				 "write the input lines of failed and unconfirmed "
				 "notifications to FILE");
	t->h_h2 = arg_rem(NULL, "HTTP/2 (Apple's current API):");
	t->http2 = arg_lit0(NULL, "http2",
			    "use the HTTP/2 API (" H2_HOST ":443; --sandbox: "
			    H2_SANDBOX_HOST ")");
	t->auth_key = arg_str0(NULL, "auth-key", "FILE",
			       "token authentication: the .p8 key (with --key-id "
			       "and --team-id), instead of --cert");
	t->key_id = arg_str0(NULL, "key-id", "KID", "the key's 10-character id");
	t->team_id = arg_str0(NULL, "team-id", "TEAM", "the 10-character team id");
	t->topic = arg_str0(NULL, "topic", "TOPIC",
			    "apns-topic (default: the certificate's bundle id; "
			    "needed with --auth-key)");
	t->push_type = arg_str0(NULL, "push-type", "TYPE",
				"apns-push-type: alert (default), background, voip, "
				"complication, fileprovider, mdm, location, "
				"liveactivity, pushtotalk, widgets or controls");
	t->collapse_id = arg_str0(NULL, "collapse-id", "ID",
				  "apns-collapse-id, at most 64 bytes");
	t->apns_id = arg_str0(NULL, "apns-id", "UUID",
			      "apns-id of the first notification, then one more "
			      "for each (default: Apple's)");
	t->h_modes = arg_rem(NULL, "Instead of sending:");
	t->check = arg_lit0(NULL, "check",
			    "check the certificate and key, and the TLS handshake "
			    "with the gateway; send nothing");
	t->feedback = arg_lit0(NULL, "feedback",
			       "read the feedback service's list of tokens that are "
			       "gone (" FEEDBACK_HOST ":2196)");
	t->h_output = arg_rem(NULL, "Output:");
	t->json = arg_lit0(NULL, "json", "one JSON object per line on stdout");
	t->quiet = arg_lit0("q", "quiet", "no output but errors (and --json lines)");
	t->verbose = arg_lit0("v", "verbose", "tell each step on stderr");
	t->trace = arg_str0(NULL, "trace", "hex",
			    "every event on the wire on stderr, with times; "
			    "=hex adds hex dumps of frames and answers");
	t->help = arg_lit0("h", "help", "show this help and exit");
	t->version = arg_lit0("V", "version", "show versions (with the GnuTLS in use) and exit");
	t->tokens = arg_strn(NULL, NULL, "TOKEN", 0, 65536,
			     "device token in hex; none or - reads stdin: one "
			     "TOKEN [PAYLOAD] a line");
	t->end = arg_end(20);
	if (arg_nullcheck((void **)t) != 0)
		return -1;
	/* --trace or --trace=hex: the value is optional. */
	t->trace->hdr.flag |= ARG_HASOPTVALUE;
	t->trace->sval[0] = "";
	return 0;
}

/* Our own glossary printer: argtable's wraps in the middle of words. */
static void print_glossary(FILE *fp, void **table)
{
	enum { COL = 30, WIDTH = 79 };

	for (size_t i = 0; i < NTABLE - 1; i++) {
		const struct arg_hdr *h = table[i];
		char head[128] = "";
		const char *g = h->glossary ? h->glossary : "";
		int col;

		if (h->shortopts == NULL && h->longopts == NULL && h->datatype == NULL) {
			fprintf(fp, "\n%s\n", g); /* a section heading (arg_rem) */
			continue;
		}
		if (h->shortopts || h->longopts)
			snprintf(head, sizeof head, "  %s%s%s%s%s%s%s%s",
				 h->shortopts ? "-" : "    ",
				 h->shortopts ? h->shortopts : "",
				 h->shortopts && h->longopts ? ", " : "",
				 h->longopts ? "--" : "", h->longopts ? h->longopts : "",
				 !h->datatype ? "" : h->flag & ARG_HASOPTVALUE ? "[=" : "=",
				 h->datatype ? h->datatype : "",
				 h->datatype && h->flag & ARG_HASOPTVALUE ? "]" : "");
		else
			snprintf(head, sizeof head, "  %s", h->datatype);
		col = fprintf(fp, "%s", head);
		if (col >= COL - 1) {
			fputc('\n', fp);
			col = 0;
		}
		while (*g) {
			size_t w = strcspn(g, " ");

			if (col < COL) {
				fprintf(fp, "%*s", COL - col, "");
				col = COL;
			} else if (col + 1 + (int)w > WIDTH) {
				fprintf(fp, "\n%*s", COL, "");
				col = COL;
			} else {
				fputc(' ', fp);
				col++;
			}
			col += fprintf(fp, "%.*s", (int)w, g);
			g += w;
			while (*g == ' ')
				g++;
		}
		fputc('\n', fp);
	}
}

void cli_help(FILE *fp)
{
	struct table t;

	if (build(&t) != 0) {
		arg_freetable((void **)&t, NTABLE);
		return;
	}
	fprintf(fp, "Usage: %s [options] [TOKEN...]\n"
		"       %s --check [options]\n"
		"       %s --feedback [options]\n"
		"Send push notifications over APNs' binary provider protocol and report\n"
		"how the gateway answered.\n", PACKAGE, PACKAGE, PACKAGE);
	print_glossary(fp, (void **)&t);
	fprintf(fp, "\nA gateway that stops reading or acknowledging for the longer of\n"
		"--connect-timeout and --timeout is reported as stalled.\n"
		"\n--feedback prints a line per token: its time (ISO 8601, UTC) and the\n"
		"token in hex, even with -q; --sandbox and --gateway choose the service\n"
		"(port 2196), and --timeout is how long it may stay silent (then 75).\n"
		"\nExit status: 0 all ok; 1 rejected (nothing else wrong), or a --check\n"
		"warning (expires within 30 days, other environment); 64 usage;\n"
		"65 bad token, payload or input line; 66 unreadable file or stdin;\n"
		"68 host not found; 69 cannot connect; 70 internal error;\n"
		"74 cannot write the report or the --failed-out file;\n"
		"75 try again later (some notification failed or unconfirmed);\n"
		"76 protocol or handshake error; 77 certificate refused; 78 bad credentials;\n"
		"130 interrupted (SIGINT or SIGTERM; every notification read has its result).\n"
		"When several apply: 70, 74, 130, 64, 66, 78, 68, 69, 77, 76, 65, 75, 1, 0.\n"
		"See apnsend(1).\n");
	arg_freetable((void **)&t, NTABLE);
}

/* Seconds, fractions allowed, in [min, max]; result in milliseconds. */
static int parse_seconds(const char *opt, const char *s, double min, double max,
			 int *ms, struct apn_error *err)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno || !isfinite(v) || v < min || v > max)
		return apn_fail(err, APN_USAGE,
				"--%s: '%s' is not a number of seconds from %g to %g",
				opt, s, min, max);
	*ms = (int)lround(v * 1000);
	return 0;
}

/* A decimal integer (no sign, no suffix) in [min, max]. */
static int parse_uint(const char *opt, const char *s, unsigned long long min,
		      unsigned long long max, unsigned long long *out,
		      struct apn_error *err)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno || v < min || v > max)
		return apn_fail(err, APN_USAGE,
				"--%s: '%s' is not a whole number from %llu to %llu",
				opt, s, min, max);
	*out = v;
	return 0;
}

static int first_error(struct table *t, struct apn_error *err)
{
	char *text = NULL, *nl;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);

	if (mem == NULL)
		return apn_fail(err, APN_USAGE, "invalid command line");
	arg_print_errors(mem, t->end, PACKAGE);
	fclose(mem);
	if (text != NULL && (nl = strchr(text, '\n')) != NULL)
		*nl = '\0';
	/* argtable prefixes the program name and a colon: drop them. */
	apn_fail(err, APN_USAGE, "%s",
		 text && strncmp(text, PACKAGE ": ", sizeof PACKAGE + 1) == 0
			 ? text + sizeof PACKAGE + 1 : (text ? text : "invalid command line"));
	free(text);
	return -1;
}

static const char *const push_types[] = {
	"alert", "background", "complication", "controls", "fileprovider",
	"liveactivity", "location", "mdm", "pushtotalk", "voip", "widgets", NULL
};

/* A canonical UUID (8-4-4-4-12 hex digits, either case) into out, lowercase. */
static int parse_uuid(const char *s, char out[APNS_ID_LEN + 1])
{
	if (strlen(s) != APNS_ID_LEN)
		return -1;
	for (size_t i = 0; i < APNS_ID_LEN; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return -1;
		out[i] = (char)tolower((unsigned char)s[i]);
	}
	out[APNS_ID_LEN] = '\0';
	return 0;
}

/* What only --http2 takes, and what it does not. */
static int fill_http2(struct table *t, struct options *o, struct apn_error *err)
{
	const struct arg_str *h2_only[] = { t->auth_key, t->key_id, t->team_id, t->topic,
					    t->push_type, t->collapse_id, t->apns_id };
	const char *h2_names[] = { "auth-key", "key-id", "team-id", "topic",
				   "push-type", "collapse-id", "apns-id" };

	o->payload_max = PAYLOAD_MAX;
	if (!o->http2) {
		for (size_t i = 0; i < sizeof h2_only / sizeof h2_only[0]; i++)
			if (h2_only[i]->count)
				return apn_fail(err, APN_USAGE, "--%s needs --http2", h2_names[i]);
		return 0;
	}
	if (t->format->count || t->id->count || t->confirm->count || t->confirm_every->count)
		return apn_fail(err, APN_USAGE, "--%s is for the binary protocol, not --http2 "
				"(every HTTP/2 request gets its own answer)",
				t->format->count ? "format" : t->id->count ? "id"
				: t->confirm->count ? "confirm" : "confirm-every");
	o->auth_key = t->auth_key->count ? t->auth_key->sval[0] : NULL;
	o->key_id = t->key_id->count ? t->key_id->sval[0] : NULL;
	o->team_id = t->team_id->count ? t->team_id->sval[0] : NULL;
	o->topic = t->topic->count ? t->topic->sval[0] : NULL;
	o->collapse_id = t->collapse_id->count ? t->collapse_id->sval[0] : NULL;
	if (o->auth_key != NULL) {
		if (o->cert_file != NULL || o->key_file != NULL)
			return apn_fail(err, APN_USAGE, "give --cert or --auth-key, not both");
		if (o->key_id == NULL || o->team_id == NULL)
			return apn_fail(err, APN_USAGE, "--auth-key needs --key-id and --team-id");
		if (o->topic == NULL && o->mode == MODE_SEND)
			return apn_fail(err, APN_USAGE, "--auth-key needs --topic: with a provider "
					"token Apple cannot take it from a certificate");
	} else if (o->key_id != NULL || o->team_id != NULL) {
		return apn_fail(err, APN_USAGE, "--%s needs --auth-key",
				o->key_id ? "key-id" : "team-id");
	}
	o->push_type = "alert";
	if (t->push_type->count) {
		size_t i;

		for (i = 0; push_types[i] != NULL; i++)
			if (strcmp(push_types[i], t->push_type->sval[0]) == 0)
				break;
		if (push_types[i] == NULL)
			return apn_fail(err, APN_USAGE, "--push-type: '%s' is not one of Apple's "
					"push types (see --help)", t->push_type->sval[0]);
		o->push_type = push_types[i];
	}
	if (strcmp(o->push_type, "background") == 0) {
		if (o->priority_set && o->priority != 5)
			return apn_fail(err, APN_USAGE, "--push-type background needs "
					"--priority 5 (Apple refuses 10 for it)");
		o->priority = 5;
	}
	if (o->collapse_id != NULL && strlen(o->collapse_id) > 64)
		return apn_fail(err, APN_USAGE, "--collapse-id: %zu bytes; Apple's limit is 64",
				strlen(o->collapse_id));
	if (t->apns_id->count && parse_uuid(t->apns_id->sval[0], o->apns_id) != 0)
		return apn_fail(err, APN_USAGE, "--apns-id: '%s' is not a UUID "
				"(8-4-4-4-12 hex digits)", t->apns_id->sval[0]);
	o->payload_max = strcmp(o->push_type, "voip") == 0 ? PAYLOAD_MAX_H2_VOIP
							    : PAYLOAD_MAX_H2;
	return 0;
}

static int fill(struct table *t, struct options *o, struct apn_error *err)
{
	unsigned long long v;

	o->cert_file = t->cert->count ? t->cert->sval[0] : NULL;
	o->key_file = t->key->count ? t->key->sval[0] : NULL;
	o->pass_file = t->pass_file->count ? t->pass_file->sval[0] : NULL;
	o->ca_file = t->cafile->count ? t->cafile->sval[0] : NULL;

	if (t->check->count && t->feedback->count)
		return apn_fail(err, APN_USAGE, "--check and --feedback cannot be combined");
	o->mode = t->check->count ? MODE_CHECK : t->feedback->count ? MODE_FEEDBACK : MODE_SEND;
	if (o->mode != MODE_SEND && t->tokens->count)
		return apn_fail(err, APN_USAGE, "--%s sends nothing: it takes no TOKEN",
				o->mode == MODE_CHECK ? "check" : "feedback");
	o->trace = TRACE_OFF;
	if (t->trace->count) {
		const char *how = t->trace->sval[0];

		if (how[0] == '\0')
			o->trace = TRACE_ON;
		else if (strcmp(how, "hex") == 0)
			o->trace = TRACE_HEX;
		else
			return apn_fail(err, APN_USAGE,
					"--trace: '%s' is not hex (give --trace or --trace=hex)", how);
	}

	/* With --check, --sandbox --gateway HOST checks HOST as a development
	 * gateway: --sandbox says which environment to expect. */
	if (t->sandbox->count && t->gateway->count && o->mode != MODE_CHECK)
		return apn_fail(err, APN_USAGE, "--sandbox and --gateway cannot be combined");
	o->http2 = t->http2->count > 0;
	if (o->http2 && o->mode == MODE_FEEDBACK)
		return apn_fail(err, APN_USAGE, "--feedback is for the binary protocol: "
				"the HTTP/2 API has no feedback service (a 410 answers instead)");
	if (o->mode == MODE_FEEDBACK) {
		snprintf(o->host, sizeof o->host, "%s",
			 t->sandbox->count ? FEEDBACK_SANDBOX_HOST : FEEDBACK_HOST);
		o->port = FEEDBACK_PORT;
	} else if (o->http2) {
		snprintf(o->host, sizeof o->host, "%s",
			 t->sandbox->count ? H2_SANDBOX_HOST : H2_HOST);
		o->port = H2_PORT;
	} else {
		snprintf(o->host, sizeof o->host, "%s",
			 t->sandbox->count ? SANDBOX_HOST : DEFAULT_HOST);
		o->port = DEFAULT_PORT;
	}
	o->sandbox = t->sandbox->count > 0;
	if (t->gateway->count &&
	    net_parse_hostport(t->gateway->sval[0], o->host, &o->port, err) != 0)
		return -1;

	o->payload = t->payload->count ? t->payload->sval[0] : NULL;
	o->payload_file = t->payload_file->count ? t->payload_file->sval[0] : NULL;
	o->fields.alert = t->alert->count ? t->alert->sval[0] : NULL;
	o->fields.sound = t->sound->count ? t->sound->sval[0] : NULL;
	o->fields.category = t->category->count ? t->category->sval[0] : NULL;
	o->fields.thread_id = t->thread_id->count ? t->thread_id->sval[0] : NULL;
	o->fields.content_available = t->content_available->count > 0;
	o->fields.mutable_content = t->mutable_content->count > 0;
	if (t->badge->count) {
		if (parse_uint("badge", t->badge->sval[0], 0, INT32_MAX, &v, err) != 0)
			return -1;
		o->fields.has_badge = 1;
		o->fields.badge = (long)v;
	}
	if ((o->payload != NULL) + (o->payload_file != NULL) +
		    payload_fields_any(&o->fields) > 1)
		return apn_fail(err, APN_USAGE,
				"give the payload one way: --payload, --payload-file, "
				"or --alert/--badge/--sound/... flags");

	o->format = FORMAT_FRAME;
	if (t->format->count) {
		const char *f = t->format->sval[0];

		if (strcmp(f, "frame") == 0)
			o->format = FORMAT_FRAME;
		else if (strcmp(f, "enhanced") == 0)
			o->format = FORMAT_ENHANCED;
		else if (strcmp(f, "simple") == 0)
			o->format = FORMAT_SIMPLE;
		else
			return apn_fail(err, APN_USAGE,
					"--format: '%s' is not frame, enhanced or simple", f);
	}
	o->expiry = DEFAULT_EXPIRY;
	if (t->expiry->count) {
		if (parse_uint("expiry", t->expiry->sval[0], 0, UINT32_MAX, &v, err) != 0)
			return -1;
		o->expiry = (long)v;
		o->expiry_set = 1;
		if (o->format == FORMAT_SIMPLE)
			return apn_fail(err, APN_USAGE,
					"--expiry needs --format frame or enhanced "
					"(simple has no expiry)");
	}
	o->priority = 10;
	if (t->priority->count) {
		const char *p = t->priority->sval[0];

		if (strcmp(p, "10") == 0)
			o->priority = 10;
		else if (strcmp(p, "5") == 0)
			o->priority = 5;
		else if (strcmp(p, "1") == 0 && t->http2->count)
			o->priority = 1;
		else if (t->http2->count)
			return apn_fail(err, APN_USAGE, "--priority: '%s' is not 10, 5 or 1", p);
		else
			return apn_fail(err, APN_USAGE, "--priority: '%s' is not 10 or 5%s", p,
					strcmp(p, "1") == 0 ? " (1 needs --http2)" : "");
		o->priority_set = 1;
		if (o->format != FORMAT_FRAME && o->priority != 10)
			return apn_fail(err, APN_USAGE,
					"--priority 5 needs --format frame "
					"(the older formats always mean 10)");
	}
	o->first_id = 1;
	if (t->id->count) {
		if (parse_uint("id", t->id->sval[0], 1, UINT32_MAX, &v, err) != 0)
			return -1;
		o->first_id = (uint32_t)v;
	}
	o->timeout_ms = DEFAULT_TIMEOUT_MS;
	if (t->timeout->count &&
	    parse_seconds("timeout", t->timeout->sval[0], 0, 86400, &o->timeout_ms, err) != 0)
		return -1;
	o->connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
	if (t->connect_timeout->count &&
	    parse_seconds("connect-timeout", t->connect_timeout->sval[0], 0.001, 3600,
			  &o->connect_timeout_ms, err) != 0)
		return -1;
	o->at_most_once = t->at_most_once->count > 0;
	o->retries = DEFAULT_RETRIES;
	if (t->retries->count) {
		if (parse_uint("retries", t->retries->sval[0], 0, 1000, &v, err) != 0)
			return -1;
		o->retries = (int)v;
	}
	o->confirm = t->confirm->count > 0;
	if (t->confirm_every->count) {
		if (parse_uint("confirm-every", t->confirm_every->sval[0], 1, UINT32_MAX,
			       &v, err) != 0)
			return -1;
		o->confirm_every = (unsigned long)v;
		o->confirm = 1;
	}
	if (t->idle_timeout->count &&
	    parse_seconds("idle-timeout", t->idle_timeout->sval[0], 0.001, 86400,
			  &o->idle_timeout_ms, err) != 0)
		return -1;
	if (o->confirm && o->format == FORMAT_SIMPLE)
		return apn_fail(err, APN_USAGE,
				"--confirm needs --format frame or enhanced "
				"(simple has no identifiers to confirm with)");
	o->failed_out = t->failed_out->count ? t->failed_out->sval[0] : NULL;
	o->json = t->json->count > 0;
	o->quiet = t->quiet->count > 0;
	o->verbose = t->verbose->count > 0;
	if (fill_http2(t, o, err) != 0)
		return -1;
	if (o->cert_file == NULL && o->auth_key == NULL)
		return apn_fail(err, APN_USAGE, "no client certificate: give --cert FILE%s",
				o->http2 ? " (or --auth-key FILE for token authentication)" : "");

	o->ntokens = t->tokens->count;
	if (o->ntokens > 0) {
		o->tokens = malloc((size_t)o->ntokens * sizeof *o->tokens);
		if (o->tokens == NULL)
			return apn_fail(err, APN_SOFTWARE, "reading the command line: out of memory");
		for (int i = 0; i < o->ntokens; i++)
			o->tokens[i] = t->tokens->sval[i];
	}
	return 0;
}

enum cli_action cli_parse(int argc, char **argv, struct options *o,
			  struct apn_error *err)
{
	struct table t;
	enum cli_action action = CLI_RUN;

	memset(o, 0, sizeof *o);
	if (build(&t) != 0) {
		arg_freetable((void **)&t, NTABLE);
		apn_fail(err, APN_SOFTWARE, "reading the command line: out of memory");
		return CLI_ERROR;
	}
	if (arg_parse(argc, argv, (void **)&t) > 0) {
		/* --help and --version win over other mistakes. */
		if (t.help->count)
			action = CLI_HELP;
		else if (t.version->count)
			action = CLI_VERSION;
		else {
			first_error(&t, err);
			action = CLI_ERROR;
		}
	} else if (t.help->count) {
		action = CLI_HELP;
	} else if (t.version->count) {
		action = CLI_VERSION;
	} else if (fill(&t, o, err) != 0) {
		action = CLI_ERROR;
	}
	/* Strings point into argv, not into the table: safe to free it. */
	arg_freetable((void **)&t, NTABLE);
	return action;
}

void cli_free(struct options *o)
{
	free(o->tokens);
	o->tokens = NULL;
}
