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

/* Whether the packet answers our sentinel: it names the sentinel, or it
 * carries identifier 0 with a status only the sentinel can earn (every
 * notification apnsend writes has a token and a payload).  Identifier 0
 * with any other status may be about a real notification: it names
 * nothing, and proves nothing. */
static int answers_sentinel(const struct answer *ans,
			    const struct verdict_context *ctx)
{
	if (!ctx->sentinel_sent)
		return 0;
	if (ans->packet.id == ctx->sentinel_id)
		return 1;
	return ans->packet.id == 0 &&
	       (ans->packet.status == STATUS_MISSING_TOKEN ||
		ans->packet.status == STATUS_MISSING_PAYLOAD);
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
		if (answers_sentinel(ans, ctx)) {
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
	case ANSWER_GOAWAY: /* HTTP/2 only: a close, as far as frames go */
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
