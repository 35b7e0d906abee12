/* apnsend.c: main.  Flags, payload and tokens are checked first (nothing is
 * sent when any is wrong); then connect, hand the notifications to the
 * gateway session, report, and turn the outcome into the exit status.
 * Only this file exits.
 */
#include <config.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "answer.h"
#include "cli.h"
#include "clock.h"
#include "error.h"
#include "frame.h"
#include "gateway.h"
#include "input.h"
#include "msg.h"
#include "net.h"
#include "outcome.h"
#include "passphrase.h"
#include "payload.h"
#include "readfile.h"
#include "report.h"
#include "tls.h"

/* A tool started by cron may have fds 0-2 closed: keep them taken so no
 * socket or file of ours becomes "stdout". */
static void ensure_std_fds(void)
{
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			(void)open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
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
		if (payload_build(&o->fields, PAYLOAD_MAX, out, len, why, sizeof why) != 0)
			return apn_fail(err, APN_DATAERR, "%s", why);
		return 0;
	}
	if (o->payload_file != NULL) {
		const char *path = strcmp(o->payload_file, "-") == 0 ? "/dev/stdin"
								     : o->payload_file;
		if (readfile("--payload-file", path, 1024 * 1024, &text, &tlen, err) != 0)
			return -1;
	} else {
		tlen = strlen(o->payload);
		text = malloc(tlen + 1);
		if (text == NULL)
			return apn_fail(err, APN_SOFTWARE, "reading the payload: out of memory");
		memcpy(text, o->payload, tlen + 1);
	}
	rc = payload_validate(text, tlen, PAYLOAD_MAX, &off, &plen, why, sizeof why);
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

static int load_creds(const struct options *o, struct tls_creds **creds,
		      struct apn_error *err)
{
	struct tls_creds_spec spec;
	char *pass = NULL;
	int rc;

	if (passphrase_get(o->pass_file, &pass, err) != 0)
		return -1;
	spec.cert_file = o->cert_file;
	spec.key_file = o->key_file;
	spec.ca_file = o->ca_file;
	spec.pass = pass;
	rc = tls_creds_load(&spec, creds, err);
	passphrase_free(pass);
	if (rc == 0)
		verbosef("client certificate: %s", tls_creds_subject(*creds));
	return rc;
}

static uint32_t next_id(uint32_t id)
{
	/* Identifier 0 is what the gateway reports when it cannot tell. */
	return id == UINT32_MAX ? 1 : id + 1;
}

static struct notification *build_list(const struct options *o,
				       const struct token_list *tokens,
				       const char *payload, size_t plen)
{
	struct notification *list = calloc(tokens->n, sizeof *list);
	uint32_t id = o->first_id;
	uint32_t expiry = 0;

	if (list == NULL)
		return NULL;
	if (o->expiry > 0) {
		unsigned long long at = (unsigned long long)time(NULL) +
					(unsigned long long)o->expiry;
		expiry = at > UINT32_MAX ? UINT32_MAX : (uint32_t)at;
	}
	for (size_t i = 0; i < tokens->n; i++) {
		list[i].id = id;
		list[i].expiry = expiry;
		list[i].priority = (uint8_t)o->priority;
		list[i].token = &tokens->v[i];
		list[i].payload = (const uint8_t *)payload;
		list[i].payload_len = plen;
		id = next_id(id);
	}
	return list;
}

/* Connect, hand the list to the gateway session, report.  Returns the code
 * for the exit status. */
static enum apn_code send_all(const struct options *o, struct tls_creds *creds,
			      const struct notification *list, size_t n)
{
	int64_t start = clock_ms(), deadline = start + o->connect_timeout_ms;
	struct report rep = { stdout, o->json, o->quiet, o->format };
	struct gateway_params gp = { o->format, o->timeout_ms,
				     o->timeout_ms > o->connect_timeout_ms
					     ? o->timeout_ms : o->connect_timeout_ms };
	struct tls_conn *conn = NULL;
	struct apn_error err = { APN_OK, "" };
	struct answer ans;
	struct outcome out;
	enum result *results = calloc(n, sizeof *results);
	enum note *notes = calloc(n, sizeof *notes);
	const char *why = NULL;
	char alert[64] = "", desc[128];
	int fd;

	if (results == NULL || notes == NULL) {
		free(results);
		free(notes);
		errorf("preparing the report: out of memory");
		return APN_SOFTWARE;
	}
	memset(&ans, 0, sizeof ans);
	fd = net_connect(o->host, o->port, deadline, &err);
	if (fd >= 0 && tls_connect(creds, fd, o->host, deadline, &conn, alert, &err) == 0) {
		tls_describe(conn, desc, sizeof desc);
		verbosef("TLS handshake with %s done (%s)", o->host, desc);
		gateway_exchange(conn, &gp, list, n, &ans);
		if (ans.kind == ANSWER_STALLED)
			tls_abort(conn);
		else
			tls_close(conn, clock_ms() + 1000);
		/* Failures (not answers the protocol allows) also get their
		 * line on stderr, where cron and -q users look. */
		if (ans.kind == ANSWER_TLS_ALERT)
			errorf("the gateway sent fatal TLS alert %s%s", ans.alert,
			       ans.alert_refuses_cert ? ": it refused our client certificate" : "");
		else if (ans.kind == ANSWER_PROTOCOL_ERROR && ans.nbytes > 0)
			errorf("protocol error: the gateway's answer is not an "
			       "error-response packet");
		else if (ans.kind == ANSWER_PROTOCOL_ERROR || ans.kind == ANSWER_STALLED)
			errorf("%s", ans.detail);
	} else {
		errorf("%s", err.msg);
		why = err.msg;
		ans.during_handshake = 1;
		if (alert[0]) {
			ans.kind = ANSWER_TLS_ALERT;
			ans.closed = CLOSED_ALERT;
			snprintf(ans.alert, sizeof ans.alert, "%s", alert);
			ans.alert_refuses_cert = err.code == APN_NOPERM;
		} else {
			ans.kind = ANSWER_NO_CONNECTION;
		}
	}
	outcome_assign(&ans, o->format, list, n, results, notes, &out);
	if (why != NULL)
		out.code = apn_code_worst(out.code, err.code);
	for (size_t i = 0; i < n; i++)
		report_notification(&rep, &list[i], results[i], notes[i], &ans);
	report_connection(&rep, &ans, &out, list, why);
	report_summary(&rep, &ans, &out, n, clock_ms() - start);
	fflush(stdout);
	free(results);
	free(notes);
	return out.code;
}

/* Are tokens read from stdin (no TOKEN argument, or a "-")? */
static int reads_stdin(const struct options *o)
{
	if (o->ntokens == 0)
		return 1;
	for (int i = 0; i < o->ntokens; i++)
		if (strcmp(o->tokens[i], "-") == 0)
			return 1;
	return 0;
}

static enum apn_code run(const struct options *o)
{
	struct apn_error err = { APN_OK, "" };
	struct token_list tokens = { NULL, 0, 0 };
	struct tls_creds *creds = NULL;
	struct notification *list = NULL;
	char *payload = NULL;
	size_t plen = 0;
	enum apn_code code;
	int tls_ready = 0;

	if (o->payload_file && strcmp(o->payload_file, "-") == 0 && reads_stdin(o)) {
		apn_fail(&err, APN_USAGE,
			 "--payload-file - and tokens from stdin cannot share stdin");
		goto fail;
	}
	if (get_payload(o, &payload, &plen, &err) != 0)
		goto fail;
	if (reads_stdin(o) && isatty(STDIN_FILENO))
		warnf("reading device tokens from the terminal, one a line; "
		      "end with Ctrl-D");
	if (input_tokens(o->tokens, o->ntokens, stdin, &tokens, &err) != 0)
		goto fail;
	if (tls_init(&err) != 0)
		goto fail;
	tls_ready = 1;
	if (load_creds(o, &creds, &err) != 0)
		goto fail;
	list = build_list(o, &tokens, payload, plen);
	if (list == NULL) {
		apn_fail(&err, APN_SOFTWARE, "preparing the notifications: out of memory");
		goto fail;
	}
	code = send_all(o, creds, list, tokens.n);
	goto out;
fail:
	errorf("%s", err.msg);
	if (err.code == APN_USAGE)
		fprintf(stderr, "Try '%s --help' for more information.\n", PACKAGE);
	code = err.code;
out:
	free(list);
	tls_creds_free(creds);
	if (tls_ready)
		tls_deinit();
	token_list_free(&tokens);
	free(payload);
	return code;
}

int main(int argc, char **argv)
{
	struct options o;
	struct apn_error err = { APN_OK, "" };
	enum apn_code code;

	ensure_std_fds();
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
	code = run(&o);
	cli_free(&o);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		errorf("cannot write the report to stdout");
		code = apn_code_worst(code, APN_IOERR);
	}
	return apn_exit_status(code);
}
