/* verdict.c: from one connection's answer to resolved notifications. */
#include <config.h>

#include <string.h>

#include "verdict.h"

static void nothing_proven(const struct verdict_context *ctx,
			   const struct window *win, struct verdict *v)
{
	if (ctx->at_most_once)
		v->unconfirmed_below = win->w;
}

void verdict_decide(const struct answer *ans, const struct verdict_context *ctx,
		    const struct window *win, struct verdict *v)
{
	uint64_t k;

	memset(v, 0, sizeof *v);
	v->ok_below = win->lo;
	v->unconfirmed_below = win->lo;
	v->code = APN_OK;

	switch (ans->kind) {
	case ANSWER_ERROR_RESPONSE:
		if (ctx->sentinel_sent &&
		    (ans->packet.id == ctx->sentinel_id ||
		     (ans->packet.id == 0 && ans->packet.status != STATUS_SHUTDOWN))) {
			v->named = NAMED_SENTINEL;
			v->ok_below = v->unconfirmed_below = win->w;
			return;
		}
		if (ctx->format == FORMAT_SIMPLE ||
		    window_find(win, ans->packet.id, &k) != 0) {
			v->named = NAMED_UNMATCHED;
			nothing_proven(ctx, win, v);
			return;
		}
		v->named = NAMED_NOTIFICATION;
		v->named_seq = k;
		v->status = ans->packet.status;
		if (ans->packet.status == STATUS_SHUTDOWN) {
			v->ok_below = v->unconfirmed_below = k + 1;
		} else {
			v->ok_below = v->unconfirmed_below = k;
			v->has_rejected = 1;
		}
		return;
	case ANSWER_NONE:
		v->ok_below = v->unconfirmed_below = win->w;
		return;
	case ANSWER_CLOSE_NOTIFY:
	case ANSWER_TCP_CLOSE:
		nothing_proven(ctx, win, v);
		return;
	case ANSWER_TLS_ALERT:
		v->stop = 1;
		if (ans->alert_refuses_cert) {
			v->code = APN_NOPERM;
			return;
		}
		v->code = APN_PROTOCOL;
		v->unconfirmed_below = win->w;
		return;
	case ANSWER_PROTOCOL_ERROR:
		v->stop = 1;
		v->code = APN_PROTOCOL;
		v->unconfirmed_below = win->w;
		return;
	case ANSWER_STALLED:
		v->stop = 1;
		v->code = APN_TEMPFAIL;
		v->unconfirmed_below = win->w;
		return;
	case ANSWER_NO_CONNECTION:
		return;
	}
}
