/* check.c: --check (see check.h).
 *
 * Three steps, each reported: the credentials are loaded and the client
 * certificate described (tls_creds_inspect, which describes it even when
 * the credentials are unusable); its environments, validity and topics
 * are weighed; then, only when the credentials are usable, one connection
 * to the gateway: TLS handshake, our close_notify, and the gateway's
 * answer to it (tls_shutdown), which is where a TLS 1.3 gateway refuses a
 * certificate.
 *
 * INTERFACE: the "key: value" lines, the "check:" line, the --json object
 * and the exit status are read by people, scripts and cron; they are
 * documented in apnsend(1) under CHECK and JSON OUTPUT.  Change them only
 * on purpose.
 */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "answer.h"
#include "check.h"
#include "clock.h"
#include "jwt.h"
#include "msg.h"
#include "net.h"
#include "passphrase.h"
#include "tls.h"
#include "topics.h"
#include "trace.h"

#define DAY 86400
#define WARN_DAYS 30 /* warn when fewer days than this are left */
#define MAX_WARNINGS 4
/* RFC 5280 4.1.2.5: notAfter 99991231235959Z, "no well-defined
 * expiration date". */
#define NO_EXPIRY ((int64_t)253402300799)

/* What happened to the one connection. */
enum gw_state {
	GW_NOT_TRIED, /* the credentials are unusable: not contacted */
	GW_NO_CONN,   /* name not found, or no TCP connection */
	GW_FAILED,    /* handshake failed, or refused after it */
	GW_OK         /* handshake completed, closed politely */
};

struct check {
	const struct options *o;
	int64_t now; /* wall clock, Unix seconds */
	char gateway[NET_HOST_MAX + 16];
	int want_dev; /* the gateway is a development one (else production) */
	struct tls_cert_info info;
	struct topics topics;
	char topics_error[512]; /* non-empty: the extension is malformed */
	enum gw_state gw;
	char tls[128];           /* "TLS1.3, AES-256-GCM" */
	enum closed_kind closed; /* how the gateway answered our close_notify */
	char warnings[MAX_WARNINGS][512];
	int nwarnings;
	struct apn_error err; /* code APN_OK while nothing failed */
	int token_ok;         /* --auth-key: a provider token was made */
};

static void warn(struct check *c, const char *fmt, ...) APN_PRINTF(2, 3);

static void warn(struct check *c, const char *fmt, ...)
{
	va_list ap;

	if (c->nwarnings == MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(c->warnings[c->nwarnings++], sizeof c->warnings[0], fmt, ap);
	va_end(ap);
}

/* ISO 8601 in UTC: 2027-01-10T12:00:00Z. */
static void iso_date(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t < 0 || gmtime_r(&tt, &tm) == NULL)
		snprintf(out, 32, "unknown");
	else
		strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Whole days from now until t, rounded down: negative once t has passed. */
static int64_t days_until(int64_t t, int64_t now)
{
	int64_t d = t - now;

	return d >= 0 ? d / DAY : -((-d + DAY - 1) / DAY);
}

static const char *env_name(int development)
{
	return development ? "development" : "production";
}

/* Weigh what the certificate says: the warnings, and the topics. */
static void weigh(struct check *c)
{
	const struct tls_cert_info *i = &c->info;
	int64_t left = days_until(i->not_after, c->now);
	int fits = c->want_dev ? i->development : i->production;
	char date[32];
	struct apn_error err = { APN_OK, "" };

	if (!fits)
		warn(c, "the certificate is for %s, not for %s (%s)",
		     i->development ? "development only" :
		     i->production ? "production only" :
		     "neither environment (it has no Apple extension "
		     "1.2.840.113635.100.6.3.1 or .2)",
		     env_name(c->want_dev), c->o->sandbox ? "--sandbox" :
		     c->want_dev ? "the sandbox gateway" : "no --sandbox");
	if (i->not_after >= 0 && i->not_after >= c->now && left < WARN_DAYS) {
		iso_date(i->not_after, date);
		warn(c, "the certificate expires in %lld day%s, on %s", (long long)left,
		     left == 1 ? "" : "s", date);
	}
	if (i->topics != NULL &&
	    topics_decode(i->topics, i->topics_len, &c->topics, &err) != 0) {
		snprintf(c->topics_error, sizeof c->topics_error, "%s", err.msg);
		if (err.code == APN_DATAERR)
			warn(c, "%s", err.msg);
		else
			c->err = err;
	}
}

/* The one connection: connect, handshake, our close_notify and the
 * gateway's answer to it, all within --connect-timeout. */
static void contact(struct check *c, struct tls_creds *creds)
{
	int64_t deadline = clock_ms() + c->o->connect_timeout_ms;
	struct tls_conn *conn;
	struct tls_goodbye g;
	char alert[64];
	int fd;

	c->gw = GW_NO_CONN;
	tracef("check: connecting to %s", c->gateway);
	fd = net_connect(c->o->host, c->o->port, deadline, &c->err);
	if (fd < 0)
		return;
	c->gw = GW_FAILED;
	if (tls_connect(creds, fd, c->o->host, deadline, &conn, alert, &c->err) != 0)
		return;
	tls_describe(conn, c->tls, sizeof c->tls);
	if (c->o->http2) /* tls_connect checked that the server agreed */
		snprintf(c->tls + strlen(c->tls), sizeof c->tls - strlen(c->tls), ", ALPN h2");
	tracef("check: handshake done (%s); sending close_notify", c->tls);
	tls_shutdown(conn, deadline, &g);
	c->closed = g.how == TLS_IO_CLOSE_NOTIFY ? CLOSED_CLOSE_NOTIFY :
		    g.how == TLS_IO_TCP_CLOSE ? CLOSED_TCP :
		    g.how == TLS_IO_RESET ? CLOSED_RESET :
		    g.how == TLS_IO_AGAIN ? CLOSED_OPEN : /* no answer in time */
		    g.how == TLS_IO_ALERT ? CLOSED_ALERT : CLOSED_ERROR;
	if (c->closed == CLOSED_ALERT) {
		apn_fail(&c->err, g.refuses_cert ? APN_NOPERM : APN_PROTOCOL,
			 "the gateway sent fatal TLS alert %s%s", g.alert,
			 g.refuses_cert ? ": it refused our client certificate" : "");
		return;
	}
	if (c->closed == CLOSED_ERROR) {
		apn_fail(&c->err, APN_PROTOCOL, "TLS error after the handshake: %s", g.error);
		return;
	}
	tracef("check: the gateway answered with %s", closed_kind_name(c->closed));
	if (g.data > 0 && c->o->http2) {
		/* An HTTP/2 server speaks first: its SETTINGS. */
		tracef("check: the server's HTTP/2 preface, %zu bytes, read and dropped",
		       g.data);
	} else if (g.data > 0) {
		apn_fail(&c->err, APN_PROTOCOL,
			 "protocol error: the gateway sent %zu byte%s unasked", g.data,
			 g.data == 1 ? "" : "s");
		return;
	}
	c->gw = GW_OK;
}

/* --auth-key: the key loads and signs a provider token; the TLS
 * credentials are the CAs alone (no client certificate with a token). */
static void check_auth_key(struct check *c, struct tls_creds **creds)
{
	struct tls_creds_spec spec = { NULL, NULL, c->o->ca_file, NULL };
	struct jwt *j = NULL;

	tracef("check: loading the provider token key from %s", c->o->auth_key);
	if (jwt_open(c->o->auth_key, c->o->key_id, c->o->team_id, &j, &c->err) != 0)
		return;
	c->token_ok = jwt_token(j, c->now, &c->err) != NULL;
	jwt_free(j);
	if (c->token_ok && tls_creds_load(&spec, creds, &c->err) != 0)
		*creds = NULL;
}

/* ---- output -------------------------------------------------------------- */

static const char *key_text(enum tls_key_state k)
{
	switch (k) {
	case TLS_KEY_MATCHES: return "matches the certificate";
	case TLS_KEY_MISMATCH: return "does not match the certificate";
	default: return "not loaded";
	}
}

/* INTERFACE: the "key" value of the JSON object. */
static const char *key_name(enum tls_key_state k)
{
	switch (k) {
	case TLS_KEY_MATCHES: return "match";
	case TLS_KEY_MISMATCH: return "mismatch";
	default: return "not-loaded";
	}
}

/* INTERFACE: the "result" value, and the word after "check:". */
static const char *result_name(const struct check *c)
{
	return c->err.code != APN_OK ? "failed" : c->nwarnings ? "warning" : "ok";
}

static void print_topics(const struct check *c, FILE *out)
{
	if (c->info.topics == NULL) {
		fputs("none (no topics extension)", out);
		return;
	}
	if (c->topics_error[0] != '\0') {
		fprintf(out, "%s", c->topics_error);
		return;
	}
	if (c->topics.n == 0)
		fputs("none (the topics extension lists none)", out);
	for (size_t i = 0; i < c->topics.n; i++) {
		const struct topic *t = &c->topics.v[i];

		fprintf(out, "%s%s", i ? "; " : "", t->name);
		for (size_t j = 0; j < t->ntypes; j++)
			fprintf(out, "%s%s", j ? ", " : " (", t->types[j]);
		if (t->ntypes)
			fputc(')', out);
	}
}

static void print_validity(const struct check *c, FILE *out)
{
	const struct tls_cert_info *i = &c->info;
	int64_t left = days_until(i->not_after, c->now);
	int64_t ago = (c->now - i->not_after) / DAY; /* whole days since expiry */
	char from[32], until[32];

	iso_date(i->not_before, from);
	iso_date(i->not_after, until);
	fprintf(out, "valid from:   %s%s\n", from,
		i->not_before > c->now ? " (not yet valid)" : "");
	fprintf(out, "valid until:  %s", until);
	if (i->not_after == NO_EXPIRY)
		fputs(" (no expiry date)\n", out);
	else if (i->not_after < 0)
		fputc('\n', out);
	else if (i->not_after < c->now)
		fprintf(out, " (expired %lld day%s ago)\n", (long long)ago, ago == 1 ? "" : "s");
	else
		fprintf(out, " (%lld day%s left)\n", (long long)left, left == 1 ? "" : "s");
}

static void print_human(const struct check *c, FILE *out)
{
	const struct tls_cert_info *i = &c->info;

	if (c->o->auth_key != NULL)
		fprintf(out, "auth key:     %s (ES256), key id %s, team id %s%s\n",
			c->o->auth_key, c->o->key_id, c->o->team_id,
			c->token_ok ? "; a provider token was made" : "");
	else
		fprintf(out, "certificate:  %s%s%s%s\n", c->o->cert_file,
			i->format[0] ? " (" : "", i->format, i->format[0] ? ")" : "");
	if (i->have_cert) {
		fprintf(out, "subject:      %s\n", i->subject);
		fprintf(out, "issuer:       %s\n", i->issuer);
		fprintf(out, "bundle id:    %s\n",
			i->uid[0] ? i->uid : "none (the subject has no UID)");
		fprintf(out, "environments: %s\n",
			i->development && i->production ? "development, production" :
			i->development || i->production ? env_name(i->development) :
			"none (no Apple extension 1.2.840.113635.100.6.3.1 or .2)");
		fputs("topics:       ", out);
		print_topics(c, out);
		fputc('\n', out);
		print_validity(c, out);
		fprintf(out, "key:          %s\n", key_text(i->key));
	}
	fprintf(out, "gateway:      %s (%s)\n", c->gateway, env_name(c->want_dev));
	if (c->gw == GW_OK)
		fprintf(out, "handshake:    %s; then %s\n", c->tls,
			c->closed == CLOSED_CLOSE_NOTIFY ? "close_notify both ways" :
			c->closed == CLOSED_OPEN ? "no answer to our close_notify in time" :
			c->closed == CLOSED_TCP ? "the gateway closed without close_notify" :
			"the gateway reset the connection");
	else if (c->gw == GW_NOT_TRIED)
		fputs("handshake:    not tried: the credentials are unusable\n", out);
	else if (c->gw == GW_NO_CONN)
		fputs("handshake:    no connection\n", out);
	else if (c->tls[0] != '\0')
		fprintf(out, "handshake:    %s; then failed\n", c->tls);
	else
		fputs("handshake:    failed\n", out);
	fprintf(out, "check: %s", result_name(c));
	if (c->err.code != APN_OK)
		fprintf(out, ": %s", c->err.msg);
	else
		for (int w = 0; w < c->nwarnings; w++)
			fprintf(out, "%s%s", w ? "; " : ": ", c->warnings[w]);
	fputc('\n', out);
}

/* A JSON string, even for text that is not UTF-8. */
static json_t *jstr(const char *s)
{
	json_t *j = json_string(s);

	return j ? j : json_string("(text that is not UTF-8)");
}

/* INTERFACE: every key is documented in apnsend(1), JSON OUTPUT. */
static void print_json(const struct check *c, FILE *out)
{
	const struct tls_cert_info *i = &c->info;
	json_t *o = json_object(), *a;
	char date[32];

	if (o == NULL)
		return;
	json_object_set_new(o, "type", json_string("check"));
	if (c->o->auth_key != NULL) {
		json_object_set_new(o, "auth_key", jstr(c->o->auth_key));
		json_object_set_new(o, "key_id", jstr(c->o->key_id));
		json_object_set_new(o, "team_id", jstr(c->o->team_id));
		json_object_set_new(o, "token", json_string(c->token_ok ? "ok" : "failed"));
	} else {
		json_object_set_new(o, "cert_file", jstr(c->o->cert_file));
	}
	if (i->format[0] != '\0')
		json_object_set_new(o, "format", json_string(i->format));
	if (i->have_cert) {
		json_object_set_new(o, "subject", jstr(i->subject));
		json_object_set_new(o, "issuer", jstr(i->issuer));
		json_object_set_new(o, "bundle_id", i->uid[0] ? jstr(i->uid) : json_null());
		a = json_array();
		if (i->development)
			json_array_append_new(a, json_string("development"));
		if (i->production)
			json_array_append_new(a, json_string("production"));
		json_object_set_new(o, "environments", a);
		if (i->topics == NULL || c->topics_error[0] != '\0') {
			json_object_set_new(o, "topics", json_null());
		} else {
			a = json_array();
			for (size_t t = 0; t < c->topics.n; t++) {
				json_t *types = json_array();

				for (size_t k = 0; k < c->topics.v[t].ntypes; k++)
					json_array_append_new(types, jstr(c->topics.v[t].types[k]));
				json_array_append_new(a, json_pack("{s:o,s:o}", "topic",
								   jstr(c->topics.v[t].name),
								   "types", types));
			}
			json_object_set_new(o, "topics", a);
		}
		if (c->topics_error[0] != '\0')
			json_object_set_new(o, "topics_error", jstr(c->topics_error));
		iso_date(i->not_before, date);
		json_object_set_new(o, "not_before", json_string(date));
		iso_date(i->not_after, date);
		json_object_set_new(o, "not_after", json_string(date));
		json_object_set_new(o, "days_left", i->not_after < 0 ? json_null() :
				    json_integer((json_int_t)days_until(i->not_after, c->now)));
		json_object_set_new(o, "key", json_string(key_name(i->key)));
	}
	json_object_set_new(o, "gateway", jstr(c->gateway));
	json_object_set_new(o, "environment", json_string(env_name(c->want_dev)));
	json_object_set_new(o, "handshake", json_string(c->gw == GW_OK ? "ok" :
							 c->gw == GW_FAILED ? "failed" :
							 c->gw == GW_NO_CONN ? "no-connection" :
							 "not-tried"));
	if (c->tls[0] != '\0')
		json_object_set_new(o, "tls", json_string(c->tls));
	if (c->gw == GW_OK || c->closed == CLOSED_ALERT || c->closed == CLOSED_ERROR)
		json_object_set_new(o, "closed", json_string(closed_kind_name(c->closed)));
	a = json_array();
	for (int w = 0; w < c->nwarnings; w++)
		json_array_append_new(a, jstr(c->warnings[w]));
	json_object_set_new(o, "warnings", a);
	json_object_set_new(o, "result", json_string(result_name(c)));
	if (c->err.code != APN_OK)
		json_object_set_new(o, "error", jstr(c->err.msg));
	json_dumpf(o, out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	fputc('\n', out);
	json_decref(o);
}

enum apn_code check_run(const struct options *o)
{
	struct check c;
	struct tls_creds_spec spec;
	struct tls_creds *creds = NULL;
	char *pass = NULL;
	int tls_ready = 0;

	memset(&c, 0, sizeof c);
	c.o = o;
	c.now = (int64_t)time(NULL);
	c.gw = GW_NOT_TRIED;
	c.info.format = "";
	c.err.code = APN_OK;
	snprintf(c.gateway, sizeof c.gateway, strchr(o->host, ':') ? "[%s]:%u" : "%s:%u",
		 o->host, o->port);
	c.want_dev = o->sandbox || strcmp(o->host, SANDBOX_HOST) == 0 ||
		     strcmp(o->host, H2_SANDBOX_HOST) == 0;

	if (tls_init(&c.err) != 0)
		goto report;
	tls_ready = 1;
	if (o->auth_key != NULL) {
		check_auth_key(&c, &creds);
		goto contact;
	}
	if (passphrase_get(o->pass_file, &pass, &c.err) != 0)
		goto report;
	spec.cert_file = o->cert_file;
	spec.key_file = o->key_file;
	spec.ca_file = o->ca_file;
	spec.pass = pass;
	tracef("check: loading the credentials from %s", o->cert_file);
	if (tls_creds_inspect(&spec, &c.info, &creds, &c.err) != 0)
		creds = NULL;
	passphrase_free(pass);
	if (c.info.have_cert)
		weigh(&c);
contact:
	if (creds != NULL && o->http2)
		tls_creds_set_alpn(creds, "h2");
	if (creds != NULL && c.err.code == APN_OK)
		contact(&c, creds);
report:
	if (o->json)
		print_json(&c, stdout);
	else if (!o->quiet)
		print_human(&c, stdout);
	/* On stderr too, and even with -q: they are what cron mails. */
	for (int w = 0; w < c.nwarnings; w++)
		errorf("warning: %s", c.warnings[w]);
	if (c.err.code != APN_OK)
		errorf("%s", c.err.msg);

	tls_creds_free(creds);
	tls_cert_info_free(&c.info);
	topics_free(&c.topics);
	if (tls_ready)
		tls_deinit();
	return c.err.code != APN_OK ? c.err.code : c.nwarnings ? APN_WARNING : APN_OK;
}
