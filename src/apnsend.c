/* apnsend.c: main.  Flags, the payload, the TOKEN arguments and the
 * credentials are checked first (nothing is sent when any is wrong); then
 * the sender streams the input to the gateway (sender.h), and the results
 * become the exit status.  Only this file exits.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <jansson.h>

#include "answer.h"
#include "check.h"
#include "cli.h"
#include "clock.h"
#include "creds.h"
#include "error.h"
#include "feedback.h"
#include "frame.h"
#include "h2sender.h"
#include "jwt.h"
#include "msg.h"
#include "net.h"
#include "payload.h"
#include "readfile.h"
#include "report.h"
#include "sender.h"
#include "signals.h"
#include "source.h"
#include "spool.h"
#include "tls.h"
#include "trace.h"

/* A tool started by cron may have fds 0-2 closed: keep them taken so no
 * socket or file of ours becomes "stdout". */
static void ensure_std_fds(void)
{
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			(void)open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
}

/* Keys and passphrases pass through this process's memory: it never dumps
 * core, and other processes of the user cannot attach to it to read it. */
static void no_core_dumps(void)
{
	struct rlimit none = { 0, 0 };

	(void)setrlimit(RLIMIT_CORE, &none);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

static void print_version(void)
{
	printf("%s %s\n", PACKAGE, PACKAGE_VERSION);
	printf("GnuTLS %s (run time), jansson %s\n", tls_runtime_version(), JANSSON_VERSION);
}

/* The payload bytes: malloc'd, *len bytes, from --payload, --payload-file or
 * the --alert/... flags, validated. */
static int get_payload(const struct options *o, char **out, size_t *len,
		       struct apn_error *err)
{
	char why[256], *text = NULL;
	size_t tlen, off, plen;
	int rc;

	if (payload_fields_any(&o->fields)) {
		if (payload_build(&o->fields, o->payload_max, out, len, why, sizeof why) != 0)
			return apn_fail(err, APN_DATAERR, "%s", why);
		return 0;
	}
	if (o->payload_file != NULL) {
		const char *path = strcmp(o->payload_file, "-") == 0 ? "/dev/stdin"
								     : o->payload_file;
		if (readfile("--payload-file", path, 1024 * 1024, APN_DATAERR, &text, &tlen, err) != 0)
			return -1;
	} else {
		tlen = strlen(o->payload);
		text = malloc(tlen + 1);
		if (text == NULL)
			return apn_fail(err, APN_SOFTWARE, "reading the payload: out of memory");
		memcpy(text, o->payload, tlen + 1);
	}
	rc = payload_validate(text, tlen, o->payload_max, &off, &plen, why, sizeof why);
	if (rc != 0) {
		free(text);
		if (o->payload_file)
			return apn_fail(err, APN_DATAERR, "--payload-file %s: %s",
					o->payload_file, why);
		return apn_fail(err, APN_DATAERR, "%s", why);
	}
	memmove(text, text + off, plen);
	text[plen] = '\0';
	*out = text;
	*len = plen;
	return 0;
}

/* The live progress line: stderr a terminal, stdout not, and not -q. */
static int show_progress(const struct options *o)
{
	return isatty(STDERR_FILENO) && !isatty(STDOUT_FILENO) && !o->quiet;
}

/* The binary protocol's sender. */
static enum apn_code run_binary(const struct options *o, struct tls_creds *creds,
				struct spool *spool, struct source *src,
				const struct report *rep, FILE *failed_out,
				const uint8_t *payload, size_t plen, struct totals *tot)
{
	struct sender_params sp;

	memset(&sp, 0, sizeof sp);
	sp.format = o->format;
	sp.first_id = o->first_id;
	sp.expiry_s = o->expiry;
	sp.priority = (uint8_t)o->priority;
	sp.payload = payload;
	sp.payload_len = plen;
	sp.host = o->host;
	sp.port = o->port;
	sp.creds = creds;
	sp.timeout_ms = o->timeout_ms;
	sp.connect_timeout_ms = o->connect_timeout_ms;
	sp.stall_ms = o->timeout_ms > o->connect_timeout_ms ? o->timeout_ms
							    : o->connect_timeout_ms;
	sp.idle_timeout_ms = o->idle_timeout_ms;
	sp.retries = o->retries;
	sp.at_most_once = o->at_most_once;
	sp.confirm = o->confirm;
	sp.confirm_every = o->confirm_every;
	sp.src = src;
	sp.spool = spool;
	sp.rep = rep;
	sp.failed_out = failed_out;
	sp.progress = show_progress(o);
	return sender_run(&sp, tot);
}

/* Apple's HTTP/2 API (--http2). */
static enum apn_code run_http2(const struct options *o, struct tls_creds *creds,
			       struct jwt *jwt, struct source *src,
			       const struct report *rep, FILE *failed_out,
			       const uint8_t *payload, size_t plen, struct totals *tot)
{
	struct h2_params hp;

	memset(&hp, 0, sizeof hp);
	hp.host = o->host;
	hp.port = o->port;
	hp.creds = creds;
	hp.jwt = jwt;
	/* With a certificate Apple takes its bundle id when no topic is
	 * sent; sending it is clearer, and what the man page says. */
	hp.topic = o->topic != NULL ? o->topic
		   : tls_creds_bundle_id(creds)[0] ? tls_creds_bundle_id(creds) : NULL;
	hp.push_type = o->push_type;
	hp.priority = o->priority;
	hp.expiry_s = o->expiry;
	hp.collapse_id = o->collapse_id;
	hp.apns_id = o->apns_id;
	hp.payload = payload;
	hp.payload_len = plen;
	hp.timeout_ms = o->timeout_ms;
	hp.connect_timeout_ms = o->connect_timeout_ms;
	hp.idle_timeout_ms = o->idle_timeout_ms;
	hp.retries = o->retries;
	hp.at_most_once = o->at_most_once;
	hp.src = src;
	hp.rep = rep;
	hp.failed_out = failed_out;
	hp.progress = show_progress(o);
	tls_creds_set_alpn(creds, "h2");
	return h2_run(&hp, tot);
}

static enum apn_code run(const struct options *o)

{
	struct apn_error err = { APN_OK, "" };
	struct tls_creds *creds = NULL;
	struct spool *spool = NULL;
	struct source src;
	struct totals tot;
	struct report rep = { stdout, o->json, o->quiet, o->format, o->http2 };
	struct jwt *jwt = NULL;
	FILE *failed_out = NULL;
	char *payload = NULL;
	size_t plen = 0;
	enum apn_code code;
	int tls_ready = 0, stdin_used = source_reads_stdin(o->tokens, o->ntokens);
	int64_t start = clock_ms();

	if (o->payload_file && strcmp(o->payload_file, "-") == 0 && stdin_used) {
		apn_fail(&err, APN_USAGE,
			 "--payload-file - and tokens from stdin cannot share stdin");
		goto fail;
	}
	if (!stdin_used && !o->payload && !o->payload_file &&
	    !payload_fields_any(&o->fields)) {
		apn_fail(&err, APN_USAGE, "no payload: give --payload, --payload-file "
			 "or --alert (or --badge, --sound, ...)");
		goto fail;
	}
	if ((o->payload || o->payload_file || payload_fields_any(&o->fields)) &&
	    get_payload(o, &payload, &plen, &err) != 0)
		goto fail;
	if (source_check_args(o->tokens, o->ntokens, &err) != 0)
		goto fail;
	if (tls_init(&err) != 0)
		goto fail;
	tls_ready = 1;
	if (creds_load(o, &creds, &err) != 0)
		goto fail;
	if (o->auth_key != NULL &&
	    jwt_open(o->auth_key, o->key_id, o->team_id, &jwt, &err) != 0)
		goto fail;
	if (!o->http2 && spool_open(NULL, &spool, &err) != 0)
		goto fail;
	if (o->failed_out != NULL && (failed_out = fopen(o->failed_out, "w")) == NULL) {
		apn_fail(&err, APN_IOERR, "cannot create --failed-out file %s: %s",
			 o->failed_out, strerror(errno));
		goto fail;
	}
	if (stdin_used && isatty(STDIN_FILENO))
		warnf("reading device tokens from the terminal, one a line; "
		      "end with Ctrl-D");

	source_init(&src, o->tokens, o->ntokens, STDIN_FILENO, o->payload_max);
	if (o->http2)
		code = run_http2(o, creds, jwt, &src, &rep, failed_out,
				 (const uint8_t *)payload, plen, &tot);
	else
		code = run_binary(o, creds, spool, &src, &rep, failed_out,
				  (const uint8_t *)payload, plen, &tot);

	if (tot.results[RESULT_INVALID] == 0 && tot.results[RESULT_OK] +
	    tot.results[RESULT_REJECTED] + tot.results[RESULT_UNCONFIRMED] +
	    tot.results[RESULT_FAILED] == 0 && code == APN_OK) {
		apn_fail(&err, APN_USAGE, stdin_used ? "no device token on stdin"
						     : "no device token given");
		goto fail;
	}
	report_summary(&rep, &tot, clock_ms() - start);
	if (tot.results[RESULT_INVALID] > 0)
		errorf("%llu input line%s invalid, not sent (see the results)",
		       (unsigned long long)tot.results[RESULT_INVALID],
		       tot.results[RESULT_INVALID] == 1 ? " was" : "s were");
	if (failed_out != NULL) {
		if (fflush(failed_out) != 0 || ferror(failed_out)) {
			errorf("cannot write --failed-out file %s", o->failed_out);
			code = apn_code_worst(code, APN_IOERR);
		}
	}
	goto out;
fail:
	errorf("%s", err.msg);
	if (err.code == APN_USAGE)
		fprintf(stderr, "Try '%s --help' for more information.\n", PACKAGE);
	code = err.code;
out:
	if (failed_out != NULL && fclose(failed_out) != 0)
		code = apn_code_worst(code, APN_IOERR);
	spool_close(spool);
	tls_creds_free(creds);
	jwt_free(jwt);
	if (tls_ready)
		tls_deinit();
	free(payload);
	return code;
}

int main(int argc, char **argv)
{
	struct options o;
	struct apn_error err = { APN_OK, "" };
	enum apn_code code;

	ensure_std_fds();
	no_core_dumps();
	signal(SIGPIPE, SIG_IGN);
	switch (cli_parse(argc, argv, &o, &err)) {
	case CLI_HELP:
		cli_help(stdout);
		return 0;
	case CLI_VERSION:
		print_version();
		return 0;
	case CLI_ERROR:
		errorf("%s", err.msg);
		fprintf(stderr, "Try '%s --help' for more information.\n", PACKAGE);
		cli_free(&o);
		return apn_exit_status(err.code);
	case CLI_RUN:
		break;
	}
	msg_set_level(o.verbose, o.quiet);
	if (o.trace != TRACE_OFF)
		trace_start(o.trace);
	if (o.mode != MODE_CHECK)
		signals_catch(); /* a bounded stop, with every result (signals.h) */
	switch (o.mode) {
	case MODE_CHECK:
		code = check_run(&o);
		break;
	case MODE_FEEDBACK:
		code = feedback_run(&o);
		break;
	default:
		code = run(&o);
		break;
	}
	cli_free(&o);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		errorf("cannot write the report to stdout");
		code = apn_code_worst(code, APN_IOERR);
	}
	return apn_exit_status(code);
}
