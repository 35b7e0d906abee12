/* test_verdict.c: unit tests of verdict_decide (src/verdict.h), the rules
 * that turn one connection's answer into resolved notifications
 * (PROTOCOL.md 1.9, 1.10, 5.1-5.4). */
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
#include "verdict.h"
#include "window.h"

/* The usual window: first_id 1, so seq s has identifier s + 1; [0, 10)
 * resolved, [10, 20) written on this connection, [20, 25) read, unwritten. */
#define FIRST_ID 1
#define LO 10
#define W 20
#define NEXT 25
#define ID(s) ((uint32_t)((s) + 1))

static struct window make_window(uint32_t first_id, uint64_t lo, uint64_t w,
				 uint64_t next)
{
	struct window win;

	window_init(&win, first_id);
	win.lo = lo;
	win.w = w;
	win.next = next;
	return win;
}

static struct window usual_window(void)
{
	return make_window(FIRST_ID, LO, W, NEXT);
}

static struct verdict_context make_ctx(enum frame_format fmt, int at_most_once)
{
	struct verdict_context ctx;

	memset(&ctx, 0, sizeof ctx);
	ctx.format = fmt;
	ctx.at_most_once = at_most_once;
	return ctx;
}

static struct answer make_answer(enum answer_kind kind)
{
	struct answer a;

	memset(&a, 0, sizeof a);
	a.kind = kind;
	a.closed = CLOSED_OPEN;
	return a;
}

static struct answer error_answer(uint8_t status, uint32_t id)
{
	struct answer a = make_answer(ANSWER_ERROR_RESPONSE);

	a.closed = CLOSED_TCP;
	a.packet.status = status;
	a.packet.id = id;
	a.nbytes = ERROR_RESPONSE_BYTES;
	a.bytes[0] = ERROR_RESPONSE_COMMAND;
	a.bytes[1] = status;
	a.bytes[2] = (uint8_t)(id >> 24);
	a.bytes[3] = (uint8_t)(id >> 16);
	a.bytes[4] = (uint8_t)(id >> 8);
	a.bytes[5] = (uint8_t)id;
	return a;
}

static struct verdict decide(const struct answer *a,
			     const struct verdict_context *ctx,
			     const struct window *win)
{
	struct verdict v;

	/* Poison, so that a field verdict_decide leaves unset shows. */
	memset(&v, 0x5a, sizeof v);
	verdict_decide(a, ctx, win, &v);
	return v;
}

static const char *named_name(enum verdict_named n)
{
	switch (n) {
	case NAMED_NOTHING:
		return "nothing";
	case NAMED_NOTIFICATION:
		return "notification";
	case NAMED_SENTINEL:
		return "sentinel";
	case NAMED_UNMATCHED:
		return "unmatched";
	}
	return "?";
}

/* named_seq and status only mean something when a notification is named. */
static void expect(const struct verdict *v, enum verdict_named named,
		   uint64_t named_seq, uint64_t ok_below, int has_rejected,
		   uint8_t status, uint64_t unconfirmed_below, int stop,
		   enum apn_code code)
{
	if (v->named != named)
		fail_msg("named %s (%d), want %s", named_name(v->named),
			 (int)v->named, named_name(named));
	if (named == NAMED_NOTIFICATION) {
		assert_int_equal(v->named_seq, named_seq);
		assert_int_equal(v->status, status);
	}
	if (v->ok_below != ok_below)
		fail_msg("ok_below %llu, want %llu",
			 (unsigned long long)v->ok_below,
			 (unsigned long long)ok_below);
	if (v->has_rejected != has_rejected)
		fail_msg("has_rejected %d, want %d", v->has_rejected,
			 has_rejected);
	if (v->unconfirmed_below != unconfirmed_below)
		fail_msg("unconfirmed_below %llu, want %llu",
			 (unsigned long long)v->unconfirmed_below,
			 (unsigned long long)unconfirmed_below);
	if (v->stop != stop)
		fail_msg("stop %d, want %d", v->stop, stop);
	if (v->code != code)
		fail_msg("code %d (exit %d), want %d (exit %d)", (int)v->code,
			 apn_exit_status(v->code), (int)code,
			 apn_exit_status(code));
}

/* --- error-response naming a written notification --------------------- */

static void test_rejected_middle(void **state)
{
	struct window win = usual_window();
	struct verdict_context ctx = make_ctx(FORMAT_FRAME, 0);
	struct answer a = error_answer(8, ID(15));
	struct verdict v;

	(void)state;
	v = decide(&a, &ctx, &win);
	expect(&v, NAMED_NOTIFICATION, 15, 15, 1, 8, 15, 0, APN_OK);
	window_free(&win);
}

static void test_rejected_middle_enhanced(void **state)
{
	struct window win = usual_window();
	struct verdict_context ctx = make_ctx(FORMAT_ENHANCED, 0);
	struct answer a = error_answer(8, ID(15));
	struct verdict v;

	(void)state;
	v = decide(&a, &ctx, &win);
	expect(&v, NAMED_NOTIFICATION, 15, 15, 1, 8, 15, 0, APN_OK);
	window_free(&win);
}

/* The gateway discarded what came after the rejected one: it is resent,
 * not unconfirmed, even with --at-most-once. */
static void test_rejected_middle_at_most_once(void **state)
{
	struct window win = usual_window();
	struct verdict_context ctx = make_ctx(FORMAT_FRAME, 1);
	struct answer a = error_answer(8, ID(15));
	struct verdict v;

	(void)state;
	v = decide(&a, &ctx, &win);
	expect(&v, NAMED_NOTIFICATION, 15, 15, 1, 8, 15, 0, APN_OK);
	window_free(&win);
}

static void test_rejected_first(void **state)
{
	struct window win = usual_window();
	struct verdict_context ctx = make_ctx(FORMAT_FRAME, 0);
	struct answer a = error_answer(8, ID(LO));
	struct verdict v;

	(void)state;
	v = decide(&a, &ctx, &win);
	expect(&v, NAMED_NOTIFICATION, LO, LO, 1, 8, LO, 0, APN_OK);
	window_free(&win);
}

static void test_rejected_last(void **state)
{
	struct window win = usual_window();
	struct verdict_context ctx = make_ctx(FORMAT_FRAME, 0);
	struct answer a = error_answer(8, ID(W - 1));
	struct verdict v;

	(void)state;
	v = decide(&a, &ctx, &win);
	expect(&v, NAMED_NOTIFICATION, W - 1, W - 1, 1, 8, W - 1, 0, APN_OK);
	window_free(&win);
}

/* Other rejection statuses are carried through unchanged. */
static void test_rejected_other_statuses(void **state)
{
	static const uint8_t statuses[] = { 1, 2, 3, 4, 5, 6, 7, 8, 255 };
	struct window win = usual_window();
	struct verdict_context ctx = make_ctx(FORMAT_FRAME, 0);

	(void)state;
	for (size_t i = 0; i < sizeof statuses; i++) {
		struct answer a = error_answer(statuses[i], ID(12));
		struct verdict v = decide(&a, &ctx, &win);

		expect(&v, NAMED_NOTIFICATION, 12, 12, 1, statuses[i], 12, 0,
		       APN_OK);
	}
	window_free(&win);
}

/* --- status 10 (shutdown) --------------------------------------------- */

static void test_shutdown_names_middle(void **state)
{
	struct window win = usual_window();
	struct verdict_context ctx = make_ctx(FORMAT_FRAME, 0);
	struct answer a = error_answer(STATUS_SHUTDOWN, ID(15));
	struct verdict v;

	(void)state;
	v = decide(&a, &ctx, &win);
	expect(&v, NAMED_NOTIFICATION, 15, 16, 0, STATUS_SHUTDOWN, 16, 0,
	       APN_OK);
	window_free(&win);
}

static void test_shutdown_names_last(void **state)
{
	struct window win = usual_window();
	struct verdict_context ctx = make_ctx(FORMAT_FRAME, 1);
	struct answer a = error_answer(STATUS_SHUTDOWN, ID(W - 1));
	struct verdict v;

	(void)state;
	v = decide(&a, &ctx, &win);
	expect(&v, NAMED_NOTIFICATION, W - 1, W, 0, STATUS_SHUTDOWN, W, 0,
	       APN_OK);
	window_free(&win);
}

/* --- packets naming nothing in the window ----------------------------- */

static void check_unmatched(uint8_t status, uint32_t id)
{
	struct window win = usual_window();
	struct verdict_context ctx = make_ctx(FORMAT_FRAME, 0);
	struct answer a = error_answer(status, id);
	struct verdict v;

	v = decide(&a, &ctx, &win);
	expect(&v, NAMED_UNMATCHED, 0, LO, 0, 0, LO, 0, APN_OK);
	ctx.at_most_once = 1;
	v = decide(&a, &ctx, &win);
	expect(&v, NAMED_UNMATCHED, 0, LO, 0, 0, W, 0, APN_OK);
	window_free(&win);
}

static void test_unmatched_resolved_id(void **state)
{
	(void)state;
	check_unmatched(8, ID(LO - 1));
}

static void test_unmatched_unwritten_id(void **state)
{
	(void)state;
	check_unmatched(8, ID(W));
	check_unmatched(8, ID(NEXT - 1));
	check_unmatched(8, ID(NEXT + 1000));
}

static void test_unmatched_id_zero(void **state)
{
	(void)state;
	check_unmatched(8, 0);
	check_unmatched(STATUS_SHUTDOWN, 0);
}

static void test_unmatched_shutdown_outside(void **state)
{
	(void)state;
	check_unmatched(STATUS_SHUTDOWN, ID(LO - 1));
	check_unmatched(STATUS_SHUTDOWN, ID(W));
}

/* --- the sentinel ------------------------------------------------------ */

static struct verdict_context sentinel_ctx(int at_most_once)
{
	struct verdict_context ctx = make_ctx(FORMAT_FRAME, at_most_once);

	ctx.sentinel_sent = 1;
	ctx.sentinel_id = ID(W);
	return ctx;
}

static void test_sentinel_by_id(void **state)
{
	struct window win = usual_window();
	struct verdict_context ctx = sentinel_ctx(0);
	struct answer a = error_answer(8, ID(W));
	struct verdict v;

	(void)state;
	v = decide(&a, &ctx, &win);
	expect(&v, NAMED_SENTINEL, 0, W, 0, 0, W, 0, APN_OK);
	ctx.at_most_once = 1;
	v = decide(&a, &ctx, &win);
	expect(&v, NAMED_SENTINEL, 0, W, 0, 0, W, 0, APN_OK);
	window_free(&win);
}

static void test_sentinel_by_id_other_statuses(void **state)
{
	struct window win = usual_window();
	struct verdict_context ctx = sentinel_ctx(0);

	(void)state;
	for (unsigned s = 1; s <= 255; s++) {
		struct answer a = error_answer((uint8_t)s, ID(W));
		struct verdict v = decide(&a, &ctx, &win);

		expect(&v, NAMED_SENTINEL, 0, W, 0, 0, W, 0, APN_OK);
	}
	window_free(&win);
}

/* Identifier 0 answers the sentinel only with a status no real
 * notification can earn: missing token (2) or missing payload (4). */
static void test_sentinel_id_zero(void **state)
{
	static const uint8_t statuses[] = { STATUS_MISSING_TOKEN, STATUS_MISSING_PAYLOAD };
	struct window win = usual_window();
	struct verdict_context ctx = sentinel_ctx(0);
	struct verdict v;

	(void)state;
	for (size_t i = 0; i < sizeof statuses; i++) {
		struct answer a = error_answer(statuses[i], 0);

		v = decide(&a, &ctx, &win);
		expect(&v, NAMED_SENTINEL, 0, W, 0, 0, W, 0, APN_OK);
	}
	window_free(&win);
}

/* Identifier 0 with any other status (a shutdown, or a real rejection
 * such as invalid token from a gateway that does not name it) names
 * nothing: nothing before the sentinel is proven. */
static void test_sentinel_id_zero_other_status_unmatched(void **state)
{
	static const uint8_t statuses[] = { 1, 3, 5, 6, 7, 8, STATUS_SHUTDOWN, 128, 255 };
	struct window win = usual_window();
	struct verdict_context ctx = sentinel_ctx(0);
	struct verdict v;

	(void)state;
	for (size_t i = 0; i < sizeof statuses; i++) {
		struct answer a = error_answer(statuses[i], 0);

		ctx.at_most_once = 0;
		v = decide(&a, &ctx, &win);
		expect(&v, NAMED_UNMATCHED, 0, LO, 0, 0, LO, 0, APN_OK);
		ctx.at_most_once = 1;
		v = decide(&a, &ctx, &win);
		expect(&v, NAMED_UNMATCHED, 0, LO, 0, 0, W, 0, APN_OK);
	}
	window_free(&win);
}

static void test_no_sentinel_id_zero_unmatched(void **state)
{
	struct window win = usual_window();
	struct verdict_context ctx = sentinel_ctx(0);
	struct answer a = error_answer(2, 0);
	struct verdict v;

	(void)state;
	ctx.sentinel_sent = 0;
	v = decide(&a, &ctx, &win);
	expect(&v, NAMED_UNMATCHED, 0, LO, 0, 0, LO, 0, APN_OK);
	/* Nor does the sentinel's identifier count when none was sent. */
	a = error_answer(8, ID(W));
	v = decide(&a, &ctx, &win);
	expect(&v, NAMED_UNMATCHED, 0, LO, 0, 0, LO, 0, APN_OK);
	window_free(&win);
}

/* With a sentinel on the wire, a packet naming a notification still
 * names that notification. */
static void test_sentinel_sent_notification_named(void **state)
{
	struct window win = usual_window();
	struct verdict_context ctx = sentinel_ctx(0);
	struct answer a = error_answer(8, ID(15));
	struct verdict v;

	(void)state;
	v = decide(&a, &ctx, &win);
	expect(&v, NAMED_NOTIFICATION, 15, 15, 1, 8, 15, 0, APN_OK);
	a = error_answer(STATUS_SHUTDOWN, ID(15));
	v = decide(&a, &ctx, &win);
	expect(&v, NAMED_NOTIFICATION, 15, 16, 0, STATUS_SHUTDOWN, 16, 0,
	       APN_OK);
	window_free(&win);
}

/* --- format simple: no identifiers ------------------------------------ */

static void test_simple_format_names_nothing(void **state)
{
	struct window win = usual_window();
	struct verdict_context ctx = make_ctx(FORMAT_SIMPLE, 0);
	struct answer a = error_answer(8, ID(15));
	struct verdict v;

	(void)state;
	v = decide(&a, &ctx, &win);
	expect(&v, NAMED_UNMATCHED, 0, LO, 0, 0, LO, 0, APN_OK);
	ctx.at_most_once = 1;
	v = decide(&a, &ctx, &win);
	expect(&v, NAMED_UNMATCHED, 0, LO, 0, 0, W, 0, APN_OK);
	window_free(&win);
}

/* --- answers without a packet ----------------------------------------- */

static void test_none_all_ok(void **state)
{
	struct window win = usual_window();
	struct answer a = make_answer(ANSWER_NONE);
	struct verdict v;

	(void)state;
	for (int amo = 0; amo <= 1; amo++) {
		struct verdict_context ctx = make_ctx(FORMAT_FRAME, amo);

		v = decide(&a, &ctx, &win);
		expect(&v, NAMED_NOTHING, 0, W, 0, 0, W, 0, APN_OK);
	}
	window_free(&win);
}

static void check_nothing_proven(enum answer_kind kind, enum closed_kind closed)
{
	struct window win = usual_window();
	struct verdict_context ctx = make_ctx(FORMAT_FRAME, 0);
	struct answer a = make_answer(kind);
	struct verdict v;

	a.closed = closed;
	v = decide(&a, &ctx, &win);
	expect(&v, NAMED_NOTHING, 0, LO, 0, 0, LO, 0, APN_OK);
	ctx.at_most_once = 1;
	v = decide(&a, &ctx, &win);
	expect(&v, NAMED_NOTHING, 0, LO, 0, 0, W, 0, APN_OK);
	window_free(&win);
}

static void test_close_notify_nothing_proven(void **state)
{
	(void)state;
	check_nothing_proven(ANSWER_CLOSE_NOTIFY, CLOSED_CLOSE_NOTIFY);
}

static void test_tcp_close_nothing_proven(void **state)
{
	(void)state;
	check_nothing_proven(ANSWER_TCP_CLOSE, CLOSED_TCP);
	check_nothing_proven(ANSWER_TCP_CLOSE, CLOSED_RESET);
}

/* --- answers that stop the run ---------------------------------------- */

static void test_tls_alert_refusing_cert(void **state)
{
	struct window win = usual_window();
	struct answer a = make_answer(ANSWER_TLS_ALERT);
	struct verdict v;

	(void)state;
	a.closed = CLOSED_ALERT;
	a.alert_refuses_cert = 1;
	strcpy(a.alert, "Certificate is bad");
	for (int amo = 0; amo <= 1; amo++) {
		struct verdict_context ctx = make_ctx(FORMAT_FRAME, amo);

		v = decide(&a, &ctx, &win);
		expect(&v, NAMED_NOTHING, 0, LO, 0, 0, LO, 1, APN_NOPERM);
	}
	window_free(&win);
}

static void test_tls_alert_other(void **state)
{
	struct window win = usual_window();
	struct answer a = make_answer(ANSWER_TLS_ALERT);
	struct verdict v;

	(void)state;
	a.closed = CLOSED_ALERT;
	strcpy(a.alert, "Internal error");
	for (int amo = 0; amo <= 1; amo++) {
		struct verdict_context ctx = make_ctx(FORMAT_FRAME, amo);

		v = decide(&a, &ctx, &win);
		expect(&v, NAMED_NOTHING, 0, LO, 0, 0, W, 1, APN_PROTOCOL);
	}
	window_free(&win);
}

static void test_protocol_error(void **state)
{
	struct window win = usual_window();
	struct answer a = make_answer(ANSWER_PROTOCOL_ERROR);
	struct verdict v;

	(void)state;
	a.closed = CLOSED_TCP;
	a.nbytes = 3;
	memcpy(a.bytes, "\x01\x02\x03", 3);
	for (int amo = 0; amo <= 1; amo++) {
		struct verdict_context ctx = make_ctx(FORMAT_FRAME, amo);

		v = decide(&a, &ctx, &win);
		expect(&v, NAMED_NOTHING, 0, LO, 0, 0, W, 1, APN_PROTOCOL);
	}
	window_free(&win);
}

static void test_stalled(void **state)
{
	struct window win = usual_window();
	struct answer a = make_answer(ANSWER_STALLED);
	struct verdict v;

	(void)state;
	for (int amo = 0; amo <= 1; amo++) {
		struct verdict_context ctx = make_ctx(FORMAT_FRAME, amo);

		v = decide(&a, &ctx, &win);
		expect(&v, NAMED_NOTHING, 0, LO, 0, 0, W, 1, APN_TEMPFAIL);
	}
	window_free(&win);
}

/* Nothing was written on a connection that never came up. */
static void test_no_connection(void **state)
{
	struct window win = make_window(FIRST_ID, LO, LO, NEXT);
	struct answer a = make_answer(ANSWER_NO_CONNECTION);
	struct verdict v;

	(void)state;
	a.closed = CLOSED_ERROR;
	a.during_handshake = 1;
	for (int amo = 0; amo <= 1; amo++) {
		struct verdict_context ctx = make_ctx(FORMAT_FRAME, amo);

		v = decide(&a, &ctx, &win);
		expect(&v, NAMED_NOTHING, 0, LO, 0, 0, LO, 0, APN_OK);
	}
	window_free(&win);
}

/* --- identifiers wrapping past 4294967295 ----------------------------- */

/* first_id 4294967290: seq 5 is 4294967295, seq 6 is 1 (0 is skipped),
 * seq 11 is 6.  [3, 12) is written. */
#define WRAP_FIRST 4294967290U
#define WRAP_LO 3
#define WRAP_W 12

static void test_wrap_rejected_after_wrap(void **state)
{
	struct window win = make_window(WRAP_FIRST, WRAP_LO, WRAP_W, 20);
	struct verdict_context ctx = make_ctx(FORMAT_FRAME, 0);
	struct answer a = error_answer(8, 1);
	struct verdict v;

	(void)state;
	v = decide(&a, &ctx, &win);
	expect(&v, NAMED_NOTIFICATION, 6, 6, 1, 8, 6, 0, APN_OK);
	a = error_answer(8, 2);
	v = decide(&a, &ctx, &win);
	expect(&v, NAMED_NOTIFICATION, 7, 7, 1, 8, 7, 0, APN_OK);
	a = error_answer(STATUS_SHUTDOWN, 6);
	v = decide(&a, &ctx, &win);
	expect(&v, NAMED_NOTIFICATION, 11, 12, 0, STATUS_SHUTDOWN, 12, 0,
	       APN_OK);
	window_free(&win);
}

static void test_wrap_rejected_before_wrap(void **state)
{
	struct window win = make_window(WRAP_FIRST, WRAP_LO, WRAP_W, 20);
	struct verdict_context ctx = make_ctx(FORMAT_FRAME, 0);
	struct answer a = error_answer(8, 4294967295U);
	struct verdict v;

	(void)state;
	v = decide(&a, &ctx, &win);
	expect(&v, NAMED_NOTIFICATION, 5, 5, 1, 8, 5, 0, APN_OK);
	a = error_answer(8, 4294967293U);
	v = decide(&a, &ctx, &win);
	expect(&v, NAMED_NOTIFICATION, WRAP_LO, WRAP_LO, 1, 8, WRAP_LO, 0,
	       APN_OK);
	window_free(&win);
}

static void test_wrap_unmatched(void **state)
{
	static const uint32_t outside[] = {
		4294967290U, 4294967292U, /* seq 0, 2: resolved */
		7, 10,                    /* seq 12, 15: unwritten */
		0,
	};
	struct window win = make_window(WRAP_FIRST, WRAP_LO, WRAP_W, 20);
	struct verdict_context ctx = make_ctx(FORMAT_FRAME, 1);

	(void)state;
	for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++) {
		struct answer a = error_answer(8, outside[i]);
		struct verdict v = decide(&a, &ctx, &win);

		expect(&v, NAMED_UNMATCHED, 0, WRAP_LO, 0, 0, WRAP_W, 0,
		       APN_OK);
	}
	window_free(&win);
}

/* The sentinel right after the wrap. */
static void test_wrap_sentinel(void **state)
{
	struct window win = make_window(WRAP_FIRST, WRAP_LO, WRAP_W, 20);
	struct verdict_context ctx = make_ctx(FORMAT_FRAME, 0);
	struct answer a = error_answer(8, 7);
	struct verdict v;

	(void)state;
	ctx.sentinel_sent = 1;
	ctx.sentinel_id = window_id(&win, WRAP_W);
	assert_int_equal(ctx.sentinel_id, 7);
	v = decide(&a, &ctx, &win);
	expect(&v, NAMED_SENTINEL, 0, WRAP_W, 0, 0, WRAP_W, 0, APN_OK);
	window_free(&win);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rejected_middle),
		cmocka_unit_test(test_rejected_middle_enhanced),
		cmocka_unit_test(test_rejected_middle_at_most_once),
		cmocka_unit_test(test_rejected_first),
		cmocka_unit_test(test_rejected_last),
		cmocka_unit_test(test_rejected_other_statuses),
		cmocka_unit_test(test_shutdown_names_middle),
		cmocka_unit_test(test_shutdown_names_last),
		cmocka_unit_test(test_unmatched_resolved_id),
		cmocka_unit_test(test_unmatched_unwritten_id),
		cmocka_unit_test(test_unmatched_id_zero),
		cmocka_unit_test(test_unmatched_shutdown_outside),
		cmocka_unit_test(test_sentinel_by_id),
		cmocka_unit_test(test_sentinel_by_id_other_statuses),
		cmocka_unit_test(test_sentinel_id_zero),
		cmocka_unit_test(test_sentinel_id_zero_other_status_unmatched),
		cmocka_unit_test(test_no_sentinel_id_zero_unmatched),
		cmocka_unit_test(test_sentinel_sent_notification_named),
		cmocka_unit_test(test_simple_format_names_nothing),
		cmocka_unit_test(test_none_all_ok),
		cmocka_unit_test(test_close_notify_nothing_proven),
		cmocka_unit_test(test_tcp_close_nothing_proven),
		cmocka_unit_test(test_tls_alert_refusing_cert),
		cmocka_unit_test(test_tls_alert_other),
		cmocka_unit_test(test_protocol_error),
		cmocka_unit_test(test_stalled),
		cmocka_unit_test(test_no_connection),
		cmocka_unit_test(test_wrap_rejected_after_wrap),
		cmocka_unit_test(test_wrap_rejected_before_wrap),
		cmocka_unit_test(test_wrap_unmatched),
		cmocka_unit_test(test_wrap_sentinel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
