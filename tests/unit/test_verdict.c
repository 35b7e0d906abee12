/* test_outcome.c: unit tests of outcome_assign (src/outcome.h), the exit
 * status map (src/error.h) and the --json names (src/answer.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "answer.h"
#include "error.h"
#include "frame.h"
#include "outcome.h"
#include "token.h"

#define N 5

static const char payload[] = "{\"aps\":{\"alert\":\"Hi\"}}";
static struct apn_token tokens[N];
static struct notification list[N];

/* Five notifications with identifiers 1..5, each with its own token. */
static int setup_list(void **state)
{
	(void)state;
	for (size_t i = 0; i < N; i++) {
		tokens[i].len = 32;
		for (size_t j = 0; j < 32; j++)
			tokens[i].bytes[j] = (uint8_t)(i * 32 + j);
		list[i].id = (uint32_t)(i + 1);
		list[i].expiry = 0;
		list[i].priority = 10;
		list[i].token = &tokens[i];
		list[i].payload = (const uint8_t *)payload;
		list[i].payload_len = sizeof payload - 1;
	}
	return 0;
}

struct run {
	enum result results[N];
	enum note notes[N];
	struct outcome out;
};

static struct answer make_answer(enum answer_kind kind, size_t written)
{
	struct answer a;

	memset(&a, 0, sizeof a);
	a.kind = kind;
	a.closed = CLOSED_OPEN;
	a.written = written;
	return a;
}

static struct answer error_answer(uint8_t status, uint32_t id, size_t written)
{
	struct answer a = make_answer(ANSWER_ERROR_RESPONSE, written);

	a.closed = CLOSED_TCP;
	a.packet.status = status;
	a.packet.id = id;
	a.nbytes = 6;
	a.bytes[0] = 8;
	a.bytes[1] = status;
	a.bytes[2] = (uint8_t)(id >> 24);
	a.bytes[3] = (uint8_t)(id >> 16);
	a.bytes[4] = (uint8_t)(id >> 8);
	a.bytes[5] = (uint8_t)id;
	return a;
}

static void assign(const struct answer *a, enum frame_format fmt, struct run *r)
{
	/* Poison, so that an unassigned entry shows. */
	memset(r, 0x5a, sizeof *r);
	outcome_assign(a, fmt, list, N, r->results, r->notes, &r->out);
}

static void expect(const struct run *r, size_t i, enum result res, enum note note)
{
	if (r->results[i] != res || r->notes[i] != note)
		fail_msg("notification %zu (id %zu): got %d/%d, want %s/%d", i,
			 i + 1, (int)r->results[i], (int)r->notes[i],
			 result_name(res), (int)note);
}

static void expect_counts(const struct run *r, size_t ok, size_t rejected,
			  size_t unconfirmed, size_t failed)
{
	assert_int_equal(r->out.ok, ok);
	assert_int_equal(r->out.rejected, rejected);
	assert_int_equal(r->out.unconfirmed, unconfirmed);
	assert_int_equal(r->out.failed, failed);
}

static void expect_code(const struct run *r, enum apn_code code)
{
	if (r->out.code != code)
		fail_msg("code %d (exit %d), want %d (exit %d)", (int)r->out.code,
			 apn_exit_status(r->out.code), (int)code,
			 apn_exit_status(code));
}

/* --- outcome_assign ------------------------------------------------------- */

static void test_none_all_written_all_ok(void **state)
{
	struct answer a = make_answer(ANSWER_NONE, N);
	struct run r;

	(void)state;
	assign(&a, FORMAT_FRAME, &r);
	for (size_t i = 0; i < N; i++)
		expect(&r, i, RESULT_OK, NOTE_NONE);
	expect_counts(&r, 5, 0, 0, 0);
	expect_code(&r, APN_OK);
}

static void test_rejected_middle(void **state)
{
	struct answer a = error_answer(8, 3, N);
	struct run r;

	(void)state;
	assign(&a, FORMAT_FRAME, &r);
	expect(&r, 0, RESULT_OK, NOTE_NONE);
	expect(&r, 1, RESULT_OK, NOTE_NONE);
	expect(&r, 2, RESULT_REJECTED, NOTE_NONE);
	expect(&r, 3, RESULT_FAILED, NOTE_AFTER_REJECTED);
	expect(&r, 4, RESULT_FAILED, NOTE_AFTER_REJECTED);
	assert_int_equal(r.out.named_found, 1);
	assert_int_equal(r.out.named, 2);
	expect_counts(&r, 2, 1, 0, 2);
	/* Failed ones need a retry: TEMPFAIL wins over REJECTED. */
	assert_int_equal(apn_code_worst(APN_REJECTED, APN_TEMPFAIL), APN_TEMPFAIL);
	assert_int_equal(apn_code_worst(APN_TEMPFAIL, APN_REJECTED), APN_TEMPFAIL);
	expect_code(&r, APN_TEMPFAIL);
}

static void test_rejected_middle_enhanced(void **state)
{
	struct answer a = error_answer(8, 3, N);
	struct run r;

	(void)state;
	assign(&a, FORMAT_ENHANCED, &r);
	expect(&r, 2, RESULT_REJECTED, NOTE_NONE);
	expect(&r, 3, RESULT_FAILED, NOTE_AFTER_REJECTED);
	assert_int_equal(r.out.named_found, 1);
	assert_int_equal(r.out.named, 2);
	expect_code(&r, APN_TEMPFAIL);
}

static void test_rejected_last(void **state)
{
	struct answer a = error_answer(8, 5, N);
	struct run r;

	(void)state;
	assign(&a, FORMAT_FRAME, &r);
	for (size_t i = 0; i < 4; i++)
		expect(&r, i, RESULT_OK, NOTE_NONE);
	expect(&r, 4, RESULT_REJECTED, NOTE_NONE);
	assert_int_equal(r.out.named_found, 1);
	assert_int_equal(r.out.named, 4);
	expect_counts(&r, 4, 1, 0, 0);
	expect_code(&r, APN_REJECTED);
}

static void test_rejected_first(void **state)
{
	struct answer a = error_answer(7, 1, N);
	struct run r;

	(void)state;
	assign(&a, FORMAT_FRAME, &r);
	expect(&r, 0, RESULT_REJECTED, NOTE_NONE);
	for (size_t i = 1; i < N; i++)
		expect(&r, i, RESULT_FAILED, NOTE_AFTER_REJECTED);
	assert_int_equal(r.out.named, 0);
	assert_int_equal(r.out.named_found, 1);
	expect_counts(&r, 0, 1, 0, 4);
	expect_code(&r, APN_TEMPFAIL);
}

static void test_shutdown_names_last_processed(void **state)
{
	struct answer a = error_answer(STATUS_SHUTDOWN, 3, N);
	struct run r;

	(void)state;
	assign(&a, FORMAT_FRAME, &r);
	expect(&r, 0, RESULT_OK, NOTE_NONE);
	expect(&r, 1, RESULT_OK, NOTE_NONE);
	expect(&r, 2, RESULT_OK, NOTE_NONE);
	expect(&r, 3, RESULT_FAILED, NOTE_AFTER_SHUTDOWN);
	expect(&r, 4, RESULT_FAILED, NOTE_AFTER_SHUTDOWN);
	assert_int_equal(r.out.named_found, 1);
	assert_int_equal(r.out.named, 2);
	expect_counts(&r, 3, 0, 0, 2);
	expect_code(&r, APN_TEMPFAIL);
}

static void test_error_id_zero_unconfirmed(void **state)
{
	struct answer a = error_answer(8, 0, N);
	struct run r;

	(void)state;
	assign(&a, FORMAT_FRAME, &r);
	for (size_t i = 0; i < N; i++)
		expect(&r, i, RESULT_UNCONFIRMED, NOTE_NO_ANSWER);
	assert_int_equal(r.out.named_found, 0);
	expect_counts(&r, 0, 0, 5, 0);
	expect_code(&r, APN_TEMPFAIL);
}

static void test_error_unknown_id_unconfirmed(void **state)
{
	struct answer a = error_answer(8, 99, N);
	struct run r;

	(void)state;
	assign(&a, FORMAT_FRAME, &r);
	for (size_t i = 0; i < N; i++)
		expect(&r, i, RESULT_UNCONFIRMED, NOTE_NO_ANSWER);
	assert_int_equal(r.out.named_found, 0);
	expect_counts(&r, 0, 0, 5, 0);
	expect_code(&r, APN_TEMPFAIL);
}

static void test_partly_written_rest_not_sent(void **state)
{
	struct answer a = make_answer(ANSWER_NONE, 2);
	struct run r;

	(void)state;
	assign(&a, FORMAT_FRAME, &r);
	expect(&r, 0, RESULT_OK, NOTE_NONE);
	expect(&r, 1, RESULT_OK, NOTE_NONE);
	for (size_t i = 2; i < N; i++)
		expect(&r, i, RESULT_FAILED, NOTE_NOT_SENT);
	expect_counts(&r, 2, 0, 0, 3);
	expect_code(&r, APN_TEMPFAIL);
}

static void test_partly_written_close_notify(void **state)
{
	struct answer a = make_answer(ANSWER_CLOSE_NOTIFY, 2);
	struct run r;

	(void)state;
	assign(&a, FORMAT_FRAME, &r);
	expect(&r, 0, RESULT_UNCONFIRMED, NOTE_NO_ANSWER);
	expect(&r, 1, RESULT_UNCONFIRMED, NOTE_NO_ANSWER);
	for (size_t i = 2; i < N; i++)
		expect(&r, i, RESULT_FAILED, NOTE_NOT_SENT);
	expect_counts(&r, 0, 0, 2, 3);
	expect_code(&r, APN_TEMPFAIL);
}

static void test_rejected_with_later_unwritten(void **state)
{
	/* 1..3 written, 3 rejected, 4 and 5 never written. */
	struct answer a = error_answer(8, 3, 3);
	struct run r;

	(void)state;
	assign(&a, FORMAT_FRAME, &r);
	expect(&r, 0, RESULT_OK, NOTE_NONE);
	expect(&r, 1, RESULT_OK, NOTE_NONE);
	expect(&r, 2, RESULT_REJECTED, NOTE_NONE);
	expect(&r, 3, RESULT_FAILED, NOTE_NOT_SENT);
	expect(&r, 4, RESULT_FAILED, NOTE_NOT_SENT);
}

static void test_close_notify_unconfirmed(void **state)
{
	struct answer a = make_answer(ANSWER_CLOSE_NOTIFY, N);
	struct run r;

	(void)state;
	a.closed = CLOSED_CLOSE_NOTIFY;
	assign(&a, FORMAT_FRAME, &r);
	for (size_t i = 0; i < N; i++)
		expect(&r, i, RESULT_UNCONFIRMED, NOTE_NO_ANSWER);
	expect_counts(&r, 0, 0, 5, 0);
	assert_int_equal(r.out.named_found, 0);
	expect_code(&r, APN_TEMPFAIL);
}

static void test_tcp_close_unconfirmed(void **state)
{
	struct answer a = make_answer(ANSWER_TCP_CLOSE, N);
	struct run r;

	(void)state;
	a.closed = CLOSED_TCP;
	assign(&a, FORMAT_FRAME, &r);
	for (size_t i = 0; i < N; i++)
		expect(&r, i, RESULT_UNCONFIRMED, NOTE_NO_ANSWER);
	expect_counts(&r, 0, 0, 5, 0);
	expect_code(&r, APN_TEMPFAIL);
}

static void test_stalled_unconfirmed(void **state)
{
	struct answer a = make_answer(ANSWER_STALLED, 3);
	struct run r;

	(void)state;
	assign(&a, FORMAT_FRAME, &r);
	for (size_t i = 0; i < 3; i++)
		expect(&r, i, RESULT_UNCONFIRMED, NOTE_NO_ANSWER);
	for (size_t i = 3; i < N; i++)
		expect(&r, i, RESULT_FAILED, NOTE_NOT_SENT);
	expect_code(&r, APN_TEMPFAIL);
}

static void test_tls_alert_refusing_cert_all_failed(void **state)
{
	struct answer a = make_answer(ANSWER_TLS_ALERT, 0);
	struct run r;

	(void)state;
	a.closed = CLOSED_ALERT;
	a.alert_refuses_cert = 1;
	a.during_handshake = 1;
	snprintf(a.alert, sizeof a.alert, "certificate unknown");
	assign(&a, FORMAT_FRAME, &r);
	for (size_t i = 0; i < N; i++)
		expect(&r, i, RESULT_FAILED, NOTE_CERT_REFUSED);
	expect_counts(&r, 0, 0, 0, 5);
	expect_code(&r, APN_NOPERM);
}

static void test_tls_alert_refusing_cert_after_writing(void **state)
{
	struct answer a = make_answer(ANSWER_TLS_ALERT, N);
	struct run r;

	(void)state;
	a.closed = CLOSED_ALERT;
	a.alert_refuses_cert = 1;
	snprintf(a.alert, sizeof a.alert, "certificate revoked");
	assign(&a, FORMAT_FRAME, &r);
	for (size_t i = 0; i < N; i++)
		expect(&r, i, RESULT_FAILED, NOTE_CERT_REFUSED);
	expect_counts(&r, 0, 0, 0, 5);
	expect_code(&r, APN_NOPERM);
}

static void test_tls_alert_other_unconfirmed(void **state)
{
	struct answer a = make_answer(ANSWER_TLS_ALERT, N);
	struct run r;

	(void)state;
	a.closed = CLOSED_ALERT;
	snprintf(a.alert, sizeof a.alert, "internal error");
	assign(&a, FORMAT_FRAME, &r);
	for (size_t i = 0; i < N; i++)
		expect(&r, i, RESULT_UNCONFIRMED, NOTE_NO_ANSWER);
	expect_counts(&r, 0, 0, 5, 0);
	expect_code(&r, APN_PROTOCOL);
}

static void test_protocol_error(void **state)
{
	struct answer a = make_answer(ANSWER_PROTOCOL_ERROR, N);
	struct run r;

	(void)state;
	a.nbytes = 3;
	a.bytes[0] = 'H';
	a.bytes[1] = 'T';
	a.bytes[2] = 'T';
	assign(&a, FORMAT_FRAME, &r);
	for (size_t i = 0; i < N; i++)
		expect(&r, i, RESULT_UNCONFIRMED, NOTE_NO_ANSWER);
	expect_counts(&r, 0, 0, 5, 0);
	assert_int_equal(r.out.named_found, 0);
	expect_code(&r, APN_PROTOCOL);
}

static void test_no_connection_all_failed(void **state)
{
	struct answer a = make_answer(ANSWER_NO_CONNECTION, 0);
	struct run r;

	(void)state;
	assign(&a, FORMAT_FRAME, &r);
	for (size_t i = 0; i < N; i++)
		expect(&r, i, RESULT_FAILED, NOTE_NOT_SENT);
	expect_counts(&r, 0, 0, 0, 5);
	/* main puts the connect error's own code over this one. */
	expect_code(&r, APN_TEMPFAIL);
}

static void test_simple_format_error_names_nothing(void **state)
{
	/* Command 0 carries no identifier: even a packet whose id matches a
	 * notification cannot name it. */
	struct answer a = error_answer(8, 3, N);
	struct run r;

	(void)state;
	assign(&a, FORMAT_SIMPLE, &r);
	assert_int_equal(r.out.named_found, 0);
	assert_int_equal(r.out.rejected, 0);
	for (size_t i = 0; i < N; i++)
		expect(&r, i, RESULT_UNCONFIRMED, NOTE_NO_ANSWER);
}

/* --- exit statuses and names ---------------------------------------------- */

static void test_exit_status_map(void **state)
{
	(void)state;
	assert_int_equal(apn_exit_status(APN_OK), 0);
	assert_int_equal(apn_exit_status(APN_REJECTED), 1);
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
}

static void test_code_worst_ok_loses(void **state)
{
	static const enum apn_code all[] = {
		APN_REJECTED, APN_USAGE, APN_DATAERR, APN_NOINPUT, APN_NOHOST,
		APN_UNAVAILABLE, APN_SOFTWARE, APN_IOERR, APN_TEMPFAIL,
		APN_PROTOCOL, APN_NOPERM, APN_CONFIG,
	};

	(void)state;
	assert_int_equal(apn_code_worst(APN_OK, APN_OK), APN_OK);
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		assert_int_equal(apn_code_worst(APN_OK, all[i]), all[i]);
		assert_int_equal(apn_code_worst(all[i], APN_OK), all[i]);
		assert_int_equal(apn_code_worst(all[i], all[i]), all[i]);
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
}

static void test_note_texts(void **state)
{
	static const enum note notes[] = {
		NOTE_NOT_SENT, NOTE_AFTER_REJECTED, NOTE_AFTER_SHUTDOWN,
		NOTE_NO_ANSWER, NOTE_CERT_REFUSED,
	};

	(void)state;
	assert_string_equal(note_text(NOTE_NONE), "");
	for (size_t i = 0; i < sizeof notes / sizeof notes[0]; i++) {
		assert_non_null(note_text(notes[i]));
		assert_true(note_text(notes[i])[0] != '\0');
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_none_all_written_all_ok),
		cmocka_unit_test(test_rejected_middle),
		cmocka_unit_test(test_rejected_middle_enhanced),
		cmocka_unit_test(test_rejected_last),
		cmocka_unit_test(test_rejected_first),
		cmocka_unit_test(test_shutdown_names_last_processed),
		cmocka_unit_test(test_error_id_zero_unconfirmed),
		cmocka_unit_test(test_error_unknown_id_unconfirmed),
		cmocka_unit_test(test_partly_written_rest_not_sent),
		cmocka_unit_test(test_partly_written_close_notify),
		cmocka_unit_test(test_rejected_with_later_unwritten),
		cmocka_unit_test(test_close_notify_unconfirmed),
		cmocka_unit_test(test_tcp_close_unconfirmed),
		cmocka_unit_test(test_stalled_unconfirmed),
		cmocka_unit_test(test_tls_alert_refusing_cert_all_failed),
		cmocka_unit_test(test_tls_alert_refusing_cert_after_writing),
		cmocka_unit_test(test_tls_alert_other_unconfirmed),
		cmocka_unit_test(test_protocol_error),
		cmocka_unit_test(test_no_connection_all_failed),
		cmocka_unit_test(test_simple_format_error_names_nothing),
		cmocka_unit_test(test_exit_status_map),
		cmocka_unit_test(test_code_worst_ok_loses),
		cmocka_unit_test(test_answer_kind_names),
		cmocka_unit_test(test_closed_kind_names),
		cmocka_unit_test(test_result_names),
		cmocka_unit_test(test_note_texts),
	};

	return cmocka_run_group_tests(tests, setup_list, NULL);
}
