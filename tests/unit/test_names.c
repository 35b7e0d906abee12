/* test_names.c: unit tests of the exit status map (src/error.h) and of the
 * names --json prints (src/answer.h, src/report.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>

#include <cmocka.h>

#include "answer.h"
#include "error.h"
#include "report.h"

static void test_exit_status_map(void **state)
{
	(void)state;
	assert_int_equal(apn_exit_status(APN_OK), 0);
	assert_int_equal(apn_exit_status(APN_REJECTED), 1);
	assert_int_equal(apn_exit_status(APN_WARNING), 1);
	assert_int_equal(apn_exit_status(APN_USAGE), 64);
	assert_int_equal(apn_exit_status(APN_DATAERR), 65);
	assert_int_equal(apn_exit_status(APN_NOINPUT), 66);
	assert_int_equal(apn_exit_status(APN_NOHOST), 68);
	assert_int_equal(apn_exit_status(APN_UNAVAILABLE), 69);
	assert_int_equal(apn_exit_status(APN_SOFTWARE), 70);
	assert_int_equal(apn_exit_status(APN_IOERR), 74);
	assert_int_equal(apn_exit_status(APN_TEMPFAIL), 75);
	assert_int_equal(apn_exit_status(APN_PROTOCOL), 76);
	assert_int_equal(apn_exit_status(APN_NOPERM), 77);
	assert_int_equal(apn_exit_status(APN_CONFIG), 78);
	assert_int_equal(apn_exit_status(APN_INTERRUPTED), 130);
}

/* Interrupted wins over what the run found so far, not over an internal
 * error or a report that could not be written. */
static void test_code_worst_interrupted(void **state)
{
	static const enum apn_code below[] = {
		APN_REJECTED, APN_USAGE, APN_DATAERR, APN_NOINPUT, APN_NOHOST,
		APN_UNAVAILABLE, APN_TEMPFAIL, APN_PROTOCOL, APN_NOPERM, APN_CONFIG,
	};

	(void)state;
	for (size_t i = 0; i < sizeof below / sizeof below[0]; i++)
		assert_int_equal(apn_code_worst(APN_INTERRUPTED, below[i]), APN_INTERRUPTED);
	assert_int_equal(apn_code_worst(APN_INTERRUPTED, APN_IOERR), APN_IOERR);
	assert_int_equal(apn_code_worst(APN_SOFTWARE, APN_INTERRUPTED), APN_SOFTWARE);
}

static void test_code_worst_ok_loses(void **state)
{
	static const enum apn_code all[] = {
		APN_REJECTED, APN_USAGE, APN_DATAERR, APN_NOINPUT, APN_NOHOST,
		APN_UNAVAILABLE, APN_SOFTWARE, APN_IOERR, APN_TEMPFAIL,
		APN_PROTOCOL, APN_NOPERM, APN_CONFIG, APN_WARNING, APN_INTERRUPTED,
	};

	(void)state;
	assert_int_equal(apn_code_worst(APN_OK, APN_OK), APN_OK);
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		assert_int_equal(apn_code_worst(APN_OK, all[i]), all[i]);
		assert_int_equal(apn_code_worst(all[i], APN_OK), all[i]);
		assert_int_equal(apn_code_worst(all[i], all[i]), all[i]);
	}
}

/* A --check warning (exit 1) gives way to every failure. */
static void test_code_worst_warning_loses(void **state)
{
	static const enum apn_code failures[] = {
		APN_USAGE, APN_DATAERR, APN_NOINPUT, APN_NOHOST, APN_UNAVAILABLE,
		APN_SOFTWARE, APN_IOERR, APN_TEMPFAIL, APN_PROTOCOL, APN_NOPERM,
		APN_CONFIG,
	};

	(void)state;
	assert_int_equal(apn_code_worst(APN_WARNING, APN_OK), APN_WARNING);
	for (size_t i = 0; i < sizeof failures / sizeof failures[0]; i++) {
		assert_int_equal(apn_code_worst(APN_WARNING, failures[i]), failures[i]);
		assert_int_equal(apn_code_worst(failures[i], APN_WARNING), failures[i]);
	}
}

static void test_answer_kind_names(void **state)
{
	(void)state;
	assert_string_equal(answer_kind_name(ANSWER_NONE), "none");
	assert_string_equal(answer_kind_name(ANSWER_ERROR_RESPONSE), "error-response");
	assert_string_equal(answer_kind_name(ANSWER_CLOSE_NOTIFY), "close-notify");
	assert_string_equal(answer_kind_name(ANSWER_TCP_CLOSE), "tcp-close");
	assert_string_equal(answer_kind_name(ANSWER_TLS_ALERT), "tls-alert");
	assert_string_equal(answer_kind_name(ANSWER_PROTOCOL_ERROR), "protocol-error");
	assert_string_equal(answer_kind_name(ANSWER_STALLED), "stalled");
	assert_string_equal(answer_kind_name(ANSWER_NO_CONNECTION), "no-connection");
	assert_string_equal(answer_kind_name(ANSWER_GOAWAY), "goaway");
}

/* A close by itself: each closed kind's answer. */
static void test_answer_kind_of_close(void **state)
{
	(void)state;
	assert_int_equal(answer_kind_of_close(CLOSED_OPEN), ANSWER_NONE);
	assert_int_equal(answer_kind_of_close(CLOSED_CLOSE_NOTIFY), ANSWER_CLOSE_NOTIFY);
	assert_int_equal(answer_kind_of_close(CLOSED_TCP), ANSWER_TCP_CLOSE);
	assert_int_equal(answer_kind_of_close(CLOSED_RESET), ANSWER_TCP_CLOSE);
	assert_int_equal(answer_kind_of_close(CLOSED_ALERT), ANSWER_TLS_ALERT);
	assert_int_equal(answer_kind_of_close(CLOSED_ERROR), ANSWER_PROTOCOL_ERROR);
}

static void test_closed_kind_names(void **state)
{
	(void)state;
	assert_string_equal(closed_kind_name(CLOSED_OPEN), "open");
	assert_string_equal(closed_kind_name(CLOSED_CLOSE_NOTIFY), "close-notify");
	assert_string_equal(closed_kind_name(CLOSED_TCP), "tcp-close");
	assert_string_equal(closed_kind_name(CLOSED_RESET), "reset");
	assert_string_equal(closed_kind_name(CLOSED_ALERT), "tls-alert");
	assert_string_equal(closed_kind_name(CLOSED_ERROR), "tls-error");
}

static void test_result_names(void **state)
{
	(void)state;
	assert_string_equal(result_name(RESULT_OK), "ok");
	assert_string_equal(result_name(RESULT_REJECTED), "rejected");
	assert_string_equal(result_name(RESULT_UNCONFIRMED), "unconfirmed");
	assert_string_equal(result_name(RESULT_FAILED), "failed");
	assert_string_equal(result_name(RESULT_INVALID), "invalid");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_status_map),
		cmocka_unit_test(test_code_worst_ok_loses),
		cmocka_unit_test(test_code_worst_interrupted),
		cmocka_unit_test(test_code_worst_warning_loses),
		cmocka_unit_test(test_answer_kind_names),
		cmocka_unit_test(test_closed_kind_names),
		cmocka_unit_test(test_answer_kind_of_close),
		cmocka_unit_test(test_result_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
