/* signals.h: SIGINT and SIGTERM during a run.
 *
 * The first one asks the run to stop: no more input is read, nothing new
 * is sent, what is in flight is given its bounded time to be answered,
 * and every notification read gets its result (sender.h, h2sender.h).
 * The second one stops the waiting too.  The handler only counts; the
 * loops look at the count (and poll wakes with EINTR, or within
 * SIGNALS_POLL_MS at the latest).
 */
#ifndef APNSEND_SIGNALS_H
#define APNSEND_SIGNALS_H

/* The longest a loop may sleep in poll without looking at the count. */
#define SIGNALS_POLL_MS 500

/* Catch SIGINT and SIGTERM from now on (no SA_RESTART). */
void signals_catch(void);

/* How many have arrived (0: none). */
int signals_caught(void);

/* The name of the last one ("SIGINT", "SIGTERM"), or "" when none. */
const char *signals_name(void);

#endif
