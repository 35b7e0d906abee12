/* test_cli.c: unit tests of cli_parse (src/cli.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <getopt.h>

#include <cmocka.h>

#include "cli.h"

#define MAX_ARGS 32

static struct options o;
static struct apn_error err;

/* Run cli_parse on "apnsend" followed by the NULL-terminated args. */
static enum cli_action parse_v(const char *const *args)
{
	char *argv[MAX_ARGS + 2];
	int argc = 0;

	argv[argc++] = (char *)"apnsend";
	for (; *args != NULL; args++) {
		assert_true(argc <= MAX_ARGS);
		argv[argc++] = (char *)*args;
	}
	argv[argc] = NULL;
	memset(&err, 0, sizeof err);
	err.code = APN_OK;
	optind = 0; /* GNU getopt: full reset between parses */
	return cli_parse(argc, argv, &o, &err);
}

#define PARSE(...) parse_v((const char *const[]){ __VA_ARGS__, NULL })

static int teardown(void **state)
{
	(void)state;
	cli_free(&o);
	return 0;
}

static void assert_usage_error(enum cli_action action)
{
	if (action != CLI_ERROR)
		fail_msg("action %d, want CLI_ERROR", (int)action);
	assert_int_equal(err.code, APN_USAGE);
	assert_true(err.msg[0] != '\0');
}

static void assert_run(enum cli_action action)
{
	if (action != CLI_RUN)
		fail_msg("action %d, want CLI_RUN (error: %s)", (int)action, err.msg);
}

/* --- valid command lines -------------------------------------------------- */

static void test_minimal_defaults(void **state)
{
	(void)state;
	assert_run(PARSE("-c", "x.pem", "-a", "hi", "TOKEN"));
	assert_string_equal(o.cert_file, "x.pem");
	assert_null(o.key_file);
	assert_null(o.pass_file);
	assert_null(o.ca_file);
	assert_string_equal(o.host, "gateway.push.apple.com");
	assert_string_equal(o.host, DEFAULT_HOST);
	assert_int_equal(o.port, 2195);
	assert_null(o.payload);
	assert_null(o.payload_file);
	assert_string_equal(o.fields.alert, "hi");
	assert_null(o.fields.sound);
	assert_null(o.fields.category);
	assert_null(o.fields.thread_id);
	assert_int_equal(o.fields.has_badge, 0);
	assert_int_equal(o.fields.content_available, 0);
	assert_int_equal(o.fields.mutable_content, 0);
	assert_int_equal(o.timeout_ms, 2000);
	assert_int_equal(o.connect_timeout_ms, 10000);
	assert_int_equal(o.first_id, 1);
	assert_int_equal(o.format, FORMAT_FRAME);
	assert_int_equal(o.priority, 10);
	assert_int_equal(o.priority_set, 0);
	assert_int_equal(o.expiry, 86400);
	assert_int_equal(o.expiry_set, 0);
	assert_int_equal(o.json, 0);
	assert_int_equal(o.quiet, 0);
	assert_int_equal(o.verbose, 0);
	assert_int_equal(o.ntokens, 1);
	assert_non_null(o.tokens);
	assert_string_equal(o.tokens[0], "TOKEN");
	assert_int_equal(o.at_most_once, 0);
	assert_int_equal(o.retries, 3);
	assert_int_equal(o.retries, DEFAULT_RETRIES);
	assert_int_equal(o.confirm, 0);
	assert_int_equal(o.confirm_every, 0);
	assert_int_equal(o.idle_timeout_ms, 0);
	assert_null(o.failed_out);
}

static void test_delivery_options(void **state)
{
	(void)state;
	assert_run(PARSE("-c", "x.pem", "-a", "hi", "--at-most-once", "--retries", "0",
			 "--idle-timeout", "2.5", "--failed-out", "f.txt", "--confirm"));
	assert_int_equal(o.at_most_once, 1);
	assert_int_equal(o.retries, 0);
	assert_int_equal(o.idle_timeout_ms, 2500);
	assert_string_equal(o.failed_out, "f.txt");
	assert_int_equal(o.confirm, 1);
	assert_int_equal(o.confirm_every, 0);
	cli_free(&o);
	assert_run(PARSE("-c", "x.pem", "-a", "hi", "--confirm-every", "300", "--retries", "1000"));
	assert_int_equal(o.confirm, 1);
	assert_int_equal(o.confirm_every, 300);
	assert_int_equal(o.retries, 1000);
}

static void test_delivery_options_refused(void **state)
{
	(void)state;
	assert_usage_error(PARSE("-c", "x.pem", "-a", "hi", "--retries", "-1"));
	assert_usage_error(PARSE("-c", "x.pem", "-a", "hi", "--retries", "1001"));
	assert_usage_error(PARSE("-c", "x.pem", "-a", "hi", "--retries", "3x"));
	assert_usage_error(PARSE("-c", "x.pem", "-a", "hi", "--confirm-every", "0"));
	assert_usage_error(PARSE("-c", "x.pem", "-a", "hi", "--idle-timeout", "0"));
	assert_usage_error(PARSE("-c", "x.pem", "-a", "hi", "--idle-timeout", "x"));
	assert_usage_error(PARSE("-c", "x.pem", "-a", "hi", "--confirm", "--format", "simple"));
	assert_usage_error(PARSE("-c", "x.pem", "-a", "hi", "--confirm-every", "5",
				 "--format", "simple"));
}

static void test_long_options(void **state)
{
	(void)state;
	assert_run(PARSE("--cert=c.pem", "--key", "k.pem", "--pass-file", "pw",
			 "--cafile", "ca.pem", "--payload", "{\"aps\":{}}",
			 "--json", "-q", "-v", "T1"));
	assert_string_equal(o.cert_file, "c.pem");
	assert_string_equal(o.key_file, "k.pem");
	assert_string_equal(o.pass_file, "pw");
	assert_string_equal(o.ca_file, "ca.pem");
	assert_string_equal(o.payload, "{\"aps\":{}}");
	assert_int_equal(o.json, 1);
	assert_int_equal(o.quiet, 1);
	assert_int_equal(o.verbose, 1);
}

static void test_no_tokens_ok(void **state)
{
	(void)state;
	assert_run(PARSE("-c", "x.pem", "-a", "hi"));
	assert_int_equal(o.ntokens, 0);
}

static void test_sandbox_host(void **state)
{
	(void)state;
	assert_run(PARSE("-c", "x.pem", "-a", "hi", "--sandbox", "T"));
	assert_string_equal(o.host, "gateway.sandbox.push.apple.com");
	assert_string_equal(o.host, SANDBOX_HOST);
	assert_int_equal(o.port, 2195);
}

static void test_gateway_ipv4_port(void **state)
{
	(void)state;
	assert_run(PARSE("-c", "x.pem", "-a", "hi", "--gateway", "127.0.0.1:1234", "T"));
	assert_string_equal(o.host, "127.0.0.1");
	assert_int_equal(o.port, 1234);
}

static void test_gateway_ipv6_port(void **state)
{
	(void)state;
	assert_run(PARSE("-c", "x.pem", "-a", "hi", "--gateway", "[::1]:99", "T"));
	assert_string_equal(o.host, "::1");
	assert_int_equal(o.port, 99);
}

static void test_gateway_host_without_port(void **state)
{
	(void)state;
	assert_run(PARSE("-c", "x.pem", "-a", "hi", "--gateway", "apns.example.net", "T"));
	assert_string_equal(o.host, "apns.example.net");
	assert_int_equal(o.port, 2195);
}

static void test_gateway_port_65535_ok(void **state)
{
	(void)state;
	assert_run(PARSE("-c", "x.pem", "-a", "hi", "--gateway", "h:65535", "T"));
	assert_string_equal(o.host, "h");
	assert_int_equal(o.port, 65535);
}

static void test_gateway_port_0_refused(void **state)
{
	(void)state;
	assert_usage_error(PARSE("-c", "x.pem", "-a", "hi", "--gateway", "127.0.0.1:0", "T"));
}

static void test_gateway_port_65536_refused(void **state)
{
	(void)state;
	assert_usage_error(PARSE("-c", "x.pem", "-a", "hi", "--gateway", "127.0.0.1:65536", "T"));
}

static void test_gateway_port_abc_refused(void **state)
{
	(void)state;
	assert_usage_error(PARSE("-c", "x.pem", "-a", "hi", "--gateway", "127.0.0.1:abc", "T"));
}

static void test_gateway_ipv6_bad_port_refused(void **state)
{
	(void)state;
	assert_usage_error(PARSE("-c", "x.pem", "-a", "hi", "--gateway", "[::1]:0", "T"));
}

static void test_gateway_empty_port_refused(void **state)
{
	(void)state;
	assert_usage_error(PARSE("-c", "x.pem", "-a", "hi", "--gateway", "127.0.0.1:", "T"));
}

static void test_gateway_empty_host_refused(void **state)
{
	(void)state;
	assert_usage_error(PARSE("-c", "x.pem", "-a", "hi", "--gateway", ":99", "T"));
}

static void test_gateway_unclosed_bracket_refused(void **state)
{
	(void)state;
	assert_usage_error(PARSE("-c", "x.pem", "-a", "hi", "--gateway", "[::1:99", "T"));
}

static void test_sandbox_with_gateway_refused(void **state)
{
	(void)state;
	assert_usage_error(PARSE("-c", "x.pem", "-a", "hi", "--sandbox",
				 "--gateway", "127.0.0.1:1234", "T"));
	assert_usage_error(PARSE("-c", "x.pem", "--feedback", "--sandbox",
				 "--gateway", "127.0.0.1:1234"));
}

/* With --check, --sandbox says the --gateway is a development one. */
static void test_check_sandbox_with_gateway(void **state)
{
	(void)state;
	assert_run(PARSE("-c", "x.pem", "--check", "--sandbox", "--gateway",
			 "127.0.0.1:1234"));
	assert_int_equal(o.mode, MODE_CHECK);
	assert_int_equal(o.sandbox, 1);
	assert_string_equal(o.host, "127.0.0.1");
	assert_int_equal(o.port, 1234);
}

/* --- timeouts ------------------------------------------------------------- */

static void test_timeout_fraction(void **state)
{
	(void)state;
	assert_run(PARSE("-c", "x.pem", "-a", "hi", "--timeout", "0.25", "T"));
	assert_int_equal(o.timeout_ms, 250);
}

static void test_timeout_short_option(void **state)
{
	(void)state;
	assert_run(PARSE("-c", "x.pem", "-a", "hi", "-t", "3", "T"));
	assert_int_equal(o.timeout_ms, 3000);
}

static void test_timeout_negative_refused(void **state)
{
	(void)state;
	assert_usage_error(PARSE("-c", "x.pem", "-a", "hi", "--timeout", "-1", "T"));
}

static void test_timeout_abc_refused(void **state)
{
	(void)state;
	assert_usage_error(PARSE("-c", "x.pem", "-a", "hi", "--timeout", "abc", "T"));
}

static void test_timeout_huge_refused(void **state)
{
	(void)state;
	assert_usage_error(PARSE("-c", "x.pem", "-a", "hi", "--timeout", "1e9", "T"));
}

static void test_connect_timeout(void **state)
{
	(void)state;
	assert_run(PARSE("-c", "x.pem", "-a", "hi", "--connect-timeout", "1.5", "T"));
	assert_int_equal(o.connect_timeout_ms, 1500);
	cli_free(&o);
	assert_usage_error(PARSE("-c", "x.pem", "-a", "hi", "--connect-timeout", "x", "T"));
}

/* --- identifiers, badge, priority, expiry, format ------------------------- */

static void test_id_zero_refused(void **state)
{
	(void)state;
	assert_usage_error(PARSE("-c", "x.pem", "-a", "hi", "--id", "0", "T"));
}

static void test_id_max_ok(void **state)
{
	(void)state;
	assert_run(PARSE("-c", "x.pem", "-a", "hi", "--id", "4294967295", "T"));
	assert_int_equal(o.first_id, UINT32_MAX);
}

static void test_id_too_large_refused(void **state)
{
	(void)state;
	assert_usage_error(PARSE("-c", "x.pem", "-a", "hi", "--id", "4294967296", "T"));
}

static void test_id_set(void **state)
{
	(void)state;
	assert_run(PARSE("-c", "x.pem", "-a", "hi", "--id", "42", "T"));
	assert_int_equal(o.first_id, 42);
}

static void test_badge_with_suffix_refused(void **state)
{
	(void)state;
	assert_usage_error(PARSE("-c", "x.pem", "--badge", "1KB", "T"));
}

static void test_badge_zero_set(void **state)
{
	(void)state;
	assert_run(PARSE("-c", "x.pem", "--badge", "0", "T"));
	assert_int_equal(o.fields.has_badge, 1);
	assert_int_equal(o.fields.badge, 0);
}

static void test_payload_flags_filled(void **state)
{
	(void)state;
	assert_run(PARSE("-c", "x.pem", "-a", "A", "-b", "3", "-s", "default",
			 "--category", "C", "--thread-id", "TH", "--content-available",
			 "--mutable-content", "T"));
	assert_string_equal(o.fields.alert, "A");
	assert_int_equal(o.fields.has_badge, 1);
	assert_int_equal(o.fields.badge, 3);
	assert_string_equal(o.fields.sound, "default");
	assert_string_equal(o.fields.category, "C");
	assert_string_equal(o.fields.thread_id, "TH");
	assert_int_equal(o.fields.content_available, 1);
	assert_int_equal(o.fields.mutable_content, 1);
}

static void test_priority_5_frame_ok(void **state)
{
	(void)state;
	assert_run(PARSE("-c", "x.pem", "-a", "hi", "--priority", "5", "T"));
	assert_int_equal(o.priority, 5);
	assert_int_equal(o.priority_set, 1);
}

static void test_priority_5_enhanced_refused(void **state)
{
	(void)state;
	assert_usage_error(PARSE("-c", "x.pem", "-a", "hi", "--priority", "5",
				 "--format", "enhanced", "T"));
}

static void test_priority_other_refused(void **state)
{
	(void)state;
	assert_usage_error(PARSE("-c", "x.pem", "-a", "hi", "--priority", "7", "T"));
}

static void test_format_values(void **state)
{
	(void)state;
	assert_run(PARSE("-c", "x.pem", "-a", "hi", "--format", "enhanced", "T"));
	assert_int_equal(o.format, FORMAT_ENHANCED);
	cli_free(&o);
	assert_run(PARSE("-c", "x.pem", "-a", "hi", "--format", "simple", "T"));
	assert_int_equal(o.format, FORMAT_SIMPLE);
	cli_free(&o);
	assert_run(PARSE("-c", "x.pem", "-a", "hi", "--format", "frame", "T"));
	assert_int_equal(o.format, FORMAT_FRAME);
	cli_free(&o);
	assert_usage_error(PARSE("-c", "x.pem", "-a", "hi", "--format", "json", "T"));
}

static void test_expiry_set(void **state)
{
	(void)state;
	assert_run(PARSE("-c", "x.pem", "-a", "hi", "--expiry", "0", "T"));
	assert_int_equal(o.expiry, 0);
	assert_int_equal(o.expiry_set, 1);
}

static void test_expiry_with_simple_refused(void **state)
{
	(void)state;
	assert_usage_error(PARSE("-c", "x.pem", "-a", "hi", "--expiry", "60",
				 "--format", "simple", "T"));
}

/* --- payload and certificate ---------------------------------------------- */

static void test_payload_and_alert_refused(void **state)
{
	(void)state;
	assert_usage_error(PARSE("-c", "x.pem", "-p", "{}", "-a", "hi", "T"));
}

static void test_payload_and_payload_file_refused(void **state)
{
	(void)state;
	assert_usage_error(PARSE("-c", "x.pem", "-p", "{}", "--payload-file", "p.json", "T"));
}

static void test_payload_file_and_badge_refused(void **state)
{
	(void)state;
	assert_usage_error(PARSE("-c", "x.pem", "--payload-file", "-", "--badge", "1", "T"));
}

static void test_no_payload_accepted(void **state)
{
	(void)state;
	/* Stdin lines may carry their own payloads: main checks whether a
	 * default payload is needed. */
	assert_run(PARSE("-c", "x.pem", "T"));
	assert_null(o.payload);
	assert_int_equal(payload_fields_any(&o.fields), 0);
}

static void test_no_cert_refused(void **state)
{
	(void)state;
	assert_usage_error(PARSE("-a", "hi", "T"));
}

/* --- help, version, unknown options --------------------------------------- */

static void test_help(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--help"), CLI_HELP);
	assert_int_equal(PARSE("-h"), CLI_HELP);
}

static void test_help_wins_over_errors(void **state)
{
	(void)state;
	/* Semantic errors: no cert, no payload, bad id. */
	assert_int_equal(PARSE("--id", "0", "--help"), CLI_HELP);
	/* Syntax errors: an unknown option, a missing argument. */
	assert_int_equal(PARSE("--no-such-option", "--help", "-c"), CLI_HELP);
}

static void test_version(void **state)
{
	(void)state;
	assert_int_equal(PARSE("-V"), CLI_VERSION);
	assert_int_equal(PARSE("--version"), CLI_VERSION);
}

static void test_unknown_option_refused(void **state)
{
	(void)state;
	assert_usage_error(PARSE("-c", "x.pem", "-a", "hi", "--no-such-option", "T"));
}

static void test_missing_option_argument_refused(void **state)
{
	(void)state;
	assert_usage_error(PARSE("-a", "hi", "T", "-c"));
}

static void test_tokens_in_order_with_dash(void **state)
{
	(void)state;
	assert_run(PARSE("-c", "x.pem", "AAA", "-a", "hi", "-", "BBB", "CCC"));
	assert_int_equal(o.ntokens, 4);
	assert_string_equal(o.tokens[0], "AAA");
	assert_string_equal(o.tokens[1], "-");
	assert_string_equal(o.tokens[2], "BBB");
	assert_string_equal(o.tokens[3], "CCC");
}

static void test_parse_twice(void **state)
{
	(void)state;
	/* Global getopt state must not leak from one parse to the next. */
	assert_run(PARSE("-c", "one.pem", "-a", "hi", "T1"));
	cli_free(&o);
	assert_run(PARSE("-c", "two.pem", "-a", "hi", "T2", "T3"));
	assert_string_equal(o.cert_file, "two.pem");
	assert_int_equal(o.ntokens, 2);
	assert_string_equal(o.tokens[0], "T2");
	assert_string_equal(o.tokens[1], "T3");
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_minimal_defaults),
		T(test_long_options),
		T(test_delivery_options),
		T(test_delivery_options_refused),
		T(test_no_tokens_ok),
		T(test_sandbox_host),
		T(test_gateway_ipv4_port),
		T(test_gateway_ipv6_port),
		T(test_gateway_host_without_port),
		T(test_gateway_port_65535_ok),
		T(test_gateway_port_0_refused),
		T(test_gateway_port_65536_refused),
		T(test_gateway_port_abc_refused),
		T(test_gateway_ipv6_bad_port_refused),
		T(test_gateway_empty_port_refused),
		T(test_gateway_empty_host_refused),
		T(test_gateway_unclosed_bracket_refused),
		T(test_sandbox_with_gateway_refused),
		T(test_check_sandbox_with_gateway),
		T(test_timeout_fraction),
		T(test_timeout_short_option),
		T(test_timeout_negative_refused),
		T(test_timeout_abc_refused),
		T(test_timeout_huge_refused),
		T(test_connect_timeout),
		T(test_id_zero_refused),
		T(test_id_max_ok),
		T(test_id_too_large_refused),
		T(test_id_set),
		T(test_badge_with_suffix_refused),
		T(test_badge_zero_set),
		T(test_payload_flags_filled),
		T(test_priority_5_frame_ok),
		T(test_priority_5_enhanced_refused),
		T(test_priority_other_refused),
		T(test_format_values),
		T(test_expiry_set),
		T(test_expiry_with_simple_refused),
		T(test_payload_and_alert_refused),
		T(test_payload_and_payload_file_refused),
		T(test_payload_file_and_badge_refused),
		T(test_no_payload_accepted),
		T(test_no_cert_refused),
		T(test_help),
		T(test_help_wins_over_errors),
		T(test_version),
		T(test_unknown_option_refused),
		T(test_missing_option_argument_refused),
		T(test_tokens_in_order_with_dash),
		T(test_parse_twice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
