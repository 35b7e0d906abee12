/* outcome.h: from the gateway's answer to a result per notification and an
 * exit code.  No I/O.  The rules follow PROTOCOL.md 1.9 and 1.10:
 *
 *   error-response naming #k (status != 10): before #k ok, #k rejected,
 *       written after #k failed (the gateway discards them);
 *   status 10 naming #k: #k and before ok, the rest failed;
 *   a packet naming no notification of this run, close-notify, tcp-close,
 *       protocol error, stall: written ones unconfirmed;
 *   a fatal alert refusing our certificate: all failed;
 *   none: written ones ok.
 * Notifications never fully written are always failed.
 */
#ifndef APNSEND_OUTCOME_H
#define APNSEND_OUTCOME_H

#include <stddef.h>

#include "answer.h"
#include "error.h"
#include "frame.h"

/* INTERFACE: the names appear in --json output. */
enum result {
	RESULT_OK,          /* "ok" */
	RESULT_REJECTED,    /* "rejected" */
	RESULT_UNCONFIRMED, /* "unconfirmed" */
	RESULT_FAILED       /* "failed" */
};

/* Why a notification is failed or unconfirmed (NOTE_NONE otherwise). */
enum note {
	NOTE_NONE,
	NOTE_NOT_SENT,        /* never fully written */
	NOTE_AFTER_REJECTED,  /* written after the rejected one: discarded */
	NOTE_AFTER_SHUTDOWN,  /* written after the one status 10 named */
	NOTE_NO_ANSWER,       /* closed without an answer naming anything */
	NOTE_CERT_REFUSED     /* the gateway refused our certificate */
};

struct outcome {
	size_t ok, rejected, unconfirmed, failed;
	size_t named;       /* index of the notification the packet names */
	int named_found;    /* 0: the packet's identifier matches none */
	enum apn_code code; /* what the exit status should say */
};

/* Assign results[i] and notes[i] for list[0..n) given ans (ans->written of
 * them fully written) and fill *out. */
void outcome_assign(const struct answer *ans, enum frame_format fmt,
		    const struct notification *list, size_t n,
		    enum result *results, enum note *notes, struct outcome *out);

/* INTERFACE: "ok", "rejected", "unconfirmed", "failed". */
const char *result_name(enum result r);

/* INTERFACE: a short sentence for note (empty for NOTE_NONE), the "reason"
 * of --json lines.  Static storage. */
const char *note_text(enum note note);

#endif
